// Training runs on this page: start / pause / stop / save through the worker, the metrics stream, and
// the snapshot the charts draw. Metrics may arrive as fast as steps come; they are buffered and folded
// into the store at most CHART_REDRAW_MS apart, so charts redraw a few times a second at most.
import { create } from 'zustand';
import type { RolloutSample, StepMetrics } from '../../rl/loop';
import { type Method, type RlConfig } from '../../rl/config';
import { openDb } from './dbHandle';
import { CHART_REDRAW_MS, throttle } from '../lib/throttle';
import { freeColorIndex, newRunName, uniqueRunName, type RunStatus, type RunView } from '../lib/runs';
import { useCheckpoints } from './checkpoints';
import { parseRlDraft } from '../lib/rlForm';
import type { LoadedWeights, ModelInfo, RunEvent } from '../worker/types';
import { useExperiment } from './experiment';
import { adoptModel, getClient, onCrash, useSession } from './session';
import { useWeights } from './weights';
import { notify } from './ui';
import { isPretraining } from './pretrain';

export interface Progress {
  step: number;
  steps: number;
  etaMs: number | null;
  tokensPerSec: number | null;
  msPerStep: number | null;
}

interface TrainState {
  runs: RunView[];
  activeId: string | null;
  progress: Progress | null;
  samples: RolloutSample[];
  busy: boolean;
  lastAutosave: { runId: string; checkpointId: string; step?: number } | null;
  /** Runs waiting to start (Compare view's methods × seeds), one after another. */
  /** Runs still to start, each the form's settings with these overrides (method, seed, a teacher cell, …). */
  queue: Partial<RlConfig>[];
  start(overrides?: Partial<RlConfig>): Promise<void>;
  runQueue(methods: Method[], seeds: number): Promise<void>;
  cancelQueue(): void;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  toggle(): void;
  saveCheckpoint(name?: string): Promise<void>;
  resumeFromAutosave(): Promise<void>;
  /** Resume a stored run (e.g. after a closed tab) from its last auto-save. */
  resumeStored(runId: string): Promise<void>;
  reopen(runId: string): Promise<void>;
  /** Renames a run, on the page and in IndexedDB (the run list and exports show the new name). */
  renameRun(runId: string, name: string): Promise<void>;
  hide(runId: string): void;
  clear(): void;
}

export const activeRun = (s: Pick<TrainState, 'runs' | 'activeId'>) => s.runs.find((r) => r.id === s.activeId);
/**
 * A manual save's name when none is given (the Checkpoints view shows it as the placeholder): a run's
 * only while its weights are the ones in memory, at their step (not the charts', which lag).
 */
export function defaultSaveName(weights: LoadedWeights | null | undefined, runs: RunView[], model: ModelInfo | null): string {
  const w = weights ?? model?.weights;
  if (w?.kind !== 'run') return `${model?.name ?? 'model'} copy`;
  const r = runs.find((x) => x.id === w.runId);
  return r ? `${r.method} ${r.behavior} seed ${r.seed} step ${w.step}` : `${w.runName} step ${w.step}`;
}

export const isLive = (r: RunView | undefined) => !!r && (r.status === 'running' || r.status === 'paused' || r.status === 'starting' || r.status === 'pausing' || r.status === 'stopping');

/** The current status of a run on the page (after the events not yet drawn). */
const statusNow = (runId: string): RunStatus | undefined => pendingStatus.get(runId)?.status ?? useTrain.getState().runs.find((r) => r.id === runId)?.status;

// --- buffered metrics → throttled snapshot -------------------------------------------------------
const pending = new Map<string, StepMetrics[]>();
let pendingSamples: RolloutSample[] | null = null;
const pendingStatus = new Map<string, { status: RunStatus; message?: string }>();

function computeProgress(run: RunView): Progress {
  const steps = Number(run.config.steps ?? 0);
  const trained = run.history.filter((m) => m.step > 0);
  const recent = trained.slice(-8);
  const msPerStep = recent.length ? recent.reduce((a, m) => a + (m.ms?.total ?? 0), 0) / recent.length : null;
  const last = run.history[run.history.length - 1];
  const step = last?.step ?? 0;
  const tps = [...trained].reverse().find((m) => m.rolloutTokensPerSec !== null)?.rolloutTokensPerSec ?? null;
  return { step, steps, msPerStep, etaMs: msPerStep !== null ? msPerStep * Math.max(0, steps - step) : null, tokensPerSec: tps };
}

