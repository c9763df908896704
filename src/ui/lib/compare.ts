// Grouping runs by method for the Compare view: mean ± std bands over seeds and the summary the paper's
// referee asked for (steps to a behavior threshold, area under the behavior curve, final accuracy).
import { evalSeries, type EvalKind, type RunView } from './runs';
import { meanStd, normalisedArea, stepsToThreshold, type BandPoint } from './stats';

export interface MethodGroup {
  method: string;
  runs: RunView[];
  behavior: BandPoint[];
  accuracy: BandPoint[];
}

export function groupByMethod(runs: RunView[], kind: EvalKind): MethodGroup[] {
  const by = new Map<string, RunView[]>();
  for (const r of runs) (by.get(r.method) ?? by.set(r.method, []).get(r.method)!).push(r);
  return [...by.entries()].map(([method, rs]) => ({
    method,
    runs: rs,
    behavior: meanStd(rs.map((r) => evalSeries(r, kind).behavior)),
    accuracy: meanStd(rs.map((r) => evalSeries(r, kind).accuracy)),
  }));
}

export interface Summary {
  method: string;
  seeds: number;
  stepsToThreshold: { mean: number; std: number; reached: number };
  auc: { mean: number; std: number };
  finalAccuracy: { mean: number; std: number };
  finalBehavior: { mean: number; std: number };
}

const ms = (xs: number[]) => {
  const v = xs.filter(Number.isFinite);
  if (!v.length) return { mean: NaN, std: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std };
};

export function summarize(groups: MethodGroup[], kind: EvalKind, threshold = 0.5): Summary[] {
  return groups.map((g) => {
    const series = g.runs.map((r) => evalSeries(r, kind));
    const hits = series.map((s) => stepsToThreshold(s.behavior, threshold));
    const reached = hits.filter((h) => h !== undefined) as number[];
    return {
      method: g.method,
      seeds: g.runs.length,
      stepsToThreshold: { ...ms(reached), reached: reached.length },
      auc: ms(series.map((s) => normalisedArea(s.behavior))),
      finalAccuracy: ms(series.map((s) => s.accuracy[s.accuracy.length - 1]?.value ?? NaN)),
      finalBehavior: ms(series.map((s) => s.behavior[s.behavior.length - 1]?.value ?? NaN)),
    };
  });
}

export const pm = (x: { mean: number; std: number }, digits = 2) => (Number.isFinite(x.mean) ? `${x.mean.toFixed(digits)} ± ${x.std.toFixed(digits)}` : '—');
