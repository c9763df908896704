// The main flows a person clicks through, against the built app in the system Chromium (DESIGN §7):
// opens on the shipped checkpoint; moving the intensity changes the generated text; a 3-step VSPO run
// draws points on the behavior/accuracy chart; a saved checkpoint is still listed after a reload;
// importing a malformed file shows an error and leaves the stored checkpoints as they were; the
// talk-mode URL reproduces the config.
import { describe, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { sharedBrowser } from './shared-browser';
import { readFileSync } from 'node:fs';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint';

const base = inject('baseURL');
const browser = sharedBrowser();

/** A fresh context (its own IndexedDB) with console errors collected. */
async function open(hash = ''): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser().newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(base + hash);
  return { context, page, errors };
}

const MODEL_TIMEOUT = 180_000;

async function waitForModel(page: Page) {
  await page.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
}

async function responses(page: Page): Promise<string[]> {
  return page.locator('[data-testid=response]').allTextContents();
}

/** Waits until the live generations are complete (not streaming) and returns them. */
async function settledResponses(page: Page): Promise<string[]> {
  await page.locator('[data-testid=response]').first().waitFor({ timeout: MODEL_TIMEOUT });
  await page.waitForFunction(() => !document.querySelector('[data-testid=samples][aria-busy=true]'), null, { timeout: MODEL_TIMEOUT });
  return (await responses(page)).map((s) => s.replace('▍', ''));
}

