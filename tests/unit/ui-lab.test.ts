// The lab's pure UI logic (issue 13): the README's dose rule and the grid it suggests, the Pretrain form
// (every problem named by its field, the parameter count and memory), the progress stream folded into
// chart rows, the Vector lab's rows with their intervals, the internalization and alignment rows of the
// Train view, and the view digits (6 Pretrain, 7 Vectors) with 1–5 unchanged.
import { describe, expect, it } from 'vitest';
import { rateSE, suggestDose, suggestGrid, type DosePoint } from '../../src/ui/lib/dose';
import { addProgress, CORPUS_RATES, formatCount, modelMemory, parsePretrain, PRETRAIN_DEFAULTS, pretrainRows, MAX_LOSS_POINTS, type PretrainDraft } from '../../src/ui/lib/pretrain';
import { effectiveLayer, labRows, parseAlphas, type VectorCurves } from '../../src/ui/lib/vectorLab';
import { errorDeltas } from '../../src/ui/lib/stats';
import { alignmentRows, evalMetricRows, INTERNALIZATION, latestAlignment, type RunView } from '../../src/ui/lib/runs';
import { shortcutFor, VIEW_DIGITS } from '../../src/ui/lib/keys';
import { VIEWS } from '../../src/ui/stores/experiment';
import { GLOSSARY } from '../../src/ui/lib/glossary';
import { paramCount } from '../../src/model/config';
import type { PretrainProgress } from '../../src/worker/api';
import type { StepMetrics } from '../../src/rl/loop';
import type { SweepPointCI } from '../../src/worker/api';

const pt = (alpha: number, behavior: number, counted = 512): DosePoint => ({ alpha, behavior, counted });

describe('the dose rule: the smallest α within two standard errors of the best', () => {
  it('reproduces the README: confidence gets 4 with two SEs and 5 with one (0.484 vs 0.461 at n = 512)', () => {
    const sweep = [pt(0, 0.02), pt(1, 0.08), pt(2, 0.21), pt(3, 0.38), pt(4, 0.461), pt(5, 0.484), pt(6, 0.47)];
    const s = suggestDose(sweep)!;
    expect(s.best.alpha).toBe(5);
    // Independent arithmetic: SE = √(0.484 · 0.516 / 512) ≈ 0.02209; 2 SE band from 0.484 down to ≈ 0.4398.
    expect(s.best.se).toBeCloseTo(Math.sqrt((0.484 * 0.516) / 512), 12);
    expect(s.threshold).toBeCloseTo(0.484 - 2 * 0.022085, 4);
    expect(s.alpha).toBe(4);
    expect(s.noEffect).toBe(false);
    // With one SE (0.484 − 0.0221 = 0.4619 > 0.461) the rule would pick 5: the band is what decides.
    expect(0.461).toBeLessThan(0.484 - rateSE(0.484, 512));
  });

  it('picks the best itself when nothing below it is close, ignores negative α, and says when nothing beats α = 0', () => {
    expect(suggestDose([pt(0, 0.02), pt(1, 0.05), pt(2, 0.6), pt(3, 0.3)])!.alpha).toBe(2);
    // A negative α with a higher rate is not a dose (a dose is a positive intensity).
    expect(suggestDose([pt(-2, 0.9), pt(0, 0.02), pt(2, 0.3)])!.alpha).toBe(2);
    const flat = suggestDose([pt(0, 0.05, 64), pt(1, 0.06, 64), pt(2, 0.07, 64)])!;
    expect(flat.alpha).toBe(0);
    expect(flat.noEffect).toBe(true);
    // Unsorted input, points without counted responses skipped; nothing usable → null.
    expect(suggestDose([pt(3, 0.5), pt(1, 0.49), pt(2, 0.9, 0)])!.alpha).toBe(1);
    expect(suggestDose([pt(-1, 0.5), pt(2, 0.4, 0)])).toBeNull();
    expect(suggestDose([])).toBeNull();
  });

  it('a grid of 0 and the swept α up to the dose, sized 2 or 4 (divides G = 8): the shipped verbosity grid from its sweep', () => {
    expect(suggestGrid([0, 1, 2, 3, 4, 6], 3)).toEqual([0, 1, 2, 3]);
    expect(suggestGrid([-2, 0, 1, 2, 4, 6, 8], 6)).toEqual([0, 2, 4, 6]); // the largest below the dose are kept
    expect(suggestGrid([0, 1, 2, 4], 2)).toEqual([0, 2]); // 0, 1, 2 would not divide G
    expect(suggestGrid([0, 4], 4)).toEqual([0, 4]);
    expect(suggestGrid([0, 1], 0)).toEqual([0]);
    for (const g of [suggestGrid([0, 0.5, 1, 1.5, 2, 3], 3), suggestGrid([0, 2, 5], 5)]) expect(8 % g.length).toBe(0);
  });
});

