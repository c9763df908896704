// The UI's client (src/ui/worker/client.ts) on a real worker, in Chromium: what it promises the stores
// about a restart and about the resume point it offers after a device loss.
//
// - dispose(reason) rejects every call still in flight with a WorkerRestartedError (isRestarted) naming
//   the reason, instead of leaving it pending forever (a backend switch left sweeps busy for good);
// - the resume point offered with a device loss is the lost run's own auto-save: a run B lost before
//   its first auto-save offers none, not the auto-save of the run A this client followed before.
//
// To lose the device on purpose the worker's script is started behind a prelude, as the e2e fault tests
// do with page.route: `Worker` is wrapped so the worker module runs after a small module that keeps the
// GPUDevices it requests and destroys them when the page asks on a BroadcastChannel. The worker's code,
// the device and the loss (device.destroy()) are all real; nothing answers in the worker's place.
import { afterAll, expect, test } from 'vitest';
import { tinyCheckpointBytes } from './tiny-checkpoint';
import { withPrelude } from './worker-prelude';
import { defaultRlConfig, type RlConfig } from '../../src/rl/config';
import { WorkbenchDB } from '../../src/store/db';
import { heldRunIds } from '../../src/worker/runLocks';
import { createClient } from '../../src/ui/worker/client';
import { isRestarted, type RunEvent, type WorkbenchClient } from '../../src/ui/worker/types';