describe('VSPO Workbench (built app, Chromium)', () => {
  it('reports a worker crash and restarts the worker', async () => {
    const context = await browser().newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    // The first worker to start dies while loading; the restarted one is the real one.
    let crashed = 0;
    await page.route(/workbench\.worker[^/]*\.js/, async (route) => {
      if (crashed++ === 0) await route.fulfill({ status: 200, contentType: 'text/javascript', body: 'throw new Error("simulated crash");' });
      else await route.continue();
    });
    await page.goto(base);
    const alert = page.getByRole('alert').filter({ hasText: /The worker crashed/ });
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.textContent()).toMatch(/restarted/);
    await waitForModel(page);
    expect(crashed).toBeGreaterThanOrEqual(2);
    await context.close();
  });

  it('opens on the shipped checkpoint, with no CSP violations', async () => {
    const { context, page, errors } = await open();
    await waitForModel(page);
    await expect.poll(() => page.getByTestId('model-info').textContent()).toMatch(/shipped verbosity\.safetensors/);
    expect(await page.getByRole('slider', { name: 'Steering intensity' }).inputValue()).toBe('0');
    const first = await settledResponses(page);
    expect(first.length).toBeGreaterThan(0);
    expect(errors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
    await context.close();
  });

  it('moving the intensity changes the generated text', async () => {
    const { context, page } = await open('#view=steer&behavior=verbosity&alpha=0&seed=1&prompts=4');
    await waitForModel(page);
    const before = await settledResponses(page);
    const slider = page.getByRole('slider', { name: 'Steering intensity' });
    await slider.fill('8');
    await expect.poll(() => page.getByTestId('alpha-value').textContent()).toBe('8.0');
    await expect.poll(() => page.getByRole('heading', { name: /steered at α = 8/ }).count(), { timeout: MODEL_TIMEOUT }).toBe(1);
    const after = await settledResponses(page);
    expect(after).not.toEqual(before);
    // ← moves it back by one notch, and the URL follows.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('alpha-value').textContent()).toBe('7.5');
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/alpha=7\.5/);
    // V jumps to the dose stored with the shipped verbosity vector (α = 3), and its button says so.
    await page.keyboard.press('v');
    await expect.poll(() => page.getByTestId('alpha-value').textContent()).toBe('3.0');
    expect(await page.getByRole('button', { name: "Vector's dose (α = 3)" }).isDisabled()).toBe(true);
    await context.close();
  });

  it('a running dose-response sweep can be cancelled, and computed again after', async () => {
    // 7 intensities × 1024 prompts: minutes here, so it is still running when Cancel is pressed.
    const { context, page } = await open('#view=steer&behavior=verbosity&seed=1&prompts=2&sweepSamples=1024');
    await waitForModel(page);
    const card = page.getByTestId('dose-response');
    await card.getByRole('button', { name: 'Compute dose-response' }).click();
    const bar = card.getByRole('progressbar', { name: 'Dose-response progress' });
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: MODEL_TIMEOUT }).not.toBe('0');
    await card.getByRole('button', { name: 'Cancel', exact: true }).click();
    await card.getByTestId('sweep-cancelled').waitFor({ timeout: 60_000 });
    expect(await card.getByRole('alert').count()).toBe(0);
    expect(await bar.count()).toBe(0);
    // A small sweep then runs to the end: one point per intensity (the 7 of the grid and the vector's dose), and the note is gone.
    await card.getByRole('combobox', { name: 'Prompts per α' }).selectOption('8');
    await card.getByRole('button', { name: 'Compute dose-response' }).click();
    await expect.poll(() => card.getAttribute('data-points'), { timeout: MODEL_TIMEOUT }).toBe('8');
    expect(await card.getByTestId('sweep-cancelled').count()).toBe(0);
    await context.close();
  });

  it('a 3-step VSPO run draws points on the behavior/accuracy chart', async () => {
    const cfg = 't.method=vspo&t.steps=3&t.evalEvery=1&t.evalSamples=8&t.batchPrompts=2&t.groupSize=4&t.grid=0,4&t.saveEvery=0&t.keepSamples=8';
    const { context, page } = await open(`#view=train&behavior=verbosity&${cfg}`);
    await waitForModel(page);
    const chart = page.getByRole('figure', { name: 'Behavior score and accuracy over steps (unsteered eval)' });
    await expect(chart.isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 15 * 60_000, interval: 1000 }).toMatch(/finished/);
    // Steps 0 (before training) to 3, each evaluated: four behavior points, drawn as dots.
    await expect.poll(() => chart.getAttribute('data-points')).toBe('4');
    expect(await chart.locator('.recharts-line-dots circle, .recharts-dot').count()).toBeGreaterThanOrEqual(4);
    expect(await page.getByTestId('progress-step').textContent()).toMatch(/Step 3 \/ 3/);
    expect(await page.locator('[data-testid=rollouts] tbody tr').count()).toBeGreaterThan(0);
    await context.close();
  });

  it('a stopped run resumes from its last auto-save', async () => {
    const cfg = 't.method=vspo&t.steps=6&t.evalEvery=3&t.evalSamples=8&t.batchPrompts=2&t.groupSize=4&t.grid=0,4&t.saveEvery=1&t.beta=0';
    const { context, page } = await open(`#view=train&behavior=verbosity&${cfg}`);
    await waitForModel(page);
    await page.keyboard.press(' '); // Space starts the run
    await expect.poll(() => page.getByTestId('progress-step').textContent(), { timeout: 5 * 60_000, interval: 200 }).toMatch(/Step [1-4] \/ 6/);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 5 * 60_000 }).toMatch(/stopped/);
    await page.keyboard.press('4');
    const resume = page.getByRole('button', { name: 'Resume', exact: true });
    await resume.first().waitFor({ timeout: 30_000 });
    await resume.first().click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/view=train/);
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 10 * 60_000, interval: 1000 }).toMatch(/finished/);
    await expect.poll(() => page.getByTestId('progress-step').textContent()).toMatch(/Step 6 \/ 6/);
    // The run's weights are in memory: a manual save would be named after it, and the name field says so.
    await page.keyboard.press('4');
    await expect.poll(() => page.getByRole('textbox', { name: 'New checkpoint name' }).getAttribute('placeholder')).toMatch(/^(vspo|grpo) verbosity seed \d+ step 6$/);
    await context.close();
  });

  it('a saved checkpoint is still listed after a reload', async () => {
    const { context, page } = await open('#view=checkpoints');
    await waitForModel(page);
    await page.getByRole('textbox', { name: 'New checkpoint name' }).fill('e2e saved <b>model</b>');
    await page.getByRole('button', { name: 'Save checkpoint' }).click();
    const row = page.getByTestId('checkpoint-row');
    await expect.poll(() => row.count(), { timeout: 60_000 }).toBe(1);
    await page.reload();
    await expect.poll(() => page.getByTestId('checkpoint-row').count(), { timeout: 60_000 }).toBe(1);
    // The name is shown as text, never as markup.
    expect(await page.getByRole('textbox', { name: /Name of checkpoint/ }).inputValue()).toBe('e2e saved <b>model</b>');
    expect(await page.locator('[data-testid=checkpoints] b').count()).toBe(0);
    await context.close();
  });

  it('importing a malformed file shows an error and leaves the stored checkpoints as they were', async () => {
    const { context, page } = await open('#view=checkpoints');
    await waitForModel(page);
    await page.getByRole('textbox', { name: 'New checkpoint name' }).fill('kept');
    await page.getByRole('button', { name: 'Save checkpoint' }).click();
    await expect.poll(() => page.getByTestId('checkpoint-row').count(), { timeout: 60_000 }).toBe(1);
    const names = async () => page.getByRole('textbox', { name: /Name of checkpoint/ }).evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    const before = await names();
    const usage = async () => page.evaluate(async () => (await (await indexedDB.databases()).length));

    // A header length that runs past the file: 8-byte length, then too few bytes.
    const header = new Uint8Array(8);
    new DataView(header.buffer).setBigUint64(0, 4096n, true);
    const truncated = Buffer.concat([Buffer.from(header), Buffer.from('{"a":')]);
    const dbs = await usage();
    await page.getByTestId('import-input').setInputFiles({ name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: truncated });
    const alert = page.getByTestId('import-error');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(/broken\.safetensors: .+/);
    expect(await alert.textContent()).toMatch(/nothing was written/);

    // Not a checkpoint at all.
    await page.getByTestId('import-input').setInputFiles({ name: 'notes.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('hello, not a checkpoint') });
    await expect.poll(() => alert.textContent()).toMatch(/notes\.safetensors/);

    // A well-formed file the loader would refuse (a tokenizer that is not the task's): refused at import too.
    const c = decodeCheckpoint(new Uint8Array(readFileSync('public/checkpoints/verbosity.safetensors')));
    const { config: _c, steering: _s, ...metadata } = c.metadata;
    const foreign = encodeCheckpoint({ config: c.config, params: c.params, metadata: { ...metadata, tokenizer: { vocab: ['x'] } } });
    await page.getByTestId('import-input').setInputFiles({ name: 'foreign.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(foreign) });
    await expect.poll(() => alert.textContent()).toMatch(/foreign\.safetensors: the checkpoint's tokenizer differs/);

    expect(await names()).toEqual(before);
    await page.reload();
    await expect.poll(() => page.getByTestId('checkpoint-row').count(), { timeout: 60_000 }).toBe(before.length);
    expect(await names()).toEqual(before);
    expect(await usage()).toBe(dbs);
    await context.close();
  });

  it('a save over the storage quota says how much space is needed and keeps the stored checkpoints', async () => {
    const { context, page } = await open('#view=checkpoints');
    await waitForModel(page);
    // Give this origin room for one checkpoint but not two (Chrome DevTools Protocol quota override).
    const cdp = await context.newCDPSession(page);
    const origin = new URL(base).origin;
    const { used, size } = await page.evaluate(async () => ({
      used: (await navigator.storage.estimate()).usage ?? 0,
      size: (await (await fetch('checkpoints/verbosity.safetensors')).arrayBuffer()).byteLength,
    }));
    expect(size).toBeGreaterThan(0);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: used + Math.round(1.5 * size) });
    await page.getByRole('textbox', { name: 'New checkpoint name' }).fill('first');
    await page.getByRole('button', { name: 'Save checkpoint' }).click();
    await expect.poll(() => page.getByTestId('checkpoint-row').count(), { timeout: 60_000 }).toBe(1);
    await page.getByRole('textbox', { name: 'New checkpoint name' }).fill('second');
    await page.getByRole('button', { name: 'Save checkpoint' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /Could not save the checkpoint/ });
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.textContent()).toMatch(/needs \d[\d.]* ?(B|[KMG]i?B)\b/);
    expect(await page.getByRole('textbox', { name: /Name of checkpoint/ }).evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['first']);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await context.close();
  });

  it('the talk-mode URL reproduces the config', async () => {
    const hash = '#view=train&talk=1&behavior=verbosity&alpha=2.5&seed=7&t.steps=12&t.lr=0.001&t.grid=0,2,4,6&t.groupSize=8&t.method=grpo';
    const { context, page } = await open(hash);
    const check = async (p: Page) => {
      await expect.poll(() => p.evaluate(() => document.documentElement.classList.contains('talk'))).toBe(true);
      expect(await p.getByRole('button', { name: /Train/ }).first().getAttribute('aria-current')).toBe('page');
      expect(await p.getByRole('button', { name: 'Talk mode' }).getAttribute('aria-pressed')).toBe('true');
      expect(await p.locator('#rl-steps').inputValue()).toBe('12');
      expect(await p.locator('#rl-lr').inputValue()).toBe('0.001');
      expect(await p.locator('#rl-grid').inputValue()).toBe('0,2,4,6');
      expect(await p.locator('#rl-method').inputValue()).toBe('grpo');
      expect(await p.locator('#rl-groupSize').inputValue()).toBe('8');
    };
    await check(page);
    // The app normalises the hash but keeps every setting.
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/talk=1/);
    const url = page.url();
    for (const part of ['alpha=2.5', 'seed=7', 't.steps=12', 't.lr=0.001', 't.grid=0,2,4,6', 't.method=grpo']) expect(url).toContain(part);
    // The same link in a fresh browser context gives the same experiment, and the Steer view shows α.
    const again = await open(new URL(url).hash);
    await check(again.page);
    await again.page.keyboard.press('1');
    await expect.poll(() => again.page.getByTestId('alpha-value').textContent()).toBe('2.5');
    // Digits switch views; T leaves talk mode and the URL follows.
    await again.page.keyboard.press('t');
    await expect.poll(() => again.page.evaluate(() => location.hash)).not.toMatch(/talk=1/);
    await again.context.close();
    await context.close();
  });

  it("the trainer form defaults to the loaded checkpoint's documented budget, and a typed global default sticks", async () => {
    const { context, page } = await open('#view=train&behavior=confidence');
    await waitForModel(page);
    // The shipped confidence vector records 200 steps at lr 1e-4 and its grid {0,2,3,4}.
    await expect.poll(() => page.locator('#rl-steps').inputValue(), { timeout: MODEL_TIMEOUT }).toBe('200');
    expect(await page.locator('#rl-lr').inputValue()).toBe('0.0001');
    expect(await page.locator('#rl-grid').inputValue()).toBe('0,2,3,4');
    // Typing the global default (60) keeps 60, in the form and in the link.
    await page.locator('#rl-steps').fill('60');
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/t\.steps=60/);
    expect(await page.locator('#rl-steps').inputValue()).toBe('60');
    await context.close();
  });

  it('refuses invalid settings inline, naming the field and its range, and lists the shortcuts on ?', async () => {
    const { context, page } = await open('#view=train&t.grid=0,2,4,6&t.groupSize=8');
    await page.locator('#rl-groupSize').fill('6');
    const err = page.locator('#rl-groupSize-err');
    await expect.poll(() => err.textContent()).toMatch(/groupSize \(G = 6\) must be a multiple of the grid size \(4\)/);
    await page.getByText('All settings').click();
    await page.locator('#rl-epsLow').fill('1.5');
    await expect.poll(() => page.locator('#rl-epsLow-err').textContent()).toMatch(/^Must be 0 < ε_low < 1 \(got 1\.5\)/);
    expect(await page.getByRole('button', { name: 'Start', exact: true }).isDisabled()).toBe(true);
    // The invalid draft is in the link too, so a shared link shows the same error.
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/t\.groupSize=6/);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/Space.*Train view: start \/ pause \/ resume the run\. Pretrain view: pause \/ resume the pretraining\. Elsewhere: pauses a running run, never starts one/);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await page.keyboard.press('4');
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/view=checkpoints/);
    await context.close();
  });
});
