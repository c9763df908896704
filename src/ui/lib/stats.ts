// Mean ± std over seeds, aligned by step, for the Compare view's bands (DESIGN §4: ≥ 3 seeds).

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

/** Area under a step curve (trapezoids), normalised by the step span: the mean height over the budget. */
export function normalisedArea(points: SeriesPoint[]): number {
  if (points.length < 2) return points[0]?.value ?? NaN;
  const p = [...points].sort((a, b) => a.step - b.step);
  let area = 0;
  for (let i = 1; i < p.length; i++) area += ((p[i].value + p[i - 1].value) / 2) * (p[i].step - p[i - 1].step);
  return area / (p[p.length - 1].step - p[0].step);
}

/** First step at which the value reaches the threshold, or undefined. */
export function stepsToThreshold(points: SeriesPoint[], threshold: number): number | undefined {
  return [...points].sort((a, b) => a.step - b.step).find((p) => p.value >= threshold)?.step;
}
