// The worker connection: backend, the loaded model, and faults (crash → report and restart; device loss
// → stop the run and offer to resume from the last auto-save).
import { create } from 'zustand';
import type { Behavior } from '../../data/types';
import { createClient } from '../worker/client';
import { NoWebGpuError, UNSAVED, type Backend, type LoadedWeights, type ModelInfo, type WorkbenchClient } from '../worker/types';
import { shippedRef, useExperiment } from './experiment';
import { notify } from './ui';

export type SessionStatus = 'starting' | 'ready' | 'no-webgpu' | 'restarting' | 'failed';

interface SessionState {
  status: SessionStatus;
  backend: Backend | null;
  adapter?: string;
  /** The kernels the backend in use runs, in words (from the worker's init). */
  kernels?: string;
  noWebGpuReason?: string;
  error?: string;
  crashes: number;
  model: ModelInfo | null;
  modelLoading: string | null;
  modelError: string | null;
  connect(backend?: Backend): Promise<void>;
  loadModel(ref: string, behavior: Behavior): Promise<ModelInfo | null>;
}

let client: WorkbenchClient | null = null;
/** Bumped on every (re)connect, so callbacks of a dead worker are ignored. */
let epoch = 0;
/** Bumped on every loadModel, so a superseded load's result is ignored. */
let loadRequests = 0;
/** A superseded load that succeeded: the worker's model if the latest one then fails. */
let landedUnshown: ModelInfo | null = null;
const listeners = new Set<() => void>();
const crashListeners = new Set<(message: string) => void>();
const weightListeners = new Set<(w: LoadedWeights) => void>();

/** Called whenever the worker's weights change or a checkpoint is loaded (the weights store listens). */
export function onWeights(fn: (w: LoadedWeights) => void): () => void {
  weightListeners.add(fn);
  return () => weightListeners.delete(fn);
}
const emitWeights = (w: LoadedWeights) => {
  for (const fn of weightListeners) fn(w);
};

/** Called when the worker crashes (before it is restarted), e.g. so a live run is marked as failed. */
export function onCrash(fn: (message: string) => void): () => void {
  crashListeners.add(fn);
  return () => crashListeners.delete(fn);
}

/** The live client (null while (re)starting). Stores call the worker only through this. */
export function getClient(): WorkbenchClient {
  if (!client) throw new Error('the worker is not running (it is starting or restarting)');
  return client;
}

