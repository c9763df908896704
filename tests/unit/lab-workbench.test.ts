// Pretraining in the worker (the lab block of src/worker/workbench.ts → src/worker/lab.ts), driven directly
// under Node with the CPU backend and fake-indexeddb: the same weights and metadata as `vspo pretrain`,
// progress, pause / resume / stop, interleaved calls, the refusals and the request's validation.
import 'fake-indexeddb/auto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createTask, getTask } from '../../src/data/tasks';
import type { GPTConfig } from '../../src/model/config';
import { createCpuModel } from '../../src/model/cpu-model';
import { initParams } from '../../src/model/init';
import { defaultPretrain, pretrain } from '../../src/model/pretrain';
import type { Params } from '../../src/model/types';
import { extractSteeringVector } from '../../src/steering/extract';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint';
import { WorkbenchDB } from '../../src/store/db';
import type { PretrainProgress, PretrainRequest, WorkerEvent } from '../../src/worker/api';
import { cpuBackend } from '../../src/worker/backend';
import { pretrainRequestError } from '../../src/worker/lab';
import { Workbench, type BackendOpener } from '../../src/worker/workbench';
import { refusePuts } from './helpers/quota';

let dbN = 0;
function setup() {
  const opener: BackendOpener = async () => ({ backend: cpuBackend, result: { backend: 'cpu' } });
  const name = `lab-wb-${dbN++}`;
  const wb = new Workbench(opener, () => WorkbenchDB.open(name));
  return { wb, db: () => WorkbenchDB.open(name) };
}

const until = async (cond: () => boolean, ms = 30_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

function expectSameBits(a: Params, b: Params) {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, v] of a) expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(b.get(k)!.buffer, b.get(k)!.byteOffset, b.get(k)!.byteLength)), k).toBe(true);
}

/** Metadata without what legitimately differs: when it was made, where it was written, how long it took. */
function comparable(meta: Record<string, unknown>) {
  const m = JSON.parse(JSON.stringify(meta));
  delete m.createdAt;
  delete m.pretrain.wallTimeSeconds;
  m.pretrain.command = m.pretrain.command.replace(/ --out \S+$/, '');
  return m;
}

const tiny: PretrainRequest = { behavior: 'verbosity', corpusRate: 0.1, dModel: 16, nLayers: 1, nHeads: 2, seed: 3, steps: 20, batch: 8, lr: 0.002 };