const until = async (cond: () => boolean, ms = 120_000, what = 'a condition') => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A promise's outcome, or 'pending' if it has not settled within ms. */
const settledWithin = <T>(p: Promise<T>, ms: number): Promise<{ value: T } | { error: Error } | 'pending'> =>
  Promise.race([p.then((value) => ({ value }), (error: Error) => ({ error })), new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

const tiny = (patch: Partial<RlConfig>): RlConfig => ({ ...defaultRlConfig, method: 'grpo', batchPrompts: 1, groupSize: 2, evalEvery: 0, beta: 0, seed: 0, ...patch });

const created: string[] = [];
const clients: WorkbenchClient[] = [];
afterAll(async () => {
  for (const c of clients) c.dispose();
  const db = await WorkbenchDB.open();
  for (const r of await db.listRuns()) if (created.includes(r.id)) await db.deleteRun(r.id);
  for (const c of await db.listCheckpoints()) if (created.includes(c.id)) await db.deleteCheckpoint(c.id);
  db.close();
});

/** A client on `backend` with the tiny model imported into IndexedDB and loaded. */
async function ready(backend: 'cpu' | 'webgpu') {
  const crashes: string[] = [];
  const c = createClient({ onCrash: (m) => void crashes.push(m) });
  clients.push(c);
  expect((await c.init(backend)).backend).toBe(backend);
  const { id } = await c.importCheckpoint(tinyCheckpointBytes(), 'ui-client tiny.safetensors');
  created.push(id);
  await c.loadCheckpoint(`db:${id}`, 'verbosity');
  return { c, crashes };
}

test('dispose(reason) rejects the calls in flight (a sweep and a generation queued behind it) with a WorkerRestartedError naming the reason', async () => {
  const { c, crashes } = await ready('cpu');
  const progress: number[] = [];
  // 4 × 1024 samples: far longer than this test waits.
  const sweep = c.sweep({ alphas: [0, 2, 4, 8], samples: 1024, seed: 3 }, (done) => void progress.push(done));
  await until(() => progress.length > 0, 60_000, 'the sweep to report progress');
  const generation = c.generate({ alpha: 2, n: 2, temperature: 1, seed: 1 }, () => undefined); // waits for the sweep in the worker
  c.dispose('the worker was restarted on the WebGPU backend (backend switch)');

  for (const [what, p] of [['sweep', sweep], ['generation', generation]] as const) {
    const outcome = await settledWithin(p as Promise<unknown>, 5_000);
    expect(outcome, `the ${what} in flight settles once the client is disposed`).not.toBe('pending');
    const err = (outcome as { error?: Error }).error;
    expect(err, `the ${what} rejects`).toBeInstanceOf(Error);
    expect(err!.name).toBe('WorkerRestartedError');
    expect(isRestarted(err)).toBe(true);
    expect(err!.message).toBe('the worker was restarted on the WebGPU backend (backend switch); run it again');
  }
  // A call after the dispose does not wait either; a dispose is not reported as a crash.
  expect(await settledWithin(c.generate({ alpha: 0, n: 1, temperature: 1, seed: 1 }, () => undefined), 5_000)).toMatchObject({ error: expect.any(Error) });
  expect(crashes).toEqual([]);
});

// --- a device lost on purpose --------------------------------------------------------------------

const CHANNEL = 'ui-client-test-devices';
const PRELUDE = `if (typeof GPUAdapter !== 'undefined') {
  const kept = [];
  const request = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...a) { const d = await request.apply(this, a); kept.push(d); return d; };
  const ch = new BroadcastChannel(${JSON.stringify(CHANNEL)});
  ch.onmessage = (e) => { if (e.data === 'destroy') { for (const d of kept) d.destroy(); ch.postMessage('destroyed ' + kept.length); } };
}
`;

test('a run lost before its first auto-save is offered no resume point, not the auto-save of the run followed before it; when told, its record and lock say it ended', async () => {
  const { c, crashes } = await withPrelude(PRELUDE, () => ready('webgpu'));
  const events: RunEvent[] = [];
  const db = await WorkbenchDB.open();
  // What a page reading the store and the locks on the loss event finds (the Checkpoints view does).
  let onLoss: Promise<[Set<string> | null, string | undefined]> | null = null;
  const onEvent = (e: RunEvent) => {
    events.push(e);
    if (e.kind === 'status' && e.status === 'device-lost') onLoss ??= Promise.all([heldRunIds(), db.getRun(e.runId).then((r) => r?.status)]);
  };

  // Run A auto-saves at every step and finishes: the client has seen its auto-save.
  const a = await c.startRun({ config: tiny({ steps: 2, saveEvery: 1 }), name: 'ui-client A' }, onEvent);
  created.push(a.runId);
  await until(() => events.some((e) => e.runId === a.runId && e.kind === 'status' && e.status === 'finished'), 120_000, 'run A to finish');
  const aSaves = events.filter((e) => e.runId === a.runId && e.kind === 'status' && e.autosaveId);
  expect(aSaves.length).toBeGreaterThan(0);

  // Run B would auto-save at step 100: its device goes at step 1.
  const b = await c.startRun({ config: tiny({ steps: 400, saveEvery: 100 }), name: 'ui-client B' }, onEvent);
  created.push(b.runId);
  await until(() => events.some((e) => e.runId === b.runId && e.kind === 'metrics' && e.metrics.step >= 1), 120_000, 'run B to take a step');
  const ch = new BroadcastChannel(CHANNEL);
  const ack = new Promise<string>((r) => (ch.onmessage = (e) => r(String(e.data))));
  ch.postMessage('destroy');
  expect(await ack).toMatch(/^destroyed [1-9]/);
  ch.close();

  await until(() => events.some((e) => e.kind === 'status' && e.status === 'device-lost'), 60_000, 'the device loss to be reported');
  const lost = events.filter((e) => e.kind === 'status' && e.status === 'device-lost');
  expect(lost).toHaveLength(1);
  expect(lost[0]).toMatchObject({ runId: b.runId });
  // The resume point offered is B's own: none yet (A's auto-save would resume A, not B).
  const l = lost[0] as Extract<RunEvent, { kind: 'status' }>;
  expect(l.autosaveId, `run A's auto-save ${(aSaves.at(-1) as { autosaveId?: string }).autosaveId} offered for run B`).toBeUndefined();
  expect(l.autosaveStep).toBeUndefined();
  const [held, stored] = await onLoss!;
  expect(held?.has(b.runId), 'the lost run still locked when its loss was told').toBe(false);
  expect(stored).toBe('device-lost');
  db.close();
  expect(crashes).toEqual([]);
});
