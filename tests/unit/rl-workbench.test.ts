// The worker's API implementation driven directly under Node (CPU backend, fake-indexeddb): the same
// object the Web Worker exposes with comlink. tests/gpu/worker.test.ts runs it in a real worker.
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import type { GPTConfig } from '../../src/model/config';
import { initParams } from '../../src/model/init';
import type { StepMetrics } from '../../src/rl/loop';
import { encodeCheckpoint, decodeCheckpoint } from '../../src/store/checkpoint';
import { WorkbenchDB } from '../../src/store/db';
import { createRng } from '../../src/util/rng';
import type { GenerateUpdate, WorkerEvent } from '../../src/worker/api';
import { cpuBackend } from '../../src/worker/backend';
import { Workbench, type BackendOpener } from '../../src/worker/workbench';
import { refusePuts } from './helpers/quota';

const task = getTask('verbosity');
const config: GPTConfig = { vocabSize: task.tokenizer.vocabSize, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2 };

function checkpointBytes(seed = 1): Uint8Array {
  const rng = createRng(seed);
  const vector = Float32Array.from({ length: config.dModel }, () => rng.normal());
  return encodeCheckpoint({
    config,
    params: initParams(config, seed),
    metadata: { tokenizer: task.tokenizer.toJSON(), task: { behavior: 'verbosity' }, step: 100 },
    steering: { verbosity: { vector, meta: { behavior: 'verbosity', mode: 'random', pca: false, layer: 1, window: 'decision', norm: 4, relativeScale: 1, pairs: 0 } } },
  });
}

let dbN = 0;
function setup() {
  let lost: ((m: string) => void) | null = null;
  const opener: BackendOpener = async (o, onLost) => {
    lost = onLost;
    return { backend: cpuBackend, result: { backend: 'cpu', ...(o.backend === 'webgpu' ? { fallbackReason: 'test' } : {}) } };
  };
  const name = `wb-${dbN++}`;
  const wb = new Workbench(opener, () => WorkbenchDB.open(name));
  const events: WorkerEvent[] = [];
  void wb.onEvent((e) => events.push(e));
  return { wb, events, loseDevice: (m: string) => lost!(m), db: () => WorkbenchDB.open(name) };
}