describe('pretraining in the worker', () => {
  test('the same weights and metadata as `vspo pretrain` with the same seed and settings; progress; stored and installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vspo-lab-'));
    const out = join(dir, 'cli.safetensors');
    const cli = spawnSync(
      'npx',
      ['tsx', 'src/cli/main.ts', 'pretrain', '--behavior', 'verbosity', '--corpus-rate', '0.1', '--seed', '3', '--steps', '20', '--batch', '8', '--lr', '0.002', '--d-model', '16', '--layers', '1', '--heads', '2', '--out', out],
      { cwd: process.cwd(), encoding: 'utf8', timeout: 180_000 },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const fromCli = decodeCheckpoint(new Uint8Array(readFileSync(out)));
    expect(JSON.parse(cli.stdout)).toMatchObject({ out, steps: 20, validationLoss: (fromCli.metadata.pretrain as { validationLoss: number }).validationLoss });

    const { wb, db } = setup();
    await wb.init({ backend: 'cpu' });
    const progress: PretrainProgress[] = [];
    const info = await wb.pretrain({ ...tiny, evalEvery: 5 }, (p) => progress.push(p));
    expect(info).toMatchObject({ behavior: 'verbosity', step: 20, weights: { kind: 'checkpoint' }, vectors: [], steering: null });
    expect(info.source).toMatch(/^db:/);
    expect(info.config).toEqual(fromCli.config);

    // Bit for bit: the stored checkpoint, and the weights now in memory.
    const records = await (await db()).listCheckpoints();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'pretrain', behavior: 'verbosity', step: 20, id: info.source.slice(3) });
    const stored = decodeCheckpoint((await (await db()).loadCheckpoint(records[0].id)).bytes);
    expectSameBits(stored.params, fromCli.params);
    expectSameBits(decodeCheckpoint(await wb.exportCheckpoint()).params, fromCli.params);
    // The same metadata (one builder), but for createdAt, --out and the wall time.
    expect(comparable(stored.metadata)).toEqual(comparable(fromCli.metadata));
    expect(stored.metadata.pretrain).toMatchObject({ seed: 3, steps: 20, stepsDone: 20, batchSize: 8, lr: 0.002, corpusRate: 0.1, backend: 'cpu' });
    expect(info.metadata).toEqual(JSON.parse(JSON.stringify(stored.metadata)));

    // Progress: one report per step, a second one at each evaluation point carrying valLoss and eval.
    const plain = progress.filter((p) => p.eval === undefined);
    const evals = progress.filter((p) => p.eval !== undefined);
    expect(plain.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(evals.map((p) => p.step)).toEqual([5, 10, 15, 20]);
    for (const p of progress) {
      expect(p.steps).toBe(20);
      expect(Number.isFinite(p.loss)).toBe(true);
      expect(p.tokensPerSec).toBeGreaterThan(0);
      expect(p.elapsedMs).toBeGreaterThan(0);
      expect(p.etaMs).toBeGreaterThanOrEqual(0);
    }
    for (let i = 1; i < progress.length; i++) expect(progress[i].elapsedMs).toBeGreaterThanOrEqual(progress[i - 1].elapsedMs);
    expect(progress.at(-1)!.etaMs).toBe(0);
    for (const p of evals) {
      expect(Number.isFinite(p.valLoss)).toBe(true);
      expect(p.eval).toMatchObject({ split: 'validation', alpha: 0, samples: 256 });
      expect(p.eval!.greedy.accuracy).toBeGreaterThanOrEqual(0);
      expect(p.eval!.sampled.behavior).toBeGreaterThanOrEqual(0);
    }
    // The last evaluation is the checkpoint's.
    const meta = stored.metadata.pretrain as { evaluation: unknown; validationLoss: number };
    expect(meta.evaluation).toEqual(JSON.parse(JSON.stringify(evals.at(-1)!.eval)));
    expect(meta.validationLoss).toBe(evals.at(-1)!.valLoss);
    expect(progress.at(-1)!.loss).toBe(plain.at(-1)!.loss);
    expect(await wb.pretrainStatus()).toMatchObject({ state: 'finished', behavior: 'verbosity', stepsDone: 20, steps: 20 });
  }, 240_000);

  test('pause, resume, stop: nothing moves while paused, calls interleave, stop saves the steps done', async () => {
    const { wb, db } = setup();
    await wb.init({ backend: 'cpu' });
    // A loaded checkpoint to generate with while pretraining runs.
    const task = getTask('verbosity');
    const config: GPTConfig = { vocabSize: task.tokenizer.vocabSize, contextLength: 22, dModel: 16, nLayers: 1, nHeads: 2 };
    await wb.loadCheckpoint(encodeCheckpoint({ config, params: initParams(config, 9), metadata: { tokenizer: task.tokenizer.toJSON(), task: { behavior: 'verbosity' } } }), { name: 'other' });

    const progress: PretrainProgress[] = [];
    const steps = 5000;
    const done = wb.pretrain({ ...tiny, steps }, (p) => progress.push(p));
    await until(() => progress.length >= 3);
    // Generation on the loaded checkpoint interleaves with the steps.
    const texts = await wb.generate({ n: 2, seed: 1, alpha: 0, temperature: 1 });
    expect(texts).toHaveLength(2);
    expect((await wb.pretrainStatus()).state).toBe('running');

    const paused = await wb.pausePretrain();
    expect(paused.state).toBe('paused');
    const at = progress.length;
    await new Promise((r) => setTimeout(r, 40));
    expect(progress.length).toBe(at);
    expect(await wb.evaluate({ samples: 2, seed: 0 })).toMatchObject({ samples: 2 }); // the device is free while paused
    // Refusals both ways, and one pretraining at a time.
    await expect(wb.start({ method: 'grpo', steps: 2, batchPrompts: 2, groupSize: 4 }, () => {})).rejects.toMatchObject({ name: 'StateError', message: expect.stringMatching(/pretraining is in progress/) });
    await expect(wb.pretrain(tiny)).rejects.toMatchObject({ name: 'StateError', message: expect.stringMatching(/already in progress/) });
    await expect(wb.init({ backend: 'cpu' })).rejects.toThrow(/pretraining is in progress/);

    const resumed = await wb.resumePretrain();
    expect(resumed.state).toBe('running');
    await until(() => progress.length >= at + 3);
    const stopped = await wb.stopPretrain();
    expect(stopped.state).toBe('stopped');
    const info = await done;
    const k = info.step;
    expect(k).toBeGreaterThanOrEqual(at + 3);
    expect(k).toBeLessThan(steps);
    expect(progress.filter((p) => !p.eval).at(-1)!.step).toBe(k);
    expect(progress.at(-1)!.eval).toBeDefined(); // the final evaluation at the stop
    expect(stopped.stepsDone).toBe(k);
    expect(info.metadata.pretrain).toMatchObject({ steps, stepsDone: k });
    expect((info.metadata.pretrain as { command: string }).command).toMatch(`--steps ${steps} `);
    const rec = (await (await db()).listCheckpoints()).find((c) => c.kind === 'pretrain')!;
    expect(rec).toMatchObject({ step: k });
    expect(rec.name).toMatch(/stopped at step \d+ of 5000/);
    // The weights are those of k steps of the 5000-step schedule.
    const t = createTask('verbosity', { rate: 0.1 });
    const ref = createCpuModel(info.config, initParams(info.config, tiny.seed));
    await pretrain(ref, t, { ...defaultPretrain, steps, batchSize: tiny.batch, lr: tiny.lr, seed: tiny.seed, beforeStep: (s) => s < k, validationExamples: 0 });
    expectSameBits(decodeCheckpoint(await wb.exportCheckpoint()).params, await ref.getParams());

    // Now an RL run may start, and pretraining is refused while it is active.
    await wb.start({ method: 'grpo', steps: 50, batchPrompts: 2, groupSize: 4, saveEvery: 0 }, () => {}, { paused: true });
    await expect(wb.pretrain(tiny)).rejects.toMatchObject({ name: 'StateError', message: expect.stringMatching(/a run is in progress/) });
    await wb.stop();
  }, 120_000);

  test('dispose mid-pretraining ends it unsaved; extraction reads the checkpoint even when a run has moved the weights', async () => {
    const { wb, db } = setup();
    await wb.init({ backend: 'cpu' });
    const progress: PretrainProgress[] = [];
    const done = wb.pretrain({ ...tiny, steps: 5000 }, (p) => progress.push(p)).then(
      () => null,
      (e: Error) => e,
    );
    await until(() => progress.length >= 2);
    await wb.dispose();
    expect((await done)?.message).toMatch(/abandoned/);
    expect(await wb.pretrainStatus()).toMatchObject({ state: 'failed' });
    expect(await (await db()).listCheckpoints()).toEqual([]);

    const { wb: wb2 } = setup();
    await wb2.init({ backend: 'cpu' });
    const info = await wb2.pretrain({ ...tiny, steps: 6 });
    const ckpt = decodeCheckpoint(await wb2.exportCheckpoint());
    // A distill run moves the weights in memory...
    await wb2.start({ method: 'distill', steps: 2, batchPrompts: 2, groupSize: 4, lr: 1e-2, evalEvery: 1, evalSamples: 2, saveEvery: 0 }, () => {});
    while ((await wb2.status()).state !== 'finished') await new Promise((r) => setTimeout(r, 2));
    expect((await wb2.modelInfo())!.weights).toMatchObject({ kind: 'run', step: 2 });
    // ...but the vector comes from the checkpoint's.
    const report = await wb2.extractVector({ mode: 'caa-response', layer: 0, pairs: 8 });
    const expected = await extractSteeringVector(createCpuModel(info.config, ckpt.params), getTask('verbosity'), { mode: 'caa-response', layer: 0, pairs: 8 });
    expect(report.meta).toEqual(expected.meta);
    expect((await wb2.modelInfo())!.weights).toMatchObject({ kind: 'run', step: 2 }); // and the run's weights stay
  });

  test('a pretraining whose save fails is loaded unsaved, and the model event says so', async () => {
    const { wb } = setup();
    await wb.init({ backend: 'cpu' });
    const events: WorkerEvent[] = [];
    await wb.onEvent((e) => events.push(e));
    const restorePut = refusePuts('checkpointBytes');
    try {
      await expect(wb.pretrain({ ...tiny, steps: 3 })).rejects.toMatchObject({ name: 'StorageQuotaError', message: expect.stringMatching(/loaded but not stored/) });
    } finally {
      restorePut();
    }
    const loaded = events.filter((e) => e.type === 'model');
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatchObject({ model: { source: expect.stringMatching(/\(unsaved\)$/), config: { dModel: 16, nLayers: 1 } } });
    expect(await wb.modelInfo()).toEqual((loaded[0] as { model: unknown }).model);

    // Space freed, the weights saved as they were loaded: they are a stored checkpoint now, and the event says so.
    const rec = await wb.saveCheckpoint('kept after all');
    const stored = events.filter((e) => e.type === 'model');
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({ model: { source: `db:${rec.id}`, weights: { kind: 'checkpoint' } } });
    expect((await wb.modelInfo())!.source).toBe(`db:${rec.id}`);
    await wb.saveCheckpoint('a second copy'); // a stored model stays as it is
    expect(events.filter((e) => e.type === 'model')).toHaveLength(2);
  });

  test('the request is validated up front, one line naming the field', async () => {
    const { wb } = setup();
    await expect(wb.pretrain(tiny)).rejects.toThrow(/init\(\) first/);
    await wb.init({ backend: 'cpu' });
    const bad: [Partial<PretrainRequest> & Record<string, unknown>, RegExp][] = [
      [{ behavior: 'honesty' as never }, /^behavior: must be one of verbosity, confidence/],
      [{ corpusRate: 1.5 }, /^corpusRate: must be a probability/],
      [{ dModel: 15 }, /^dModel: dModel \(15\) must be divisible by nHeads \(2\)$/],
      [{ nHeads: 0 }, /^nHeads: must be a positive integer/],
      [{ nLayers: 49 }, /^nLayers: nLayers must be at most 48 \(got 49\)$/],
      [{ dModel: 4096, nLayers: 48, nHeads: 64 }, /^dModel: .*too large.*would need/],
      [{ steps: 0 }, /^steps: must be an integer in \[1, 1000000\]/],
      [{ batch: 2.5 }, /^batch: must be an integer/],
      [{ lr: -1 }, /^lr: must be a number in \(0, 1\]/],
      [{ seed: -1 }, /^seed: must be an integer/],
      [{ evalEvery: 0 }, /^evalEvery: must be an integer in \[1/],
      [{ epochs: 3 }, /^epochs: unknown field/],
    ];
    for (const [patch, re] of bad) {
      const o = { ...tiny, ...patch };
      expect(pretrainRequestError(o), JSON.stringify(patch)).toMatch(re);
      const e = await wb.pretrain(o as PretrainRequest).then(
        () => null,
        (x: Error) => x,
      );
      expect(e?.name).toBe('ConfigError');
      expect(e?.message).toMatch(re);
      expect(e?.message.split('\n')).toHaveLength(1);
    }
    expect(pretrainRequestError(tiny)).toBeNull();
    expect(pretrainRequestError({ ...tiny, corpusRate: undefined, evalEvery: 3 })).toBeNull();
    // The device's fit check names the batch.
    const small: BackendOpener = async () => ({
      backend: {
        ...cpuBackend,
        checkFits: (_c, sequences) => {
          if (sequences > 100) throw new Error(`${sequences} sequences exceed the limit`);
        },
      },
      result: { backend: 'cpu' },
    });
    const wb2 = new Workbench(small, () => WorkbenchDB.open(`lab-wb-${dbN++}`));
    await wb2.init({ backend: 'cpu' });
    await expect(wb2.pretrain({ ...tiny, batch: 200 })).rejects.toMatchObject({ name: 'ConfigError', message: 'batch: 200 sequences exceed the limit' });
    expect(await wb2.pretrainStatus()).toMatchObject({ state: 'idle' });
  });
});