const flush = throttle(() => {
  const s = useTrain.getState();
  if (!pending.size && !pendingSamples && !pendingStatus.size) return;
  // Events for a run the store does not list yet (it is being registered) stay pending.
  const runs = s.runs.map((r) => {
    const add = pending.get(r.id);
    const st = pendingStatus.get(r.id);
    pending.delete(r.id);
    pendingStatus.delete(r.id);
    if (!add && !st) return r;
    const history = add ? mergeHistory(r.history, add) : r.history;
    return { ...r, history, ...(st ? { status: st.status, error: st.message ?? r.error } : {}) };
  });
  const active = runs.find((r) => r.id === s.activeId);
  useTrain.setState({ runs, progress: active ? computeProgress(active) : s.progress, ...(pendingSamples ? { samples: pendingSamples } : {}) });
  pendingSamples = null;
}, CHART_REDRAW_MS);

function mergeHistory(history: StepMetrics[], add: StepMetrics[]): StepMetrics[] {
  const byStep = new Map(history.map((m) => [m.step, m]));
  for (const m of add) byStep.set(m.step, m);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function setStatus(runId: string, status: RunStatus, message?: string) {
  pendingStatus.set(runId, { status, message });
  flush();
  flush.flush();
}

function onEvent(e: RunEvent) {
  if (e.kind === 'metrics') {
    (pending.get(e.runId) ?? pending.set(e.runId, []).get(e.runId)!).push(e.metrics);
    if (e.metrics.halted) notify({ kind: 'error', text: `The run stopped at step ${e.metrics.step}: ${e.metrics.halted}. The last good checkpoint was kept.`, sticky: true });
    flush();
    return;
  }
  if (e.kind === 'samples') {
    pendingSamples = e.samples;
    flush();
    return;
  }
  const status: RunStatus = e.status;
  if (e.autosaveId) useTrain.setState({ lastAutosave: { runId: e.runId, checkpointId: e.autosaveId, step: e.autosaveStep } });
  // "running" (e.g. with an auto-save) does not undo a pause or stop that waits for the step in flight.
  const now = statusNow(e.runId);
  if (status === 'running' && (now === 'pausing' || now === 'stopping')) return;
  setStatus(e.runId, status, e.message);
  // Ended: the Checkpoints view's stored record, its auto-save and its lock have changed (the worker tells after writing them).
  if (status === 'finished' || status === 'stopped' || status === 'halted' || status === 'device-lost') void useCheckpoints.getState().refresh();
  if (status === 'device-lost') {
    const a = useTrain.getState().lastAutosave;
    notify({
      kind: 'error',
      sticky: true,
      text: `The GPU device was lost, so the run stopped${e.message ? ` (${e.message})` : ''}. ${a && a.runId === e.runId ? `The last auto-save is at step ${a.step ?? '?'}.` : 'No auto-save was made yet.'}`,
      action: a && a.runId === e.runId ? { label: `Resume from step ${a.step ?? 'last auto-save'}`, run: () => void useTrain.getState().resumeFromAutosave() } : undefined,
    });
  } else if (status === 'failed' || status === 'halted') {
    if (e.message) notify({ kind: 'error', text: `The run stopped: ${e.message}`, sticky: true });
  } else if (status === 'finished') {
    const q = useTrain.getState().queue;
    // A stop asked as the run completed its budget: it finished, and the queue stops with it.
    if (now === 'stopping' || now === 'stopped') useTrain.setState({ queue: [] });
    else if (q.length) {
      const [next, ...rest] = q;
      useTrain.setState({ queue: rest });
      setTimeout(() => void useTrain.getState().start(next), 0);
    } else notify({ kind: 'success', text: 'The run finished.' });
  }
  if (status === 'stopped' || status === 'failed' || status === 'halted' || status === 'device-lost') useTrain.setState({ queue: [] });
}

export { openDb };

/** A stored run's auto-save with the step it was taken at (the run may have gone on past it). */
async function autosaveOf(runId: string, checkpointId: string): Promise<NonNullable<TrainState['lastAutosave']>> {
  const rec = await (await openDb()).getCheckpoint(checkpointId).catch(() => undefined);
  return { runId, checkpointId, step: rec?.step };
}

export const useTrain = create<TrainState>((set, get) => ({
  runs: [],
  activeId: null,
  progress: null,
  samples: [],
  busy: false,
  lastAutosave: null,
  queue: [],

  async runQueue(methods, seeds) {
    const all = methods.flatMap((method) => Array.from({ length: seeds }, (_, seed) => ({ method, seed })));
    if (!all.length || isLive(activeRun(get()))) return;
    const [first, ...rest] = all;
    set({ queue: rest });
    await get().start(first);
  },

  cancelQueue() {
    set({ queue: [] });
  },

  async start(overrides) {
    const e = useExperiment.getState();
    if (isLive(activeRun(get()))) return;
    if (isPretraining()) return void notify({ kind: 'warning', text: 'A pretraining is in progress (Pretrain view): stop it or let it finish before starting a run.' });
    const session = useSession.getState();
    if (session.status !== 'ready') return notify({ kind: 'warning', text: 'The worker is not ready yet.' }) as unknown as void;
    // The form as the trainer will run it (one validation here; the worker checks again at its door):
    // fields the user left unset take the loaded vector's recommended grid / dose, as the CLI does.
    const draft = { ...e.rl, ...Object.fromEntries(Object.entries(overrides ?? {}).map(([k, v]) => [k, String(v)])) };
    const checked = parseRlDraft(draft, session.model?.vector);
    if (!checked.config) {
      const [field, message] = Object.entries(checked.errors)[0] ?? ['config', 'invalid'];
      notify({ kind: 'error', text: `Fix the trainer settings first — ${message ?? field}` });
      return;
    }
    set({ busy: true });
    const config: RlConfig = checked.config;
    const behavior = session.model?.behavior ?? e.behavior;
    // A name of its own (two runs of one method and seed are told apart), unique on the page and in the store.
    const name = uniqueRunName(newRunName(config), [...get().runs.map((r) => r.name), ...useCheckpoints.getState().runs.map((r) => r.name)]);
    try {
      const { runId } = await getClient().startRun({ config, name }, onEvent);
      const run: RunView = {
        id: runId,
        name,
        behavior,
        method: config.method,
        seed: config.seed,
        config,
        checkpoint: session.model?.ref ?? e.checkpoint,
        status: pendingStatus.get(runId)?.status ?? 'running',
        startedAt: Date.now(),
        history: [],
        colorIndex: freeColorIndex(get().runs),
      };
      set({ runs: [...get().runs.filter((r) => r.id !== runId), run], activeId: runId, samples: [], progress: computeProgress(run) });
      flush();
      void useCheckpoints.getState().refresh();
    } catch (err) {
      notify({ kind: 'error', text: `Could not start the run: ${(err as Error)?.message ?? err}`, sticky: true });
    } finally {
      set({ busy: false });
    }
  },

  // Pause and stop take effect when the step in flight ends (seconds on a slow adapter): until then the
  // run says "pausing" / "stopping" and the button that asked is disabled.
  async pause() {
    const r = activeRun(get());
    if (r?.status !== 'running') return;
    setStatus(r.id, 'pausing');
    try {
      await getClient().pause();
    } catch (err) {
      notify({ kind: 'error', text: `Could not pause: ${(err as Error)?.message ?? err}` });
    }
    if (statusNow(r.id) === 'pausing') setStatus(r.id, 'paused');
  },

  async resume() {
    const r = activeRun(get());
    if (r?.status !== 'paused') return;
    await getClient().resume();
    setStatus(r.id, 'running');
  },

  async stop() {
    const r = activeRun(get());
    if (!isLive(r) || r!.status === 'stopping') return;
    setStatus(r!.id, 'stopping');
    try {
      await getClient().stop();
    } catch (err) {
      notify({ kind: 'error', text: `Could not stop: ${(err as Error)?.message ?? err}` });
    }
    if (statusNow(r!.id) === 'stopping' || statusNow(r!.id) === 'pausing') setStatus(r!.id, 'stopped');
  },

  toggle() {
    const r = activeRun(get());
    if (r?.status === 'running') void get().pause();
    else if (r?.status === 'paused') void get().resume();
    else if (!isLive(r)) void get().start();
  },

  async saveCheckpoint(name) {
    const label = name ?? defaultSaveName(useWeights.getState().weights, get().runs, useSession.getState().model);
    try {
      const rec = await getClient().saveCheckpoint(label);
      notify({ kind: 'success', text: `Saved checkpoint “${rec.name}”.` });
    } catch (err) {
      // A quota error says how much space is needed; the previous checkpoints are untouched.
      notify({ kind: 'error', text: `Could not save the checkpoint: ${(err as Error)?.message ?? err}`, sticky: true });
    }
  },

  async resumeFromAutosave() {
    const a = get().lastAutosave;
    const run = a && get().runs.find((r) => r.id === a.runId);
    if (!a || !run) return;
    // After a device loss the worker needs a fresh device: restart it (it reloads the model), then resume.
    // A run whose tab closed (or that was stopped) continues on the worker as it is.
    if (run.status === 'device-lost' || run.status === 'failed' || useSession.getState().status !== 'ready') await useSession.getState().connect();
    if (useSession.getState().status !== 'ready') return;
    // The steps it shows now; those from the resumed run's first step on are redone, so they go (new ones stay).
    const before = new Set(get().runs.find((r) => r.id === run.id)?.history);
    try {
      const { runId, firstStep, model } = await getClient().resumeRun(run.id, onEvent);
      // The resumed run is running again: the loss (or crash) message no longer describes it.
      const runs = get().runs.map((r): RunView => (r.id === run.id ? { ...r, id: runId, status: 'running', error: undefined, history: r.history.filter((m) => m.step < firstStep || !before.has(m)) } : r));
      const resumed = runs.find((r) => r.id === runId);
      set({ activeId: runId, runs, progress: resumed ? computeProgress(resumed) : get().progress });
      // The worker loaded the run's starting checkpoint (with the auto-save's weights): the page names that one now.
      if (model) adoptModel(model);
    } catch (err) {
      notify({ kind: 'error', text: `Could not resume: ${(err as Error)?.message ?? err}`, sticky: true });
    }
  },

  async resumeStored(runId) {
    if (isLive(activeRun(get()))) return notify({ kind: 'warning', text: 'Stop the current run first.' }) as unknown as void;
    await get().reopen(runId);
    const rec = await (await openDb()).getRun(runId).catch(() => undefined);
    if (rec?.autosaveId) set({ lastAutosave: await autosaveOf(rec.id, rec.autosaveId) });
    const a = get().lastAutosave;
    if (!a || a.runId !== runId) return notify({ kind: 'error', text: 'This run has no auto-save to resume from.' }) as unknown as void;
    useExperiment.getState().set({ view: 'train' });
    await get().resumeFromAutosave();
  },

  async reopen(runId) {
    if (get().runs.some((r) => r.id === runId)) return;
    try {
      const { run, metrics } = await (await openDb()).loadRun(runId);
      const cfg = run.config as RunView['config'];
      const view: RunView = {
        id: run.id,
        name: run.name,
        behavior: run.behavior,
        method: run.method,
        seed: Number(cfg.seed ?? 0),
        config: cfg,
        checkpoint: run.source,
        // Not live in this tab: a run stored as running or paused was interrupted (its tab closed).
        status: run.status === 'running' || run.status === 'paused' ? 'interrupted' : run.status,
        startedAt: run.createdAt,
        history: metrics.sort((a, b) => a.step - b.step),
        error: run.message,
        colorIndex: freeColorIndex(get().runs),
      };
      set({ runs: [...get().runs, view] });
      if (run.autosaveId) set({ lastAutosave: await autosaveOf(run.id, run.autosaveId) });
    } catch (err) {
      notify({ kind: 'error', text: `Could not reopen the run: ${(err as Error)?.message ?? err}` });
    }
  },

  async renameRun(runId, name) {
    const clean = name.trim().slice(0, 120);
    if (!clean) return;
    try {
      await (await openDb()).updateRun(runId, { name: clean });
    } catch (err) {
      notify({ kind: 'error', text: `Could not rename the run: ${(err as Error)?.message ?? err}` });
      return;
    }
    set({ runs: get().runs.map((r) => (r.id === runId ? { ...r, name: clean } : r)) });
    const c = useCheckpoints.getState();
    useCheckpoints.setState({ runs: c.runs.map((r) => (r.id === runId ? { ...r, name: clean } : r)) });
  },

  hide(runId) {
    set({ runs: get().runs.filter((r) => r.id !== runId || isLive(r)) });
  },

  clear() {
    set({ runs: get().runs.filter((r) => isLive(r)) });
  },
}));

// A crashed worker takes its run with it: mark live runs as failed (an auto-saved run can be resumed
// from the Checkpoints view).
onCrash((message) => {
  for (const r of useTrain.getState().runs) if (isLive(r)) setStatus(r.id, 'failed', `the worker crashed: ${message}`);
  useTrain.setState({ queue: [] });
});
