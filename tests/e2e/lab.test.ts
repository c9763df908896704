// The whole lab in the browser (issue 13), one page through it on the CPU backend: the first-visit guide
// shows and stays away once put away; a tiny model is pretrained for a few steps (the loss chart draws its
// points, the evaluation chart its evaluations, the progress bar says step / ETA / tokens/s) and the
// checkpoint it makes is the loaded one and listed in the Checkpoints view; a second one is paused (at the
// step the worker says), resumed with Space and stopped (its weights so far stored and loaded); a vector is extracted from it
// (norm, relative scale) and its dose-response drawn against a random vector of the same norm (both named
// in the legend, with interval bars), and saved with the suggested dose; a short VSPO run on it draws the
// internalization and log-odds charts and, with evalAlignment ticked, the alignment per α; in talk mode at
// 1024×768 the new views' charts keep ≥ 20 px text and fit the screen.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './harness';

const base = inject('baseURL');
let browser: Browser;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
});

const LONG = 10 * 60_000;
const hash = () => page.evaluate(() => location.hash);
const figure = (name: string | RegExp) => page.getByRole('figure', { name });

/** Sets trainer fields (t.*) and the view in the hash, keeping everything else (the loaded checkpoint). */
async function setHash(entries: Record<string, string>) {
  await page.evaluate((e) => {
    const h = new URLSearchParams(location.hash.slice(1));
    for (const [k, v] of Object.entries(e)) h.set(k, v);
    location.hash = h.toString();
  }, entries);
  await page.waitForTimeout(400);
}

