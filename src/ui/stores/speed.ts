// The backend switch: WebGPU or the CPU backend, each with its measured speed. A small fixed probe (8
// held-out prompts × 16 tokens, unsteered, after a warm-up) is timed on the backend in use and, in a
// short-lived second worker, on the other one — once per page load when the app is idle, or on demand.
// Switching restarts the worker on the other backend and reloads the current checkpoint.
import { create } from 'zustand';
import { createClient } from '../worker/client';
import type { Backend } from '../worker/types';
import { getClient, useSession } from './session';
import { useSteer } from './steer';
import { isLive, useTrain } from './train';
import { useWeights } from './weights';
import { useVectors } from './vectors';
import { notify } from './ui';
import { isPretraining } from './pretrain';

export const PROBE = { prompts: 8, tokens: 16 };

interface SpeedState {
  /** Tokens per second of the probe, per backend. */
  speeds: Partial<Record<Backend, number>>;
  /** Why a backend could not be measured (e.g. no WebGPU). */
  unavailable: Partial<Record<Backend, string>>;
  /** The WebGPU adapter's name, also when the CPU backend is in use (from the probe). */
  webgpuAdapter?: string;
  measuring: Backend | null;
  measure(): Promise<void>;
  switchTo(b: Backend): Promise<void>;
}

const other = (b: Backend): Backend => (b === 'webgpu' ? 'cpu' : 'webgpu');

const busy = () => isPretraining() || useTrain.getState().busy || useTrain.getState().runs.some(isLive) || useSteer.getState().generating || !!useSteer.getState().sweepProgress;

/** Warm-up, then the timed pass. */
async function timed(probe: (p: number, t: number) => Promise<number>): Promise<number> {
  await probe(PROBE.prompts, PROBE.tokens);
  return probe(PROBE.prompts, PROBE.tokens);
}

/** The probe on a backend in a worker of its own (the one in use keeps its model and state). */
async function probeElsewhere(b: Backend, ref: string, behavior: Parameters<ReturnType<typeof createClient>['loadCheckpoint']>[1]): Promise<{ tps: number; adapter?: string }> {
  let crashed: string | null = null;
  const c = createClient({ onCrash: (m) => (crashed = m) });
  try {
    const info = await c.init(b);
    if (info.backend !== b) throw new Error(`${b} is not available in this build`);
    await c.loadCheckpoint(ref, behavior);
    return { tps: await timed((p, t) => c.probe(p, t)), adapter: info.adapter };
  } catch (e) {
    throw new Error(crashed ?? ((e as Error)?.message || String(e)));
  } finally {
    c.dispose();
  }
}

export const useSpeed = create<SpeedState>((set, get) => ({
  speeds: {},
  unavailable: {},
  measuring: null,

  async measure() {
    const s = useSession.getState();
    if (get().measuring || s.status !== 'ready' || !s.model || !s.backend || useTrain.getState().runs.some(isLive) || isPretraining()) return;
    const here = s.backend;
    const model = s.model;
    try {
      set({ measuring: here });
      const tps = await timed((p, t) => getClient().probe(p, t));
      set({ speeds: { ...get().speeds, [here]: tps } });
      if (here === 'webgpu' && s.adapter) set({ webgpuAdapter: s.adapter });
    } catch {
      /* the worker restarted meanwhile: measured next time */
    }
    const there = other(here);
    try {
      set({ measuring: there });
      const r = await probeElsewhere(there, model.ref, model.behavior);
      set({ speeds: { ...get().speeds, [there]: r.tps }, unavailable: { ...get().unavailable, [there]: undefined }, ...(there === 'webgpu' && r.adapter ? { webgpuAdapter: r.adapter } : {}) });
    } catch (e) {
      set({ unavailable: { ...get().unavailable, [there]: (e as Error).message } });
    } finally {
      set({ measuring: null });
    }
  },

  async switchTo(b) {
    const s = useSession.getState();
    if (s.backend === b && s.status === 'ready') return;
    if (useTrain.getState().runs.some(isLive)) return void notify({ kind: 'warning', text: 'Stop or finish the run before switching the backend.' });
    // Switching restarts the worker, which would lose the pretraining in flight.
    if (isPretraining()) return void notify({ kind: 'warning', text: 'Stop or finish the pretraining before switching the backend.' });
    // A sweep is minutes of work the restart would throw away; a generation is not refused (it is redone on the new backend).
    if (useSteer.getState().sweepProgress) return void notify({ kind: 'warning', text: 'A dose-response sweep is running (Steer view): cancel it or let it finish before switching the backend.' });
    const v = useVectors.getState();
    if (v.extracting) return void notify({ kind: 'warning', text: 'The Vector lab is extracting a vector: let it finish before switching the backend.' });
    if (v.sweeping) return void notify({ kind: 'warning', text: 'The Vector lab is sweeping its vectors: cancel the sweep or let it finish before switching the backend.' });
    const trained = useWeights.getState().weights?.kind === 'run';
    await s.connect(b);
    if (trained && useSession.getState().status === 'ready') notify({ kind: 'info', text: 'Switched backend: the checkpoint was reloaded, so the run’s trained weights are no longer in memory (its auto-save and saved checkpoints keep them).' });
  },
}));

// Once per page load: measure both backends when the app has been idle for a moment after the model loaded.
let scheduled = false;
useSession.subscribe((s) => {
  if (scheduled || s.status !== 'ready' || !s.model) return;
  scheduled = true;
  let tries = 0;
  const attempt = () => {
    if (busy() && tries++ < 30) return void setTimeout(attempt, 2000);
    void useSpeed.getState().measure();
  };
  setTimeout(attempt, 2500);
});
