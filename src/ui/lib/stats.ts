// Mean ± std over seeds, aligned by step, for the Compare view's bands of pooled groups. (The summary
// numbers — steps to τ, AUC, finals — come from src/rl/summary.ts only.)

export interface SeriesPoint {
  step: number;
  value: number;
}

export interface BandPoint {
  step: number;
  mean: number;
  std: number;
  lo: number;
  hi: number;
  n: number;
}

/** Aligns several series on their common steps and returns mean, sample std and [mean-std, mean+std]. */
export function meanStd(series: SeriesPoint[][]): BandPoint[] {
  const byStep = new Map<number, number[]>();
  for (const s of series) for (const p of s) if (Number.isFinite(p.value)) (byStep.get(p.step) ?? byStep.set(p.step, []).get(p.step)!).push(p.value);
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  return steps.map((step) => {
    const v = byStep.get(step)!;
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
    return { step, mean, std, lo: mean - std, hi: mean + std, n: v.length };
  });
}

/** ErrorBar's value for a row: [below, above] the point, from the interval [low, high] stored under `ci`. */
export function errorDeltas(key: string, ci: string): (row: Record<string, unknown>) => [number, number] {
  return (row) => {
    const v = row[key];
    const r = row[ci];
    if (typeof v !== 'number' || !Array.isArray(r)) return [0, 0];
    return [Math.max(0, v - r[0]), Math.max(0, r[1] - v)];
  };
}