/** Called after every successful (re)connect, e.g. so the steer view regenerates. */
export function onReconnect(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export const useSession = create<SessionState>((set, get) => ({
  status: 'starting',
  backend: null,
  crashes: 0,
  model: null,
  modelLoading: null,
  modelError: null,

  async connect(backend?: Backend) {
    const want: Backend = backend ?? get().backend ?? useExperiment.getState().backend;
    if (useExperiment.getState().backend !== want) useExperiment.getState().set({ backend: want });
    const my = ++epoch;
    const switching = !!client && get().backend !== null && get().backend !== want;
    client?.dispose(switching ? `the worker was restarted on the ${want === 'cpu' ? 'CPU' : 'WebGPU'} backend (backend switch)` : 'the worker was restarted');
    client = null;
    set({ status: get().status === 'ready' ? 'restarting' : 'starting', error: undefined });
    const c = createClient({
      onNotice: (kind, text) => {
        if (my === epoch) notify({ kind, text, sticky: kind === 'error' });
      },
      onWeights: (w) => {
        if (my === epoch) emitWeights(w);
      },
      onModel: (m) => {
        // Not over a pick still loading: its own result is what the page should show.
        if (my === epoch && !get().modelLoading) adoptModel(m);
      },
      onCrash: (message) => {
        if (my !== epoch) return;
        const crashes = get().crashes + 1;
        for (const fn of crashListeners) fn(message);
        notify({ kind: 'error', text: `The worker crashed (${message}). It was restarted${crashes > 3 ? '' : ' and the model reloaded'}.`, sticky: true });
        set({ crashes });
        // Restart, but give up after repeated crashes in a row so a crash loop does not spin.
        if (crashes <= 3) void get().connect(want);
        else set({ status: 'failed', error: `the worker crashed ${crashes} times: ${message}` });
      },
    });
    try {
      const info = await c.init(want);
      if (my !== epoch) return c.dispose();
      client = c;
      set({ status: 'ready', backend: info.backend, adapter: info.adapter, kernels: info.kernels, noWebGpuReason: undefined });
      if (info.note) notify({ kind: 'info', text: info.note });
      const exp = useExperiment.getState();
      const model = get().model;
      // Reload what was loaded before a restart; otherwise the experiment's checkpoint. Weights never
      // stored went with the old worker (or the closed page): say so and load the shipped checkpoint.
      const ref = model?.ref ?? exp.checkpoint;
      const behavior = model?.behavior ?? exp.behavior;
      if (ref.startsWith(UNSAVED)) {
        notify({ kind: 'warning', text: `“${model?.name ?? ref.slice(UNSAVED.length)}” was never stored (its save failed), so it went with the ${model ? 'restarted worker' : 'page it was made in'}; the shipped checkpoint is loaded instead.`, sticky: true });
        set({ model: null });
        // After the load, and only if no pick replaced it meanwhile: the page's pick follows, nothing loads twice.
        if (await get().loadModel(shippedRef(behavior), behavior)) exp.set({ behavior, checkpoint: shippedRef(behavior) });
      } else await get().loadModel(ref, behavior);
      for (const fn of listeners) fn();
    } catch (e) {
      c.dispose();
      if (my !== epoch) return;
      if (e instanceof NoWebGpuError || (e as Error)?.name === 'NoWebGpuError') set({ status: 'no-webgpu', noWebGpuReason: (e as Error).message });
      else set({ status: 'failed', error: (e as Error)?.message ?? String(e) });
    }
  },

  async loadModel(ref, behavior) {
    if (!client) return null;
    const my = epoch;
    const mine = ++loadRequests;
    // Only the latest pick counts: an earlier one is skipped if its turn comes too late, dropped if it lands.
    const superseded = () => mine !== loadRequests;
    const stale = () => my !== epoch || superseded();
    set({ modelLoading: ref, modelError: null });
    try {
      const info = await client.loadCheckpoint(ref, behavior, superseded);
      if (stale()) {
        if (my === epoch) landedUnshown = info; // in the worker now, until a later pick lands
        return null;
      }
      landedUnshown = null;
      set({ model: info, modelLoading: null, crashes: 0 });
      emitWeights(info.weights);
      return info;
    } catch (e) {
      if (stale()) return null;
      // The latest pick failed: the worker holds what loaded last, which may be an earlier pick's.
      const landed = landedUnshown;
      landedUnshown = null;
      set({ modelLoading: null, modelError: (e as Error)?.message ?? String(e), ...(landed ? { model: landed } : {}) });
      if (landed) emitWeights(landed.weights);
      return null;
    }
  },
}));

export const currentEpoch = () => epoch;

/**
 * Weights the worker installed itself (a pretraining's checkpoint, a vector saved into the checkpoint):
 * they become the loaded model and the experiment's checkpoint, without loading them a second time.
 */
export function adoptModel(info: ModelInfo): void {
  const shown = useSession.getState().model;
  if (shown && sameModel(shown, info)) return; // told twice (a call's result and the worker's model event)
  landedUnshown = null; // the worker holds this one now
  useSession.setState({ model: info, modelLoading: null, modelError: null });
  emitWeights(info.weights);
  const exp = useExperiment.getState();
  if (exp.checkpoint !== info.ref || exp.behavior !== info.behavior) exp.set({ behavior: info.behavior, checkpoint: info.ref });
}

const sameModel = (a: ModelInfo, b: ModelInfo) => JSON.stringify([a.ref, a.name, a.behavior, a.step, a.weights, a.vector]) === JSON.stringify([b.ref, b.name, b.behavior, b.step, b.weights, b.vector]);

// Picking another checkpoint or behavior loads it into the worker (the model shown counts only while no other pick is loading).
useExperiment.subscribe((s, prev) => {
  if (s.checkpoint === prev.checkpoint && s.behavior === prev.behavior) return;
  const m = useSession.getState().model;
  if (m && m.ref === s.checkpoint && m.behavior === s.behavior && !useSession.getState().modelLoading) return;
  if (useSession.getState().status === 'ready') void useSession.getState().loadModel(s.checkpoint, s.behavior);
});
