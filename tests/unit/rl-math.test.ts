import { describe, expect, test } from 'vitest';
import { groupAdvantages } from '../../src/rl/advantages';
import { defaultRlConfig, validateRlConfig, withVectorDefaults } from '../../src/rl/config';
import { assignIntensities, shrinkScale } from '../../src/rl/intensities';
import { clippedSurrogate, k3, truncatedWeights, type SurrogateInput } from '../../src/rl/loss';
import { createRng } from '../../src/util/rng';

describe('group advantages', () => {
  test('std-normalised, population std', () => {
    const r = [1, 0, 0, 1, 2, 2, 2, 2];
    const a = groupAdvantages(r, 4, { stdNormalize: true, eps: 1e-4 });
    const std = 0.5; // mean 0.5, deviations ±0.5
    expect(Array.from(a.advantages.slice(0, 4))).toEqual([0.5, -0.5, -0.5, 0.5].map((d) => Math.fround(d / (std + 1e-4))));
    expect(a.groups).toBe(2);
    expect(a.zeroSpreadGroups).toBe(1);
    expect(Array.from(a.advantages.slice(4))).toEqual([0, 0, 0, 0]);
    expect(a.means[0]).toBe(0.5);
    expect(a.stds[0]).toBe(0.5);
  });
  test('Dr. GRPO: no std division', () => {
    const a = groupAdvantages([3, 1, 2, 2], 4, { stdNormalize: false, eps: 1e-4 });
    expect(Array.from(a.advantages)).toEqual([1, -1, 0, 0]);
    expect(a.zeroSpreadGroups).toBe(0);
  });
  test('zero-spread groups are exactly 0 and counted, even at large reward values', () => {
    const a = groupAdvantages([0.1 + 0.2, 0.1 + 0.2, 7, 7, 7, 7.5], 2, { stdNormalize: true, eps: 1e-4 });
    expect(Array.from(a.advantages.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(a.zeroSpreadGroups).toBe(2);
    expect(a.advantages[4]).toBeLessThan(0);
    expect(a.advantages[5]).toBeGreaterThan(0);
  });
  test('advantages of a group sum to zero', () => {
    const rng = createRng(3);
    const r = Array.from({ length: 64 }, () => rng.next());
    const a = groupAdvantages(r, 8, { stdNormalize: true, eps: 1e-4 });
    for (let g = 0; g < 8; g++) {
      let s = 0;
      for (let i = 0; i < 8; i++) s += a.advantages[g * 8 + i];
      expect(Math.abs(s)).toBeLessThan(1e-5);
    }
  });
  test('bad input is refused', () => {
    expect(() => groupAdvantages([1, 2, 3], 2, { stdNormalize: true, eps: 1e-4 })).toThrow(/groups of 2/);
    expect(() => groupAdvantages([1, NaN], 2, { stdNormalize: true, eps: 1e-4 })).toThrow(/not finite/);
  });
});

/** One-token-per-sequence helper: S sequences, T = 1. */
function single(logp: number, old: number, A: number, o: Partial<SurrogateInput> = {}): SurrogateInput {
  return {
    S: 1,
    T: 1,
    logp: Float32Array.of(logp),
    oldLogp: Float32Array.of(old),
    mask: Uint8Array.of(1),
    advantages: [A],
    epsLow: 0.2,
    epsHigh: 0.28,
    beta: 0,
    aggregation: 'token-mean',
    ...o,
  };
}

describe('clipped surrogate', () => {
  test('value at ratios inside and outside the clip range, both signs of A', () => {
    const old = -1.0;
    const cases: { rho: number; A: number; value: number; clipped: boolean }[] = [
      { rho: 1.1, A: 2, value: 1.1 * 2, clipped: false }, // inside
      { rho: 1.5, A: 2, value: 1.28 * 2, clipped: true }, // above 1+ε_high, A > 0: clipped
      { rho: 0.5, A: 2, value: 0.5 * 2, clipped: false }, // below, A > 0: min picks the unclipped ρA
      { rho: 0.5, A: -2, value: 0.8 * -2, clipped: true }, // below 1−ε_low, A < 0: clipped
      { rho: 1.5, A: -2, value: 1.5 * -2, clipped: false }, // above, A < 0: unclipped (pessimistic)
      { rho: 0.9, A: -1, value: -0.9, clipped: false },
    ];
    for (const c of cases) {
      const out = clippedSurrogate(single(old + Math.log(c.rho), old, c.A));
      expect(out.loss).toBeCloseTo(-c.value, 5);
      expect(out.clipFraction).toBe(c.clipped ? 1 : 0);
    }
  });

  test('gradient wrt logp matches finite differences (inside/outside the clip, both signs, with KL and IS weights)', () => {
    const rng = createRng(11);
    const S = 6;
    const T = 5;
    const n = S * T;
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) mask[i] = i % T < 1 + (Math.floor(i / T) % T) ? 1 : 0; // ragged lengths
    const oldLogp = Float32Array.from({ length: n }, () => -0.3 - 2 * rng.next());
    // Ratios spread over [0.4, 1.8] so some tokens sit inside the clip range and some outside.
    const ratios = Float32Array.from({ length: n }, (_, i) => 0.4 + (1.4 * ((i * 7) % n)) / n);
    const logp = Float32Array.from({ length: n }, (_, i) => oldLogp[i] + Math.log(ratios[i]));
    const refLogp = Float32Array.from({ length: n }, (_, i) => logp[i] + 0.5 * (rng.next() - 0.5));
    const advantages = Float32Array.from({ length: S }, (_, s) => (s % 2 === 0 ? 1.3 : -0.7) * (1 + s / 10));
    const weights = Float32Array.from({ length: n }, () => 0.5 + rng.next());
    for (const aggregation of ['token-mean', 'sequence-mean'] as const) {
      for (const withExtras of [false, true]) {
        const base: SurrogateInput = {
          S, T, logp, oldLogp, mask, advantages, aggregation, epsLow: 0.2, epsHigh: 0.2,
          beta: withExtras ? 0.05 : 0,
          refLogp: withExtras ? refLogp : undefined,
          weights: withExtras ? weights : undefined,
        };
        const out = clippedSurrogate(base);
        expect(out.clipFraction).toBeGreaterThan(0);
        expect(out.clipFraction).toBeLessThan(1);
        const h = 1e-4;
        // Finite differences in float64: evaluate with a perturbed copy (skip points within h of a clip edge).
        for (let i = 0; i < n; i++) {
          if (!mask[i]) {
            expect(out.dLogp[i]).toBe(0);
            continue;
          }
          const r = Math.exp(logp[i] - oldLogp[i]);
          if (Math.abs(r - 0.8) < 1e-3 || Math.abs(r - 1.2) < 1e-3) continue;
          const f = (d: number) => {
            const lp = new Float64Array(logp);
            lp[i] += d;
            return clippedSurrogate({ ...base, logp: lp as unknown as Float32Array }).loss;
          };
          const fd = (f(h) - f(-h)) / (2 * h);
          expect(out.dLogp[i]).toBeCloseTo(fd, 4);
        }
      }
    }
  });

  test('ratio 1 (first epoch, μ = 1): loss = −mean A, gradient = −A/N', () => {
    const out = clippedSurrogate({
      S: 2, T: 2, logp: Float32Array.of(-1, -2, -3, 0), oldLogp: Float32Array.of(-1, -2, -3, 0), mask: Uint8Array.of(1, 1, 1, 0),
      advantages: [1, -2], epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean',
    });
    expect(out.loss).toBeCloseTo(-(1 + 1 - 2) / 3, 6);
    expect(Array.from(out.dLogp)).toEqual([-1 / 3, -1 / 3, 2 / 3, 0].map(Math.fround));
    expect(out.clipFraction).toBe(0);
    expect(out.meanRatio).toBe(1);
  });

  test('sequence-mean weighs every sequence equally', () => {
    const base: SurrogateInput = {
      S: 2, T: 3, logp: new Float32Array(6), oldLogp: new Float32Array(6), mask: Uint8Array.of(1, 1, 1, 1, 0, 0),
      advantages: [1, 1], epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'sequence-mean',
    };
    const out = clippedSurrogate(base);
    expect(out.dLogp[0]).toBeCloseTo(-1 / 6, 7); // 1/(2 sequences · 3 tokens)
    expect(out.dLogp[3]).toBeCloseTo(-1 / 2, 7); // 1/(2 sequences · 1 token)
    const tok = clippedSurrogate({ ...base, aggregation: 'token-mean' });
    expect(tok.dLogp[0]).toBeCloseTo(-1 / 4, 7);
    expect(tok.dLogp[3]).toBeCloseTo(-1 / 4, 7);
  });

  test('k3 KL: value and gradient', () => {
    expect(k3(-1, -1)).toBe(0);
    for (const [lp, ref] of [[-1, -2], [-2, -1], [-0.1, -3], [-4, -0.5]]) {
      const d = ref - lp;
      expect(k3(lp, ref)).toBeCloseTo(Math.exp(d) - d - 1, 12);
      expect(k3(lp, ref)).toBeGreaterThan(0);
      // The loss with A = 0 is β·k3 alone; its gradient is β(1 − π_ref/π_θ).
      const beta = 0.3;
      const out = clippedSurrogate(single(lp, lp, 0, { beta, refLogp: Float32Array.of(ref) }));
      expect(out.loss).toBeCloseTo(beta * k3(lp, ref), 5);
      expect(out.kl).toBeCloseTo(k3(lp, ref), 5);
      expect(out.dLogp[0]).toBeCloseTo(beta * (1 - Math.exp(d)), 5);
      const h = 1e-5;
      const fd = (beta * (k3(lp + h, ref) - k3(lp - h, ref))) / (2 * h);
      expect(out.dLogp[0]).toBeCloseTo(fd, 5);
    }
    // Unbiased estimator of KL(π_θ‖π_ref): E_{x~π_θ}[k3] = KL.
    const p = [0.5, 0.3, 0.2];
    const q = [0.2, 0.2, 0.6];
    const kl = p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0);
    const ek3 = p.reduce((s, pi, i) => s + pi * k3(Math.log(pi), Math.log(q[i])), 0);
    expect(ek3).toBeCloseTo(kl, 12);
  });

  test('truncated importance weights', () => {
    const w = truncatedWeights(Float32Array.of(-1, -1, -1), Float32Array.of(-1, -2, 0), Uint8Array.of(1, 1, 0), 2);
    expect(w[0]).toBe(1);
    expect(w[1]).toBe(2); // e^1 capped at 2
    expect(w[2]).toBe(0);
  });

  test('refuses mismatched shapes and a missing reference', () => {
    expect(() => clippedSurrogate(single(0, 0, 1, { beta: 0.1 }))).toThrow(/reference/);
    expect(() => clippedSurrogate({ ...single(0, 0, 1), advantages: [1, 2] })).toThrow(/advantages/);
  });
});

