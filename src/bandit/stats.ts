// Summary statistics and the one-sided Mann–Whitney U test used to compare iteration counts.
// Rank-based on purpose: runs censored at the iteration cap are ties at the cap, which a rank test
// handles conservatively, whereas a t-test would treat the cap as a measured value.

export const mean = (x: readonly number[]) => x.reduce((a, b) => a + b, 0) / x.length;

/** Sample standard deviation (n − 1); 0 for a single value. */
export function std(x: readonly number[]): number {
  if (x.length < 2) return 0;
  const m = mean(x);
  return Math.sqrt(x.reduce((a, v) => a + (v - m) ** 2, 0) / (x.length - 1));
}

export function median(x: readonly number[]): number {
  const s = [...x].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** erfc with fractional error < 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF Φ(z). */
export const normalCdf = (z: number) => 0.5 * erfc(-z / Math.SQRT2);

export interface MannWhitney {
  /** Pairs (x_i, y_j) with x_i < y_j, ties counting ½: large when x tends to be smaller. */
  U: number;
  z: number;
  /** One-sided p-value for H1 "x is stochastically smaller than y". */
  p: number;
}

/**
 * One-sided Mann–Whitney U, normal approximation with tie-corrected variance and continuity correction
 * (adequate for n ≥ 10 per side, which is how the tests and the CLI use it):
 *   E[U] = n m / 2,  Var[U] = n m / 12 · ((N + 1) − Σ_ties (t³ − t) / (N (N − 1))),  N = n + m
 *   z = (U − E[U] − ½) / √Var[U],  p = 1 − Φ(z).
 * All values tied (Var = 0): no evidence, p = 1.
 */
export function mannWhitneyLess(x: readonly number[], y: readonly number[]): MannWhitney {
  const n = x.length;
  const m = y.length;
  let U = 0;
  for (const a of x) for (const b of y) U += a < b ? 1 : a === b ? 0.5 : 0;
  const N = n + m;
  const counts = new Map<number, number>();
  for (const v of [...x, ...y]) counts.set(v, (counts.get(v) ?? 0) + 1);
  let ties = 0;
  for (const t of counts.values()) ties += t ** 3 - t;
  const variance = ((n * m) / 12) * (N + 1 - ties / (N * (N - 1)));
  if (!(variance > 0)) return { U, z: 0, p: 1 };
  const z = (U - (n * m) / 2 - 0.5) / Math.sqrt(variance);
  return { U, z, p: 1 - normalCdf(z) };
}
