// The dose-response sweep's intensities.

/** The swept intensities: the grid asked for, plus the loaded vector's recommended dose (so the curve shows it), sorted, once each. */
export function sweepAlphasOf(grid: number[], vectorAlpha: number | undefined): number[] {
  const all = vectorAlpha !== undefined && Number.isFinite(vectorAlpha) ? [...grid, vectorAlpha] : [...grid];
  return [...new Set(all.map((a) => Math.round(a * 1000) / 1000))].sort((a, b) => a - b);
}

/** A dose-response point as the dose rule reads it: the behavior rate over `counted` scored responses. */
export interface DosePoint {
  alpha: number;
  behavior: number;
  counted: number;
}

/** Standard error of a rate p over n responses, √(p(1 − p)/n) (0 when n = 0: such a point never wins). */
export const rateSE = (p: number, n: number) => (n > 0 ? Math.sqrt(Math.max(0, p * (1 - p)) / n) : 0);

export interface DoseSuggestion {
  /** The suggested dose: the smallest α ≥ 0 whose behavior is within two standard errors of the best. */
  alpha: number;
  /** The best point (highest behavior among α ≥ 0) and the threshold best − 2·SE(best). */
  best: { alpha: number; behavior: number; se: number };
  threshold: number;
  /** True when α = 0 itself is within the band: no intensity beats the unsteered model beyond noise. */
  noEffect: boolean;
}

/**
 * The README's dose rule: among the swept α ≥ 0 (a dose is a positive intensity; the control α = 0 is a
 * candidate too), find the best behavior; the dose is the smallest α whose behavior is within two
 * standard errors (of the best point's rate, √(p(1 − p)/n) over its counted responses) of the best.
 * Null when no point with α ≥ 0 has counted responses.
 */
export function suggestDose(points: readonly DosePoint[]): DoseSuggestion | null {
  const usable = points.filter((p) => p.alpha >= 0 && p.counted > 0 && Number.isFinite(p.behavior)).sort((a, b) => a.alpha - b.alpha);
  if (!usable.length) return null;
  let best = usable[0];
  for (const p of usable) if (p.behavior > best.behavior) best = p;
  const se = rateSE(best.behavior, best.counted);
  const threshold = best.behavior - 2 * se;
  const pick = usable.find((p) => p.behavior >= threshold - 1e-12)!;
  return { alpha: pick.alpha, best: { alpha: best.alpha, behavior: best.behavior, se }, threshold, noEffect: pick.alpha === 0 };
}

/** Grid sizes that divide the trainer's default group size (G = 8), so every group takes each α equally often. */
const GRID_SIZES = [8, 4, 2, 1];

/**
 * VSPO's grid for a dose: 0 and the swept intensities in (0, dose], the dose always included, at most
 * 4 values (the largest ones kept), cut to a size that divides G = 8 (1, 2 or 4): e.g. the sweep
 * 0,1,2,3,4,6 and the dose 3 give 0,1,2,3 (the shipped verbosity grid).
 */
export function suggestGrid(swept: readonly number[], dose: number): number[] {
  if (!(dose > 0)) return [0];
  const inside = [...new Set(swept.filter((a) => a > 0 && a < dose).map((a) => Math.round(a * 1000) / 1000))].sort((a, b) => a - b);
  const all = [0, ...inside, dose];
  // all has 0 and the dose (≥ 2 values): 4 when there are enough, else 2.
  const size = GRID_SIZES.find((n) => n <= Math.min(4, all.length))!;
  const middle = size > 2 ? inside.slice(inside.length - (size - 2)) : [];
  return [0, ...middle, dose];
}
