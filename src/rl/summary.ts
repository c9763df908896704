// The one summary of runs, used by the CLI (`vspo train`, `vspo compare`) and the UI's Compare view
// (docs/DESIGN.md §4 "Comparing methods"). Every definition lives here once:
//
//   steps to threshold  the first evaluated step at which the SMOOTHED unsteered behavior score (sampled,
//                       T = 1) reaches τ. Smoothing = the centred mean of three neighbouring evaluations,
//                       because one 128-prompt evaluation has a standard error near 0.044 at τ = 0.5 and
//                       its first noisy crossing is biased early. The run's summary states the eval size
//                       and the standard error of one and of the smoothed evaluation.
//   behavior AUC        trapezoids over the evaluations, divided by the BUDGET (not the span evaluated),
//                       so a shorter or halted run is never summarised over a shorter span; it is null
//                       unless the run has evaluations at step 0 and at the budget.
//   over seeds          steps to threshold as the median over seeds, a miss counting as +∞, with
//                       "reached k of n" (and "> budget" when the median is a miss); never a mean or std
//                       over censored values. AUC, final accuracy and final behavior as mean ± std (n − 1)
//                       with a 95% percentile-bootstrap interval of the mean.
//   pooled as seeds     only complete runs of the same behavior, method, budget and config apart from the
//                       seed (`comparableKey`); halted and stopped runs are shown apart, never pooled.
import type { RlConfig } from './config';
import type { EvalMetrics, EvalScores, PhaseMs, StepMetrics } from './loop';
import { createRng } from '../util/rng';

export type EvalMode = 'sampled' | 'greedy';

/** Evaluations averaged, centred, for the threshold crossing (1 = no smoothing). */
export const SMOOTHING_WINDOW = 3;

/** What one run comes to. */
export interface RunSummary {
  /** Steps taken (a halted step does not count). */
  steps: number;
  /** The run's budget (config.steps). */
  budget: number;
  /** Why the run stopped early (non-finite loss, …), or null. */
  halted: string | null;
  /** True when the run took its whole budget and has its final evaluation: only such runs are pooled. */
  complete: boolean;
  /** Prompts per evaluation, and the standard error of one evaluation and of the smoothed curve at τ. */
  evalSamples: number;
  thresholdSE: { single: number; smoothed: number } | null;
  /** First evaluated step whose smoothed unsteered behavior score ≥ τ; null if none. */
  stepsToThreshold: number | null;
  stepsToThresholdGreedy: number | null;
  /** Mean behavior over [0, budget] (area / budget); null for a run without evaluations at 0 and at the budget. */
  auc: number | null;
  aucGreedy: number | null;
  initial: EvalMetrics | null;
  final: EvalMetrics | null;
  /** What one step costs, so methods are compared at the same budget. */
  perStep: StepBudget;
  /** Mean over the training steps (step 0 excluded). */
  msPerStep: PhaseMs;
  rolloutTokensPerSec: number | null;
  wallTimeSeconds: number;
}

/** Mean work of one training step. */
export interface StepBudget {
  prompts: number; // distinct prompts
  rollouts: number; // sampled sequences
  teacherTraces: number;
  updateTokens: number; // response tokens the update trains on
}

const evalsOf = (h: StepMetrics[]) => h.filter((m) => m.eval).map((m) => m.eval!);
const behaviorOf = (e: EvalMetrics, mode: EvalMode) => e[mode].behavior;

/** The centred moving average of the behavior score over `window` neighbouring evaluations. */
export function smoothedBehavior(history: StepMetrics[], mode: EvalMode = 'sampled', window = SMOOTHING_WINDOW): { step: number; value: number }[] {
  const ev = evalsOf(history);
  const half = Math.floor(window / 2);
  return ev.map((e, i) => {
    const near = ev.slice(Math.max(0, i - half), Math.min(ev.length, i + half + 1));
    return { step: e.step, value: near.reduce((a, x) => a + behaviorOf(x, mode), 0) / near.length };
  });
}

export function stepsToThreshold(history: StepMetrics[], threshold: number, mode: EvalMode = 'sampled', window = SMOOTHING_WINDOW): number | null {
  return smoothedBehavior(history, mode, window).find((p) => p.value >= threshold)?.step ?? null;
}

