import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { WorkbenchDB, StorageQuotaError, runToCSV, runToJSON, NotFoundError } from '../../src/store/db';
import type { StepMetrics } from '../../src/rl/loop';
import { refusePuts } from './helpers/quota';

let n = 0;
const fresh = () => WorkbenchDB.open(`test-db-${n++}`);
const bytes = (k: number, fill = 1) => new Uint8Array(k).fill(fill);

function metrics(step: number, extra: Partial<StepMetrics> = {}): StepMetrics {
  return {
    step, method: 'vspo', rewardMean: 0.5, rewardStd: 0.1, accuracy: 0.5, behavior: 0.2, behaviorReward: 0.2, behaviorRate: 0.25,
    perIntensity: [{ alpha: 0, n: 4, reward: 0.4, accuracy: 0.5, behavior: 0, behaviorRate: 0 }, { alpha: 4, n: 4, reward: 0.9, accuracy: 0.5, behavior: 0.5, behaviorRate: 0.5 }],
    zeroSpreadFraction: 0.25, loss: 0.1, kl: null, clipFraction: 0, entropy: 1.2, gradNorm: 0.3, lr: 3e-4, intensityScale: 1, responseLength: 5,
    prompts: 8, rollouts: 64, teacherTraces: 0, updateTokens: 320, rolloutTokens: 64, rolloutTokensPerSec: 1000, ms: { rollout: 1, score: 1, reference: 0, update: 2, eval: 0, total: 4 }, ...extra,
  };
}

const patched: (() => void)[] = [];
afterEach(() => patched.splice(0).forEach((undo) => undo()));

describe('checkpoints', () => {
  test('save, list (newest first, without bytes), load, rename, delete', async () => {
    const db = await fresh();
    const a = await db.saveCheckpoint(bytes(100, 7), { name: 'first', behavior: 'verbosity' });
    await new Promise((r) => setTimeout(r, 2));
    const b = await db.saveCheckpoint(bytes(50, 9), { name: 'second' });
    expect(a.size).toBe(100);
    expect(a.kind).toBe('manual');
    const list = await db.listCheckpoints();
    expect(list.map((c) => c.name)).toEqual(['second', 'first']);
    expect('bytes' in list[0]).toBe(false);
    const loaded = await db.loadCheckpoint(a.id);
    expect(loaded.bytes).toEqual(bytes(100, 7));
    expect(loaded.record.behavior).toBe('verbosity');
    const renamed = await db.renameCheckpoint(b.id, '  renamed ');
    expect(renamed.name).toBe('renamed');
    expect((await db.getCheckpoint(b.id))?.name).toBe('renamed');
    await expect(db.renameCheckpoint(b.id, ' ')).rejects.toThrow(/name/);
    await db.deleteCheckpoint(a.id);
    expect((await db.listCheckpoints()).map((c) => c.id)).toEqual([b.id]);
    await expect(db.loadCheckpoint(a.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.renameCheckpoint('nope', 'x')).rejects.toBeInstanceOf(NotFoundError);
    db.close();
  });

  test('stores a copy: a view into a larger buffer saves only its bytes', async () => {
    const db = await fresh();
    const big = new Uint8Array(1000).map((_, i) => i % 251);
    const view = big.subarray(10, 20);
    const rec = await db.saveCheckpoint(view, { name: 'view' });
    const { bytes: got } = await db.loadCheckpoint(rec.id);
    expect(got.byteLength).toBe(10);
    expect(Array.from(got)).toEqual(Array.from(view));
    db.close();
  });

  test('an auto-save replaces the previous one in the same transaction', async () => {
    const db = await fresh();
    const first = await db.saveCheckpoint(bytes(10), { name: 'auto 1', kind: 'autosave', runId: 'r1', step: 10 });
    const second = await db.saveCheckpoint(bytes(10, 2), { name: 'auto 2', kind: 'autosave', runId: 'r1', step: 20, replaces: [first.id] });
    expect((await db.listCheckpoints()).map((c) => c.id)).toEqual([second.id]);
    db.close();
  });

  test('a quota error leaves the previous checkpoints intact and reports the bytes needed', async () => {
    const db = await fresh();
    const keep = await db.saveCheckpoint(bytes(64, 3), { name: 'keep' });
    const auto = await db.saveCheckpoint(bytes(64, 4), { name: 'auto', kind: 'autosave', runId: 'r' });
    // The browser refuses writes over 100 bytes, with 150 of 200 bytes in use.
    patched.push(refusePuts('checkpointBytes', (v) => ((v as { bytes?: Uint8Array }).bytes?.byteLength ?? 0) > 100));
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 150, quota: 200 }) } });
    patched.push(() => vi.unstubAllGlobals());

    const err = await db.saveCheckpoint(bytes(500), { name: 'too big', kind: 'autosave', runId: 'r', replaces: [auto.id] }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageQuotaError);
    expect((err as StorageQuotaError).bytesNeeded).toBe(450);
    expect((err as Error).message).toMatch(/needs 450 B more/);
    const list = await db.listCheckpoints();
    expect(list.map((c) => c.name).sort()).toEqual(['auto', 'keep']);
    expect((await db.loadCheckpoint(keep.id)).bytes).toEqual(bytes(64, 3));
    expect((await db.loadCheckpoint(auto.id)).bytes).toEqual(bytes(64, 4));
    db.close();
  });
});

