// Which weights the worker holds now: the loaded checkpoint as loaded, or what a run left behind (and at
// which step). Fed by loadCheckpoint's ModelInfo and the worker's 'weights' events; "Reset to
// checkpoint" puts the checkpoint's weights back.
import { create } from 'zustand';
import type { LoadedWeights } from '../worker/types';
import { getClient, onWeights } from './session';
import { notify } from './ui';

interface WeightsState {
  weights: LoadedWeights | null;
  resetting: boolean;
  reset(): Promise<void>;
}

export const useWeights = create<WeightsState>((set, get) => ({
  weights: null,
  resetting: false,
  async reset() {
    if (get().resetting || get().weights?.kind !== 'run') return;
    set({ resetting: true });
    try {
      set({ weights: await getClient().resetWeights() });
    } catch (e) {
      notify({ kind: 'error', text: `Could not reset the weights: ${(e as Error)?.message ?? e}` });
    } finally {
      set({ resetting: false });
    }
  },
}));

onWeights((weights) => useWeights.setState({ weights }));

/** "checkpoint <name>" or "run <name> at step N"; the run's name as renamed on the page when known. */
export function weightsLabel(w: LoadedWeights | null, checkpointName: string | undefined, runName?: (runId: string) => string | undefined): string {
  if (!w) return '—';
  if (w.kind === 'checkpoint') return `checkpoint ${checkpointName ?? '?'}`;
  return `run ${runName?.(w.runId) ?? w.runName} at step ${w.step}`;
}