describe('intensities', () => {
  const base = { intensityMode: 'grid' as const, grid: [0, 2, 4, 8], aMin: 0, aMax: 8, shrink: 'none' as const, shrinkSteps: 0, shrinkFinal: 0 };
  test('grid round-robin inside each group, no randomness drawn', () => {
    const rng = createRng(1);
    const before = createRng(1).next();
    const a = assignIntensities(base, 2, 8, 0, 10, rng);
    expect(Array.from(a)).toEqual([0, 2, 4, 8, 0, 2, 4, 8, 0, 2, 4, 8, 0, 2, 4, 8]);
    expect(rng.next()).toBe(before);
  });
  test('negative grid values pass through', () => {
    const a = assignIntensities({ ...base, grid: [-2, 0, 2] }, 1, 6, 0, 10, createRng(0));
    expect(Array.from(a)).toEqual([-2, 0, 2, -2, 0, 2]);
  });
  test('uniform: in range, deterministic given the seed', () => {
    const s = { ...base, intensityMode: 'uniform' as const, aMin: -1, aMax: 3 };
    const a = assignIntensities(s, 4, 8, 0, 10, createRng(5));
    const b = assignIntensities(s, 4, 8, 0, 10, createRng(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a)).toBeLessThan(3);
    expect(new Set(a).size).toBe(32);
  });
  test('shrink schedules go from 1 to the final scale', () => {
    for (const shrink of ['linear', 'cosine'] as const) {
      const s = { ...base, shrink, shrinkSteps: 0, shrinkFinal: 0.25 };
      expect(shrinkScale(s, 0, 100)).toBe(1);
      expect(shrinkScale(s, 100, 100)).toBeCloseTo(0.25, 12);
      expect(shrinkScale(s, 200, 100)).toBeCloseTo(0.25, 12);
      expect(shrinkScale(s, 50, 100)).toBeCloseTo(0.625, 12);
      const a = assignIntensities(s, 1, 4, 50, 100, createRng(0));
      expect(Array.from(a)).toEqual([0, 2, 4, 8].map((x) => Math.fround(x * 0.625)));
    }
    expect(shrinkScale({ ...base, shrink: 'linear', shrinkSteps: 10, shrinkFinal: 0 }, 5, 100)).toBe(0.5);
    expect(shrinkScale(base, 50, 100)).toBe(1);
  });
});

