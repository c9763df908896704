// Faults survived, in the built app (issue 12, DESIGN §9): a GPU that computes wrong is refused by the
// device check before use; the WebGPU device lost mid-run (forced with
// device.destroy()) stops the run, says so, and resumes from the last auto-save; a page closed while an
// auto-save transaction is open leaves IndexedDB consistent, and the run resumable, on reload; a
// pretraining whose save fails on a full disk is named as loaded but unsaved.
//
// The test hooks live here, not in the app: the worker's script is served with a prelude prepended
// (page.route), so no test-only method ships in the worker's API and nothing a page script could call
// can destroy a device in normal use. The prelude watches (it keeps the devices the worker
// requests; it holds one IndexedDB write open) or plays a faulty GPU (it alters the weights' upload);
// the worker's code runs unchanged.
import { describe, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { sharedBrowser } from './shared-browser';

const base = inject('baseURL');
const browser = sharedBrowser();

const MODEL_TIMEOUT = 180_000;
const RUN_TIMEOUT = 10 * 60_000;
const RUN = 'behavior=verbosity&t.method=vspo&t.seed=0&t.evalEvery=0&t.batchPrompts=2&t.groupSize=4&t.grid=0,4&t.beta=0.02';

/** Keeps every GPUDevice the worker requests in self.__testDevices, so the test can destroy them. */
const KEEP_DEVICES = `if (typeof GPUAdapter !== 'undefined') {
  const kept = (self.__testDevices = []);
  const request = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...a) { const d = await request.apply(this, a); kept.push(d); return d; };
}
`;

/**
 * A GPU that computes wrong, as a miscompiling driver would: every float upload of over 1,000 values (the
 * weights) reaches the device with its first value off by 1, so the device check's model differs from
 * the CPU model's.
 */
const CORRUPT_UPLOADS = `if (typeof GPUQueue !== 'undefined') {
  const write = GPUQueue.prototype.writeBuffer;
  GPUQueue.prototype.writeBuffer = function (buffer, offset, data, ...rest) {
    if (data instanceof Float32Array && data.length > 1000) { data = data.slice(); data[0] += 1; }
    return write.call(this, buffer, offset, data, ...rest);
  };
}
`;

/**
 * Holds the second auto-save's transaction open at its last write, the run's pointer moving to the new
 * auto-save: the write is issued, then the worker spins, so the transaction cannot commit before the
 * page is closed. (Were the pointer moved in a transaction of its own, as it once was, the previous
 * auto-save would already be deleted here and the pointer would dangle.)
 */
const HOLD_SECOND_AUTOSAVE = `{
  const put = IDBObjectStore.prototype.put;
  let pointer = null;
  IDBObjectStore.prototype.put = function (value, ...rest) {
    const req = put.call(this, value, ...rest);
    if (this.name === 'runs' && value && value.autosaveId && value.autosaveId !== pointer) {
      const moved = pointer !== null;
      pointer = value.autosaveId;
      if (moved) {
        console.log('test: auto-save transaction open');
        const t0 = Date.now();
        while (Date.now() - t0 < 120000) {}
      }
    }
    return req;
  };
}
`;

/** A full disk for checkpoint bytes: every write of them fails as the browser fails one over its quota. */
const FULL_DISK = `{
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, ...rest) {
    if (this.name === 'checkpointBytes') throw new DOMException('the quota is used up', 'QuotaExceededError');
    return put.call(this, value, ...rest);
  };
}
`;

async function withPrelude(page: Page, prelude: string) {
  await page.route(/workbench\.worker[^/]*\.js/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: prelude + (await response.text()) });
  });
}

async function openApp(context: BrowserContext, hash: string, prelude?: string): Promise<Page> {
  const page = await context.newPage();
  if (prelude) await withPrelude(page, prelude);
  await page.goto(base + hash);
  await page.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
  return page;
}

const progressStep = async (page: Page) => Number((await page.getByTestId('progress-step').textContent().catch(() => ''))?.match(/Step (\d+)/)?.[1] ?? 0);

