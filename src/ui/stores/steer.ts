// Steer view state: live generations at the current α (streamed, judged, markers highlighted) and the
// dose-response sweep with its progress (cancellable). Requests coalesce: a new request cancels the
// generation in flight and only the latest α waits, so dragging the slider never queues a backlog.
import { create } from 'zustand';
import { throttle } from '../lib/throttle';
import { sweepAlphasOf } from '../lib/dose';

export { sweepAlphasOf };
import { useExperiment } from './experiment';
import { isCancelled, isRestarted, type SweepPointCI } from '../worker/types';
import { getClient, onReconnect, useSession } from './session';
import { useWeights } from './weights';
import { isLive, useTrain } from './train';

export interface Generation {
  prompt: string;
  response: string;
  markers: [number, number][];
  accuracy: number;
  behavior: number;
}

interface SteerState {
  /** What the shown generations were made with. */
  shownAlpha: number | null;
  generations: Generation[];
  generating: boolean;
  genError: string | null;
  /** Each point with the 95% interval of its behavior rate. */
  sweep: SweepPointCI[];
  sweepKey: string | null;
  sweepProgress: { done: number; total: number } | null;
  sweepError: string | null;
  /** A cancel asked for while the sweep runs, or the note that the last sweep was cancelled. */
  sweepCancel: 'requested' | 'done' | null;
  regenerate(): Promise<void>;
  runSweep(): Promise<void>;
  cancelSweep(): Promise<void>;
}

export const sweepKeyOf = () => {
  const e = useExperiment.getState();
  const m = useSession.getState().model;
  const w = useWeights.getState().weights;
  const weights = w?.kind === 'run' ? `run:${w.runId}@${w.step}` : 'checkpoint';
  return `${m?.ref ?? e.checkpoint}|${weights}|${e.behavior}|${e.seed}|${e.sweepSamples}|${e.sweepAlphas.join(',')}`;
};

let running = false;
let again = false;

export const useSteer = create<SteerState>((set, get) => ({
  shownAlpha: null,
  generations: [],
  generating: false,
  genError: null,
  sweep: [],
  sweepKey: null,
  sweepProgress: null,
  sweepError: null,
  sweepCancel: null,

  async regenerate() {
    if (useSession.getState().status !== 'ready' || !useSession.getState().model) return;
    if (running) {
      again = true;
      // The one in flight is stale now: stop it at its next token rather than wait for its end.
      void getClient()
        .cancelGenerate()
        .catch(() => undefined);
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const e = useExperiment.getState();
        const alpha = e.alpha;
        set({ generating: true, genError: null });
        // Streamed partial responses come judged from the worker; the table redraws at most ~8 times a second.
        const push = throttle((partial: Generation[]) => set({ generations: partial, shownAlpha: alpha }), 120);
        try {
          const generated = await getClient().generate({ alpha, n: e.prompts, temperature: e.temperature, seed: e.seed }, (partial) => {
            if (!again) push(partial);
          });
          push.cancel();
          set({ generations: generated, shownAlpha: alpha });
        } catch (err) {
          push.cancel();
          // A restarted worker (backend switch) regenerates once it is back (onReconnect): no error, no retry on the dead one.
          if (isRestarted(err)) again = false;
          else if (!isCancelled(err)) set({ genError: (err as Error)?.message ?? String(err) });
        }
      } while (again);
    } finally {
      running = false;
      set({ generating: false });
    }
  },

  async runSweep() {
    if (get().sweepProgress || useSession.getState().status !== 'ready' || !useSession.getState().model) return;
    const e = useExperiment.getState();
    const key = sweepKeyOf();
    const alphas = sweepAlphasOf(e.sweepAlphas, useSession.getState().model?.vector?.alpha);
    // A cancelled sweep leaves the previous curve (still marked stale if the settings changed).
    const prev = { sweep: get().sweep, sweepKey: get().sweepKey };
    set({ sweepProgress: { done: 0, total: alphas.length * e.sweepSamples }, sweepError: null, sweepCancel: null, sweep: [], sweepKey: key });
    let over = false;
    const progress = throttle((done: number, total: number) => {
      if (!over) set({ sweepProgress: { done, total } });
    }, 200);
    try {
      const points = await getClient().sweep({ alphas, samples: e.sweepSamples, seed: e.seed }, progress);
      set({ sweep: points, sweepCancel: null });
    } catch (err) {
      if (isCancelled(err)) set({ ...prev, sweepCancel: 'done' });
      else set({ sweepCancel: null, sweepError: (err as Error)?.message ?? String(err) });
    } finally {
      // Whatever ended it (a result, a cancel, a restarted worker), the next runSweep must not find it busy.
      over = true;
      progress.cancel();
      set({ sweepProgress: null });
    }
  },

  async cancelSweep() {
    if (!get().sweepProgress || get().sweepCancel === 'requested') return;
    set({ sweepCancel: 'requested' });
    // It stops before its next batch; runSweep's catch (or its result, when it was already done) clears this.
    await getClient()
      .cancelSweep()
      .catch(() => false);
  },
}));

// Regenerate when α, the prompts or the model change (and after a worker restart).
let timer: ReturnType<typeof setTimeout> | null = null;
const schedule = () => {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void useSteer.getState().regenerate(), 60);
};
useExperiment.subscribe((s, prev) => {
  if (s.alpha !== prev.alpha || s.seed !== prev.seed || s.prompts !== prev.prompts || s.temperature !== prev.temperature) schedule();
});
const anyLive = () => useTrain.getState().busy || useTrain.getState().runs.some(isLive);
useSession.subscribe((s, prev) => {
  if (s.model !== prev.model && s.model) {
    useSteer.setState({ generations: [], shownAlpha: null });
    // A resumed run adopts its checkpoint while it trains: generate once it ends (below), not during it.
    if (!anyLive()) schedule();
  }
});
onReconnect(schedule);
// New weights (a run's steps, a reset): regenerate, but not while a run trains (once it ends, then).
useWeights.subscribe((s, prev) => {
  if (s.weights !== prev.weights && prev.weights && !anyLive()) schedule();
});
useTrain.subscribe((s, prev) => {
  if (prev.runs.some(isLive) && !s.runs.some(isLive)) schedule();
});