const run = { steps: 12, batchPrompts: 2, groupSize: 4, evalEvery: 3, evalSamples: 4, saveEvery: 2, lr: 1e-3 };
const until = async (cond: () => boolean, ms = 20_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('workbench (worker API)', () => {
  test('load, generate with streaming, sweep, evaluate, save and export', async () => {
    const { wb } = setup();
    await expect(wb.loadCheckpoint(checkpointBytes())).rejects.toThrow(/init\(\) first/);
    expect((await wb.init({ backend: 'cpu' })).backend).toBe('cpu');
    await expect(wb.loadCheckpoint(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ name: 'CheckpointError' });
    const info = await wb.loadCheckpoint(checkpointBytes(), { name: 'base' });
    expect(info).toMatchObject({ source: 'base', behavior: 'verbosity', step: 100, vectors: ['verbosity'] });
    expect(info.steering?.layer).toBe(1);
    const updates: GenerateUpdate[] = [];
    const texts = await wb.generate({ n: 3, seed: 1, alpha: 2, temperature: 1 }, (u) => updates.push(u));
    expect(texts).toHaveLength(3);
    expect(texts[0].prompt).toMatch(/^\d\d\+\d\d=$/);
    expect(typeof texts[0].score.behavior).toBe('number');
    expect(updates.length).toBeGreaterThan(1);
    // Streamed texts are judged in the worker: the prompts are the final ones, each response a prefix of its final one.
    for (const u of updates) {
      expect(u.texts.map((t) => t.prompt)).toEqual(texts.map((t) => t.prompt));
      u.texts.forEach((t, i) => expect(texts[i].response.startsWith(t.response), `${u.step} ${JSON.stringify(t.response)} vs ${JSON.stringify(texts[i].response)}`).toBe(true));
    }
    expect(updates.every((u) => u.texts.every((t) => typeof t.score.accuracy === 'number'))).toBe(true);
    const again = await wb.generate({ n: 3, seed: 1, alpha: 2, temperature: 1 });
    expect(again.map((t) => t.response)).toEqual(texts.map((t) => t.response));
    const progress: number[] = [];
    const points = await wb.sweep({ alphas: [0, 4], samples: 4, seed: 2 }, (p) => progress.push(p.done / p.total));
    expect(points.map((p) => p.alpha)).toEqual([0, 4]);
    expect(progress.at(-1)).toBe(1);
    const ev = await wb.evaluate({ samples: 4, seed: 1 });
    expect(ev.samples).toBe(4);
    const saved = await wb.saveCheckpoint('mine');
    expect(saved.kind).toBe('manual');
    const db = await WorkbenchDB.open(`wb-${dbN - 1}`);
    const { bytes } = await db.loadCheckpoint(saved.id);
    expect(decodeCheckpoint(bytes).steering.verbosity.meta.layer).toBe(1);
    const exported = await wb.exportCheckpoint();
    expect(decodeCheckpoint(exported).config).toEqual(config);
    const info2 = await wb.loadStoredCheckpoint(saved.id);
    expect(info2.source).toBe(`db:${saved.id}`);
  });

  test('a run: metrics stream, pause, step once, resume, stop; auto-saves and history land in IndexedDB', async () => {
    const { wb, events, db } = setup();
    await wb.init({ backend: 'cpu' });
    await wb.loadCheckpoint(checkpointBytes());
    expect((await wb.validateConfig({ groupSize: 3 })).error?.field).toBe('groupSize');
    await expect(wb.start({ groupSize: 3 }, () => {})).rejects.toThrow(/groupSize/);
    const metrics: StepMetrics[] = [];
    const rollouts: number[] = [];
    const info = await wb.start(run, (m, r) => {
      metrics.push(m);
      rollouts.push(r.length);
    });
    expect(info.config.steps).toBe(12);
    await until(() => metrics.length >= 2);
    const paused = await wb.pause();
    expect(paused.state).toBe('paused');
    const at = metrics.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(metrics.length).toBe(at); // nothing moves while paused
    const one = await wb.stepOnce();
    expect(one?.step).toBe(at); // step numbers: 0 (baseline), 1, 2, …
    expect(metrics.length).toBe(at + 1);
    expect(rollouts[0]).toBe(0); // step 0 is the evaluation before training
    expect(rollouts.slice(1).every((n) => n === run.batchPrompts * run.groupSize)).toBe(true);
    await expect(wb.start(run, () => {})).rejects.toThrow(/in progress/);
    await wb.resume();
    await until(() => metrics.length >= at + 3);
    const stopped = await wb.stop();
    expect(stopped.state).toBe('stopped');
    const n = metrics.length;
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(metrics[0].eval).toBeDefined();
    expect(metrics[3].eval?.step).toBe(3);
    const d = await db();
    const stored = await d.loadRun(info.runId);
    expect(stored.run.status).toBe('stopped');
    expect(stored.metrics.map((m) => m.step)).toEqual(metrics.map((m) => m.step));
    const ckpts = await d.listCheckpoints();
    const autos = ckpts.filter((c) => c.kind === 'autosave' && c.runId === info.runId);
    expect(autos).toHaveLength(1); // each auto-save replaced the one before
    expect(autos[0].step).toBe(n - 1); // the final save at stop
    expect(stored.run.autosaveId).toBe(autos[0].id);
    expect(ckpts.some((c) => c.kind === 'run-start' && c.runId === info.runId)).toBe(true);
    expect(events.filter((e) => e.type === 'autosaved').length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.type === 'status' && e.status.state === 'paused')).toBe(true);
    // A finished run frees the trainer; another can start.
    const m2: StepMetrics[] = [];
    await wb.start({ ...run, steps: 2, method: 'grpo' }, (m) => m2.push(m));
    await until(() => m2.length === 3);
    await until(() => events.some((e) => e.type === 'status' && e.status.state === 'finished'));
    expect((await wb.status()).state).toBe('finished');
  });

  test('every run starts from the checkpoint: a run after another has the same step 0 and first step as the first', async () => {
    const { wb, events } = setup();
    await wb.init({ backend: 'cpu' });
    await wb.loadCheckpoint(checkpointBytes(), { name: 'base' });
    const original = decodeCheckpoint(await wb.exportCheckpoint()).params;
    const cfg = { ...run, steps: 2, evalEvery: 1, saveEvery: 0, seed: 0 };
    const runOnce = async (c: object) => {
      const ms: StepMetrics[] = [];
      await wb.start(c, (m) => ms.push(m));
      await until(() => ms.length === 3);
      while ((await wb.status()).state !== 'finished') await new Promise((r) => setTimeout(r, 2));
      return ms;
    };
    const first = await runOnce(cfg);
    // Distillation always moves the weights, so what the next run starts from is tested, not assumed.
    await runOnce({ ...cfg, method: 'distill', lr: 1e-2 });
    expect((await wb.modelInfo())!.weights).toMatchObject({ kind: 'run', step: 2 });
    const trained = decodeCheckpoint(await wb.exportCheckpoint()).params;
    expect([...trained].some(([k, v]) => v.some((x, i) => x !== original.get(k)![i]))).toBe(true);
    const second = await runOnce(cfg);
    const strip = (m: StepMetrics) => JSON.parse(JSON.stringify({ ...m, ms: 0, rolloutTokensPerSec: 0, eval: m.eval ? { ...m.eval, ms: 0 } : undefined }));
    expect(second[0].eval).toBeDefined();
    expect(strip(second[0])).toEqual(strip(first[0]));
    expect(strip(second[1])).toEqual(strip(first[1]));
    expect(events.some((e) => e.type === 'weights' && e.weights.kind === 'checkpoint')).toBe(true);
    const reset = await wb.resetWeights();
    expect(reset.weights).toEqual({ kind: 'checkpoint' });
    const back = decodeCheckpoint(await wb.exportCheckpoint()).params;
    for (const [k, v] of original) expect(Buffer.from(back.get(k)!.buffer).equals(Buffer.from(v.buffer)), k).toBe(true);
  });

  test('device loss stops the run and says so; after init() the run resumes from its last auto-save', async () => {
    const { wb, events, loseDevice } = setup();
    await wb.init({ backend: 'webgpu', fallbackToCpu: true });
    await wb.loadCheckpoint(checkpointBytes(3));
    const metrics: StepMetrics[] = [];
    const rollouts: number[] = [];
    const info = await wb.start(run, (m, r) => {
      metrics.push(m);
      rollouts.push(r.length);
    });
    await until(() => events.some((e) => e.type === 'autosaved'));
    loseDevice('simulated');
    await until(() => events.some((e) => e.type === 'device-lost'));
    const lost = events.find((e) => e.type === 'device-lost')!;
    expect(lost).toMatchObject({ type: 'device-lost', message: 'simulated', runId: info.runId });
    expect((await wb.status()).state).toBe('device-lost');
    await expect(wb.generate({ n: 1, seed: 0, alpha: 0, temperature: 0 })).rejects.toThrow(/lost/);
    await new Promise((r) => setTimeout(r, 20));
    const last = (lost as { lastAutosave?: { step: number } }).lastAutosave!.step;
    expect(last % 2).toBe(0);
    await wb.init({ backend: 'cpu' });
    const resumed: StepMetrics[] = [];
    const r = await wb.resumeRun(info.runId, (m) => resumed.push(m));
    const from = (await wb.status()).lastAutosave!.step;
    expect(r.firstStep).toBe(from + 1);
    await until(() => events.some((e) => e.type === 'status' && e.status.state === 'finished' && e.status.runId === info.runId));
    expect(resumed[0].step).toBe(from + 1);
    expect(resumed.at(-1)!.step).toBe(12);
    expect(resumed.at(-1)!.eval?.step).toBe(12);
  });

  test('after a run ends, weights it did not train are not saved, exported or evaluated as its', async () => {
    const { wb, events, db } = setup();
    await wb.init({ backend: 'cpu' });
    await wb.loadCheckpoint(checkpointBytes(), { name: 'base' }); // step 100
    const info = await wb.start({ ...run, steps: 2, saveEvery: 0 }, () => undefined);
    await until(() => events.some((e) => e.type === 'status' && e.status.state === 'finished'));
    const trained = decodeCheckpoint(await wb.exportCheckpoint()).metadata;
    expect(trained).toMatchObject({ step: 102, training: { runId: info.runId, stepsDone: 2 } });
    expect((await wb.evaluate({ samples: 2, seed: 0 })).step).toBe(2);

    await wb.resetWeights();
    const reset = decodeCheckpoint(await wb.exportCheckpoint()).metadata;
    expect(reset.step).toBe(100);
    expect(reset.training).toBeUndefined();
    expect((await wb.evaluate({ samples: 2, seed: 0 })).step).toBe(0);

    await wb.loadCheckpoint(checkpointBytes(2), { name: 'other' });
    const saved = await wb.saveCheckpoint();
    expect(saved.step).toBe(100);
    expect(saved.runId).toBeUndefined();
    expect(saved.name).not.toMatch(/step 2/);
    const bytes = (await (await db()).loadCheckpoint(saved.id)).bytes;
    expect(decodeCheckpoint(bytes).metadata).toMatchObject({ step: 100 });
    expect(decodeCheckpoint(bytes).metadata.training).toBeUndefined();
  });

  test('a resume drops the lost steps\' metrics; a run that did all its steps is not resumed', async () => {
    const { wb, events, loseDevice, db } = setup();
    await wb.init({ backend: 'webgpu', fallbackToCpu: true });
    await wb.loadCheckpoint(checkpointBytes(3));
    const info = await wb.start({ ...run, steps: 9, saveEvery: 5, evalEvery: 0 }, () => undefined, { paused: true });
    while ((await wb.status()).stepsDone < 8) await wb.stepOnce(); // auto-saved at step 5, steps 6-8 after it
    loseDevice('simulated');
    await until(() => events.some((e) => e.type === 'device-lost'));
    expect((await (await db()).loadRun(info.runId)).metrics.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await wb.init({ backend: 'cpu' });
    const r = await wb.resumeRun(info.runId, () => undefined);
    expect(r.firstStep).toBe(6);
    expect(r.model).toMatchObject({ weights: { kind: 'run', runId: info.runId, step: 5 } });
    await wb.pause();
    await wb.stop();
    // whatever the resumed run got to before the stop, the stored history is its own: steps 0..stepsDone
    const { run: rec, metrics } = await (await db()).loadRun(info.runId);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: rec.stepsDone + 1 }, (_, i) => i));

    const done = await wb.start({ ...run, steps: 2, saveEvery: 2, evalEvery: 0 }, () => undefined);
    await until(() => events.some((e) => e.type === 'status' && e.status.state === 'finished' && e.status.runId === done.runId));
    await expect(wb.resumeRun(done.runId, () => undefined)).rejects.toThrow(/has done all its 2 steps: there is nothing to resume/);
  });

  test('a resume whose run record cannot be written fails whole: no run is left in progress, and it resumes once the disk has room', async () => {
    const { wb, db } = setup();
    await wb.init({ backend: 'cpu' });
    await wb.loadCheckpoint(checkpointBytes(3));
    const info = await wb.start({ ...run, steps: 6, saveEvery: 2, evalEvery: 0 }, () => undefined, { paused: true });
    while ((await wb.status()).stepsDone < 3) await wb.stepOnce();
    await wb.stop();
    const restorePut = refusePuts('runs');
    try {
      await expect(wb.resumeRun(info.runId, () => undefined)).rejects.toThrow(/quota/i);
    } finally {
      restorePut();
    }
    expect((await wb.status()).state).toBe('stopped'); // still the stopped run: nothing half-started holds the worker
    expect((await (await db()).getRun(info.runId))!.status).toBe('stopped');
    const r = await wb.resumeRun(info.runId, () => undefined);
    expect(r.firstStep).toBe(4); // after the auto-save the stop made at step 3
    await wb.stop();
  });

  test('a stop asked while the step that completes the budget is in flight: one end, told once, after its record', async () => {
    const { wb, events, db } = setup();
    await wb.init({ backend: 'cpu' });
    await wb.loadCheckpoint(checkpointBytes(3));
    const info = await wb.start({ ...run, steps: 3, saveEvery: 1, evalEvery: 0 }, () => undefined, { paused: true });
    while ((await wb.status()).stepsDone < 2) await wb.stepOnce();
    const last = wb.stepOnce();
    await wb.stop();
    const ends = events.filter((e) => e.type === 'status' && e.status.runId === info.runId && ['finished', 'stopped', 'halted'].includes(e.status.state));
    expect(ends.map((e) => (e as { status: { state: string } }).status.state)).toEqual(['finished']); // told by the time stop() returns
    await last;
    expect((await (await db()).getRun(info.runId))!).toMatchObject({ status: 'finished', stepsDone: 3 });
  });

  test('a save over the quota is reported and the run goes on', async () => {
    const { wb, events } = setup();
    await wb.init({ backend: 'cpu' });
    await wb.loadCheckpoint(checkpointBytes());
    const restorePut = refusePuts('checkpointBytes');
    try {
      const metrics: StepMetrics[] = [];
      await wb.start({ ...run, steps: 4 }, (m) => metrics.push(m));
      await until(() => events.some((e) => e.type === 'status' && e.status.state === 'finished'));
      expect(metrics).toHaveLength(5);
      const failures = events.filter((e) => e.type === 'save-failed');
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect((failures[0] as { message: string }).message).toMatch(/not enough storage/);
      await expect(wb.saveCheckpoint('x')).rejects.toMatchObject({ name: 'StorageQuotaError' });
    } finally {
      restorePut();
    }
  });
});
