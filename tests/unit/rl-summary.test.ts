// The one summary (src/rl/summary.ts), checked against values worked out by hand.
import { describe, expect, test } from 'vitest';
import type { StepMetrics } from '../../src/rl/loop';
import { defaultRlConfig } from '../../src/rl/config';
import {
  behaviorAuc,
  bootstrapCi,
  censoredMedian,
  comparableKey,
  estimate,
  formatComparison,
  formatSteps,
  smoothedBehavior,
  stepsToThreshold,
  summarizeMethod,
  summarizeRun,
} from '../../src/rl/summary';

const scores = (behavior: number, accuracy = 0.5, n = 100) => ({ n, accuracy, behavior, counted: n, rewarded: behavior * accuracy });

function step(step: number, sampled?: number, greedy = sampled, extra: Partial<StepMetrics> = {}): StepMetrics {
  return {
    step, method: 'vspo', rewardMean: null, rewardStd: null, accuracy: null, behavior: null, behaviorReward: null, behaviorRate: null, perIntensity: [],
    zeroSpreadFraction: null, loss: null, kl: null, clipFraction: null, entropy: null, gradNorm: null, lr: null, intensityScale: null, responseLength: null,
    prompts: step > 0 ? 8 : 0, rollouts: step > 0 ? 64 : 0, teacherTraces: 0, updateTokens: step > 0 ? 300 : 0,
    rolloutTokens: 100, rolloutTokensPerSec: step > 0 ? 1000 : null, ms: { rollout: 10, score: 1, reference: 2, update: 5, eval: 0, total: 20 },
    ...(sampled !== undefined ? { eval: { step, alpha: 0, split: 'test', greedy: scores(greedy!), sampled: scores(sampled), samples: 100, ms: 1 } } : {}),
    ...extra,
  };
}

/** A run of `budget` steps with evaluations every 2 steps at the given sampled behaviors. */
const run = (behaviors: number[]) => behaviors.flatMap((b, i) => (i === 0 ? [step(0, b)] : [step(2 * i - 1), step(2 * i, b)]));

describe('one run', () => {
  test('the threshold is crossed on the centred 3-point mean, not on one noisy evaluation', () => {
    // evaluations 0, 0.6 (a spike), 0.1, 0.5, 0.7, 0.8 at steps 0, 2, …, 10
    const h = run([0, 0.6, 0.1, 0.5, 0.7, 0.8]);
    // smoothed: (0+.6)/2=.3, (0+.6+.1)/3≈.233, (.6+.1+.5)/3=.4, (.1+.5+.7)/3≈.433, (.5+.7+.8)/3≈.667, (.7+.8)/2=.75
    expect(smoothedBehavior(h).map((p) => +p.value.toFixed(3))).toEqual([0.3, 0.233, 0.4, 0.433, 0.667, 0.75]);
    expect(stepsToThreshold(h, 0.5)).toBe(8);
    expect(stepsToThreshold(h, 0.5, 'sampled', 1)).toBe(2); // the unsmoothed reading the spike fools
    expect(stepsToThreshold(h, 0.9)).toBeNull();
  });

  test('AUC is the area over the whole budget divided by the budget, and null for a shorter run', () => {
    const h = run([0, 0.4, 0.8]); // steps 0, 2, 4: (0+.4)/2·2 + (.4+.8)/2·2 = 1.6 → / 4
    expect(behaviorAuc(h, 4)).toBeCloseTo(0.4, 12);
    expect(behaviorAuc(h, 6)).toBeNull(); // not evaluated at the budget: never averaged over a shorter span
    expect(behaviorAuc([step(1), step(2, 0.5)], 2)).toBeNull(); // no step-0 evaluation
  });

  test('summarizeRun: complete, halted, budget per step and the threshold standard error', () => {
    const h = run([0, 0.4, 0.8]);
    const s = summarizeRun(h, 4);
    expect(s).toMatchObject({ steps: 4, budget: 4, complete: true, halted: null, evalSamples: 100 });
    expect(s.perStep).toEqual({ prompts: 8, rollouts: 64, teacherTraces: 0, updateTokens: 300 });
    expect(s.thresholdSE!.single).toBeCloseTo(0.05, 12); // √(.5·.5/100)
    expect(s.thresholdSE!.smoothed).toBeCloseTo(0.05 / Math.sqrt(3), 12);
    const halted = summarizeRun([...h.slice(0, 3), step(3, undefined, undefined, { halted: 'non-finite loss' })], 4);
    expect(halted).toMatchObject({ steps: 2, complete: false, halted: 'non-finite loss', auc: null });
    expect(summarizeRun(h.slice(0, 3), 4).complete).toBe(false); // stopped early
  });
});

