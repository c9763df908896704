// Steering intensities per rollout (DESIGN §4), in the units of §3 (α = 1 adds v):
//   grid     — the grid assigned round-robin inside each group: rollout i of a group gets grid[i mod K]
//   uniform  — α ~ U[aMin, aMax] per rollout (from the trainer's seeded stream)
// Negative values are allowed when the config says so (validated there). A shrink schedule multiplies
// every intensity by s(step), going from 1 to shrinkFinal over shrinkSteps, so rollouts approach the
// unsteered policy as training internalizes the behavior.
import type { Rng } from '../util/rng';

export interface IntensitySettings {
  intensityMode: 'grid' | 'uniform';
  grid: number[];
  aMin: number;
  aMax: number;
  shrink: 'none' | 'linear' | 'cosine';
  shrinkSteps: number; // 0 = totalSteps
  shrinkFinal: number;
}

/**
 * s(step) in [shrinkFinal, 1] for the 0-based step index: the first step gives 1, the shrinkSteps-th
 * (index shrinkSteps − 1; the run's last when shrinkSteps is 0) and every later one give shrinkFinal.
 */
export function shrinkScale(s: Pick<IntensitySettings, 'shrink' | 'shrinkSteps' | 'shrinkFinal'>, step: number, totalSteps: number): number {
  if (s.shrink === 'none') return 1;
  const span = Math.max(1, (s.shrinkSteps > 0 ? s.shrinkSteps : totalSteps) - 1);
  const p = Math.min(1, Math.max(0, step / span));
  const f = s.shrinkFinal;
  if (s.shrink === 'linear') return 1 - (1 - f) * p;
  return f + (1 - f) * 0.5 * (1 + Math.cos(Math.PI * p));
}

/**
 * Intensities for B groups of G rollouts, group-major: [B·G]. Deterministic given the rng state; the grid
 * mode draws nothing from the rng (so grid runs consume the same random stream whatever the grid).
 */
export function assignIntensities(s: IntensitySettings, B: number, G: number, step: number, totalSteps: number, rng: Rng): Float32Array {
  const out = new Float32Array(B * G);
  const scale = shrinkScale(s, step, totalSteps);
  if (s.intensityMode === 'grid') {
    const K = s.grid.length;
    if (K === 0) throw new Error('the intensity grid is empty');
    for (let g = 0; g < B; g++) for (let i = 0; i < G; i++) out[g * G + i] = s.grid[i % K] * scale;
  } else {
    for (let i = 0; i < B * G; i++) out[i] = (s.aMin + (s.aMax - s.aMin) * rng.next()) * scale;
  }
  return out;
}

/** Distinct intensities (for per-intensity metrics): exact values in grid mode, bins of width binWidth otherwise. */
export function intensityKey(alpha: number, mode: 'grid' | 'uniform', binWidth = 1): number {
  if (mode === 'grid') return Math.round(alpha * 1e6) / 1e6;
  return Math.floor(alpha / binWidth) * binWidth;
}
