import { describe, expect, test } from 'vitest';
import type { StepMetrics } from '../../src/rl/loop';
import { behaviorAuc, formatComparison, meanStd, stepsToThreshold, summarizeMethod, summarizeRun } from '../../src/rl/summary';

function step(step: number, sampled?: number, greedy = sampled, extra: Partial<StepMetrics> = {}): StepMetrics {
  return {
    step, method: 'vspo', rewardMean: null, rewardStd: null, accuracy: null, behavior: null, behaviorReward: null, behaviorRate: null, perIntensity: [],
    zeroSpreadFraction: null, loss: null, kl: null, clipFraction: null, entropy: null, gradNorm: null, lr: null, intensityScale: null, responseLength: null,
    rolloutTokens: 100, rolloutTokensPerSec: step > 0 ? 1000 : null, ms: { rollout: 10, score: 1, reference: 2, update: 5, eval: 0, total: 20 },
    ...(sampled !== undefined ? { eval: { step, alpha: 0, greedy: { accuracy: 0.5, behavior: greedy! }, sampled: { accuracy: 0.4, behavior: sampled }, samples: 8, ms: 1 } } : {}),
    ...extra,
  };
}

describe('run summary', () => {
  const h = [step(0, 0), step(1), step(2, 0.4, 0.6), step(3), step(4, 0.8, 1)];
  test('steps to threshold on the unsteered evaluations', () => {
    expect(stepsToThreshold(h, 0.5)).toBe(4);
    expect(stepsToThreshold(h, 0.5, 'greedy')).toBe(2);
    expect(stepsToThreshold(h, 0.9)).toBeNull();
  });
  test('area under the behavior curve, as a mean over the steps it spans', () => {
    // trapezoids: (0 + 0.4)/2·2 + (0.4 + 0.8)/2·2 = 0.4 + 1.2 = 1.6 over 4 steps
    expect(behaviorAuc(h)).toBeCloseTo(0.4, 12);
    expect(behaviorAuc([step(0, 0.3)])).toBe(0.3);
    expect(behaviorAuc([step(1)])).toBeNull();
  });
  test('summarizeRun', () => {
    const s = summarizeRun(h);
    expect(s.steps).toBe(4);
    expect(s.initial?.step).toBe(0);
    expect(s.final?.step).toBe(4);
    expect(s.msPerStep.total).toBe(20);
    expect(s.rolloutTokensPerSec).toBe(1000);
    expect(s.halted).toBeNull();
    const halted = summarizeRun([...h, step(5, undefined, undefined, { halted: 'non-finite loss' })]);
    expect(halted.halted).toBe('non-finite loss');
    expect(halted.steps).toBe(4);
  });
  test('mean ± std over seeds (sample std) and the method table', () => {
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1, n: 3 });
    expect(meanStd([5])).toEqual({ mean: 5, std: 0, n: 1 });
    expect(meanStd([null, NaN])).toEqual({ mean: null, std: null, n: 0 });
    const runs = [summarizeRun(h), summarizeRun([step(0, 0), step(4, 0.2)])];
    const m = summarizeMethod(runs, 4);
    expect(m.stepsToThreshold.reached).toBe(1);
    expect(m.stepsToThreshold.mean).toBe(4); // the run that never reached counts as the budget
    expect(m.finalBehavior.sampled.mean).toBeCloseTo(0.5, 12);
    const text = formatComparison({ vspo: m }, { threshold: 0.5, budget: 4 });
    expect(text).toMatch(/vspo\s+4\.0 ± 0\.0\s+1\/2/);
  });
});