describe('over seeds', () => {
  test('steps to threshold: median with misses as +∞, "> budget" when the median is a miss', () => {
    expect(censoredMedian([10, 30, 20, null, null], 60)).toEqual({ median: 30, reached: 3, n: 5, budget: 60 });
    expect(censoredMedian([10, null, null, 40, null], 60)).toEqual({ median: null, reached: 2, n: 5, budget: 60 });
    expect(censoredMedian([10, 20, 30, 40], 60).median).toBe(25);
    expect(censoredMedian([10, 20, null, null], 60).median).toBeNull(); // exactly half: the middle pair holds a miss
    expect(formatSteps(censoredMedian([10, null, null], 60))).toBe('> 60 (1/3)');
    expect(formatSteps(censoredMedian([15, 20, null], 60))).toBe('20 (2/3)');
  });

  test('mean ± sample std and a seeded 95% bootstrap interval that brackets the mean', () => {
    const e = estimate([1, 2, 3, null, NaN]);
    expect(e.mean).toBe(2);
    expect(e.std).toBe(1);
    expect(e.n).toBe(3);
    const [lo, hi] = e.ci95!;
    expect(lo).toBeGreaterThanOrEqual(1);
    expect(hi).toBeLessThanOrEqual(3);
    expect(lo).toBeLessThan(2);
    expect(hi).toBeGreaterThan(2);
    expect(bootstrapCi([1, 2, 3])).toEqual(bootstrapCi([1, 2, 3])); // reproducible
    // a wider spread gives a wider interval
    const wide = bootstrapCi([0, 2, 4]);
    expect(wide[1] - wide[0]).toBeGreaterThan(hi - lo);
    expect(estimate([5])).toEqual({ mean: 5, std: 0, ci95: null, n: 1 });
  });

  test('summarizeMethod pools only complete runs of one budget', () => {
    const a = summarizeRun(run([0, 0.4, 0.8]), 4);
    const b = summarizeRun(run([0, 0.2, 0.3]), 4);
    const m = summarizeMethod([a, b]);
    expect(m.runs).toBe(2);
    expect(m.stepsToThreshold).toEqual({ median: null, reached: 1, n: 2, budget: 4 });
    // b: ((0 + .2)/2·2 + (.2 + .3)/2·2) / 4 = 0.175; a: 0.4
    expect(m.auc.mean).toBeCloseTo((0.4 + 0.175) / 2, 12);
    expect(m.finalBehavior.sampled.mean).toBeCloseTo(0.55, 12);
    expect(m.finalRewarded.mean).toBeCloseTo(0.275, 12);
    expect(() => summarizeMethod([a, summarizeRun(run([0, 0.4]), 4)])).toThrow(/complete/);
    expect(() => summarizeMethod([a, summarizeRun(run([0, 0.4, 0.8, 0.9]), 6)])).toThrow(/same budget/);
    const text = formatComparison({ vspo: m }, { threshold: 0.5 });
    expect(text).toMatch(/vspo\s+> 4 \(1\/2\)/);
    expect(text).toMatch(/8\/64\/0\/300/);
  });

  test('summarizeMethod: the per-step cost is the mean over the pooled runs, not the first run', () => {
    // Seeds differ in response length, so in update tokens; every field of the cost is averaged alike.
    const seedRun = (updateTokens: number, teacherTraces: number) =>
      summarizeRun([step(0, 0), step(1, undefined, undefined, { updateTokens, teacherTraces }), step(2, 0.5, 0.5, { updateTokens, teacherTraces })], 2);
    const m = summarizeMethod([seedRun(100, 1), seedRun(500, 3), seedRun(600, 2)]);
    expect(m.perStep).toEqual({ prompts: 8, rollouts: 64, teacherTraces: 2, updateTokens: 400 });
    expect(formatComparison({ guide: m }, { threshold: 0.5 })).toMatch(/8\/64\/2\/400/);
  });

  test('comparableKey: everything but the seed (and save cadence) must match', () => {
    const c = { ...defaultRlConfig };
    expect(comparableKey('verbosity', { ...c, seed: 1 })).toBe(comparableKey('verbosity', { ...c, seed: 2, saveEvery: 0 }));
    expect(comparableKey('verbosity', c)).not.toBe(comparableKey('verbosity', { ...c, steps: 10 }));
    expect(comparableKey('verbosity', c)).not.toBe(comparableKey('verbosity', { ...c, lr: 1e-4 }));
    expect(comparableKey('verbosity', c)).not.toBe(comparableKey('expertise', c));
    expect(comparableKey('verbosity', c)).not.toBe(comparableKey('verbosity', { ...c, method: 'grpo' }));
  });
});
