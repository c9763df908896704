// The UI's stores (src/ui/stores) driven as the views drive them, on the real client and a real worker
// (CPU backend, and a switch to WebGPU), in Chromium, with a tiny model stored in IndexedDB:
//
// - steer: a restart in the middle of a sweep and of a generation queued behind it leaves neither busy
//   (the sweep says why; the generation raises no error and is redone on the new worker);
// - speed: switching the backend is refused while a dose-response sweep, a vector extraction or a
//   vector sweep runs (the worker is not restarted under them);
// - train: the default name of a manual save comes from the weights in memory (a run's, or the
//   checkpoint's after a reset), not from the last run on the page;
// - train: resuming an interrupted run adopts the model the worker loaded for it (the run's checkpoint,
//   not the one loaded before) and drops the shown steps past its auto-save, which are redone;
// - train: a run whose last step is in flight as Stop is pressed finishes, and the runs queued behind it
//   are dropped, not started;
// - session: two quick checkpoint picks end with the second loaded, even when the first one's download
//   is the slower (the client loads in order; the session keeps only the latest pick's result); a pick
//   straight back to the model shown loads it again; a failed last pick names what the worker holds; a
//   pick replaced before its turn is not downloaded, and one replaced while its download stalls stops it;
// - session: a model the worker reports while a pick loads (a pretraining's, unsaved as its save failed on
//   a worker whose writes fail) is not adopted over the pick; a restart that replaces unsaved weights with
//   the shipped checkpoint leaves a pick made while that one downloads as the pick;
// - checkpoints: a run another tab is training is not deleted.
//
// The one test setting: useSpeed's `measuring` is set for the whole file, so the backend probe the app
// starts a few seconds after a model loads (a second worker, generations on this one) stays out of it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tinyCheckpointBytes } from './tiny-checkpoint';
import { withPrelude } from './worker-prelude';
import type { StepMetrics } from '../../src/rl/loop';
import { decodeCheckpoint } from '../../src/store/checkpoint';
import { WorkbenchDB } from '../../src/store/db';
import { connectWorkbench, type WorkerEvent } from '../../src/worker/api';
import { useCheckpoints } from '../../src/ui/stores/checkpoints';
import { useExperiment } from '../../src/ui/stores/experiment';
import { getClient, useSession } from '../../src/ui/stores/session';
import { usePretrain } from '../../src/ui/stores/pretrain';
import { useSpeed } from '../../src/ui/stores/speed';
import { useSteer } from '../../src/ui/stores/steer';
import { useTrain } from '../../src/ui/stores/train';
import { useUi } from '../../src/ui/stores/ui';
import { useVectors } from '../../src/ui/stores/vectors';
import { useWeights } from '../../src/ui/stores/weights';
import type { RunEvent } from '../../src/ui/worker/types';



const until = async (cond: () => boolean | Promise<boolean>, ms = 120_000, what = 'a condition') => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A promise's outcome, or 'pending' if it has not settled within ms. */
const settledWithin = <T>(p: Promise<T>, ms: number): Promise<'settled' | 'pending'> =>
  Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

const warnings = () => useUi.getState().notices.filter((n) => n.kind === 'warning').map((n) => n.text);
const ready = () => useSession.getState().status === 'ready' && !!useSession.getState().model;

/**
 * A worker whose checkpoint writes fail as on a full disk (the e2e fault tests' prelude): a pretraining's
 * save fails, and the worker loads its weights unsaved and reports them as a model event.
 */
const FULL_DISK = `{
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, ...rest) {
    if (this.name === 'checkpointBytes') throw new DOMException('the quota is used up', 'QuotaExceededError');
    return put.call(this, value, ...rest);
  };
}
`;

/** A tiny pretraining (d16 × 1 layer, 3 steps) of verbosity, started from the Pretrain view's store. */
function startTinyPretraining(): Promise<void> {
  const p = usePretrain.getState();
  p.setBehavior('verbosity');
  for (const [k, v] of [['dModel', '16'], ['nLayers', '1'], ['nHeads', '2'], ['seed', '5'], ['steps', '3'], ['batch', '8'], ['evalEvery', '3']] as const) p.setField(k, v);
  return usePretrain.getState().start();
}