describe('config validation', () => {
  test('defaults are valid and documented', () => {
    const r = validateRlConfig({});
    expect(r.error).toBeUndefined();
    expect(r.config).toEqual(defaultRlConfig);
    expect(r.config!.groupSize % r.config!.grid.length).toBe(0);
  });
  const bad: [Record<string, unknown>, string, RegExp][] = [
    [{ groupSize: 1 }, 'groupSize', /≥ 2/],
    [{ grid: [] }, 'grid', /non-empty/],
    [{ grid: [0, 1, 2] }, 'groupSize', /multiple of the grid size \(3\)/],
    [{ epsLow: 0 }, 'epsLow', /0 < ε_low < 1/],
    [{ epsHigh: 1 }, 'epsHigh', /0 < ε_high < 1/],
    [{ beta: -0.1 }, 'beta', /≥ 0/],
    [{ lr: 0 }, 'lr', /> 0/],
    [{ method: 'ppo' }, 'method', /vspo, grpo, distill, guide, steer/],
    [{ grid: [0, -2] }, 'grid', /allowNegative/],
    [{ intensityMode: 'uniform', aMin: 3, aMax: 1 }, 'aMax', /≥ aMin/],
    [{ guideK: 8 }, 'guideK', /k < G/],
    [{ steps: 2.5 }, 'steps', /integer/],
    [{ lamda: 1 }, 'lamda', /unknown setting/],
    [{ aggregation: 'sum' }, 'aggregation', /token-mean/],
  ];
  test.each(bad)('%j is refused naming %s', (partial, field, msg) => {
    const r = validateRlConfig(partial);
    expect(r.error?.field).toBe(field);
    expect(r.error?.message).toMatch(msg);
  });
  test('negative values with allowNegative; G need not divide the grid outside grid mode or for grpo', () => {
    expect(validateRlConfig({ grid: [-2, 0, 2, 4], allowNegative: true }).error).toBeUndefined();
    expect(validateRlConfig({ grid: [0, 1, 2], intensityMode: 'uniform' }).error).toBeUndefined();
    expect(validateRlConfig({ grid: [0, 1, 2], method: 'grpo' }).error).toBeUndefined();
    expect(validateRlConfig({ batchPrompts: 64 }, { maxSequences: 256 }).error?.field).toBe('batchPrompts');
  });
});