describe('the lab in the browser (issue 13)', () => {
  it('the first-visit guide shows, says what each behavior looks like, and stays away once hidden', async () => {
    await page.goto(base + '#view=pretrain&backend=cpu&behavior=verbosity');
    const guide = page.getByTestId('guide');
    await guide.waitFor({ timeout: 60_000 });
    const text = (await guide.textContent()) ?? '';
    for (const s of [':15,07+1=08,085', '085s', '#085', '37+48?091=', '!085', 'VSPO']) expect(text).toContain(s);
    // Glossary terms carry their definitions as tooltips.
    for (const k of ['alpha', 'lambda', 'beta', 'kl', 'clip', 'auc']) expect(await guide.locator(`[data-glossary=${k}]`).first().getAttribute('title')).toBeTruthy();
    await page.getByTestId('guide-hide').click();
    expect(await guide.count()).toBe(0);
    await page.reload();
    await page.getByRole('button', { name: 'Start pretraining' }).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    expect(await page.getByTestId('guide').count()).toBe(0);
    // Digit 6 is the Pretrain view; 1–5 keep theirs.
    await page.keyboard.press('1');
    await expect.poll(hash).toMatch(/view=steer/);
    await page.keyboard.press('6');
    await expect.poll(hash).toMatch(/view=pretrain/);
  });

  it('pretrains a tiny model on the CPU backend: the loss chart draws points, and the checkpoint is loaded and listed', async () => {
    await expect.poll(() => page.getByTestId('backend-cpu').getAttribute('aria-pressed'), { timeout: 120_000 }).toBe('true');
    for (const [id, v] of [
      ['#pt-dModel', '16'],
      ['#pt-nLayers', '1'],
      ['#pt-nHeads', '2'],
      ['#pt-seed', '3'],
      ['#pt-steps', '8'],
      ['#pt-batch', '8'],
      ['#pt-lr', '0.01'],
      ['#pt-evalEvery', '4'],
    ] as const)
      await page.fill(id, v);
    // The model's size, from paramCount: 24·16 + 22·16 + (12·16² + 13·16) + 2·16 = 4,048 parameters.
    await expect.poll(() => page.getByTestId('pretrain-size').textContent()).toMatch(/4\.05k parameters \(4,048\)/);
    expect(await page.getByLabel('Steps', { exact: true }).inputValue()).toBe('8');
    const start = page.getByRole('button', { name: 'Start pretraining' });
    await expect.poll(() => start.isEnabled(), { timeout: 120_000 }).toBe(true);
    await start.click();
    const status = page.getByTestId('pretrain-status');
    await expect.poll(() => status.textContent(), { timeout: LONG, interval: 300 }).toMatch(/^Finished: “verbosity base d16×1 seed 3” is stored and loaded/);
    const loss = figure('Training and validation loss');
    await expect.poll(() => loss.getAttribute('data-points')).toBe('8');
    expect(await loss.locator('.recharts-line-curve').count()).toBe(2); // training and validation loss
    expect(await loss.locator('.recharts-line-dots circle, .recharts-dot').count()).toBeGreaterThanOrEqual(2);
    // Evaluations at steps 4 and 8: greedy accuracy and the sampled base rate.
    const evals = figure('Greedy accuracy and sampled behavior base rate on validation prompts');
    expect(await evals.getAttribute('data-points')).toBe('2');
    expect(await page.getByTestId('pretrain-progress-step').textContent()).toBe('Step 8 / 8');
    expect(await page.getByTestId('pretrain-tps').textContent()).toMatch(/^[\d,]+ tokens\/s$/);
    // It is the loaded checkpoint (in the hash too) and is listed, kind "pretrain".
    await expect.poll(hash).toMatch(/checkpoint=db/);
    await page.keyboard.press('4');
    await page.getByTestId('checkpoints').waitFor();
    const row = page.getByTestId('checkpoint-row').filter({ has: page.getByRole('textbox', { name: /Name of checkpoint verbosity base d16×1 seed 3/ }) });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('td').nth(1).textContent()).toBe('pretrain');
    expect(await row.getAttribute('aria-current')).toBe('true');
    await expect.poll(() => page.getByTestId('model-info').textContent()).toMatch(/verbosity base d16×1 seed 3 \(verbosity, step 8\).*d=16, 1 layers.*no steering vector/);
  });

  it('Pause says "pausing" at once and then "paused"; Resume goes on; Stop stores and loads the weights so far', async () => {
    await page.keyboard.press('6');
    await page.fill('#pt-seed', '4');
    await page.fill('#pt-steps', '5000');
    await page.fill('#pt-evalEvery', '1000');
    await page.getByRole('button', { name: 'Start pretraining' }).click();
    const status = page.getByTestId('pretrain-status');
    await expect.poll(() => page.getByTestId('pretrain-progress-step').textContent(), { timeout: LONG, interval: 100 }).toMatch(/Step [1-9]\d* \/ 5000/);
    // The top bar shows it from any view.
    expect(await page.getByTestId('activity').textContent()).toMatch(/^Pretraining · step \d+\/5000/);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(() => status.textContent(), { timeout: LONG, interval: 50 }).toMatch(/^(Pausing|Paused)/);
    await expect.poll(() => status.textContent(), { timeout: LONG }).toMatch(/^Paused at step (\d+) of 5000/);
    const at = Number(/step (\d+)/.exec((await status.textContent()) ?? '')![1]);
    await page.waitForTimeout(600);
    expect(await page.getByTestId('pretrain-progress-step').textContent()).toBe(`Step ${at} / 5000`); // no step while paused
    // Starting an RL run is refused while it pretrains.
    await page.keyboard.press('2');
    expect(await page.getByRole('button', { name: 'Start', exact: true }).isDisabled()).toBe(true);
    await page.keyboard.press('6');
    await page.keyboard.press(' '); // Space resumes on the Pretrain view
    await expect.poll(() => status.textContent(), { timeout: LONG }).toMatch(/^Pretraining verbosity — step/);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => status.textContent(), { timeout: LONG, interval: 300 }).toMatch(/^Stopped at step \d+: “verbosity base d16×1 seed 4 \(stopped at step \d+ of 5000\)” is stored and loaded/);
    await expect.poll(hash).toMatch(/checkpoint=db/);
  });

  it('extracts a vector from it; the dose-response draws the candidate and a random vector of the same norm; the vector is saved', async () => {
    await page.keyboard.press('7');
    await expect.poll(hash).toMatch(/view=vectors/);
    await page.getByLabel('Extraction mode').selectOption('unembed');
    await page.getByRole('button', { name: 'Extract vector' }).click();
    const report = page.getByTestId('vector-report');
    await report.waitFor({ timeout: LONG });
    expect(Number(await page.getByTestId('vector-norm').textContent())).toBeGreaterThan(0);
    expect(await page.getByTestId('vector-relative').textContent()).toMatch(/^\d+\.\d{3}×$/);
    await page.getByLabel('Intensities').fill('0,2,4');
    await page.getByLabel('Intensities').blur();
    await page.getByLabel('Prompts per intensity').selectOption('16');
    const chart = page.getByTestId('lab-dose-response');
    await chart.getByRole('button', { name: 'Compute dose-response' }).click();
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: LONG, interval: 500 }).toBe('3');
    const legend = (await chart.locator('.chart-legend button').allTextContents()).join(' | ');
    expect(legend).toMatch(/Candidate: behavior/);
    expect(legend).toMatch(/Random, same norm: behavior/);
    expect(await chart.locator('.chart-note').textContent()).toMatch(/^Candidate: unembed, layer 0\. Validation split/);
    // Four lines (behavior and accuracy of each) and interval bars on both behavior lines.
    expect(await chart.locator('.recharts-line-curve').count()).toBe(4);
    expect(await chart.locator('.recharts-errorBar').count()).toBeGreaterThanOrEqual(6);
    // The suggested dose (the README's rule) fills the fields; saving makes it the checkpoint's vector.
    await expect.poll(() => page.getByTestId('dose-suggestion').textContent()).toMatch(/Suggested α = (0|2|4): the smallest α whose behavior is within two standard errors of the best/);
    expect(await page.getByLabel('Dose α').inputValue()).toMatch(/^(0|2|4)$/);
    await page.getByLabel('Dose α').fill('2');
    await page.getByLabel('VSPO grid').fill('0,2');
    await page.getByRole('button', { name: 'Save vector' }).click();
    await expect.poll(() => page.getByTestId('vector-saved').textContent(), { timeout: LONG }).toMatch(/α = 2, grid 0, 2/);
    await expect.poll(() => page.getByTestId('model-info').textContent()).toMatch(/vector: unembed, layer 0, decision window/);
  });

  it('a short VSPO run with evalAlignment draws the internalization, log-odds and alignment charts', async () => {
    await page.keyboard.press('2');
    await setHash({ 't.method': 'vspo', 't.steps': '2', 't.evalEvery': '1', 't.evalSamples': '8', 't.batchPrompts': '2', 't.groupSize': '4', 't.grid': '0,2', 't.saveEvery': '0', 't.beta': '0' });
    // The evaluation setting is in the form's first screen of settings (no "All settings" needed).
    const align = page.locator('#rl-evalAlignment');
    expect(await align.isVisible()).toBe(true);
    await align.check();
    await expect.poll(hash).toMatch(/t\.evalAlignment=true/);
    const internal = figure('Internalization: projection of the unsteered residual on v̂');
    expect(await internal.getAttribute('data-points')).toBe('0');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: LONG, interval: 500 }).toMatch(/: finished/);
    // Steps 0, 1, 2 evaluated: three points, one line (this run).
    await expect.poll(() => internal.getAttribute('data-points')).toBe('3');
    expect(await internal.locator('.recharts-line-curve').count()).toBe(1);
    expect(await internal.locator('.chart-legend button').allTextContents()).toEqual(['VSPO seed 0']);
    expect(await figure("Decision token's unsteered log-odds").getAttribute('data-points')).toBe('3');
    // Alignment per α ≠ 0 of the grid (2) at each evaluation.
    const tv = page.getByTestId('alignment-tv-chart');
    await expect.poll(() => tv.getAttribute('data-points')).toBe('3');
    expect(await tv.locator('.chart-legend button').allTextContents()).toEqual(['α = 2']);
    expect(await page.getByTestId('alignment-ratio-chart').count()).toBe(1);
    // The Compare view draws it for every run too.
    await page.keyboard.press('3');
    await expect.poll(() => figure('Internalization: projection of the unsteered residual on v̂, every run').getAttribute('data-points')).toBe('3');
  });

  it('talk mode at 1024×768: the Pretrain and Vectors charts keep ≥ 20 px text and ≥ 4 px lines, and fit the screen', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.keyboard.press('t');
    await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains('talk'))).toBe(true);
    const bar = await page.locator('.topbar').boundingBox();
    expect(bar!.height).toBeLessThanOrEqual(768 / 5);
    for (const [key, view] of [
      ['6', 'pretrain'],
      ['7', 'vectors'],
      ['2', 'train'],
    ] as const) {
      await page.keyboard.press(key);
      await expect.poll(hash).toMatch(new RegExp(`view=${view}`));
      await page.waitForTimeout(800);
      const cards = page.locator('[data-chart-card]');
      const drawn = await cards.evaluateAll((els) =>
        els
          .filter((e) => Number(e.getAttribute('data-points')) > 0)
          .map((el) => ({
            title: el.querySelector('h3')?.textContent ?? '?',
            h: el.getBoundingClientRect().height,
            text: [...el.querySelectorAll('.recharts-cartesian-axis-tick-value, .chart-legend button, .chart-note')].map((t) => parseFloat(getComputedStyle(t).fontSize)),
            lines: [...el.querySelectorAll('.recharts-line-curve')].map((p) => parseFloat(p.getAttribute('stroke-width') ?? '0')),
          })),
      );
      expect(drawn.length).toBeGreaterThan(0);
      for (const c of drawn) {
        expect(c.h, `${view}: ${c.title}`).toBeLessThanOrEqual(768);
        expect(Math.min(...c.text), `${view}: ${c.title}`).toBeGreaterThanOrEqual(20);
        expect(Math.min(...c.lines), `${view}: ${c.title}`).toBeGreaterThanOrEqual(4);
      }
    }
    expect(errors).toEqual([]);
  });
});
