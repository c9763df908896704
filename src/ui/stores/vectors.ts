// The Vector lab's state: extraction settings, the candidate vector's report (norm, relative scale,
// cosines), its dose-response against a random vector of the same norm (each point with its 95% interval),
// the suggested dose and grid (lib/dose.ts), and saving the candidate into the checkpoint. The worker holds
// the candidate (LabApi in src/worker/api.ts); loading other weights drops it there, and here.
import { create } from 'zustand';
import type { ExtractionMode, WindowMode } from '../../steering/types';
import { effectiveLayer, LAB_DEFAULT_ALPHAS, parseAlphas } from '../lib/vectorLab';
import { throttle } from '../lib/throttle';
import { isCancelled, type VectorReport } from '../worker/types';
import type { VectorCurves } from '../lib/vectorLab';
import { useCheckpoints } from './checkpoints';
import { adoptModel, getClient, onReconnect, useSession } from './session';
import { notify } from './ui';

export type { VectorCurves };
export { effectiveLayer, parseAlphas };

interface VectorsState {
  mode: ExtractionMode;
  pca: boolean;
  /** Block index; null = the loaded vector's layer, else the middle block. */
  layer: number | null;
  window: WindowMode;
  pairs: number;
  seed: number;
  extracting: { done: number; total: number } | null;
  extractError: string | null;
  report: VectorReport | null;
  /** Sweep settings as typed. */
  alphasText: string;
  samples: number;
  sweepSeed: number;
  randomSeed: number;
  curves: VectorCurves | null;
  sweeping: { done: number; total: number; which: 'candidate' | 'random' } | null;
  sweepCancel: 'requested' | 'done' | null;
  sweepError: string | null;
  /** The doses to save, as typed (null = the suggestion). */
  doseText: string | null;
  gridText: string | null;
  saving: boolean;
  saved: { name: string; alpha: number; grid: number[] } | null;
  set(patch: Partial<Pick<VectorsState, 'mode' | 'pca' | 'layer' | 'window' | 'pairs' | 'seed' | 'alphasText' | 'samples' | 'sweepSeed' | 'randomSeed' | 'doseText' | 'gridText'>>): void;
  extract(): Promise<void>;
  syncCandidate(): Promise<void>;
  runSweep(): Promise<void>;
  cancelSweep(): Promise<void>;
  save(alpha: number, grid: number[]): Promise<void>;
}

/** Set while this store installs weights itself (the saved vector), so the model change does not clear what it shows. */
let adopting = false;

