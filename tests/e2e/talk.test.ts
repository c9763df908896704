// A speaker's and a newcomer's walk through the app (issue 14): shortcuts still work after dragging the
// slider; Space starts a run only on the Train view (elsewhere it only pauses); Pause says "pausing" at
// once; in talk mode at 1024×768 the top bar takes at most a fifth of the screen, a full-screen chart
// keeps its axes on the screen with ≥ 20 px text and ≥ 4 px lines, and the shortcut list fits; the
// backend switch shows both measured speeds and suggests the CPU backend on a software adapter; Back /
// Forward move between views; legend entries hide their series; a chart exports as PNG and CSV.
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { sharedBrowser } from './shared-browser';

const base = inject('baseURL');
const browser = sharedBrowser();

const MODEL_TIMEOUT = 180_000;
const RUN_TIMEOUT = 10 * 60_000;

async function open(hash: string, viewport = { width: 1440, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser().newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(base + hash);
  await page.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
  return { context, page };
}

const status = (page: Page) => page.getByTestId('run-status').textContent();
const hash = (page: Page) => page.evaluate(() => location.hash);

describe('a walk through the app, as a speaker and a newcomer (issue 14)', () => {
  it('shortcuts keep working after the intensity slider was dragged (T, V, D, ?, digits); one HEAD per shipped checkpoint', async () => {
    const context = await browser().newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const heads: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'HEAD') heads.push(new URL(r.url()).pathname);
    });
    await page.goto(base + '#view=steer&behavior=verbosity&prompts=2&sweepSamples=8');
    await page.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
    const slider = page.getByRole('slider', { name: 'Steering intensity' });
    await slider.focus();
    await page.keyboard.press('ArrowRight'); // the slider moves itself, by one notch
    await expect.poll(() => page.getByTestId('alpha-value').textContent()).toBe('0.5');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('range');
    await page.keyboard.press('t');
    await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains('talk'))).toBe(true);
    await page.keyboard.press('t');
    await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains('talk'))).toBe(false);
    await page.keyboard.press('v');
    await expect.poll(() => page.getByTestId('alpha-value').textContent()).toBe('3.0');
    await page.keyboard.press('d');
    const card = page.getByTestId('dose-response');
    await expect.poll(() => card.getByRole('progressbar').count().then(async (n) => n + Number(await card.getAttribute('data-points'))), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await slider.focus();
    await page.keyboard.press('2');
    await expect.poll(() => hash(page)).toMatch(/view=train/);
    // The sweep includes the vector's dose (α = 3) with the default grid: 8 intensities.
    await page.keyboard.press('1');
    await expect.poll(() => card.getAttribute('data-points'), { timeout: 5 * 60_000 }).toBe('8');
    // Every view visited, and each shipped checkpoint was looked up (HEAD) once in this page load.
    await page.keyboard.press('4');
    await page.getByTestId('shipped').waitFor();
    await page.keyboard.press('3');
    await page.keyboard.press('4');
    await expect.poll(() => page.getByTestId('shipped').textContent()).not.toMatch(/checking/);
    expect(heads.length).toBe(4);
    expect(new Set(heads).size).toBe(4);
    await context.close();
  });

  it('Space starts a run only on the Train view; elsewhere it only pauses, and Pause says "pausing" at once', async () => {
    const cfg = 't.method=vspo&t.steps=40&t.evalEvery=0&t.batchPrompts=4&t.groupSize=4&t.grid=0,4&t.saveEvery=0&t.beta=0';
    const { context, page } = await open(`#view=steer&behavior=verbosity&prompts=1&${cfg}`);
    await page.locator('main').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press(' ');
    await page.waitForTimeout(1500);
    expect(await page.getByTestId('activity').count()).toBe(0);
    await page.keyboard.press('2');
    expect(await status(page)).toBe('No run yet.');
    // On the Train view Space starts the run …
    await page.keyboard.press(' ');
    await expect.poll(() => page.getByTestId('progress-step').textContent(), { timeout: RUN_TIMEOUT, interval: 200 }).toMatch(/Step [1-9]\d* \/ 40/);
    // … and from another view the top bar still shows it, and Space pauses it (never starts one).
    await page.keyboard.press('1');
    const activity = page.getByTestId('activity');
    await expect.poll(() => activity.textContent()).toMatch(/^Training · step \d+\/40 · VSPO seed 0$/);
    await page.keyboard.press(' ');
    await expect.poll(() => activity.textContent(), { timeout: 2000, interval: 50 }).toMatch(/^Pausing/);
    await expect.poll(() => activity.textContent(), { timeout: RUN_TIMEOUT }).toMatch(/^Paused/);
    await activity.click(); // goes to the Train view
    await expect.poll(() => status(page)).toMatch(/^VSPO seed 0: paused at step \d+ of 40/);
    // Pause from the button: "pausing" and a disabled button right away, "paused" once the step ends.
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => status(page)).toMatch(/: running/);
    const pause = page.getByRole('button', { name: /^Paus/ });
    await expect.poll(() => pause.isEnabled()).toBe(true);
    await pause.click();
    const t0 = Date.now();
    await expect.poll(() => status(page), { timeout: 1000, interval: 25 }).toMatch(/: pausing — finishing step \d+ of 40 first/);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pause.isDisabled()).toBe(true);
    await expect.poll(() => status(page), { timeout: RUN_TIMEOUT }).toMatch(/: paused at step/);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => status(page), { timeout: RUN_TIMEOUT }).toMatch(/: stopped/);
    await context.close();
  });

  it('talk mode at 1024×768: top bar ≤ a fifth, charts and a full-screen chart fit with readable axes; Back / Forward, legend, export', async () => {
    const cfg = 't.method=vspo&t.steps=3&t.evalEvery=1&t.evalSamples=8&t.batchPrompts=2&t.groupSize=4&t.grid=0,4&t.saveEvery=0&t.beta=0';
    const { context, page } = await open(`#view=train&talk=1&backend=cpu&behavior=verbosity&${cfg}`, { width: 1024, height: 768 });
    const bar = await page.locator('.topbar').boundingBox();
    expect(bar!.height).toBeLessThanOrEqual(768 / 5);
    // The run's settings sit next to Start, on the first screen.
    for (const id of ['#rl-method', '#rl-steps', '#rl-seed']) expect((await page.locator(id).boundingBox())!.y).toBeLessThan(768);
    expect(await page.getByTestId('start-summary').textContent()).toMatch(/VSPO on verbosity for 3 steps \(seed 0\)/);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect.poll(() => status(page), { timeout: RUN_TIMEOUT, interval: 500 }).toMatch(/: finished/);
    await page.getByRole('button', { name: 'Dismiss' }).first().click().catch(() => undefined);

    // Every chart card fits the screen's height; text ≥ 20 px, lines ≥ 4 px.
    const cards = await page.locator('[data-chart-card]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    expect(cards.length).toBeGreaterThan(3);
    for (const h of cards) expect(h).toBeLessThanOrEqual(768);
    const chart = page.getByRole('figure', { name: 'Behavior score and accuracy over steps (unsteered eval)' });
    await expect.poll(() => chart.getAttribute('data-points')).toBe('4');
    const sizes = await chart.evaluate((el) => ({
      ticks: [...el.querySelectorAll('.recharts-cartesian-axis-tick-value')].map((t) => parseFloat(getComputedStyle(t).fontSize)),
      legend: [...el.querySelectorAll('.chart-legend button')].map((b) => parseFloat(getComputedStyle(b).fontSize)),
      note: parseFloat(getComputedStyle(el.querySelector('.chart-note')!).fontSize),
      lines: [...el.querySelectorAll('.recharts-line-curve')].map((p) => parseFloat(p.getAttribute('stroke-width') ?? '0')),
    }));
    expect(Math.min(...sizes.ticks, ...sizes.legend, sizes.note)).toBeGreaterThanOrEqual(20);
    expect(Math.min(...sizes.lines)).toBeGreaterThanOrEqual(4);

    // Full screen (F): the x axis and its title lie inside the viewport; nothing overflows.
    await chart.getByRole('button', { name: /^Full screen/ }).focus();
    await page.keyboard.press('f');
    await expect.poll(() => page.evaluate(() => !!document.fullscreenElement)).toBe(true);
    await page.waitForTimeout(500);
    const fit = await page.evaluate(() => {
      const card = document.fullscreenElement as HTMLElement;
      const axis = card.querySelector('.recharts-xAxis')!.getBoundingClientRect();
      const label = [...card.querySelectorAll('.recharts-xAxis text, .recharts-label')].map((t) => t.getBoundingClientRect().bottom);
      const y = card.querySelector('.recharts-yAxis')!.getBoundingClientRect();
      return { vh: innerHeight, vw: innerWidth, axisBottom: axis.bottom, axisRight: axis.right, labelBottom: Math.max(...label), yTop: y.top, overflow: card.scrollHeight - card.clientHeight, title: card.querySelector('h3')!.getBoundingClientRect().height };
    });
    expect(fit.axisBottom).toBeLessThanOrEqual(fit.vh);
    expect(fit.labelBottom).toBeLessThanOrEqual(fit.vh);
    expect(fit.axisRight).toBeLessThanOrEqual(fit.vw);
    expect(fit.yTop).toBeGreaterThanOrEqual(0);
    expect(fit.overflow).toBeLessThanOrEqual(1);
    expect(fit.title).toBeLessThan(768 / 4);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.evaluate(() => !!document.fullscreenElement)).toBe(false);

    // Clicking a legend entry hides its series; clicking again shows it.
    const entry = chart.getByRole('button', { name: 'VSPO seed 0 accuracy' });
    const curves = () => chart.locator('.recharts-line-curve').count();
    expect(await curves()).toBe(2);
    await entry.click();
    await expect.poll(() => entry.getAttribute('aria-pressed')).toBe('false');
    await expect.poll(curves).toBe(1);
    await entry.click();
    await expect.poll(curves).toBe(2);

    // Export: the picture as PNG and the data as CSV.
    await chart.getByLabel(/^Export:/).click();
    const [png] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'PNG image' }).click()]);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
    expect(readFileSync((await png.path())!).subarray(1, 4).toString()).toBe('PNG');
    await chart.getByLabel(/^Export:/).click();
    const [csv] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'CSV data' }).click()]);
    const text = readFileSync((await csv.path())!, 'utf8').trim().split('\n');
    expect(text[0]).toBe('Training step,VSPO seed 0 behavior,VSPO seed 0 accuracy');
    expect(text).toHaveLength(5);

    // The shortcut list fits the screen, title included.
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    const box = (await dialog.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(768);
    expect(await dialog.evaluate((d) => d.querySelector('.dialog-body')!.scrollHeight - d.querySelector('.dialog-body')!.clientHeight)).toBeLessThanOrEqual(1);
    await page.keyboard.press('Escape');

    // Back / Forward move between views.
    await page.keyboard.press('4');
    await expect.poll(() => hash(page)).toMatch(/view=checkpoints/);
    await page.keyboard.press('3');
    await expect.poll(() => hash(page)).toMatch(/view=compare/);
    const current = () => page.locator('nav[aria-label=Views] [aria-current=page]').textContent();
    await page.goBack();
    await expect.poll(current).toMatch(/Checkpoints$/);
    await page.goBack();
    await expect.poll(current).toMatch(/Train$/);
    await page.goForward();
    await expect.poll(current).toMatch(/Checkpoints$/);

    // The Bandit page's charts fit the screen too.
    await page.keyboard.press('5');
    await page.getByTestId('bandit-trace-vspo').waitFor();
    await expect.poll(() => page.getByTestId('bandit-trace-vspo').getAttribute('data-points'), { timeout: 60_000 }).not.toBe('0');
    for (const h of await page.locator('[data-chart-card]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height))) expect(h).toBeLessThanOrEqual(768);
    await context.close();
  });

  it('the backend switch shows the measured speed of each backend, suggests the CPU on a software adapter, and switches', async () => {
    const { context, page } = await open('#view=steer&behavior=verbosity&prompts=2');
    // This machine's WebGPU adapter is SwiftShader: a CPU emulator.
    await expect.poll(() => page.getByTestId('backend-webgpu').getAttribute('aria-pressed')).toBe('true');
    // the button says which kernels run (on a CPU adapter the register-blocked tuning, with subgroups where
    // offered) and how far the device check found them from the CPU model
    const title = await page.getByTestId('backend-webgpu').getAttribute('title');
    expect(title).toMatch(/^WebGPU on .*swiftshader.*, register-blocked matmul \(CPU-adapter tuning\), 4-wide rows(, subgroup reductions)?; checked against the CPU model \(largest relative error ([\d.e+-]+)\)( — .*)? \(in use\)$/i);
    expect(Number(title!.match(/largest relative error ([\d.e+-]+)/)![1])).toBeLessThan(1e-5);
    await expect.poll(() => page.getByTestId('speed-webgpu').textContent(), { timeout: 120_000 }).toMatch(/tok\/s$/);
    await expect.poll(() => page.getByTestId('speed-cpu').textContent(), { timeout: 120_000 }).toMatch(/tok\/s$/);
    const hint = page.getByTestId('backend-hint');
    expect(await hint.textContent()).toMatch(/CPU [\d.]+× faster here|Software GPU: try CPU/);
    await page.getByTestId('backend-cpu').click();
    await expect.poll(() => page.getByTestId('backend-cpu').getAttribute('aria-pressed'), { timeout: MODEL_TIMEOUT }).toBe('true');
    expect(await page.getByTestId('backend-cpu').getAttribute('title')).toMatch(/^The CPU backend \(in the worker\), WASM SIMD kernels .*\(in use\)$/);
    await expect.poll(() => hash(page)).toMatch(/backend=cpu/);
    await page.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
    await page.locator('[data-testid=response]').first().waitFor({ timeout: MODEL_TIMEOUT });
    expect(await hint.count()).toBe(0);
    // Both speeds stay shown after the switch.
    expect(await page.getByTestId('speed-webgpu').textContent()).toMatch(/tok\/s$/);
    await context.close();
  });
});
