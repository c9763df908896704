// The Compare view's grouping (src/ui/lib/compare.ts): only finished runs with the whole budget, of one
// config (everything but the seed), one run per seed, are pooled — and their numbers are summary.ts's.
import { describe, expect, test } from 'vitest';
import type { StepMetrics } from '../../src/rl/loop';
import { defaultRlConfig, type RlConfig } from '../../src/rl/config';
import { summarizeMethod, summarizeRun } from '../../src/rl/summary';
import { configDiff, groupRuns, stepsText } from '../../src/ui/lib/compare';
import { freeColorIndex, uniqueRunName, type RunStatus, type RunView } from '../../src/ui/lib/runs';

const scores = (behavior: number, accuracy = 0.5) => ({ n: 16, accuracy, behavior, counted: 16, rewarded: behavior * accuracy });

function step(step: number, behavior?: number): StepMetrics {
  return {
    step, method: 'vspo', rewardMean: null, rewardStd: null, accuracy: null, behavior: null, behaviorReward: null, behaviorRate: null, perIntensity: [],
    zeroSpreadFraction: null, loss: null, kl: null, clipFraction: null, entropy: null, gradNorm: null, lr: null, intensityScale: null, responseLength: null,
    prompts: step > 0 ? 8 : 0, rollouts: step > 0 ? 64 : 0, teacherTraces: 0, updateTokens: step > 0 ? 300 : 0,
    rolloutTokens: 100, rolloutTokensPerSec: step > 0 ? 1000 : null, ms: { rollout: 10, score: 1, reference: 2, update: 5, eval: 0, total: 20 },
    ...(behavior !== undefined ? { eval: { step, alpha: 0, split: 'test' as const, greedy: scores(behavior), sampled: scores(behavior), samples: 16, ms: 1 } } : {}),
  };
}

let clock = 0;
/** A run that took `taken` of `budget` steps, evaluated every step with behavior rising by `slope` a step. */
function run(o: { seed?: number; method?: RlConfig['method']; budget?: number; taken?: number; status?: RunStatus; slope?: number; config?: Partial<RlConfig>; halted?: string }): RunView {
  const budget = o.budget ?? 6;
  const taken = o.taken ?? budget;
  const slope = o.slope ?? 0.1;
  const config = { ...defaultRlConfig, method: o.method ?? 'vspo', steps: budget, evalEvery: 1, seed: o.seed ?? 0, ...o.config };
  const history = Array.from({ length: taken + 1 }, (_, s) => step(s, Math.min(1, s * slope)));
  if (o.halted) history.push({ ...step(taken + 1), halted: o.halted });
  const id = `run-${++clock}`;
  return { id, name: id, behavior: 'verbosity', method: config.method, seed: config.seed, config, status: o.status ?? (taken === budget ? 'finished' : 'stopped'), startedAt: clock, history };
}