export const useVectors = create<VectorsState>((set, get) => ({
  mode: 'unembed',
  pca: false,
  layer: null,
  window: 'decision',
  pairs: 200,
  seed: 0,
  extracting: null,
  extractError: null,
  report: null,
  alphasText: LAB_DEFAULT_ALPHAS,
  samples: 64,
  sweepSeed: 7,
  randomSeed: 0,
  curves: null,
  sweeping: null,
  sweepCancel: null,
  sweepError: null,
  doseText: null,
  gridText: null,
  saving: false,
  saved: null,

  set: (patch) => {
    const next = { ...patch };
    // PCA applies to the contrastive modes only.
    if (patch.mode && patch.mode !== 'caa-response' && patch.mode !== 'caa-decision') next.pca = false;
    set(next);
  },

  async extract() {
    const s = useSession.getState();
    if (get().extracting || s.status !== 'ready' || !s.model) return;
    const { mode, pca, window, pairs, seed } = get();
    const layer = effectiveLayer(get().layer, s.model.config.nLayers, s.model.vector?.layer);
    set({ extracting: { done: 0, total: pairs }, extractError: null, saved: null });
    const progress = throttle((done: number, total: number) => set({ extracting: { done, total } }), 150);
    try {
      const report = await getClient().extractVector({ mode, layer, window, pairs, seed, ...(pca ? { pca: true } : {}) }, progress);
      progress.cancel();
      // A new candidate: the curves of the previous one no longer describe it.
      set({ report, extracting: null, curves: null, doseText: null, gridText: null, sweepCancel: null });
    } catch (e) {
      progress.cancel();
      set({ extracting: null, extractError: (e as Error)?.message ?? String(e) });
    }
  },

  async syncCandidate() {
    if (useSession.getState().status !== 'ready') return;
    try {
      const report = await getClient().candidateVector();
      if (!report) {
        if (get().report && !get().saved) set({ report: null, curves: null });
      } else if (JSON.stringify(report.meta) !== JSON.stringify(get().report?.meta)) set({ report, curves: null, doseText: null, gridText: null });
    } catch {
      /* the worker is restarting: synced on reconnect */
    }
  },

  async runSweep() {
    const s = useSession.getState();
    if (get().sweeping || !get().report || s.status !== 'ready' || !s.model) return;
    const alphas = parseAlphas(get().alphasText);
    if (!alphas) return void set({ sweepError: 'Intensities: a comma-separated list of 1 to 32 numbers, e.g. 0,1,2,3,4,6.' });
    const { samples, sweepSeed: seed, randomSeed } = get();
    const each = alphas.length * samples;
    const prev = get().curves;
    set({ sweeping: { done: 0, total: 2 * each, which: 'candidate' }, sweepError: null, sweepCancel: null, curves: null, doseText: null, gridText: null });
    const at = (offset: number, which: 'candidate' | 'random') => throttle((done: number) => set({ sweeping: { done: offset + done, total: 2 * each, which } }), 200);
    const p1 = at(0, 'candidate');
    const p2 = at(each, 'random');
    try {
      // The same prompts (seed) for both, so the difference is the vector's, not the draw's.
      const candidate = await getClient().sweep({ alphas, samples, seed, vector: 'candidate' }, p1);
      p1.cancel();
      set({ sweeping: { done: each, total: 2 * each, which: 'random' } });
      const random = await getClient().sweep({ alphas, samples, seed, vector: 'random', vectorSeed: randomSeed }, p2);
      p2.cancel();
      set({ curves: { candidate, random, alphas, samples, seed, randomSeed }, sweeping: null, sweepCancel: null });
    } catch (e) {
      p1.cancel();
      p2.cancel();
      if (isCancelled(e)) set({ curves: prev, sweeping: null, sweepCancel: 'done' });
      else set({ sweeping: null, sweepCancel: null, sweepError: (e as Error)?.message ?? String(e) });
    }
  },

  async cancelSweep() {
    if (!get().sweeping || get().sweepCancel === 'requested') return;
    set({ sweepCancel: 'requested' });
    await getClient()
      .cancelSweep()
      .catch(() => false);
  },

  async save(alpha, grid) {
    if (get().saving || !get().report) return;
    set({ saving: true });
    try {
      const info = await getClient().saveVector({ alpha, grid });
      adopting = true;
      try {
        adoptModel(info);
      } finally {
        adopting = false;
      }
      set({ saved: { name: info.name, alpha, grid } });
      await useCheckpoints.getState().refresh();
      notify({ kind: 'success', text: `Saved the vector into “${info.name}” (α = ${alpha}, grid ${grid.join(', ')}); it is the loaded checkpoint now.` });
    } catch (e) {
      notify({ kind: 'error', text: `Could not save the vector: ${(e as Error)?.message ?? e}`, sticky: true });
    } finally {
      set({ saving: false });
    }
  },
}));

// Other weights loaded: the worker dropped the candidate, so the report and its curves go too.
useSession.subscribe((s, prev) => {
  if (adopting || s.model === prev.model) return;
  if (s.model?.ref === prev.model?.ref && s.model?.behavior === prev.model?.behavior) return;
  useVectors.setState({ report: null, curves: null, extractError: null, sweepError: null, doseText: null, gridText: null, saved: null, layer: null });
});
onReconnect(() => void useVectors.getState().syncCandidate());