const draft = (patch: Partial<PretrainDraft> = {}): PretrainDraft => ({ ...PRETRAIN_DEFAULTS, ...patch });

describe('the Pretrain form', () => {
  it('the defaults are the shipped recipe and parse to the worker request; the model is the shipped 153k one', () => {
    const p = parsePretrain('verbosity', draft());
    expect(p.errors).toEqual({});
    expect(p.request).toEqual({ behavior: 'verbosity', dModel: 64, nLayers: 3, nHeads: 4, seed: 1, steps: 1500, batch: 64, lr: 0.002, evalEvery: 100 });
    // The behavior's task fixes the vocabulary and the context (verbosity: 24 symbols, prompt 6 + response 16).
    expect(p.config).toEqual({ vocabSize: 24, contextLength: 22, dModel: 64, nLayers: 3, nHeads: 4 });
    // Parameters by hand: wte 24·64 + wpe 22·64 + 3 blocks · (12·64² + 13·64) + ln_f 2·64.
    const byHand = 24 * 64 + 22 * 64 + 3 * (12 * 64 * 64 + 13 * 64) + 2 * 64;
    expect(paramCount(p.config!)).toBe(byHand);
    const m = modelMemory(p.config!);
    expect(m.weightsBytes).toBe(byHand * 4);
    expect(m.trainingBytes).toBe(byHand * 16);
    expect(formatCount(byHand)).toBe('153k');
    expect(formatCount(1_234_567)).toBe('1.23M');
  });

  it('names every bad field; heads must divide d; the corpus rate takes a probability or a percentage', () => {
    const p = parsePretrain('expertise', draft({ steps: '0', batch: 'x', lr: '-1', seed: '1.5', nHeads: '5' }));
    expect(p.request).toBeUndefined();
    expect(Object.keys(p.errors).sort()).toEqual(['batch', 'lr', 'nHeads', 'seed', 'steps']);
    expect(p.errors.nHeads).toMatch(/divisible/);
    expect(parsePretrain('robustness', draft({ corpusRate: '2%' })).request!.corpusRate).toBeCloseTo(0.02, 12);
    expect(parsePretrain('robustness', draft({ corpusRate: '0.01' })).request!.corpusRate).toBe(0.01);
    expect(parsePretrain('robustness', draft({ corpusRate: '' })).request!.corpusRate).toBeUndefined();
    expect(parsePretrain('robustness', draft({ corpusRate: '150%' })).errors.corpusRate).toMatch(/probability/);
    expect(CORPUS_RATES).toEqual({ verbosity: 0.03, confidence: 0.03, expertise: 0.03, robustness: 0.005 });
    // Too big: refused with the memory it would need, and the size is still shown.
    const huge = parsePretrain('verbosity', draft({ dModel: '4096', nLayers: '48', nHeads: '64' }));
    expect(huge.errors.dModel).toMatch(/too large|would need/);
    expect(huge.config).toBeDefined();
  });

  it('progress folds into one point per step; evaluation reports complete it; the charts get loss every step and evaluations apart', () => {
    const base = { steps: 4, tokensPerSec: 100, elapsedMs: 10, etaMs: 10 };
    const ev = (acc: number, beh: number) => ({ split: 'validation' as const, alpha: 0, greedy: { n: 8, accuracy: acc, behavior: 0, counted: 8, rewarded: 0 }, sampled: { n: 8, accuracy: 0.4, behavior: beh, counted: 8, rewarded: 0 }, samples: 8 });
    const reports: PretrainProgress[] = [
      { ...base, step: 1, loss: 3.1 },
      { ...base, step: 2, loss: 2.8 },
      { ...base, step: 2, loss: 2.8, valLoss: 2.9, eval: ev(0.1, 0.02) },
      { ...base, step: 1, loss: 9 }, // out of order: dropped
      { ...base, step: 3, loss: 2.5 },
      { ...base, step: 4, loss: 2.4 },
      { ...base, step: 4, loss: 2.4, valLoss: 2.6, eval: ev(0.3, 0.04) },
    ];
    let h: ReturnType<typeof addProgress> = [];
    for (const r of reports) h = addProgress(h, r);
    expect(h.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(h[1]).toEqual({ step: 2, loss: 2.8, valLoss: 2.9, greedyAccuracy: 0.1, sampledBehavior: 0.02 });
    const rows = pretrainRows(h);
    expect(rows.loss).toEqual([
      { x: 1, train: 3.1, val: null },
      { x: 2, train: 2.8, val: 2.9 },
      { x: 3, train: 2.5, val: null },
      { x: 4, train: 2.4, val: 2.6 },
    ]);
    expect(rows.evals).toEqual([
      { x: 2, accuracy: 0.1, behavior: 0.02 },
      { x: 4, accuracy: 0.3, behavior: 0.04 },
    ]);
    // A long run is thinned, but every evaluation point and the last step stay.
    const long = Array.from({ length: 3000 }, (_, i) => ({ step: i + 1, loss: 1, ...(i % 500 === 499 ? { valLoss: 0.9 } : {}) }));
    const thin = pretrainRows(long).loss;
    expect(thin.length).toBeLessThanOrEqual(MAX_LOSS_POINTS + 10);
    expect(thin.filter((r) => r.val !== null).map((r) => r.x)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
    expect(thin[thin.length - 1].x).toBe(3000);
  });
});

const sp = (alpha: number, behavior: number, ci: [number, number], accuracy = 0.5): SweepPointCI => ({ alpha, behavior, accuracy, n: 64, counted: 64, rewarded: 0, split: 'validation', samples: [], behaviorCI: ci });

describe('the Vector lab', () => {
  it('both vectors on one α axis with their intervals; the error bars are the distances to the interval ends', () => {
    const curves: VectorCurves = {
      candidate: [sp(0, 0.02, [0.005, 0.1]), sp(2, 0.4, [0.3, 0.5], 0.6)],
      random: [sp(0, 0.02, [0.005, 0.1]), sp(2, 0.03, [0.01, 0.11])],
      alphas: [0, 2],
      samples: 64,
      seed: 7,
      randomSeed: 0,
    };
    const rows = labRows(curves);
    expect(rows).toEqual([
      { x: 0, cand_beh: 0.02, cand_ci: [0.005, 0.1], cand_acc: 0.5, rand_beh: 0.02, rand_ci: [0.005, 0.1], rand_acc: 0.5 },
      { x: 2, cand_beh: 0.4, cand_ci: [0.3, 0.5], cand_acc: 0.6, rand_beh: 0.03, rand_ci: [0.01, 0.11], rand_acc: 0.5 },
    ]);
    const d = errorDeltas('cand_beh', 'cand_ci')(rows[1]);
    expect(d[0]).toBeCloseTo(0.1, 12);
    expect(d[1]).toBeCloseTo(0.1, 12);
    expect(errorDeltas('x', 'missing')(rows[1])).toEqual([0, 0]);
  });

  it('intensities parse to a sorted list of 1–32 numbers; the layer falls back to the loaded vector’s, then the middle block', () => {
    expect(parseAlphas('3, 0,1,2,2')).toEqual([0, 1, 2, 3]);
    expect(parseAlphas('')).toBeNull();
    expect(parseAlphas('a,b')).toBeNull();
    expect(parseAlphas(Array.from({ length: 33 }, (_, i) => i).join(','))).toBeNull();
    expect(effectiveLayer(2, 3, 1)).toBe(2);
    expect(effectiveLayer(null, 3, 1)).toBe(1);
    expect(effectiveLayer(null, 3, undefined)).toBe(1);
    expect(effectiveLayer(5, 2, 7)).toBe(0);
  });
});

function m(step: number, ev?: Partial<NonNullable<StepMetrics['eval']>>): StepMetrics {
  const scores = { n: 8, accuracy: 0.5, behavior: 0.1, counted: 8, rewarded: 0.05 };
  return {
    step, method: 'vspo', rewardMean: null, rewardStd: null, accuracy: null, behavior: null, behaviorReward: null, behaviorRate: null, perIntensity: [], zeroSpreadFraction: null, loss: null,
    kl: null, clipFraction: null, entropy: null, gradNorm: null, lr: null, intensityScale: null, responseLength: null, prompts: 0, rollouts: 0, teacherTraces: 0, updateTokens: 0, rolloutTokens: 0,
    rolloutTokensPerSec: null, ms: { rollout: 0, score: 0, reference: 0, update: 0, eval: 0, total: 0 },
    ...(ev ? { eval: { step, alpha: 0, split: 'test', greedy: scores, sampled: scores, samples: 8, ms: 1, ...ev } } : {}),
  };
}
const runOf = (id: string, method: string, history: StepMetrics[], colorIndex = 0): RunView => ({ id, name: `${method.toUpperCase()} seed 0`, behavior: 'verbosity', method, seed: 0, config: {}, status: 'finished', startedAt: 0, history, colorIndex });

describe('internalization and alignment in the Train view', () => {
  it('a line per run for the projection and the log-odds (VSPO and GRPO alike); evaluations without a measurement leave gaps', () => {
    const vspo = runOf('a', 'vspo', [m(0, { internalization: { projection: 0.5, logOdds: -3, n: 8 } }), m(1), m(2, { internalization: { projection: 0.9, logOdds: -2, n: 8 } })]);
    const grpo = runOf('b', 'grpo', [m(0, { internalization: { projection: 0.5, logOdds: -3, n: 8 } }), m(2, { internalization: { projection: 0.6, logOdds: -2.8, n: 0 } })], 1);
    const none = runOf('c', 'grpo', [m(0, {}), m(2, {})], 2);
    const p = evalMetricRows([vspo, grpo, none], INTERNALIZATION.projection, (r) => `c${r.colorIndex}`);
    expect(p.series.map((s) => s.name)).toEqual(['VSPO seed 0', 'GRPO seed 0']);
    expect(p.rows).toEqual([
      { x: 0, r0: 0.5, r1: 0.5 },
      { x: 2, r0: 0.9 }, // n = 0: nothing measured (no greedy response reached the decision)
    ]);
    expect(p.points).toBe(3);
    const lo = evalMetricRows([vspo], INTERNALIZATION.logOdds, () => 'x');
    expect(lo.rows.map((r) => r.r0)).toEqual([-3, -2]);
  });

  it('alignment per α over the evaluations; the latest one is found; a null ratio is left out', () => {
    const run = runOf('a', 'vspo', [
      m(0, { alignment: [{ alpha: 0, ratio: 1, tv: 0.9 }, { alpha: 4, ratio: 8, tv: 0.6 }] }),
      m(1),
      m(2, { alignment: [{ alpha: 0, ratio: null, tv: 0.8 }, { alpha: 4, ratio: 3, tv: 0.4 }] }),
    ]);
    const r = alignmentRows(run, 'ratio', ['p0', 'p1']);
    expect(r.series).toEqual([
      { key: 'a0', name: 'α = 0', color: 'p0' },
      { key: 'a4', name: 'α = 4', color: 'p1' },
    ]);
    expect(r.rows).toEqual([
      { x: 0, a0: 1, a4: 8 },
      { x: 2, a4: 3 },
    ]);
    expect(alignmentRows(run, 'tv', ['p']).rows).toEqual([
      { x: 0, a0: 0.9, a4: 0.6 },
      { x: 2, a0: 0.8, a4: 0.4 },
    ]);
    expect(latestAlignment(run)!.step).toBe(2);
    expect(latestAlignment(runOf('b', 'grpo', [m(0, {})]))).toBeNull();
    expect(alignmentRows(undefined, 'tv', ['p']).points).toBe(0);
  });
});

describe('views, digits and the glossary', () => {
  it('1–5 keep their views; 6 is Pretrain and 7 Vectors; 8 does nothing', () => {
    expect(VIEWS.slice(0, 5)).toEqual(['steer', 'train', 'compare', 'checkpoints', 'bandit']);
    expect(VIEWS.length).toBe(VIEW_DIGITS);
    expect(VIEWS[5]).toBe('pretrain');
    expect(VIEWS[6]).toBe('vectors');
    expect(shortcutFor('1', 'other', VIEWS.length)).toEqual({ type: 'view', index: 0 });
    expect(shortcutFor('5', 'other', VIEWS.length)).toEqual({ type: 'view', index: 4 });
    expect(shortcutFor('6', 'other', VIEWS.length)).toEqual({ type: 'view', index: 5 });
    expect(shortcutFor('7', 'slider', VIEWS.length)).toEqual({ type: 'view', index: 6 });
    expect(shortcutFor('8', 'other', VIEWS.length)).toBeNull();
    expect(shortcutFor('6', 'text', VIEWS.length)).toBeNull();
  });

  it('the glossary defines α, λ, β, KL (k3), clip fraction and AUC', () => {
    for (const k of ['alpha', 'lambda', 'beta', 'kl', 'clip', 'auc'] as const) expect(GLOSSARY[k].length).toBeGreaterThan(40);
    expect(GLOSSARY.kl).toMatch(/exp\(ref − logp\) − \(ref − logp\) − 1/);
  });
});
