// The Compare view's grouping (src/ui/lib/compare.ts): only finished runs with the whole budget, of one
// config (everything but the seed), one run per seed, are pooled — and their numbers are summary.ts's.
import { describe, expect, test } from 'vitest';
import type { StepMetrics } from '../../src/rl/loop';
import { defaultRlConfig, validateRlConfig, type RlConfig } from '../../src/rl/config';
import { summarizeMethod, summarizeRun } from '../../src/rl/summary';
import { configDiff, groupRuns, stepsText } from '../../src/ui/lib/compare';
import { freeColorIndex, runLegend, uniqueRunName, type RunStatus, type RunView } from '../../src/ui/lib/runs';
import { expandGrid, parseAccuracies, planGrid, teacherCells, type GridRun } from '../../src/ui/lib/teacherGrid';

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

describe('Compare teacher grid (src/ui/lib/teacherGrid.ts)', () => {
  const ALL = ['vspo', 'grpo', 'distill', 'guide'] as const;
  const key = (r: GridRun) => `${r.method}|${r.teacherAccuracy ?? '-'}|${r.teacherStyle ?? '-'}|${r.seed}`;

  test('accuracies parse as a comma list; junk, blanks and repeats are one line each', () => {
    expect(parseAccuracies(' 1, 0.9,0.7 ')).toEqual({ values: [1, 0.9, 0.7] });
    expect(parseAccuracies('1,,0.7')).toEqual({ error: 'teacher accuracies: “” is not a number (a comma list such as 1, 0.9, 0.7)' });
    expect(parseAccuracies('0.9, high')).toEqual({ error: 'teacher accuracies: “high” is not a number (a comma list such as 1, 0.9, 0.7)' });
    expect(parseAccuracies('  ')).toEqual({ error: 'teacher accuracies: give at least one, e.g. 1, 0.9, 0.7' });
    expect(parseAccuracies('0.7,0.70')).toEqual({ error: 'teacher accuracies: 0.7 is listed twice' });
  });

  test('3 accuracies × 2 styles: distill and guide run every cell, vspo and grpo once, per seed, seed by seed', () => {
    const cells = teacherCells([1, 0.9, 0.7], ['foreign', 'own']);
    // Styles in the one order (own first), whatever order they were ticked in.
    expect(cells.slice(0, 2)).toEqual([
      { teacherAccuracy: 1, teacherStyle: 'own' },
      { teacherAccuracy: 1, teacherStyle: 'foreign' },
    ]);
    const runs = expandGrid(ALL, 3, cells);
    expect(runs).toHaveLength(3 * (1 + 1 + 6 + 6));
    expect(new Set(runs.map(key)).size).toBe(runs.length);
    for (const m of ['vspo', 'grpo'] as const) {
      const mine = runs.filter((r) => r.method === m);
      expect(mine.map((r) => r.seed)).toEqual([0, 1, 2]);
      expect(mine.every((r) => !('teacherAccuracy' in r) && !('teacherStyle' in r))).toBe(true);
    }
    for (const m of ['distill', 'guide'] as const) {
      const mine = runs.filter((r) => r.method === m);
      expect(mine).toHaveLength(18);
      for (const a of [1, 0.9, 0.7]) for (const st of ['own', 'foreign']) expect(mine.filter((r) => r.teacherAccuracy === a && r.teacherStyle === st).map((r) => r.seed)).toEqual([0, 1, 2]);
    }
    // Seed by seed, as the CLI: every run of seed 0 before any of seed 1.
    expect(runs.map((r) => r.seed)).toEqual([...runs.map((r) => r.seed)].sort());
    expect(runs.slice(0, 4).map((r) => r.method)).toEqual(['vspo', 'grpo', 'distill', 'distill']);
  });

  test('the plan validates every run with the trainer form’s settings; the error names the run', () => {
    const ok = planGrid({ methods: ['grpo', 'distill'], seeds: 2, accuracies: '1, 0.5', styles: ['own'] }, { steps: 4 });
    expect(ok.error).toBeUndefined();
    expect(ok.runs!.map(key)).toEqual(['grpo|-|-|0', 'distill|1|own|0', 'distill|0.5|own|0', 'grpo|-|-|1', 'distill|1|own|1', 'distill|0.5|own|1']);
    // Out of range is the validator's word (src/rl/config.ts), not a second rule here.
    expect(planGrid({ methods: ['guide'], seeds: 1, accuracies: '1, 1.5', styles: ['foreign'] }, {}).error).toBe(
      'GUIDE · teacher 1.5 foreign: teacherAccuracy must be 0 ≤ a ≤ 1 (1 = always right) (got 1.5)',
    );
    expect(planGrid({ methods: ['distill'], seeds: 1, accuracies: '1', styles: [] }, {}).error).toBe('teacher style: pick own, foreign or both');
    // A bad form setting refuses the grid before anything runs.
    expect(planGrid({ methods: ['vspo'], seeds: 1, accuracies: '1', styles: ['own'] }, { steps: 0 }).error).toMatch(/^VSPO: steps must be/);
    // Without a teacher method the teacher fields are not read at all.
    expect(planGrid({ methods: ['vspo', 'grpo'], seeds: 3, accuracies: 'junk', styles: [] }, {})).toMatchObject({ cells: [], runs: { length: 6 } });
    expect(planGrid({ methods: [], seeds: 3, accuracies: '1', styles: ['own'] }, {}).error).toBe('pick at least one method');
  });

  test('the grid’s runs pool by teacher cell and every teacher group’s label names its teacher', () => {
    const plan = planGrid({ methods: ['vspo', 'distill'], seeds: 2, accuracies: '1, 0.7', styles: ['own', 'foreign'] }, { steps: 6, evalEvery: 1 });
    const views = plan.runs!.map((r, i) => {
      const config = validateRlConfig({ steps: 6, evalEvery: 1, ...r }).config!;
      return run({ seed: r.seed, method: r.method, config, slope: 0.05 + 0.01 * (i % 5) });
    });
    const g = groupRuns(views);
    expect(g.apart).toEqual([]);
    expect(g.pooled.map((p) => [p.label, p.runs.map((r) => r.seed)])).toEqual([
      ['VSPO', [0, 1]],
      ['DISTILL · teacher 1 own', [0, 1]],
      ['DISTILL · teacher 1 foreign', [0, 1]],
      ['DISTILL · teacher 0.7 own', [0, 1]],
      ['DISTILL · teacher 0.7 foreign', [0, 1]],
    ]);
    expect(g.pooled[4].teacher).toEqual({ accuracy: 0.7, style: 'foreign', noise: 0 });
    expect(g.pooled[0].teacher).toBeNull();
    // Legends of single runs say the teacher too; a run without one says nothing of it.
    const foreign = views.find((v) => v.config.teacherStyle === 'foreign' && v.config.teacherAccuracy === 0.7)!;
    expect(runLegend({ ...foreign, name: 'DISTILL seed 0 (4)' })).toBe('DISTILL seed 0 (4) · teacher 0.7 foreign');
    expect(runLegend({ ...views[0], name: 'VSPO seed 0' })).toBe('VSPO seed 0');
    // A teacher with noise says so; a lone seed of a grid cell is listed apart with its teacher as the difference.
    const noisy = run({ method: 'distill', config: { ...foreign.config, teacherNoise: 0.1 } });
    expect(runLegend({ ...noisy, name: 'x' })).toBe('x [DISTILL] · teacher 0.7 foreign noise 0.1');
    expect(groupRuns([...views, noisy]).apart.map((a) => a.reason)).toEqual(['different config: teacherNoise 0.1']);
  });
});