describe('vector-recommended intensities', () => {
  test('fill in only what the user left unset', () => {
    const meta = { layer: 2, grid: [0, 0.5, 1, 2], alpha: 2 };
    expect(withVectorDefaults({}, meta)).toEqual({ grid: [0, 0.5, 1, 2], steerAlpha: 2 });
    expect(withVectorDefaults({ grid: [0, 4], steerAlpha: 3 }, meta)).toEqual({ grid: [0, 4], steerAlpha: 3 });
    expect(withVectorDefaults({ lr: 1 }, { grid: 'x', alpha: NaN })).toEqual({ lr: 1 });
    expect(withVectorDefaults({}, undefined)).toEqual({});
    // The budget measured on the checkpoint fills steps and lr the same way; a bad value is ignored.
    expect(withVectorDefaults({}, { steps: 200, lr: 1e-4 })).toEqual({ steps: 200, lr: 1e-4 });
    expect(withVectorDefaults({ steps: 30 }, { steps: 200, lr: 1e-4 })).toEqual({ steps: 30, lr: 1e-4 });
    expect(withVectorDefaults({}, { steps: 2.5, lr: -1 })).toEqual({});
    // A recommended grid is still validated (G divisible by its size).
    expect(validateRlConfig(withVectorDefaults({}, { grid: [0, 1, 2] })).error?.field).toBe('groupSize');
  });
});