describe('Compare grouping', () => {
  test('four seed-0 runs stopped at 2, 10, 15 and 15 of 60 steps are never "a mean of 4 seeds"', () => {
    const runs = [2, 10, 15, 15].map((taken) => run({ budget: 60, taken }));
    const g = groupRuns(runs);
    expect(g.pooled).toEqual([]);
    expect(g.apart.map((a) => a.reason)).toEqual(['stopped at 2/60', 'stopped at 10/60', 'stopped at 15/60', 'stopped at 15/60']);
  });

  test('finished runs of different lengths are different configs; a repeated seed counts once', () => {
    const runs = [2, 10, 15, 15].map((budget) => run({ budget }));
    const g = groupRuns(runs);
    expect(g.pooled).toEqual([]);
    const reasons = g.apart.map((a) => a.reason);
    expect(reasons.filter((r) => /^different config: steps (2|10|15)$/.test(r))).toHaveLength(3);
    expect(reasons.filter((r) => /^duplicate seed 0: same config as “run-\d+”, counted once$/.test(r))).toHaveLength(1);
  });

  test('finished seeds of one config are pooled with summary.ts numbers; running, halted and odd configs are listed apart', () => {
    const vspo = [0, 1, 2].map((seed) => run({ seed, slope: 0.1 + seed * 0.05 }));
    const grpo = [0, 1].map((seed) => run({ seed, method: 'grpo', slope: 0.05, config: { grid: [0] } }));
    // saveEvery and keepSamples do not change what is trained: still the same config.
    vspo[2].config = { ...vspo[2].config, saveEvery: 3, keepSamples: 2 };
    const live = run({ seed: 3, taken: 2, status: 'running' });
    const halted = run({ seed: 4, taken: 3, status: 'halted', halted: 'non-finite loss' });
    const lr = run({ seed: 0, config: { lr: 1e-4 } });
    const g = groupRuns([...vspo, ...grpo, live, halted, lr]);

    expect(g.pooled.map((p) => [p.label, p.runs.length])).toEqual([
      ['VSPO', 3],
      ['GRPO', 2],
    ]);
    const v = g.pooled[0];
    expect(v.summary).toEqual(summarizeMethod(vspo.map((r) => summarizeRun(r.history, 6, 0.5))));
    expect(v.summary.finalRewarded.n).toBe(3);
    expect(v.split).toBe('test');
    expect(v.evalSamples).toBe(16);
    expect(v.behavior.map((b) => b.n)).toEqual([3, 3, 3, 3, 3, 3, 3]);
    expect(stepsText(v.summary.stepsToThreshold).reached).toBe('reached 3/3');

    const why = Object.fromEntries(g.apart.map((a) => [a.run.id, a.reason]));
    expect(why[live.id]).toBe('running: step 2/6');
    expect(why[halted.id]).toBe('halted at 3/6: non-finite loss');
    expect(why[lr.id]).toBe('different config: lr 1e-4');
  });

  test('a duplicate seed inside a pooled group is left out and flagged', () => {
    const runs = [run({ seed: 0 }), run({ seed: 1 }), run({ seed: 1, slope: 0.3 })];
    const g = groupRuns(runs);
    expect(g.pooled).toHaveLength(1);
    expect(g.pooled[0].runs.map((r) => r.id)).toEqual([runs[0].id, runs[1].id]);
    expect(g.pooled[0].duplicates).toBe(1);
    expect(g.apart.map((a) => a.run.id)).toEqual([runs[2].id]);
    expect(g.apart[0].reason).toMatch(/^duplicate seed 1/);
  });

  test('a finished run without its final evaluation is not complete', () => {
    const r = run({ seed: 0 });
    r.history = r.history.map((m) => (m.step === 6 ? { ...m, eval: undefined } : m));
    expect(groupRuns([r, run({ seed: 1 })]).apart[0].reason).toBe('no evaluation at step 6 (the last is at 5)');
  });

  test('two pooled configs of one method are labelled by what differs, and the median says "> budget" on a miss', () => {
    const a = [0, 1].map((seed) => run({ seed, slope: 0.01 }));
    const b = [0, 1].map((seed) => run({ seed, config: { lambda: 2 } }));
    const g = groupRuns([...a, ...b]);
    expect(g.pooled.map((p) => p.label).sort()).toEqual(['VSPO · lambda 1', 'VSPO · lambda 2'].sort());
    expect(g.pooled.map((p) => p.variant).sort()).toEqual([0, 1]);
    const slow = g.pooled.find((p) => p.runs.includes(a[0]))!;
    expect(stepsText(slow.summary.stepsToThreshold)).toEqual({ median: '> 6', reached: 'reached 0/2' });
  });

  test('config differences, run names and colour slots', () => {
    expect(configDiff({ lr: 1e-4, seed: 1, steps: 10 }, { lr: 3e-4, seed: 2, steps: 10 })).toBe('lr 1e-4');
    expect(uniqueRunName('VSPO seed 0', ['VSPO seed 0', 'VSPO seed 0 (2)'])).toBe('VSPO seed 0 (3)');
    expect(uniqueRunName('GRPO seed 0', ['VSPO seed 0'])).toBe('GRPO seed 0');
    expect(freeColorIndex([{ colorIndex: 0 }, { colorIndex: 2 }])).toBe(1);
  });
});