/** A fetch that holds the downloads of `file` until released (or aborted), the others passing. */
function holdDownloads(file: string, o: { once?: boolean } = {}) {
  const realFetch = globalThis.fetch;
  const fetched: string[] = [];
  let release = () => {};
  const released = new Promise<void>((r) => (release = r));
  let held = 0;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    fetched.push(String(input).split('/').at(-1)!);
    if (String(input).endsWith(`/${file}`) && !(o.once && held > 0)) {
      held++;
      await new Promise<void>((resolve, reject) => {
        void released.then(resolve);
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    return realFetch(input, init);
  }) as typeof fetch;
  return { fetched, release, restore: () => ((globalThis.fetch = realFetch), release()) };
}

const t0 = Date.now();
const ids: { x: string; y: string } = { x: '', y: '' };
const workers: Worker[] = [];

beforeAll(async () => {
  const db = await WorkbenchDB.open();
  ids.x = (await db.saveCheckpoint(tinyCheckpointBytes(1), { name: 'ui-stores tiny X', kind: 'import', behavior: 'verbosity', step: 0 })).id;
  ids.y = (await db.saveCheckpoint(tinyCheckpointBytes(2), { name: 'ui-stores tiny Y', kind: 'import', behavior: 'verbosity', step: 0 })).id;
  db.close();
  useSpeed.setState({ measuring: 'cpu' });
  useExperiment.getState().set({ backend: 'cpu', behavior: 'verbosity', checkpoint: `db:${ids.x}`, prompts: 2, sweepSamples: 4 });
  await useSession.getState().connect('cpu');
  expect(useSession.getState()).toMatchObject({ status: 'ready', backend: 'cpu', model: { ref: `db:${ids.x}` } });
  // The generation the model load schedules, done before the tests start.
  await until(() => !useSteer.getState().generating && useSteer.getState().generations.length === 2, 60_000, 'the first generation');
});

afterAll(async () => {
  for (const w of workers) w.terminate();
  const live = useTrain.getState().runs.some((r) => r.status === 'running' || r.status === 'paused');
  if (live) await useTrain.getState().stop();
  const db = await WorkbenchDB.open();
  for (const r of await db.listRuns()) if (r.createdAt >= t0) await db.deleteRun(r.id);
  for (const c of await db.listCheckpoints()) if (c.createdAt >= t0) await db.deleteCheckpoint(c.id);
  db.close();
});

describe('UI stores on a real worker', () => {
  test('steer: a restart mid-sweep, with a generation queued behind the sweep, leaves neither busy; the generation is redone without an error', async () => {
    const genErrors: string[] = [];
    const unsub = useSteer.subscribe((s) => void (s.genError && genErrors.push(s.genError)));
    useExperiment.getState().set({ sweepSamples: 1024 }); // minutes of sweep
    const sweep = useSteer.getState().runSweep();
    await until(() => (useSteer.getState().sweepProgress?.done ?? 0) > 0, 60_000, 'the sweep to report progress');
    const gen = useSteer.getState().regenerate(); // waits in the worker for the sweep
    expect(useSteer.getState().generating).toBe(true);

    // A backend switch restarts the worker under both (the Steer view does not refuse it for a generation).
    await useSession.getState().connect('webgpu');
    expect(useSession.getState()).toMatchObject({ status: 'ready', backend: 'webgpu' });
    expect(await settledWithin(sweep, 10_000), 'runSweep returns').toBe('settled');
    expect(await settledWithin(gen, 10_000), 'regenerate returns').toBe('settled');
    expect(useSteer.getState().sweepProgress).toBeNull();
    expect(useSteer.getState().sweepError).toBe('the worker was restarted on the WebGPU backend (backend switch); run it again');
    // The reconnect regenerates on the new worker; no error is shown for the one the restart dropped.
    await until(() => !useSteer.getState().generating && useSteer.getState().generations.length === 2, 60_000, 'the generation on the new worker');
    expect(useSteer.getState().genError).toBeNull();
    expect(genErrors).toEqual([]);
    unsub();

    // Not busy: the next sweep runs (a short one) and draws its curve.
    await new Promise((r) => setTimeout(r, 500));
    expect(useSteer.getState().sweepProgress).toBeNull();
    useExperiment.getState().set({ sweepSamples: 4 });
    await useSteer.getState().runSweep();
    expect(useSteer.getState().sweepError).toBeNull();
    expect(useSteer.getState().sweep.length).toBeGreaterThan(1);
  });

  test('speed: switching the backend is refused while a sweep, a vector extraction or a vector sweep runs; allowed once they end', async () => {
    await until(ready, 60_000, 'the session');
    const here = useSession.getState().backend!;
    const there = here === 'cpu' ? 'webgpu' : 'cpu';
    const refused = async (what: RegExp) => {
      const client = getClient();
      await useSpeed.getState().switchTo(there);
      expect(useSession.getState()).toMatchObject({ status: 'ready', backend: here });
      expect(getClient(), 'the worker was not restarted').toBe(client);
      expect(warnings().some((t) => what.test(t)), `a warning matching ${what} in ${JSON.stringify(warnings())}`).toBe(true);
    };

    // The Steer view's dose-response sweep.
    useExperiment.getState().set({ sweepSamples: 1024 });
    const sweep = useSteer.getState().runSweep();
    await until(() => !!useSteer.getState().sweepProgress, 10_000, 'the sweep to start');
    await refused(/^A dose-response sweep is running \(Steer view\)/);
    await useSteer.getState().cancelSweep();
    await sweep;
    expect(useSteer.getState().sweepCancel).toBe('done');

    // The Vector lab's extraction, then its sweep of the candidate.
    useVectors.getState().set({ mode: 'caa-decision', pairs: 200 });
    const extraction = useVectors.getState().extract();
    expect(useVectors.getState().extracting).not.toBeNull();
    await refused(/^The Vector lab is extracting a vector/);
    await extraction;
    expect(useVectors.getState().extractError).toBeNull();
    expect(useVectors.getState().report).not.toBeNull();
    useVectors.getState().set({ alphasText: '0,1,2,4', samples: 1024 });
    const vsweep = useVectors.getState().runSweep();
    expect(useVectors.getState().sweeping).not.toBeNull();
    await refused(/^The Vector lab is sweeping its vectors/);
    await useVectors.getState().cancelSweep();
    await vsweep;
    expect(useVectors.getState().sweeping).toBeNull();

    // Nothing running: the switch goes through (back to the CPU backend for the tests below).
    await useSpeed.getState().switchTo(there);
    expect(useSession.getState()).toMatchObject({ status: 'ready', backend: there });
    if (there !== 'cpu') await useSpeed.getState().switchTo('cpu');
    expect(useSession.getState()).toMatchObject({ status: 'ready', backend: 'cpu' });
    useExperiment.getState().set({ sweepSamples: 4 });
  });

  test("train: a manual save's default name is the run's while its weights are loaded, the checkpoint's after a reset", async () => {
    await until(ready, 60_000, 'the session');
    const manualNames = async () => {
      const db = await WorkbenchDB.open();
      const names = (await db.listCheckpoints()).filter((c) => c.kind === 'manual' && c.createdAt >= t0).sort((a, b) => a.createdAt - b.createdAt).map((c) => c.name);
      db.close();
      return names;
    };
    await useTrain.getState().start({ method: 'grpo', steps: 2, batchPrompts: 1, groupSize: 2, evalEvery: 0, saveEvery: 0, beta: 0, seed: 0, grid: [0, 2] });
    const runId = useTrain.getState().activeId!;
    expect(runId).toBeTruthy();
    await until(() => useTrain.getState().runs.find((r) => r.id === runId)?.status === 'finished', 120_000, 'the run to finish');
    // The Checkpoints view's list follows: the stored record says finished and no tab holds the run.
    await until(() => useCheckpoints.getState().runs.find((r) => r.id === runId)?.status === 'finished', 10_000, 'the stored list to follow');
    expect(useCheckpoints.getState().liveRuns?.has(runId)).toBe(false);
    await until(() => useWeights.getState().weights?.kind === 'run', 10_000, "the run's weights");
    expect(useWeights.getState().weights).toMatchObject({ kind: 'run', runId, step: 2 });

    await useTrain.getState().saveCheckpoint();
    expect((await manualNames()).at(-1)).toBe('grpo verbosity seed 0 step 2');

    // Reset to the checkpoint: the run is still the page's last, but its weights are gone from memory.
    await useWeights.getState().reset();
    expect(useWeights.getState().weights).toEqual({ kind: 'checkpoint' });
    await useTrain.getState().saveCheckpoint();
    expect((await manualNames()).at(-1)).toBe('ui-stores tiny X copy');
  });

  test('train: resuming an interrupted run adopts the model the worker loaded for it and drops the shown steps past its auto-save', async () => {
    await until(ready, 60_000, 'the session');
    // Another tab trains a run on checkpoint X, auto-saving every 20 steps, and closes a few steps past its first auto-save
    // (a step's metrics reach the page before they are stored: once step 24's arrive, steps 0-23 are).
    const tab = connectWorkbench();
    workers.push(tab.worker);
    const events: WorkerEvent[] = [];
    const steps: number[] = [];
    await tab.api.onEvent(tab.proxy((e: WorkerEvent) => void events.push(e)));
    await tab.api.init({ backend: 'cpu' });
    await tab.api.loadStoredCheckpoint(ids.x, { behavior: 'verbosity' });
    const { runId } = await tab.api.start(
      { method: 'grpo', steps: 400, batchPrompts: 1, groupSize: 2, evalEvery: 0, saveEvery: 20, beta: 0, seed: 0 },
      tab.proxy((m: StepMetrics) => void steps.push(m.step)),
      { name: 'ui-stores interrupted' },
    );
    await until(() => events.some((e) => e.type === 'autosaved') && steps.some((s) => s >= 24), 120_000, 'the other tab’s run to pass its auto-save');
    // While it trains there, this tab does not delete it (whatever its list last showed).
    await useCheckpoints.getState().deleteRun(runId);
    expect(useUi.getState().notices.some((n) => n.kind === 'error' && /Could not delete the run: it is training in a tab/.test(n.text))).toBe(true);
    expect(useCheckpoints.getState().runs.some((r) => r.id === runId)).toBe(true);
    tab.worker.terminate();
    await until(async () => !((await navigator.locks.query()).held ?? []).some((l) => l.name?.includes(runId)), 30_000, 'the closed tab’s lock to go');

    // This tab has checkpoint Y loaded.
    useExperiment.getState().set({ checkpoint: `db:${ids.y}` });
    await until(() => useSession.getState().model?.ref === `db:${ids.y}` && !useSession.getState().modelLoading, 30_000, 'checkpoint Y');

    await useTrain.getState().reopen(runId);
    const shown = useTrain.getState().runs.find((r) => r.id === runId)!;
    expect(shown.status).toBe('interrupted');
    const autoStep = useTrain.getState().lastAutosave?.step;
    expect(useTrain.getState().lastAutosave?.runId).toBe(runId);
    expect(autoStep).toBe(20);
    const before = new Set(shown.history);
    const past = shown.history.filter((m) => m.step > autoStep!);
    expect(past.length, 'steps recorded past the auto-save').toBeGreaterThanOrEqual(3);

    await useTrain.getState().resumeStored(runId);
    const s = useTrain.getState();
    const run = s.runs.find((r) => r.id === runId)!;
    expect(run.status).toBe('running');
    expect(s.activeId).toBe(runId);
    // The steps past the auto-save are redone: the ones shown before are gone (new ones may have come).
    expect(run.history.filter((m) => m.step > autoStep! && before.has(m)).map((m) => m.step)).toEqual([]);
    expect(run.history.filter((m) => m.step <= autoStep!).map((m) => m.step)).toEqual(Array.from({ length: autoStep! + 1 }, (_, i) => i));
    expect(s.progress?.steps).toBe(400); // the resumed run's progress, not the last run's
    // The worker loaded the run's checkpoint (X) with the auto-save's weights: the page names X now.
    expect(useSession.getState().model?.ref).toBe(`db:${ids.x}`);
    expect(useSession.getState().model?.name).toBe('ui-stores tiny X');
    expect(useExperiment.getState().checkpoint).toBe(`db:${ids.x}`);

    await useTrain.getState().stop();
    await until(() => useTrain.getState().runs.find((r) => r.id === runId)?.status === 'stopped', 60_000, 'the resumed run to stop');
  });

  test('two quick picks of shipped checkpoints end with the second loaded, in the worker and on the page, however their downloads race', async () => {
    await until(ready, 60_000, 'the session');
    // The first pick's download is the slower one (a test double of the network: the bytes are the real file's).
    const realFetch = globalThis.fetch;
    const fetched: string[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      fetched.push(String(input).split('/').at(-1)!);
      if (String(input).endsWith('/verbosity.safetensors')) await new Promise((r) => setTimeout(r, 1500));
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      useExperiment.getState().set({ behavior: 'verbosity', checkpoint: 'shipped:verbosity' });
      await new Promise((r) => setTimeout(r, 50));
      useExperiment.getState().set({ behavior: 'expertise' }); // replaced before its turn: never downloaded
      useExperiment.getState().set({ behavior: 'confidence' });
      await until(() => !useSession.getState().modelLoading && useSession.getState().model?.ref === 'shipped:confidence', 30_000, 'the last pick');
      await new Promise((r) => setTimeout(r, 2500)); // past the slow download
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(fetched).toEqual(['verbosity.safetensors', 'confidence.safetensors']);
    expect(useExperiment.getState().checkpoint).toBe('shipped:confidence');
    expect(useSession.getState()).toMatchObject({ modelLoading: null, model: { ref: 'shipped:confidence', behavior: 'confidence' } });
    const inWorker = decodeCheckpoint(await getClient().exportCheckpoint());
    expect(inWorker.metadata.task).toMatchObject({ behavior: 'confidence' });

    // A pick, then straight back to the model shown: the one shown is loaded again after the other.
    useExperiment.getState().set({ behavior: 'verbosity' });
    useExperiment.getState().set({ behavior: 'confidence' });
    await until(() => !useSession.getState().modelLoading, 30_000, 'the picks to settle');
    expect(useSession.getState().model).toMatchObject({ ref: 'shipped:confidence' });
    expect(decodeCheckpoint(await getClient().exportCheckpoint()).metadata.task).toMatchObject({ behavior: 'confidence' });

    // A pick that loads, then one that fails: the page names what the worker holds (the first), with the error.
    useExperiment.getState().set({ behavior: 'verbosity' });
    await new Promise((r) => setTimeout(r, 50)); // its turn has come (a pick replaced before its turn is skipped)
    useExperiment.getState().set({ checkpoint: 'db:no-such-checkpoint' });
    await until(() => !useSession.getState().modelLoading, 30_000, 'the picks to settle');
    expect(useSession.getState().modelError).toMatch(/no-such-checkpoint/);
    expect(useSession.getState().model).toMatchObject({ ref: 'shipped:verbosity' });
    expect(decodeCheckpoint(await getClient().exportCheckpoint()).metadata.task).toMatchObject({ behavior: 'verbosity' });

    // A download that stalls (a network that never answers, but for an abort): the next pick does not wait for it.
    useExperiment.getState().set({ behavior: 'confidence' });
    await until(() => !useSession.getState().modelLoading && useSession.getState().model?.ref === 'shipped:confidence', 30_000, 'confidence');
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith('/verbosity.safetensors'))
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, 120_000);
          init?.signal?.addEventListener('abort', () => (clearTimeout(t), reject(new DOMException('aborted', 'AbortError'))));
        });
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      useExperiment.getState().set({ behavior: 'verbosity' });
      await new Promise((r) => setTimeout(r, 100)); // its download has begun, and stalls
      useExperiment.getState().set({ behavior: 'expertise' });
      await until(() => !useSession.getState().modelLoading && useSession.getState().model?.ref === 'shipped:expertise', 15_000, 'the pick after the stalled one');
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(useSession.getState().modelError).toBeNull();
    expect(decodeCheckpoint(await getClient().exportCheckpoint()).metadata.task).toMatchObject({ behavior: 'expertise' });
  });
  test('train: a run that completes its budget as Stop is pressed finishes, and the runs queued behind it do not start', async () => {
    await until(ready, 60_000, 'the session');
    useExperiment.getState().set({ behavior: 'verbosity', checkpoint: `db:${ids.x}` });
    await until(() => useSession.getState().model?.ref === `db:${ids.x}` && !useSession.getState().modelLoading, 30_000, 'checkpoint X');
    const steps = 4;
    const cfg = (seed: number) => ({ method: 'grpo' as const, steps, batchPrompts: 1, groupSize: 2, evalEvery: 0, saveEvery: 0, beta: 0, seed, grid: [0, 2] });
    // The Stop button pressed as the last step's metrics come in: the worker is then writing the run's
    // end, so its 'finished' reaches the page while the run shows 'stopping' (or 'stopped').
    const client = getClient();
    const realStartRun = client.startRun;
    let stopping: Promise<void> | null = null;
    let missed = false;
    client.startRun = (req, onEvent) =>
      realStartRun(req, (e: RunEvent) => {
        onEvent(e);
        if (stopping || missed || e.kind !== 'metrics' || e.metrics.step !== steps) return;
        if (useTrain.getState().activeId === e.runId) stopping = useTrain.getState().stop();
        else missed = true;
      });
    const before = useTrain.getState().runs.length;
    let runId: string;
    try {
      // Three runs, as the Compare view queues them: the first starts, two wait.
      useTrain.setState({ queue: [cfg(1), cfg(2)] });
      await useTrain.getState().start(cfg(0));
      runId = useTrain.getState().activeId!;
      expect(useTrain.getState().runs.find((r) => r.id === runId)?.status).toBe('running');
      await until(() => !!stopping || missed, 120_000, 'the last step');
      expect(missed, 'the last step came before the run was registered').toBe(false);
      await stopping;
      // It finished (the worker completed its budget); the queue ended with it.
      await until(() => useTrain.getState().runs.find((r) => r.id === runId)?.status === 'finished', 30_000, "the run's end");
    } finally {
      client.startRun = realStartRun;
    }
    expect(useTrain.getState().queue).toEqual([]);
    // No next run was started (a queued one starts on the next turn of the event loop after 'finished').
    await new Promise((r) => setTimeout(r, 300));
    const s = useTrain.getState();
    expect(s.busy).toBe(false);
    expect(s.activeId).toBe(runId);
    expect(s.runs.length).toBe(before + 1);
    expect(s.runs.filter((r) => r.status === 'running' || r.status === 'starting')).toEqual([]);
  });

  test("session: a model the worker reports while a pick loads (a pretraining's, loaded unsaved when its save failed) is not adopted over the pick", async () => {
    await until(ready, 60_000, 'the session');
    useExperiment.getState().set({ behavior: 'verbosity', checkpoint: `db:${ids.x}` });
    await until(() => useSession.getState().model?.ref === `db:${ids.x}` && !useSession.getState().modelLoading, 30_000, 'checkpoint X');
    await withPrelude(FULL_DISK, () => useSession.getState().connect('cpu'));
    expect(useSession.getState()).toMatchObject({ status: 'ready', model: { ref: `db:${ids.x}` } });
    const net = holdDownloads('confidence.safetensors');
    try {
      // A pretraining runs; meanwhile the page picks a shipped checkpoint, whose download is slow.
      const pretraining = startTinyPretraining();
      expect(usePretrain.getState().phase).toBe('running');
      useExperiment.getState().set({ behavior: 'confidence' });
      await until(() => net.fetched.includes('confidence.safetensors'), 10_000, "the pick's download");
      expect(useSession.getState().modelLoading).toBe('shipped:confidence');
      // The pretraining's save fails: the worker loads its weights unsaved and tells the page (onModel).
      await pretraining;
      expect(usePretrain.getState()).toMatchObject({ phase: 'failed', error: expect.stringMatching(/loaded but not stored/) });
      await getClient().pretrainStatus(); // a round trip: the worker's model event is in too
      await new Promise((r) => setTimeout(r, 100));
      // Not adopted: the pick is still what loads, and the experiment still names it.
      expect(useSession.getState().modelLoading).toBe('shipped:confidence');
      expect(useSession.getState().model?.ref).toBe(`db:${ids.x}`);
      expect(useExperiment.getState()).toMatchObject({ behavior: 'confidence', checkpoint: 'shipped:confidence' });
      net.release();
      await until(() => !useSession.getState().modelLoading, 30_000, 'the pick to land');
    } finally {
      net.restore();
    }
    expect(useSession.getState()).toMatchObject({ modelError: null, model: { ref: 'shipped:confidence', behavior: 'confidence' } });
    expect(useExperiment.getState()).toMatchObject({ behavior: 'confidence', checkpoint: 'shipped:confidence' });
    expect(decodeCheckpoint(await getClient().exportCheckpoint()).metadata.task).toMatchObject({ behavior: 'confidence' });
    // Back on a worker whose writes succeed.
    await useSession.getState().connect('cpu');
    expect(useSession.getState()).toMatchObject({ status: 'ready', model: { ref: 'shipped:confidence' } });
  });

  test('session: a restart that replaces unsaved weights with the shipped checkpoint leaves a pick made during that load as the pick', async () => {
    await until(ready, 60_000, 'the session');
    // Unsaved weights shown: a pretraining whose save failed (nothing else loading, so they are adopted).
    await withPrelude(FULL_DISK, () => useSession.getState().connect('cpu'));
    await until(ready, 60_000, 'the session');
    await startTinyPretraining();
    expect(usePretrain.getState().phase).toBe('failed');
    await until(() => !!useSession.getState().model?.ref.startsWith('unsaved:'), 10_000, 'the unsaved weights to be shown');
    expect(useSession.getState().model?.behavior).toBe('verbosity');
    expect(useExperiment.getState().checkpoint).toBe(useSession.getState().model?.ref);

    // A restart (on a worker whose writes succeed) falls back to the shipped verbosity checkpoint; its
    // download stalls, and meanwhile the page picks checkpoint Y.
    const net = holdDownloads('verbosity.safetensors', { once: true });
    try {
      const restart = useSession.getState().connect('cpu');
      await until(() => net.fetched.includes('verbosity.safetensors') && useSession.getState().modelLoading === 'shipped:verbosity', 30_000, 'the fallback download');
      expect(warnings().some((t) => /was never stored \(its save failed\), so it went with the restarted worker; the shipped checkpoint is loaded instead/.test(t))).toBe(true);
      useExperiment.getState().set({ checkpoint: `db:${ids.y}` });
      await restart;
      await until(() => !useSession.getState().modelLoading, 30_000, 'the picks to settle');
    } finally {
      net.restore();
    }
    expect(useExperiment.getState()).toMatchObject({ behavior: 'verbosity', checkpoint: `db:${ids.y}` });
    expect(useSession.getState()).toMatchObject({ status: 'ready', modelError: null, model: { ref: `db:${ids.y}`, name: 'ui-stores tiny Y' } });
    // The worker holds Y's weights.
    const held = decodeCheckpoint(await getClient().exportCheckpoint());
    const y = decodeCheckpoint(tinyCheckpointBytes(2));
    const [name] = y.params.keys();
    expect(Array.from(held.params.get(name)!)).toEqual(Array.from(y.params.get(name)!));
  });
});
