// The Pretrain view's state: the form (text as typed), the pretraining's status, its progress and history
// (the charts' snapshot, folded in at most CHART_REDRAW_MS apart). The worker does the work (LabApi in
// src/worker/api.ts, on the backend chosen in the header); at the end it stores the checkpoint (kind
// 'pretrain') and installs it, and this store makes it the loaded checkpoint and refreshes the list.
import { create } from 'zustand';
import type { Behavior } from '../../data/types';
import { addProgress, parsePretrain, PRETRAIN_DEFAULTS, type PretrainDraft, type PretrainField, type PretrainPoint } from '../lib/pretrain';
import { CHART_REDRAW_MS, throttle } from '../lib/throttle';
import type { ModelInfo, PretrainProgress } from '../worker/types';
import { useCheckpoints } from './checkpoints';
import { useExperiment } from './experiment';
import { adoptModel, getClient, onCrash, useSession } from './session';
import { notify } from './ui';

/** 'pausing' / 'stopping': asked for, while the step in flight finishes; 'stopping' also covers the save. */
export type PretrainPhase = 'idle' | 'running' | 'pausing' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'failed';

interface PretrainState {
  behavior: Behavior;
  draft: PretrainDraft;
  phase: PretrainPhase;
  history: PretrainPoint[];
  /** The latest progress report (step, ETA, tokens/s). */
  progress: PretrainProgress | null;
  /** What the run was asked to do (the request), for the charts' notes and the finished line. */
  running: { steps: number; evalEvery: number; backend: string; behavior: Behavior; d: number; layers: number } | null;
  error: string | null;
  /** Steps done when it paused (the worker's count: progress reports come on their own channel and may trail it). */
  pausedAt: number | null;
  /** The checkpoint it made (stored and loaded). */
  result: { ref: string; name: string; step?: number } | null;
  setBehavior(b: Behavior): void;
  setField(k: PretrainField, v: string): void;
  reset(): void;
  start(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export const isPretraining = (s: Pick<PretrainState, 'phase'> = usePretrain.getState()) => s.phase === 'running' || s.phase === 'pausing' || s.phase === 'paused' || s.phase === 'stopping';

let pending: PretrainProgress[] = [];
const flush = throttle(() => {
  if (!pending.length) return;
  let history = usePretrain.getState().history;
  for (const p of pending) history = addProgress(history, p);
  const last = pending[pending.length - 1];
  pending = [];
  usePretrain.setState({ history, progress: last });
}, CHART_REDRAW_MS);

/** Each start gets a number: reports of an earlier one (e.g. a worker that crashed) are dropped. */
let generation = 0;

export const usePretrain = create<PretrainState>((set, get) => ({
  behavior: useExperiment.getState().behavior,
  draft: { ...PRETRAIN_DEFAULTS },
  phase: 'idle',
  history: [],
  progress: null,
  running: null,
  error: null,
  result: null,
  pausedAt: null,

  setBehavior: (behavior) => set({ behavior }),
  setField: (k, v) => set({ draft: { ...get().draft, [k]: v } }),
  reset: () => set({ draft: { ...PRETRAIN_DEFAULTS } }),

  async start() {
    if (isPretraining(get())) return;
    const parsed = parsePretrain(get().behavior, get().draft);
    if (!parsed.request) {
      const [field, message] = Object.entries(parsed.errors)[0] ?? ['request', 'invalid'];
      notify({ kind: 'error', text: `Fix the pretraining settings first — ${field}: ${message}` });
      return;
    }
    const session = useSession.getState();
    if (session.status !== 'ready') return void notify({ kind: 'warning', text: 'The worker is not ready yet.' });
    const req = parsed.request;
    const my = ++generation;
    pending = [];
    flush.cancel();
    set({
      phase: 'running',
      history: [],
      progress: null,
      error: null,
      result: null,
      running: { steps: req.steps, evalEvery: req.evalEvery ?? req.steps, backend: session.backend ?? '?', behavior: req.behavior, d: req.dModel, layers: req.nLayers },
    });
    let info: ModelInfo;
    try {
      info = await getClient().pretrain(req, (p) => {
        if (my !== generation) return;
        pending.push(p);
        flush();
      });
    } catch (e) {
      if (my !== generation) return;
      flush.flush();
      const message = (e as Error)?.message ?? String(e);
      set({ phase: 'failed', error: message });
      notify({ kind: 'error', text: `Pretraining failed: ${message}`, sticky: true });
      void useCheckpoints.getState().refresh();
      return;
    }
    if (my !== generation) return;
    flush.flush();
    const stopped = get().phase === 'stopping' || (info.step !== undefined && info.step < req.steps);
    adoptModel(info);
    set({ phase: stopped ? 'stopped' : 'finished', result: { ref: info.ref, name: info.name, step: info.step } });
    await useCheckpoints.getState().refresh();
    notify({ kind: 'success', text: `Pretrained “${info.name}”: stored, and now the loaded checkpoint.` });
  },

  // Pause and stop take effect when the step in flight ends; stop then saves and loads the weights so far.
  async pause() {
    if (get().phase !== 'running') return;
    set({ phase: 'pausing' });
    try {
      const st = await getClient().pausePretrain();
      flush.flush();
      if (get().phase === 'pausing') set({ phase: 'paused', pausedAt: st.stepsDone });
    } catch (e) {
      notify({ kind: 'error', text: `Could not pause: ${(e as Error)?.message ?? e}` });
    }
  },

  async resume() {
    if (get().phase !== 'paused' && get().phase !== 'pausing') return;
    try {
      await getClient().resumePretrain();
      if (get().phase === 'paused' || get().phase === 'pausing') set({ phase: 'running' });
    } catch (e) {
      notify({ kind: 'error', text: `Could not resume: ${(e as Error)?.message ?? e}` });
    }
  },

  async stop() {
    if (!isPretraining(get()) || get().phase === 'stopping') return;
    set({ phase: 'stopping' });
    try {
      // Resolves once the weights so far are saved and loaded; start()'s call then resolves with them.
      await getClient().stopPretrain();
    } catch (e) {
      notify({ kind: 'error', text: `Could not stop: ${(e as Error)?.message ?? e}` });
    }
  },
}));

// A crashed worker takes its pretraining with it (nothing was saved).
onCrash((message) => {
  if (!isPretraining()) return;
  generation++;
  usePretrain.setState({ phase: 'failed', error: `the worker crashed: ${message}; nothing was saved` });
});
