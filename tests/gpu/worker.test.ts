// The worker API end to end in Chromium: a real Web Worker started with comlink (connectWorkbench), the
// WebGPU backend (SwiftShader here), a 3-step run on a tiny model: metrics arrive, pause, resume, stop,
// and the auto-save lands in IndexedDB (read back from the page: same origin, same database); a long sweep
// and a streamed generation are cancelled midway.
import { afterAll, expect, test } from 'vitest';
import { task, tinyCheckpointBytes } from './tiny-checkpoint';
import type { RolloutSample, StepMetrics } from '../../src/rl/loop';
import { WorkbenchDB } from '../../src/store/db';
import { connectWorkbench, type WorkerEvent } from '../../src/worker/api';



const until = async (cond: () => boolean, ms = 120_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const { api, worker, proxy } = connectWorkbench();
afterAll(() => worker.terminate());

test('worker: start a 3-step run, metrics arrive, pause, resume, stop, auto-save lands in IndexedDB', async () => {
  const events: WorkerEvent[] = [];
  await api.onEvent(proxy((e: WorkerEvent) => void events.push(e)));
  const init = await api.init({ backend: 'webgpu', fallbackToCpu: true });
  expect(init.backend).toBe('webgpu');
  const info = await api.loadCheckpoint(tinyCheckpointBytes(), { name: 'tiny' });
  expect(info.behavior).toBe('verbosity');

  const streamed: number[] = [];
  const texts = await api.generate({ n: 2, seed: 1, alpha: 4, temperature: 1 }, proxy((u: { step: number }) => void streamed.push(u.step)));
  expect(texts).toHaveLength(2);
  expect(streamed.length).toBeGreaterThan(0);

  const metrics: StepMetrics[] = [];
  const rolloutCounts: number[] = [];
  const run = await api.start(
    { steps: 3, batchPrompts: 2, groupSize: 4, evalEvery: 3, evalSamples: 2, saveEvery: 1, lr: 1e-3 },
    proxy((m: StepMetrics, rollouts: RolloutSample[]) => {
      metrics.push(m);
      rolloutCounts.push(rollouts.length);
    }),
  );
  await until(() => metrics.length >= 2); // step 0 (baseline) and step 1
  const paused = await api.pause();
  expect(paused.state).toBe('paused');
  const held = metrics.length;
  await new Promise((r) => setTimeout(r, 200));
  expect(metrics.length).toBe(held);
  expect(rolloutCounts.slice(1).every((n) => n === 2 * 4)).toBe(true); // batchPrompts × groupSize per step
  await api.resume();
  await until(() => metrics.length >= 4 || events.some((e) => e.type === 'status' && e.status.state === 'finished'));
  const stopped = await api.stop();
  expect(['stopped', 'finished']).toContain(stopped.state);
  expect(metrics.map((m) => m.step)).toEqual([0, 1, 2, 3]);
  expect(metrics[1].perIntensity.map((p) => p.alpha)).toEqual([0, 2, 4, 8]);
  expect(metrics[3].eval?.step).toBe(3);
  expect(events.some((e) => e.type === 'autosaved')).toBe(true);

  const db = await WorkbenchDB.open();
  const autos = (await db.listCheckpoints()).filter((c) => c.kind === 'autosave' && c.runId === run.runId);
  expect(autos).toHaveLength(1);
  expect(autos[0].step).toBe(3);
  const stored = await db.loadRun(run.runId);
  expect(stored.metrics.map((m) => m.step)).toEqual([0, 1, 2, 3]);
  expect(stored.run.autosaveId).toBe(autos[0].id);
  await db.deleteRun(run.runId);
  db.close();
});

test('worker: cancelSweep stops a long sweep between batches; cancelGenerate stops a stale generation; both work again after', async () => {
  await api.init({ backend: 'webgpu', fallbackToCpu: true });
  await api.loadCheckpoint(tinyCheckpointBytes(), { name: 'tiny' });
  expect(await api.cancelSweep()).toBe(false); // nothing to cancel

  // 7 × 1024 samples: minutes on SwiftShader. Cancel at the first progress report.
  const seen: { done: number; total: number }[] = [];
  const long = api.sweep({ alphas: [-2, 0, 1, 2, 3, 4, 8], samples: 1024, seed: 3 }, proxy((p: { done: number; total: number }) => void seen.push(p)));
  const outcome = long.then(
    () => null,
    (e: Error) => e,
  );
  await until(() => seen.length > 0);
  const t0 = Date.now();
  expect(await api.cancelSweep()).toBe(true);
  const err = await outcome;
  const ms = Date.now() - t0;
  expect(err?.name).toBe('CancelledError');
  expect(err?.message).toMatch(/^sweep cancelled after [0-6] of 7 intensities$/);
  expect(ms).toBeLessThan(30_000); // one batch of 64, not the rest of 7168 samples
  expect(seen.at(-1)!.done).toBeLessThan(seen.at(-1)!.total);

  const points = await api.sweep({ alphas: [0, 2], samples: 4, seed: 3 });
  expect(points.map((p) => p.alpha)).toEqual([0, 2]);

  // A streamed generation stops at its next token; the next one runs in full.
  let updates = 0;
  const gen = api.generate({ n: 64, seed: 1, alpha: 2, temperature: 1 }, proxy(() => void updates++)).then(
    () => null,
    (e: Error) => e,
  );
  await until(() => updates > 0);
  expect(await api.cancelGenerate()).toBe(true);
  expect((await gen)?.name).toBe('CancelledError');
  expect(updates).toBeLessThan(task.maxResponseLength); // stopped before its last token
  // One queued behind a sweep never starts; the sweep is not affected.
  const sweep = api.sweep({ alphas: [0, 2], samples: 64, seed: 3 });
  const queued = api.generate({ n: 2, seed: 1, alpha: 2, temperature: 1 }).then(
    () => null,
    (e: Error) => e,
  );
  expect(await api.cancelGenerate()).toBe(true);
  expect((await queued)?.message).toBe('generation cancelled');
  expect(await sweep).toHaveLength(2);
  expect(await api.generate({ n: 2, seed: 1, alpha: 2, temperature: 1 })).toHaveLength(2);
});