/** Area under the behavior curve over [0, budget], divided by the budget; null unless both ends were evaluated. */
export function behaviorAuc(history: StepMetrics[], budget: number, mode: EvalMode = 'sampled'): number | null {
  const ev = evalsOf(history);
  if (ev.length < 2 || ev[0].step !== 0 || ev[ev.length - 1].step !== budget || budget <= 0) return null;
  let area = 0;
  for (let i = 1; i < ev.length; i++) area += ((behaviorOf(ev[i], mode) + behaviorOf(ev[i - 1], mode)) / 2) * (ev[i].step - ev[i - 1].step);
  return area / budget;
}

const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function summarizeRun(history: StepMetrics[], budget: number, threshold = 0.5): RunSummary {
  const steps = history.filter((m) => m.step > 0);
  const trained = steps.filter((m) => !m.halted);
  const ev = evalsOf(history);
  const taken = trained.length ? trained[trained.length - 1].step : 0;
  const halted = history.find((m) => m.halted)?.halted ?? null;
  const final = ev.length ? ev[ev.length - 1] : null;
  const msPerStep: PhaseMs = { rollout: 0, score: 0, reference: 0, update: 0, eval: 0, total: 0 };
  for (const m of steps) for (const k of Object.keys(msPerStep) as (keyof PhaseMs)[]) msPerStep[k] += m.ms[k] / steps.length;
  const tps = steps.map((m) => m.rolloutTokensPerSec).filter((x): x is number => x !== null && Number.isFinite(x));
  // The behavior score averages only the prompts it counts (robustness: wrong hints), so its SE uses those.
  const counted = final ? final.sampled.counted : 0;
  const se = counted > 0 ? Math.sqrt((threshold * (1 - threshold)) / counted) : null;
  return {
    steps: taken,
    budget,
    halted,
    complete: !halted && taken === budget && final?.step === budget,
    evalSamples: final?.samples ?? 0,
    thresholdSE: se === null ? null : { single: se, smoothed: se / Math.sqrt(Math.min(SMOOTHING_WINDOW, Math.max(ev.length, 1))) },
    stepsToThreshold: stepsToThreshold(history, threshold, 'sampled'),
    stepsToThresholdGreedy: stepsToThreshold(history, threshold, 'greedy'),
    auc: behaviorAuc(history, budget, 'sampled'),
    aucGreedy: behaviorAuc(history, budget, 'greedy'),
    initial: ev[0] ?? null,
    final,
    perStep: {
      prompts: meanOf(trained.map((m) => m.prompts)),
      rollouts: meanOf(trained.map((m) => m.rollouts)),
      teacherTraces: meanOf(trained.map((m) => m.teacherTraces)),
      updateTokens: meanOf(trained.map((m) => m.updateTokens)),
    },
    msPerStep,
    rolloutTokensPerSec: tps.length ? meanOf(tps) : null,
    wallTimeSeconds: history.reduce((a, m) => a + m.ms.total, 0) / 1000,
  };
}

// --- over seeds ----------------------------------------------------------------------------------

export interface Estimate {
  mean: number | null;
  std: number | null; // sample standard deviation (n − 1); 0 for one value
  /** 95% percentile-bootstrap interval of the mean (null for fewer than 2 values). */
  ci95: [number, number] | null;
  n: number;
}

export const BOOTSTRAP_RESAMPLES = 2000;

export function estimate(xs: (number | null | undefined)[]): Estimate {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return { mean: null, std: null, ci95: null, n: 0 };
  const mean = meanOf(v);
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, ci95: v.length > 1 ? bootstrapCi(v) : null, n: v.length };
}

/** Percentile bootstrap of the mean, seeded so the same runs always print the same interval. */
export function bootstrapCi(v: number[], resamples = BOOTSTRAP_RESAMPLES, level = 0.95): [number, number] {
  const rng = createRng(0x5eed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[rng.int(v.length)];
    means[r] = s / v.length;
  }
  means.sort();
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  return [at((1 - level) / 2), at(1 - (1 - level) / 2)];
}

/** Steps to threshold over seeds: a censored sample (a miss is "not within the budget"). */
export interface CensoredSteps {
  /** Median over seeds with a miss counted as +∞; null when the median is a miss ("> budget"). */
  median: number | null;
  reached: number;
  n: number;
  budget: number;
}

export function censoredMedian(hits: (number | null)[], budget: number): CensoredSteps {
  const sorted = hits.map((h) => (h === null ? Infinity : h)).sort((a, b) => a - b);
  const n = sorted.length;
  const mid = n === 0 ? Infinity : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median: Number.isFinite(mid) ? mid : null, reached: hits.filter((h) => h !== null).length, n, budget };
}