describe('auto-save pointer', () => {
  test("an auto-save replaces the last one and moves the run's pointer in one transaction; a failed one changes neither", async () => {
    const db = await fresh();
    const run = await db.createRun({ name: 'r', behavior: 'verbosity', method: 'vspo', config: { steps: 3 } });
    const first = await db.saveCheckpoint(bytes(10), { name: 'auto 1', kind: 'autosave', runId: run.id, autosaveOf: run.id });
    expect((await db.getRun(run.id))!.autosaveId).toBe(first.id);
    const second = await db.saveCheckpoint(bytes(10, 2), { name: 'auto 2', kind: 'autosave', runId: run.id, replaces: [first.id], autosaveOf: run.id });
    expect((await db.getRun(run.id))!.autosaveId).toBe(second.id);
    expect((await db.listCheckpoints()).map((c) => c.id)).toEqual([second.id]);
    // The write of the run record fails: the new bytes, the deletion and the pointer all roll back.
    const restorePut = refusePuts('runs');
    patched.push(restorePut);
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 150, quota: 200 }) } });
    patched.push(() => vi.unstubAllGlobals());
    await expect(db.saveCheckpoint(bytes(10, 3), { name: 'auto 3', kind: 'autosave', runId: run.id, replaces: [second.id], autosaveOf: run.id })).rejects.toBeInstanceOf(StorageQuotaError);
    restorePut();
    expect((await db.getRun(run.id))!.autosaveId).toBe(second.id);
    expect((await db.listCheckpoints()).map((c) => c.id)).toEqual([second.id]);
    expect((await db.loadCheckpoint(second.id)).bytes).toEqual(bytes(10, 2));
    await expect(db.saveCheckpoint(bytes(4), { name: 'x', autosaveOf: 'missing' })).rejects.toBeInstanceOf(NotFoundError);
    db.close();
  });
});

