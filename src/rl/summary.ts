// What a run comes to, and how runs over seeds compare (DESIGN §4 "Comparing methods"): steps until the
// unsteered behavior score reaches a threshold, the area under the behavior-over-steps curve, and the
// final accuracy and behavior — each as mean ± std over seeds.
import type { EvalMetrics, PhaseMs, StepMetrics } from './loop';

export type EvalMode = 'sampled' | 'greedy';

export interface RunSummary {
  steps: number; // steps taken
  halted: string | null;
  /** First evaluated step whose unsteered behavior score ≥ threshold (sampled at T = 1); null if none. */
  stepsToThreshold: number | null;
  stepsToThresholdGreedy: number | null;
  /** Area under the unsteered behavior-over-steps curve (trapezoids over the evaluations), divided by the steps it spans: a mean in [0, 1]. */
  auc: number | null;
  aucGreedy: number | null;
  initial: EvalMetrics | null;
  final: EvalMetrics | null;
  /** Mean over the training steps (step 0 excluded). */
  msPerStep: PhaseMs;
  rolloutTokensPerSec: number | null;
  wallTimeSeconds: number;
}

const evalsOf = (h: StepMetrics[]) => h.filter((m) => m.eval).map((m) => m.eval!);

export function stepsToThreshold(history: StepMetrics[], threshold: number, mode: EvalMode = 'sampled'): number | null {
  for (const e of evalsOf(history)) if (e[mode].behavior >= threshold) return e.step;
  return null;
}

export function behaviorAuc(history: StepMetrics[], mode: EvalMode = 'sampled'): number | null {
  const ev = evalsOf(history);
  if (ev.length === 0) return null;
  if (ev.length === 1) return ev[0][mode].behavior;
  let area = 0;
  for (let i = 1; i < ev.length; i++) area += ((ev[i][mode].behavior + ev[i - 1][mode].behavior) / 2) * (ev[i].step - ev[i - 1].step);
  const span = ev[ev.length - 1].step - ev[0].step;
  return span > 0 ? area / span : ev[ev.length - 1][mode].behavior;
}

export function summarizeRun(history: StepMetrics[], threshold = 0.5): RunSummary {
  const steps = history.filter((m) => m.step > 0);
  const trained = steps.filter((m) => !m.halted);
  const ev = evalsOf(history);
  const msPerStep: PhaseMs = { rollout: 0, score: 0, reference: 0, update: 0, eval: 0, total: 0 };
  for (const m of steps) for (const k of Object.keys(msPerStep) as (keyof PhaseMs)[]) msPerStep[k] += m.ms[k] / steps.length;
  const tps = steps.map((m) => m.rolloutTokensPerSec).filter((x): x is number => x !== null && Number.isFinite(x));
  return {
    steps: trained.length ? trained[trained.length - 1].step : 0,
    halted: history.find((m) => m.halted)?.halted ?? null,
    stepsToThreshold: stepsToThreshold(history, threshold, 'sampled'),
    stepsToThresholdGreedy: stepsToThreshold(history, threshold, 'greedy'),
    auc: behaviorAuc(history, 'sampled'),
    aucGreedy: behaviorAuc(history, 'greedy'),
    initial: ev[0] ?? null,
    final: ev.length ? ev[ev.length - 1] : null,
    msPerStep,
    rolloutTokensPerSec: tps.length ? tps.reduce((a, b) => a + b, 0) / tps.length : null,
    wallTimeSeconds: history.reduce((a, m) => a + m.ms.total, 0) / 1000,
  };
}

export interface MeanStd {
  mean: number | null;
  std: number | null; // sample standard deviation (n − 1); 0 for one value
  n: number;
}

export function meanStd(xs: (number | null)[]): MeanStd {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return { mean: null, std: null, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}

export interface MethodSummary {
  runs: number;
  /** Runs that never reached the threshold count as the budget (a lower bound); `reached` says how many did. */
  stepsToThreshold: MeanStd & { reached: number };
  auc: MeanStd;
  finalAccuracy: { greedy: MeanStd; sampled: MeanStd };
  finalBehavior: { greedy: MeanStd; sampled: MeanStd };
  halted: number;
  wallTimeSeconds: MeanStd;
  msPerStep: MeanStd;
}

export function summarizeMethod(runs: RunSummary[], budget: number): MethodSummary {
  const f = (pick: (r: RunSummary) => number | null | undefined) => meanStd(runs.map((r) => pick(r) ?? null));
  return {
    runs: runs.length,
    stepsToThreshold: { ...meanStd(runs.map((r) => r.stepsToThreshold ?? budget)), reached: runs.filter((r) => r.stepsToThreshold !== null).length },
    auc: f((r) => r.auc),
    finalAccuracy: { greedy: f((r) => r.final?.greedy.accuracy), sampled: f((r) => r.final?.sampled.accuracy) },
    finalBehavior: { greedy: f((r) => r.final?.greedy.behavior), sampled: f((r) => r.final?.sampled.behavior) },
    halted: runs.filter((r) => r.halted).length,
    wallTimeSeconds: f((r) => r.wallTimeSeconds),
    msPerStep: f((r) => r.msPerStep.total),
  };
}

const pm = (m: MeanStd, digits = 2) => (m.mean === null ? '—' : `${m.mean.toFixed(digits)} ± ${(m.std ?? 0).toFixed(digits)}`);

/** A plain-text table (for stderr and the README). */
export function formatComparison(methods: Record<string, MethodSummary>, o: { threshold: number; budget: number }): string {
  const rows = [
    ['method', `steps to ≥${o.threshold}`, 'reached', 'behavior AUC', 'final acc (greedy)', 'final behavior (sampled)', 'final behavior (greedy)', 's/run'],
    ...Object.entries(methods).map(([name, s]) => [
      name,
      pm(s.stepsToThreshold, 1),
      `${s.stepsToThreshold.reached}/${s.runs}`,
      pm(s.auc),
      pm(s.finalAccuracy.greedy),
      pm(s.finalBehavior.sampled),
      pm(s.finalBehavior.greedy),
      pm(s.wallTimeSeconds, 0),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((x, c) => x.padEnd(widths[c])).join('  ')).join('\n');
}