interface Stored {
  runs: { id: string; status: string; stepsDone: number; autosaveId?: string; message?: string }[];
  checkpoints: { id: string; kind: string; step?: number; runId?: string; name: string }[];
  bytes: string[];
  metrics: { runId: string; step: number; metrics: { step: number; ms: { total: number } } }[];
}

/** Every store of the app's database, read straight from IndexedDB (a string: nothing of the bundle leaks in). */
const DUMP = `(async () => {
  const db = await new Promise((res, rej) => { const r = indexedDB.open('vspo-workbench'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const read = (store, f) => new Promise((res, rej) => { const r = f(db.transaction(store).objectStore(store)); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const out = {
    runs: await read('runs', (s) => s.getAll()),
    checkpoints: await read('checkpoints', (s) => s.getAll()),
    bytes: await read('checkpointBytes', (s) => s.getAllKeys()),
    metrics: await read('metrics', (s) => s.getAll()),
  };
  db.close();
  return out;
})()`;

const dump = (page: Page) => page.evaluate(DUMP) as Promise<Stored>;

/**
 * What "consistent" means for the stored runs: every checkpoint record has its bytes and every bytes
 * entry its record; a run's pointer names its one auto-save (at most one per run), at a step it has done;
 * its metrics are steps 0…stepsDone, each once.
 */
function expectConsistent(s: Stored) {
  expect([...s.bytes].sort()).toEqual(s.checkpoints.map((c) => c.id).sort());
  for (const run of s.runs) {
    const autos = s.checkpoints.filter((c) => c.runId === run.id && c.kind === 'autosave');
    expect(autos.length, `auto-saves of ${run.id}`).toBeLessThanOrEqual(1);
    if (run.autosaveId) {
      expect(autos.map((c) => c.id)).toEqual([run.autosaveId]);
      expect(autos[0].step!).toBeLessThanOrEqual(run.stepsDone);
    } else expect(autos).toEqual([]);
    const steps = s.metrics.filter((m) => m.runId === run.id).map((m) => m.step);
    expect(steps.sort((a, b) => a - b)).toEqual(Array.from({ length: run.stepsDone + 1 }, (_, i) => i));
  }
}

const autosaveOf = (s: Stored, runId: string) => s.checkpoints.find((c) => c.runId === runId && c.kind === 'autosave');
const metricsOf = (s: Stored, runId: string) => new Map(s.metrics.filter((m) => m.runId === runId).map((m) => [m.step, m.metrics]));