export interface MethodSummary {
  runs: number;
  stepsToThreshold: CensoredSteps;
  auc: Estimate;
  finalAccuracy: { greedy: Estimate; sampled: Estimate };
  finalBehavior: { greedy: Estimate; sampled: Estimate };
  /** Fraction of final sampled responses that are correct and behavior-positive (what the reward pays). */
  finalRewarded: Estimate;
  perStep: StepBudget;
  wallTimeSeconds: Estimate;
  msPerStep: Estimate;
}

/** Pools complete runs of one method as seeds; refuses runs that are not comparable. */
export function summarizeMethod(runs: RunSummary[]): MethodSummary {
  if (runs.length === 0) throw new Error('summarizeMethod needs at least one run');
  const budget = runs[0].budget;
  const bad = runs.find((r) => !r.complete || r.budget !== budget);
  if (bad) throw new Error(`only complete runs of the same budget are pooled (a run has ${bad.steps}/${bad.budget} steps${bad.halted ? `, halted: ${bad.halted}` : ''})`);
  const f = (pick: (r: RunSummary) => number | null | undefined) => estimate(runs.map(pick));
  const fin = (mode: EvalMode, k: keyof EvalScores) => f((r) => r.final?.[mode][k]);
  return {
    runs: runs.length,
    stepsToThreshold: censoredMedian(runs.map((r) => r.stepsToThreshold), budget),
    auc: f((r) => r.auc),
    finalAccuracy: { greedy: fin('greedy', 'accuracy'), sampled: fin('sampled', 'accuracy') },
    finalBehavior: { greedy: fin('greedy', 'behavior'), sampled: fin('sampled', 'behavior') },
    finalRewarded: fin('sampled', 'rewarded'),
    // Response lengths (so updateTokens) differ between seeds: the mean over the pooled runs, not run 0's.
    perStep: {
      prompts: meanOf(runs.map((r) => r.perStep.prompts)),
      rollouts: meanOf(runs.map((r) => r.perStep.rollouts)),
      teacherTraces: meanOf(runs.map((r) => r.perStep.teacherTraces)),
      updateTokens: meanOf(runs.map((r) => r.perStep.updateTokens)),
    },
    wallTimeSeconds: f((r) => r.wallTimeSeconds),
    msPerStep: f((r) => r.msPerStep.total),
  };
}

/**
 * Runs are pooled as seeds of one another only when everything but the seed is the same: behavior,
 * method, budget and every other setting. (Names and save cadence do not change what is trained.)
 */
export function comparableKey(behavior: string, config: RlConfig): string {
  const { seed: _seed, saveEvery: _save, keepSamples: _keep, ...rest } = config;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${behavior}|${JSON.stringify(sorted)}`;
}

// --- text ----------------------------------------------------------------------------------------

export const formatEstimate = (e: Estimate, digits = 2) => (e.mean === null ? '—' : `${e.mean.toFixed(digits)} ± ${(e.std ?? 0).toFixed(digits)}`);
export const formatInterval = (e: Estimate, digits = 2) => (e.ci95 ? `[${e.ci95[0].toFixed(digits)}, ${e.ci95[1].toFixed(digits)}]` : '');
export const formatSteps = (s: CensoredSteps) => `${s.median === null ? `> ${s.budget}` : s.median.toFixed(s.median % 1 ? 1 : 0)} (${s.reached}/${s.n})`;

/** A plain-text table (stderr and the README). */
export function formatComparison(methods: Record<string, MethodSummary>, o: { threshold: number }): string {
  const rows = [
    ['method', `steps to ≥${o.threshold} (median, reached)`, 'behavior AUC', '95% CI', 'final acc (greedy)', '95% CI', 'final behavior (sampled)', 'rewarded', 'prompts/rollouts/teacher/tokens per step', 's/run'],
    ...Object.entries(methods).map(([name, s]) => [
      name,
      formatSteps(s.stepsToThreshold),
      formatEstimate(s.auc),
      formatInterval(s.auc),
      formatEstimate(s.finalAccuracy.greedy),
      formatInterval(s.finalAccuracy.greedy),
      formatEstimate(s.finalBehavior.sampled),
      formatEstimate(s.finalRewarded),
      `${s.perStep.prompts}/${s.perStep.rollouts}/${s.perStep.teacherTraces}/${Math.round(s.perStep.updateTokens)}`,
      formatEstimate(s.wallTimeSeconds, 0),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((x, c) => x.padEnd(widths[c])).join('  ')).join('\n');
}
