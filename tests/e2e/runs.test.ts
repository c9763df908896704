// Numbers you can trust, in the browser: two short runs in a row (same method, seed and settings) start
// from the same weights, so their step-0 evaluations are identical; the Compare view does not pool a
// repeated seed; the Steer view says which weights it is showing ("run … at step N"), and "Reset to
// checkpoint" puts the checkpoint back; a renamed run keeps its name after a reload.
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { sharedBrowser } from './shared-browser';

const base = inject('baseURL');
const browser = sharedBrowser();

const MODEL_TIMEOUT = 180_000;
const RUN_TIMEOUT = 12 * 60_000;
// A large learning rate, so two steps visibly change the weights (the final evaluation differs from step 0).
const CFG = 't.lr=0.01&t.method=vspo&t.steps=2&t.seed=0&t.evalEvery=1&t.evalSamples=8&t.batchPrompts=2&t.groupSize=4&t.grid=0,4&t.saveEvery=0&t.beta=0';

/** Every stored run with its step-0 evaluation, read straight from IndexedDB (a string: nothing of the bundler leaks in). */
const STORED_STEP0 = `(async () => {
  const db = await new Promise((res, rej) => { const r = indexedDB.open('vspo-workbench'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const req = (store, f) => new Promise((res, rej) => { const r = f(db.transaction(store).objectStore(store)); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const runs = await req('runs', (s) => s.getAll());
  const out = [];
  for (const run of runs.sort((a, b) => a.createdAt - b.createdAt)) {
    const m = await req('metrics', (s) => s.get([run.id, 0]));
    const last = await req('metrics', (s) => s.get([run.id, run.stepsDone]));
    out.push({ name: run.name, status: run.status, config: run.config, eval: m ? m.metrics.eval : null, final: last ? last.metrics.eval : null });
  }
  db.close();
  return out;
})()`;

interface Stored {
  name: string;
  status: string;
  config: Record<string, unknown>;
  eval: Eval | null;
  final: Eval | null;
}
type Eval = { step: number; split: string; samples: number; greedy: Record<string, number>; sampled: Record<string, number>; ms: number };

const view = (page: Page, name: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();
const weightsText = (page: Page) => page.getByTestId('weights').textContent();

async function runOnce(page: Page, name: string) {
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect
    .poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_TIMEOUT, interval: 1000 })
    .toMatch(new RegExp(`^${name.replace(/[()]/g, '\\$&')}: (finished|halted|failed|stopped)`));
  expect(await page.getByTestId('run-status').textContent()).toMatch(/: finished/);
}

describe('runs start from the checkpoint, and the UI says which weights it shows', () => {
  it(
    'two runs in a row have identical step-0 evaluations; Steer shows the run’s weights until reset',
    async () => {
      const context = await browser().newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}#view=train&behavior=verbosity&${CFG}`);
      await page.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
      await expect.poll(() => weightsText(page), { timeout: MODEL_TIMEOUT }).toBe('Weights: checkpoint shipped verbosity.safetensors');

      await runOnce(page, 'VSPO seed 0');
      await expect.poll(() => weightsText(page)).toMatch(/^Weights: run VSPO seed 0 at step 2\b/);
      // The latest evaluation names its split and shows the rewarded rate next to the behavior score.
      expect(await page.getByTestId('eval-split').textContent()).toBe('test');
      expect(await page.getByTestId('latest-eval').textContent()).toMatch(/rewarded/);

      // The second run starts from the checkpoint again, not from what the first left behind.
      await runOnce(page, 'VSPO seed 0 (2)');
      const stored = (await page.evaluate(STORED_STEP0)) as Stored[];
      expect(stored.map((r) => [r.name, r.status])).toEqual([
        ['VSPO seed 0', 'finished'],
        ['VSPO seed 0 (2)', 'finished'],
      ]);
      const [a, b] = stored.map((r) => r.eval);
      expect(a && b).toBeTruthy();
      const { ms: _a, ...evalA } = a!;
      const { ms: _b, ...evalB } = b!;
      expect(evalA.step).toBe(0);
      expect(evalA.samples).toBe(8);
      expect(evalB).toEqual(evalA);
      // … and that is not because the runs leave the weights as they were: the first run's last evaluation moved.
      const { ms: _f, ...finalA } = stored[0].final!;
      expect(finalA.step).toBe(2);
      expect({ greedy: finalA.greedy, sampled: finalA.sampled }).not.toEqual({ greedy: evalA.greedy, sampled: evalA.sampled });

      // Rename the second run inline; the name is what the weights line and the run list say.
      await page.getByRole('button', { name: 'Rename run VSPO seed 0 (2)' }).click();
      const box = page.getByRole('textbox', { name: 'New name for run VSPO seed 0 (2)' });
      await box.fill('second try');
      await box.press('Enter');
      await expect.poll(() => page.getByTestId('run-status').textContent()).toMatch(/^second try: finished/);

      // Compare: the same seed twice is not two seeds.
      await view(page, 'Compare');
      const reasons = page.getByTestId('apart-reason');
      await expect.poll(() => reasons.count()).toBe(2);
      expect((await reasons.allTextContents()).join('\n')).toMatch(/duplicate seed 0: same config as “VSPO seed 0”/);
      expect(await page.getByTestId('compare-summary').count()).toBe(0);

      // Steer: the trained weights are named, and Reset puts the checkpoint's back.
      await view(page, 'Steer');
      const label = page.getByText('Weights:');
      await label.waitFor();
      await expect.poll(() => weightsText(page)).toMatch(/^Weights: run second try at step 2\b/);
      await page.getByRole('button', { name: 'Reset to checkpoint' }).click();
      await expect.poll(() => weightsText(page), { timeout: 60_000 }).toBe('Weights: checkpoint shipped verbosity.safetensors');
      expect(await page.getByRole('button', { name: 'Reset to checkpoint' }).count()).toBe(0);

      // The rename was stored.
      await page.reload();
      await view(page, 'Checkpoints');
      await expect.poll(() => page.getByTestId('run-name').allTextContents(), { timeout: 60_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/^second try/)]));
      await context.close();
    },
    30 * 60_000,
  );
});