describe('faults survived', () => {
  it('a GPU whose results differ from the CPU model is refused before anything runs on it; the CPU backend is offered and loads the model', async () => {
    const context = await browser().newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await withPrelude(page, CORRUPT_UPLOADS);
    await page.goto(base + '#view=steer&behavior=verbosity');
    const heading = page.getByRole('heading', { level: 1 });
    await expect.poll(() => heading.textContent().catch(() => ''), { timeout: MODEL_TIMEOUT }).toBe("This GPU's WebGPU results cannot be trusted");
    expect(await page.getByRole('alert').textContent()).toMatch(
      /^WebGPU is present but could not be used: this GPU's results differ from the CPU reference model's \(relative error [\d.e+-]+ in (the logits|the log-probs|the gradient of \S+), over 0\.001\)/,
    );
    expect(await page.getByText('How to enable WebGPU').count()).toBe(0); // WebGPU works; its numbers do not
    await page.getByRole('button', { name: 'Use the CPU backend' }).click();
    await page.getByTestId('model-info').waitFor({ timeout: MODEL_TIMEOUT });
    expect(await page.getByTestId('backend-cpu').getAttribute('aria-pressed')).toBe('true');
    await context.close();
  });

  it(
    'a WebGPU device lost mid-run stops the run, says so, and resumes from the last auto-save',
    async () => {
      const saveEvery = 2;
      const steps = 6;
      const context = await browser().newContext({ viewport: { width: 1400, height: 900 } });
      const page = await openApp(context, `#view=train&${RUN}&t.steps=${steps}&t.saveEvery=${saveEvery}`, KEEP_DEVICES);
      expect(await page.getByTestId('model-info').textContent()).toMatch(/shipped verbosity/);
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      await expect.poll(() => progressStep(page), { timeout: RUN_TIMEOUT, interval: 100 }).toBeGreaterThanOrEqual(saveEvery + 1);

      // The loss: every device the worker holds is destroyed, mid-step.
      const workers = page.workers().filter((w) => /workbench\.worker/.test(w.url()));
      expect(workers).toHaveLength(1);
      expect(await workers[0].evaluate(() => (self as unknown as { __testDevices: GPUDevice[] }).__testDevices.map((d) => (d.destroy(), 1)).length)).toBe(1);

      // The run stops and the UI says what happened and what to do.
      await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toMatch(/^VSPO seed 0: device lost at step \d+ of 6 — resume it from the notice or from Checkpoints → Runs$/);
      const notice = page.getByRole('alert').filter({ hasText: /The GPU device was lost, so the run stopped/ });
      await notice.waitFor({ timeout: 30_000 });
      const lost = await dump(page);
      expect(lost.runs).toHaveLength(1);
      const run = lost.runs[0];
      expect(run).toMatchObject({ status: 'device-lost', message: expect.stringMatching(/^the GPU device was lost \(.+\); resume from the last auto-save$/) });
      expectConsistent(lost);
      const auto = autosaveOf(lost, run.id)!;
      expect(auto.step! % saveEvery).toBe(0);
      expect(run.stepsDone - auto.step!).toBeLessThanOrEqual(saveEvery); // what the loss costs
      expect(await notice.textContent()).toMatch(new RegExp(`The last auto-save is at step ${auto.step}\\.`));
      expect(lost.checkpoints.filter((c) => c.runId === run.id && c.kind === 'run-start')).toHaveLength(1); // π_ref for β > 0
      // The run stopped: no step is recorded after the loss. And the notice is the only one: the failed
      // GPU calls of the step in flight (and of an auto-save) are not reported as errors of their own.
      await page.waitForTimeout(3000);
      expect((await dump(page)).runs[0].stepsDone).toBe(run.stepsDone);
      expect(await page.getByRole('alert').allTextContents()).toHaveLength(1);

      // Resume: the worker is restarted on a fresh device and the run continues after its auto-save.
      await notice.getByRole('button', { name: `Resume from step ${auto.step}` }).click();
      await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_TIMEOUT, interval: 500 }).toMatch(/^VSPO seed 0: finished/);
      expect(await page.getByTestId('run-status').textContent()).not.toMatch(/lost|destroyed/);
      expect(await page.getByRole('alert').filter({ hasText: /Could not resume/ }).count()).toBe(0);
      const done = await dump(page);
      expectConsistent(done);
      expect(done.runs).toEqual([expect.objectContaining({ id: run.id, status: 'finished', stepsDone: steps })]);
      expect(autosaveOf(done, run.id)).toMatchObject({ step: steps });
      // Steps up to the auto-save are the records made before the loss; the ones after it were redone.
      const before = metricsOf(lost, run.id);
      const after = metricsOf(done, run.id);
      for (let s = 0; s <= auto.step!; s++) expect(after.get(s), `step ${s}`).toEqual(before.get(s));
      for (let s = auto.step! + 1; s <= run.stepsDone; s++) expect(after.get(s)!.ms.total, `step ${s}`).not.toBe(before.get(s)!.ms.total);
      // The fresh worker's device is the one that trained.
      const now = page.workers().filter((w) => /workbench\.worker/.test(w.url()));
      expect(now).toHaveLength(1);
      expect(now[0]).not.toBe(workers[0]);
      await context.close();
    },
    20 * 60_000,
  );

  it('a pretraining whose save fails on a full disk is loaded unsaved, and the page names it so', async () => {
    const context = await browser().newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await withPrelude(page, FULL_DISK);
    await page.goto(base + '#view=pretrain&backend=cpu&behavior=verbosity');
    for (const [id, v] of [
      ['#pt-dModel', '16'],
      ['#pt-nLayers', '1'],
      ['#pt-nHeads', '2'],
      ['#pt-seed', '5'],
      ['#pt-steps', '3'],
      ['#pt-batch', '8'],
      ['#pt-evalEvery', '3'],
    ] as const)
      await page.fill(id, v);
    const start = page.getByRole('button', { name: 'Start pretraining' });
    await expect.poll(() => start.isEnabled(), { timeout: MODEL_TIMEOUT }).toBe(true);
    await start.click();
    await expect.poll(() => page.getByTestId('pretrain-status').textContent(), { timeout: RUN_TIMEOUT, interval: 300 }).toMatch(/^Failed: .*loaded but not stored/);
    // The weights in memory are the pretrained ones, and the page says so (it named the shipped model before).
    await page.keyboard.press('1');
    await expect.poll(() => page.getByTestId('model-info').textContent()).toMatch(/^Loaded verbosity base d16×1 seed 5 \(unsaved\) \(verbosity, step 3\)/);
    expect(await page.getByRole('combobox', { name: 'Checkpoint' }).locator('option:checked').textContent()).toBe('verbosity base d16×1 seed 5 (unsaved)');
    // Back and Forward keep them (the hash names them).
    await page.goBack();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/view=pretrain/);
    await page.goForward();
    await expect.poll(() => page.getByTestId('model-info').textContent()).toMatch(/^Loaded verbosity base d16×1 seed 5 \(unsaved\)/);
    // They live only in this worker: a reload says they are gone and starts from the shipped checkpoint.
    await page.reload();
    await expect.poll(() => page.getByTestId('model-info').textContent().catch(() => ''), { timeout: MODEL_TIMEOUT }).toMatch(/^Loaded shipped verbosity\.safetensors/);
    await expect.poll(() => page.getByText(/was never stored \(its save failed\), so it went with the page it was made in; the shipped checkpoint is loaded instead/).count()).toBe(1);
    expect(await page.evaluate(() => location.hash)).not.toMatch(/unsaved/);
    await context.close();
  });

  it(
    'a page closed during an auto-save leaves the run, its pointer and its auto-save consistent, and the run resumable',
    async () => {
      const steps = 4;
      const hash = `${RUN}&backend=cpu&t.steps=${steps}&t.saveEvery=1`;
      const context = await browser().newContext({ viewport: { width: 1440, height: 900 } });
      const page = await openApp(context, `#view=train&${hash}`, HOLD_SECOND_AUTOSAVE);
      // Something the user made before the run: a manual save.
      await page.getByRole('button', { name: 'Save checkpoint' }).click();
      await page.getByText(/^Saved checkpoint “/).waitFor({ timeout: 60_000 });
      const held = page.waitForEvent('console', { predicate: (m) => m.text() === 'test: auto-save transaction open', timeout: RUN_TIMEOUT });
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      await held;
      await page.close();

      const again = await openApp(context, `#view=checkpoints&${hash}`);
      const rows = again.getByTestId('run-row');
      await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(1);
      await expect.poll(() => rows.first().getByTestId('run-status-cell').textContent()).toMatch(/^interrupted — the tab closed/);
      const closed = await dump(again);
      expectConsistent(closed);
      const run = closed.runs[0];
      // The second auto-save was rolled back whole: the pointer and the first auto-save are as they were.
      expect(run).toMatchObject({ status: 'interrupted', stepsDone: 2 });
      expect(autosaveOf(closed, run.id)).toMatchObject({ id: run.autosaveId, step: 1 });
      const manual = closed.checkpoints.filter((c) => c.kind === 'manual');
      expect(manual).toHaveLength(1);
      expect(await rows.first().getByTestId('resumability').textContent()).toBe('resumable from the auto-save at step 1 (steps 2–2 are redone)');

      await rows.first().getByRole('button', { name: 'Resume', exact: true }).click();
      await expect.poll(() => again.getByTestId('run-status').textContent(), { timeout: RUN_TIMEOUT, interval: 500 }).toMatch(/^VSPO seed 0: finished/);
      const done = await dump(again);
      expectConsistent(done);
      expect(done.runs).toEqual([expect.objectContaining({ id: run.id, status: 'finished', stepsDone: steps })]);
      expect(autosaveOf(done, run.id)).toMatchObject({ step: steps });
      expect(done.checkpoints.filter((c) => c.kind === 'manual')).toEqual(manual);
      await context.close();
    },
    20 * 60_000,
  );
});