describe('runs', () => {
  test('create, append metrics, list, load, update, delete (with its auto-saves)', async () => {
    const db = await fresh();
    const run = await db.createRun({ name: 'vspo verbosity', behavior: 'verbosity', method: 'vspo', config: { steps: 3 } });
    expect(run.status).toBe('running');
    for (const s of [0, 1, 2]) await db.appendMetrics(run.id, metrics(s));
    const auto = await db.saveCheckpoint(bytes(8), { name: 'auto', kind: 'autosave', runId: run.id });
    const manual = await db.saveCheckpoint(bytes(8), { name: 'manual', runId: run.id });
    await db.updateRun(run.id, { status: 'finished', autosaveId: auto.id });
    const other = await db.createRun({ name: 'grpo', behavior: 'verbosity', method: 'grpo', config: {} });
    const runs = await db.listRuns();
    expect(runs.map((r) => r.id)).toContain(run.id);
    const loaded = await db.loadRun(run.id);
    expect(loaded.run.status).toBe('finished');
    expect(loaded.run.stepsDone).toBe(2);
    expect(loaded.metrics.map((m) => m.step)).toEqual([0, 1, 2]);
    expect((await db.loadRun(other.id)).metrics).toEqual([]);
    await db.deleteRun(run.id);
    await expect(db.loadRun(run.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await db.listCheckpoints()).map((c) => c.id)).toEqual([manual.id]);
    expect((await db.listRuns()).map((r) => r.id)).toEqual([other.id]);
    await expect(db.appendMetrics('missing', metrics(1))).rejects.toBeInstanceOf(NotFoundError);
    db.close();
  });

  test('rewind drops the metrics after its step; update, append and rewind of a missing run are NotFoundError and write nothing', async () => {
    const db = await fresh();
    const run = await db.createRun({ name: 'resumed', behavior: 'verbosity', method: 'vspo', config: {} });
    for (const s of [0, 1, 2, 3]) await db.appendMetrics(run.id, metrics(s));
    const rewound = await db.rewindRun(run.id, 1, { status: 'paused', message: 'resumed at 1' });
    expect(rewound).toMatchObject({ id: run.id, createdAt: run.createdAt, stepsDone: 1, status: 'paused', message: 'resumed at 1' });
    const loaded = await db.loadRun(run.id);
    expect(loaded.run).toEqual(rewound);
    expect(loaded.metrics.map((m) => m.step)).toEqual([0, 1]);
    const missing = [
      () => db.updateRun('missing', { status: 'stopped' }),
      () => db.appendMetrics('missing', metrics(5)),
      () => db.rewindRun('missing', 0, { status: 'running' }),
    ];
    for (const call of missing) {
      const e = await call().then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(NotFoundError);
      expect((e as Error).message).toBe('run missing not found');
    }
    expect(await db.getRun('missing')).toBeUndefined();
    expect((await db.db.getAll('metrics')).map((r) => r.runId)).toEqual([run.id, run.id]);
    expect(await db.loadRun(run.id)).toEqual(loaded);
    db.close();
  });

  test('export as JSON and CSV', async () => {
    const db = await fresh();
    const run = await db.createRun({ name: 'a "quoted", name', behavior: 'verbosity', method: 'vspo', config: { steps: 2, grid: [0, 2] } });
    await db.appendMetrics(run.id, metrics(0, { rewardMean: null, perIntensity: [], eval: { step: 0, alpha: 0, split: 'test', greedy: { n: 8, accuracy: 0.5, behavior: 0, counted: 8, rewarded: 0 }, sampled: { n: 8, accuracy: 0.4, behavior: 0.1, counted: 8, rewarded: 0.1 }, samples: 8, ms: 3 } }));
    await db.appendMetrics(run.id, metrics(1, { loss: NaN }));
    const { run: r, metrics: ms } = await db.loadRun(run.id);
    const json = JSON.parse(runToJSON(r, ms));
    expect(json.run.config.grid).toEqual([0, 2]);
    expect(json.metrics).toHaveLength(2);
    const csv = runToCSV(ms).trim().split('\n');
    expect(csv).toHaveLength(3);
    const header = csv[0].split(',');
    expect(header).toContain('eval.sampled.behavior');
    expect(header).toContain('alpha=4.behaviorRate');
    expect(header).toContain('ms.rollout');
    const row0 = csv[1].split(',');
    const row1 = csv[2].split(',');
    expect(row0[header.indexOf('eval.sampled.behavior')]).toBe('0.1');
    expect(row1[header.indexOf('eval.sampled.behavior')]).toBe('');
    expect(row1[header.indexOf('alpha=4.behaviorRate')]).toBe('0.5');
    expect(row1[header.indexOf('loss')]).toBe(''); // NaN → empty
    expect(row0[header.indexOf('rewardMean')]).toBe('');
    db.close();
  });
});
