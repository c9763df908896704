import { describe, expect, test } from 'vitest';
import { groupAdvantages } from '../../src/rl/advantages';
import {
  defaultRlConfig,
  MAX_BATCH_PROMPTS,
  MAX_EPOCHS,
  MAX_EVAL_SAMPLES,
  MAX_GROUP_SIZE,
  MAX_KEEP_SAMPLES,
  MAX_ROLLOUTS_PER_STEP,
  MAX_SEED,
  MAX_STEPS,
  needsReference,
  validateRlConfig,
  withVectorDefaults,
} from '../../src/rl/config';
import { assignIntensities, shrinkScale } from '../../src/rl/intensities';
import { clippedSurrogate, k3, truncatedWeights, type SurrogateInput } from '../../src/rl/loss';
import { createRng } from '../../src/util/rng';

/** Float64 storage typed as the Float32Array the loss takes, so hand-picked ratios stay exact. */
const f64 = (xs: number[]) => Float64Array.from(xs) as unknown as Float32Array;

describe('group advantages', () => {
  // Two groups of G = 3, ε = 1e-4:
  //   group 0: r = [1, 0, 0]  mean 1/3, deviations [2/3, −1/3, −1/3], Σd² = 2/3
  //            unbiased std √((2/3)/2) = √(1/3) = 0.577350   population std √((2/3)/3) = √2/3 = 0.471405
  //   group 1: r = [2, 2, 5]  mean 3, deviations [−1, −1, 2], Σd² = 6
  //            unbiased std √(6/2) = √3 = 1.732051            population std √(6/3) = √2 = 1.414214
  const r = [1, 0, 0, 2, 2, 5];
  const eps = 1e-4;
  test('unbiased std (G − 1, torch .std() as in TRL) is the default', () => {
    // A = d/(std + ε): 0.666667/0.577450 = 1.154501, −0.333333/0.577450 = −0.577250,
    //                  −1/1.732151 = −0.577317, 2/1.732151 = 1.154634
    const expected = [1.1545006, -0.5772503, -0.5772503, -0.5773169, -0.5773169, 1.1546339];
    for (const a of [groupAdvantages(r, 3, { stdNormalize: true, eps }), groupAdvantages(r, 3, { stdNormalize: true, eps, std: 'unbiased' })]) {
      Array.from(a.advantages).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
      expect(a.stds[0]).toBeCloseTo(0.5773503, 7);
      expect(a.stds[1]).toBeCloseTo(1.7320508, 7);
      expect(a.means[0]).toBeCloseTo(1 / 3, 12);
      expect(a.means[1]).toBe(3);
      expect(a.zeroSpreadGroups).toBe(0);
      expect(a.groups).toBe(2);
    }
  });
  test('population std (G) on request', () => {
    // A = d/(std + ε): 0.666667/0.471505 = 1.413914, −0.333333/0.471505 = −0.706957,
    //                  −1/1.414314 = −0.707057, 2/1.414314 = 1.414114
    const a = groupAdvantages(r, 3, { stdNormalize: true, eps, std: 'population' });
    const expected = [1.4139136, -0.7069568, -0.7069568, -0.7070568, -0.7070568, 1.4141136];
    Array.from(a.advantages).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(a.stds[0]).toBeCloseTo(0.4714045, 7);
    expect(a.stds[1]).toBeCloseTo(1.4142136, 7);
  });
  test('G = 2: the two estimators differ by √2', () => {
    // r = [1, 0]: deviations ±0.5, Σd² = 0.5; unbiased std √0.5 = 0.707107, population std 0.5.
    // ε = 1e-4: unbiased ±0.5/0.707207 = ±0.707007; population ±0.5/0.5001 = ±0.999800.
    const u = groupAdvantages([1, 0], 2, { stdNormalize: true, eps, std: 'unbiased' });
    const p = groupAdvantages([1, 0], 2, { stdNormalize: true, eps, std: 'population' });
    expect(u.advantages[0]).toBeCloseTo(0.7070068, 6);
    expect(u.advantages[1]).toBeCloseTo(-0.7070068, 6);
    expect(p.advantages[0]).toBeCloseTo(0.9998, 6);
    expect(p.advantages[1]).toBeCloseTo(-0.9998, 6);
  });
  test('stdNormalize false: r − mean whatever the estimator (the std is still reported)', () => {
    // group 0: [2/3, −1/3, −1/3]; group 1: [−1, −1, 2]
    for (const std of ['unbiased', 'population'] as const) {
      const a = groupAdvantages(r, 3, { stdNormalize: false, eps, std });
      const expected = [2 / 3, -1 / 3, -1 / 3, -1, -1, 2];
      Array.from(a.advantages).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
      expect(a.stds[1]).toBeCloseTo(std === 'unbiased' ? 1.7320508 : 1.4142136, 7);
    }
  });
  test('zero-spread groups are exactly 0 and counted, even at large reward values', () => {
    const a = groupAdvantages([0.1 + 0.2, 0.1 + 0.2, 7, 7, 7, 7.5], 2, { stdNormalize: true, eps });
    expect(Array.from(a.advantages.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(a.zeroSpreadGroups).toBe(2);
    expect(a.stds[0]).toBe(0);
    // [7, 7.5]: deviations ±0.25, unbiased std √(0.125) = 0.353553 → ∓0.25/0.353653 = ∓0.706907
    expect(a.advantages[4]).toBeCloseTo(-0.7069067, 6);
    expect(a.advantages[5]).toBeCloseTo(0.7069067, 6);
  });
  test('advantages of a group sum to zero', () => {
    const rng = createRng(3);
    const rr = Array.from({ length: 64 }, () => rng.next());
    for (const std of ['unbiased', 'population'] as const) {
      const a = groupAdvantages(rr, 8, { stdNormalize: true, eps, std });
      for (let g = 0; g < 8; g++) {
        let s = 0;
        for (let i = 0; i < 8; i++) s += a.advantages[g * 8 + i];
        expect(Math.abs(s)).toBeLessThan(1e-5);
      }
    }
  });
  test('bad input is refused', () => {
    expect(() => groupAdvantages([1, 2, 3], 2, { stdNormalize: true, eps })).toThrow(/groups of 2/);
    expect(() => groupAdvantages([1, NaN], 2, { stdNormalize: true, eps })).toThrow(/not finite/);
    expect(() => groupAdvantages([1, 2], 2, { stdNormalize: true, eps, std: 'sample' as never })).toThrow(/estimator/);
  });
});

/** One-token helper: S = 1, T = 1, token-mean, ε_low = 0.2, ε_high = 0.28. */
function single(logp: number, old: number, A: number, o: Partial<SurrogateInput> = {}): SurrogateInput {
  return {
    S: 1,
    T: 1,
    logp: f64([logp]),
    oldLogp: f64([old]),
    mask: Uint8Array.of(1),
    advantages: [A],
    epsLow: 0.2,
    epsHigh: 0.28,
    beta: 0,
    aggregation: 'token-mean',
    ...o,
  };
}

/**
 * Every entry of dLogp against central differences of the loss in float64 (weights held fixed: they are
 * detached). Positions off the mask must have gradient exactly 0 and must not move the loss.
 */
function expectGradientMatchesFiniteDifferences(x: SurrogateInput, h = 1e-6, digits = 5): void {
  const out = clippedSurrogate(x);
  const n = x.S * x.T;
  for (let i = 0; i < n; i++) {
    const f = (d: number) => {
      const lp = Float64Array.from(x.logp);
      lp[i] += d;
      return clippedSurrogate({ ...x, logp: lp as unknown as Float32Array }).loss;
    };
    const fd = (f(h) - f(-h)) / (2 * h);
    if (!x.mask[i]) {
      expect(out.dLogp[i]).toBe(0);
      expect(fd).toBe(0);
      continue;
    }
    expect(out.dLogp[i]).toBeCloseTo(fd, digits);
  }
}

describe('clipped surrogate', () => {
  test('clip range: value and gradient inside and outside [1 − ε_low, 1 + ε_high], both signs of A', () => {
    // ε_low = 0.2 → lower edge 0.8; ε_high = 0.28 → upper edge 1.28. One token, token-mean (N = 1):
    // loss = −min(ρA, clip(ρ)A); dL/dlogp = −ρA where the unclipped term is the minimum, 0 where the clip is.
    const old = -1.0;
    const cases: { rho: number; A: number; value: number; grad: number; clipped: boolean; epsLow?: number }[] = [
      { rho: 1.1, A: 2, value: 2.2, grad: 2.2, clipped: false }, // inside
      { rho: 1.25, A: 2, value: 2.5, grad: 2.5, clipped: false }, // inside only because ε_high = 0.28 (not 0.2)
      { rho: 1.5, A: 2, value: 2.56, grad: 0, clipped: true }, // above 1.28, A > 0: 1.28·2, no gradient
      { rho: 0.75, A: 2, value: 1.5, grad: 1.5, clipped: false }, // below, A > 0: min(1.5, 1.6) = ρA
      { rho: 0.75, A: -2, value: -1.6, grad: 0, clipped: true }, // below 0.8, A < 0: 0.8·−2, no gradient
      { rho: 0.75, A: -2, value: -1.5, grad: -1.5, clipped: false, epsLow: 0.3 }, // inside once ε_low = 0.3
      { rho: 0.85, A: -2, value: -1.7, grad: -1.7, clipped: false }, // inside
      { rho: 1.5, A: -2, value: -3, grad: -3, clipped: false }, // above, A < 0: min(−3, −2.56) = ρA (pessimistic)
    ];
    for (const c of cases) {
      const x = single(old + Math.log(c.rho), old, c.A, c.epsLow ? { epsLow: c.epsLow } : {});
      const out = clippedSurrogate(x);
      expect(out.loss).toBeCloseTo(-c.value, 6);
      expect(out.dLogp[0]).toBeCloseTo(-c.grad, 6);
      if (c.clipped) expect(out.dLogp[0]).toBe(0);
      expect(out.clipFraction).toBe(c.clipped ? 1 : 0);
      expect(out.meanRatio).toBeCloseTo(c.rho, 12);
      expectGradientMatchesFiniteDifferences(x);
    }
  });

  test('clip in a batch: 2 groups × 2 rollouts, clipFraction counts the clipped tokens', () => {
    // ρ = [1.5, 0.9, 0.7, 1.1], A = [1, −1, −1, 1], ε = 0.2 both sides:
    //   1.5·1 → clipped to 1.2          0.9·−1 = −0.9 (inside)
    //   0.7·−1 → clipped to 0.8·−1 = −0.8   1.1·1 = 1.1 (inside)
    // token-mean: loss = −(1.2 − 0.9 − 0.8 + 1.1)/4 = −0.15; dLogp = [0, 0.9/4, 0, −1.1/4] = [0, 0.225, 0, −0.275]
    const rho = [1.5, 0.9, 0.7, 1.1];
    const x: SurrogateInput = {
      S: 4, T: 1, oldLogp: f64([-1, -2, -0.5, -1.5]), logp: f64([-1, -2, -0.5, -1.5].map((o, i) => o + Math.log(rho[i]))),
      mask: Uint8Array.of(1, 1, 1, 1), advantages: [1, -1, -1, 1], epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean',
    };
    const out = clippedSurrogate(x);
    expect(out.loss).toBeCloseTo(-0.15, 6);
    expect(Array.from(out.dLogp)).toEqual([0, 0.225, 0, -0.275].map(Math.fround));
    expect(out.clipFraction).toBe(0.5);
    expect(out.meanRatio).toBeCloseTo(1.05, 12);
    expectGradientMatchesFiniteDifferences(x);
  });

  // Aggregations on one batch: 2 groups × 2 rollouts, T = 3, ragged lengths n = [3, 1, 2, 2] (N = 8 tokens),
  // A = [1, −1, 0.5, −0.5], every ratio inside the clip range (ε = 0.2), so s_t = ρ_t·A:
  //   seq 0: ρ = [1.1, 1.0, 0.9]  → s = [1.1, 1.0, 0.9]        Σ = 3.0     mean 1.0
  //   seq 1: ρ = [1.05]           → s = [−1.05]                Σ = −1.05   mean −1.05
  //   seq 2: ρ = [0.95, 1.15]     → s = [0.475, 0.575]         Σ = 1.05    mean 0.525
  //   seq 3: ρ = [1.1, 0.85]      → s = [−0.55, −0.425]        Σ = −0.975  mean −0.4875
  //   Σ over all tokens = 2.025
  // The masked-out positions hold ratio 50 (far outside the clip range): they must change nothing.
  const ratios = [[1.1, 1.0, 0.9], [1.05, 50, 50], [0.95, 1.15, 50], [1.1, 0.85, 50]].flat();
  const aggOld = [-1.2, -0.7, -2.1, -0.3, -1, -1, -1.6, -0.9, -1, -2.5, -0.4, -1];
  const aggBase: SurrogateInput = {
    S: 4,
    T: 3,
    oldLogp: f64(aggOld),
    logp: f64(aggOld.map((o, i) => o + Math.log(ratios[i]))),
    mask: Uint8Array.of(1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0),
    advantages: [1, -1, 0.5, -0.5],
    epsLow: 0.2,
    epsHigh: 0.2,
    beta: 0,
    aggregation: 'token-mean',
  };
  const expectGrad = (got: Float32Array, want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));

  test('token-mean: Σ/N', () => {
    // loss = −2.025/8 = −0.253125; dL/dlogp_t = −ρ_t·A/8
    const out = clippedSurrogate(aggBase);
    expect(out.loss).toBeCloseTo(-0.253125, 6);
    expectGrad(out.dLogp, [-0.1375, -0.125, -0.1125, 0.13125, 0, 0, -0.059375, -0.071875, 0, 0.06875, 0.053125, 0]);
    expect(out.tokens).toBe(8);
    expect(out.clipFraction).toBe(0);
    expectGradientMatchesFiniteDifferences(aggBase);
  });

  test('sequence-mean: mean of the per-sequence means', () => {
    // loss = −(1.0 − 1.05 + 0.525 − 0.4875)/4 = 0.003125; dL/dlogp_t = −ρ_t·A/(4·n_s):
    //   seq 0: −[1.1, 1, 0.9]/12   seq 1: +1.05/4 = 0.2625   seq 2: −[0.475, 0.575]/8   seq 3: +[0.55, 0.425]/8
    const x = { ...aggBase, aggregation: 'sequence-mean' as const };
    const out = clippedSurrogate(x);
    expect(out.loss).toBeCloseTo(0.003125, 6);
    expectGrad(out.dLogp, [-1.1 / 12, -1 / 12, -0.9 / 12, 0.2625, 0, 0, -0.059375, -0.071875, 0, 0.06875, 0.053125, 0]);
    expectGradientMatchesFiniteDifferences(x);
  });

  test('constant (Dr. GRPO): Σ/(S·maxTokens), no length normaliser', () => {
    // maxTokens = 4: loss = −2.025/(4·4) = −0.1265625; dL/dlogp_t = −ρ_t·A/16
    const x = { ...aggBase, aggregation: 'constant' as const, maxTokens: 4 };
    const out = clippedSurrogate(x);
    expect(out.loss).toBeCloseTo(-0.1265625, 6);
    expectGrad(out.dLogp, [-0.06875, -0.0625, -0.05625, 0.065625, 0, 0, -0.0296875, -0.0359375, 0, 0.034375, 0.0265625, 0]);
    expectGradientMatchesFiniteDifferences(x);
    // An empty fifth sequence still counts in S (TRL divides by the batch's sequences): −2.025/(5·4) = −0.10125.
    const S5: SurrogateInput = {
      ...x,
      S: 5,
      oldLogp: f64([...aggOld, -1, -1, -1]),
      logp: f64([...Array.from(x.logp), -1, -1, -1]),
      mask: Uint8Array.from([...x.mask, 0, 0, 0]),
      advantages: [1, -1, 0.5, -0.5, 3],
    };
    const out5 = clippedSurrogate(S5);
    expect(out5.loss).toBeCloseTo(-0.10125, 6);
    expect(out5.dLogp[0]).toBeCloseTo(-1.1 / 20, 6);
    // The per-token weight does not depend on the sequence's length: a 1-token and a 3-token sequence with the
    // same A and ρ = 1 get the same gradient per token (token-mean would too, sequence-mean would not).
    const eq: SurrogateInput = {
      S: 2, T: 3, logp: new Float32Array(6), oldLogp: new Float32Array(6), mask: Uint8Array.of(1, 1, 1, 1, 0, 0),
      advantages: [1, 1], epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'constant', maxTokens: 3,
    };
    const e = clippedSurrogate(eq);
    expect(e.dLogp[0]).toBeCloseTo(-1 / 6, 7); // 1/(2 sequences · 3)
    expect(e.dLogp[3]).toBeCloseTo(-1 / 6, 7);
    expect(e.loss).toBeCloseTo(-4 / 6, 6);
  });

  test('constant aggregation needs a valid maxTokens', () => {
    const x = { ...aggBase, aggregation: 'constant' as const };
    expect(() => clippedSurrogate(x)).toThrow(/needs maxTokens/);
    expect(() => clippedSurrogate({ ...x, maxTokens: 0 })).toThrow(/positive integer/);
    expect(() => clippedSurrogate({ ...x, maxTokens: 2.5 })).toThrow(/positive integer/);
    // seq 0 has 3 response tokens: a constant of 2 is not the max response length.
    expect(() => clippedSurrogate({ ...x, maxTokens: 2 })).toThrow(/3 response tokens, more than maxTokens = 2/);
    expect(() => clippedSurrogate({ ...aggBase, aggregation: 'sum' as never })).toThrow(/unknown aggregation/);
  });

  test('gradient matches finite differences on a random batch (every aggregation, with and without KL and IS weights)', () => {
    const rng = createRng(11);
    const S = 6;
    const T = 5;
    const n = S * T;
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) mask[i] = i % T < 1 + (Math.floor(i / T) % T) ? 1 : 0; // ragged lengths
    const oldLogp = Float64Array.from({ length: n }, () => -0.3 - 2 * rng.next());
    // Ratios spread over [0.4, 1.8] so some tokens sit inside the clip range and some outside; none within
    // 1e-3 of an edge (the loss has a kink there).
    const ratios = Float64Array.from({ length: n }, (_, i) => 0.4 + (1.4 * ((i * 7) % n)) / n);
    for (const r of ratios) expect(Math.min(Math.abs(r - 0.8), Math.abs(r - 1.2))).toBeGreaterThan(1e-3);
    const logp = Float64Array.from({ length: n }, (_, i) => oldLogp[i] + Math.log(ratios[i]));
    const refLogp = Float64Array.from({ length: n }, (_, i) => logp[i] + 0.5 * (rng.next() - 0.5));
    const advantages = Float64Array.from({ length: S }, (_, s) => (s % 2 === 0 ? 1.3 : -0.7) * (1 + s / 10));
    const weights = Float64Array.from({ length: n }, () => 0.5 + rng.next());
    for (const aggregation of ['token-mean', 'sequence-mean', 'constant'] as const) {
      for (const withExtras of [false, true]) {
        const base: SurrogateInput = {
          S, T, mask, advantages, aggregation, epsLow: 0.2, epsHigh: 0.2, maxTokens: T,
          logp: logp as unknown as Float32Array,
          oldLogp: oldLogp as unknown as Float32Array,
          beta: withExtras ? 0.05 : 0,
          refLogp: withExtras ? (refLogp as unknown as Float32Array) : undefined,
          weights: withExtras ? (weights as unknown as Float32Array) : undefined,
        };
        const out = clippedSurrogate(base);
        // The batch must exercise both branches of the clip for this test to mean anything.
        expect(out.clipFraction).toBeGreaterThan(0);
        expect(out.clipFraction).toBeLessThan(1);
        expectGradientMatchesFiniteDifferences(base, 1e-6, 5);
      }
    }
  });

  test('ratio 1 (first epoch, μ = 1): loss = −mean A over tokens, gradient = −A/N', () => {
    // tokens: seq 0 has 2 (A = 1), seq 1 has 1 (A = −2): loss = −(1 + 1 − 2)/3 = 0; dLogp = [−1/3, −1/3, 2/3, 0]
    const out = clippedSurrogate({
      S: 2, T: 2, logp: Float32Array.of(-1, -2, -3, 0), oldLogp: Float32Array.of(-1, -2, -3, 0), mask: Uint8Array.of(1, 1, 1, 0),
      advantages: [1, -2], epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean',
    });
    expect(out.loss).toBe(0);
    expect(Object.is(out.loss, -0)).toBe(false);
    expect(Array.from(out.dLogp)).toEqual([-1 / 3, -1 / 3, 2 / 3, 0].map(Math.fround));
    expect(out.clipFraction).toBe(0);
    expect(out.meanRatio).toBe(1);
    expect(out.kl).toBeNaN(); // no reference given
  });

  test('β k3 KL: value and gradient', () => {
    // k3(logp, ref) = e^(ref − logp) − (ref − logp) − 1:
    //   logp = −1, ref = −2: d = −1 → e^−1 + 1 − 1 = 0.367879
    //   logp = −2, ref = −1: d = 1 → e − 1 − 1 = 0.718282
    expect(k3(-1, -1)).toBe(0);
    expect(k3(-1, -2)).toBeCloseTo(0.3678794, 7);
    expect(k3(-2, -1)).toBeCloseTo(0.7182818, 7);
    // A = 0, β = 0.1: loss = β·k3, dL/dlogp = β(1 − e^d):
    //   0.1·0.367879 = 0.0367879, gradient 0.1·(1 − 0.367879) = 0.0632121
    //   0.1·0.718282 = 0.0718282, gradient 0.1·(1 − 2.718282) = −0.1718282
    for (const [lp, ref, loss, grad] of [[-1, -2, 0.0367879, 0.0632121], [-2, -1, 0.0718282, -0.1718282]]) {
      const x = single(lp, lp, 0, { beta: 0.1, refLogp: f64([ref]) });
      const out = clippedSurrogate(x);
      expect(out.loss).toBeCloseTo(loss, 7);
      expect(out.dLogp[0]).toBeCloseTo(grad, 7);
      expect(out.kl).toBeCloseTo(loss / 0.1, 6);
      expectGradientMatchesFiniteDifferences(x);
    }
    // With the surrogate, 2 sequences × 1 token, ρ = 1, A = [1, −1], β = 0.1, token-mean:
    //   tok 0: f = 1 − 0.1·0.367879 = 0.963212, ∂f = 1 − 0.0632121 = 0.936788
    //   tok 1: f = −1 − 0.1·0.718282 = −1.071828, ∂f = −1 + 0.1718282 = −0.828172
    //   loss = −(0.963212 − 1.071828)/2 = 0.054308; dLogp = −∂f/2 = [−0.468394, 0.414086]
    //   kl (token mean of k3) = (0.367879 + 0.718282)/2 = 0.543081
    const x: SurrogateInput = {
      S: 2, T: 1, logp: f64([-1, -2]), oldLogp: f64([-1, -2]), refLogp: f64([-2, -1]), mask: Uint8Array.of(1, 1),
      advantages: [1, -1], epsLow: 0.2, epsHigh: 0.2, beta: 0.1, aggregation: 'token-mean',
    };
    const out = clippedSurrogate(x);
    expect(out.loss).toBeCloseTo(0.0543081, 6);
    expectGrad(out.dLogp, [-0.468394, 0.4140859]);
    expect(out.kl).toBeCloseTo(0.5430806, 6);
    expectGradientMatchesFiniteDifferences(x);
    // β = 0 with a reference: the KL is reported but leaves the loss and gradient alone (−(1 − 1)/2 = 0, ∓1/2).
    const noBeta = clippedSurrogate({ ...x, beta: 0 });
    expect(noBeta.loss).toBe(0);
    expectGrad(noBeta.dLogp, [-0.5, 0.5]);
    expect(noBeta.kl).toBeCloseTo(0.5430806, 6);
    // E_{x~π_θ}[k3] = KL(π_θ‖π_ref): p = [0.5, 0.3, 0.2], q = [0.2, 0.2, 0.6]:
    //   KL = 0.5 ln 2.5 + 0.3 ln 1.5 + 0.2 ln(1/3) = 0.4581454 + 0.1216395 − 0.2197225 = 0.3600624
    const p = [0.5, 0.3, 0.2];
    const q = [0.2, 0.2, 0.6];
    const ek3 = p.reduce((s, pi, i) => s + pi * k3(Math.log(pi), Math.log(q[i])), 0);
    expect(ek3).toBeCloseTo(0.3600624, 6);
  });

  test('truncated IS weights: min(ratio, c), detached from the gradient', () => {
    // w = min(e^(unsteered − steered), c), c = 2: e^0 = 1; e^(ln 1.5) = 1.5; e^1 = 2.718 → 2; off the mask → 0
    const w = truncatedWeights(f64([-1, -1, -1, -1]), f64([-1, -1 - Math.log(1.5), -2, 0]), Uint8Array.of(1, 1, 1, 0), 2);
    expect(w[0]).toBe(1);
    expect(w[1]).toBeCloseTo(1.5, 6);
    expect(w[2]).toBe(2);
    expect(w[3]).toBe(0);
    // The weights computed from π_θ itself (unsteered = logp) multiply the surrogate as constants:
    //   ρ = [1.1, 1.5], A = [1, 1], ε_high = 0.28, w = [1.5, 2]:
    //   tok 0: s = 1.5·1.1 = 1.65, gradient 1.65        (not 2·1.65: ∂w/∂logp is not followed)
    //   tok 1: ρ = 1.5 > 1.28, clipped: s = 2·1.28 = 2.56, gradient 0 (the weight does not revive it)
    //   token-mean: loss = −(1.65 + 2.56)/2 = −2.105; dLogp = [−0.825, 0]
    const old = [-0.8, -1.3];
    const logp = f64(old.map((o, i) => o + Math.log([1.1, 1.5][i])));
    const weights = truncatedWeights(logp, f64([logp[0] - Math.log(1.5), logp[1] - 3]), Uint8Array.of(1, 1), 2);
    expect(weights[0]).toBeCloseTo(1.5, 6);
    expect(weights[1]).toBe(2);
    const x: SurrogateInput = {
      S: 2, T: 1, logp, oldLogp: f64(old), mask: Uint8Array.of(1, 1), advantages: [1, 1], weights,
      epsLow: 0.2, epsHigh: 0.28, beta: 0, aggregation: 'token-mean',
    };
    const out = clippedSurrogate(x);
    expect(out.loss).toBeCloseTo(-2.105, 6);
    expect(out.dLogp[0]).toBeCloseTo(-0.825, 6);
    expect(out.dLogp[1]).toBe(0);
    expect(out.clipFraction).toBe(0.5);
    expectGradientMatchesFiniteDifferences(x);
  });

  test('refuses mismatched shapes and a missing reference', () => {
    expect(() => clippedSurrogate(single(0, 0, 1, { beta: 0.1 }))).toThrow(/reference/);
    expect(() => clippedSurrogate({ ...single(0, 0, 1), advantages: [1, 2] })).toThrow(/advantages/);
    expect(() => clippedSurrogate({ ...single(0, 0, 1), weights: f64([1, 1]) })).toThrow(/weights/);
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
      // Over the whole run of 101 steps (indices 0…100): the last step is at the final scale.
      const s = { ...base, shrink, shrinkSteps: 0, shrinkFinal: 0.25 };
      expect(shrinkScale(s, 0, 101)).toBe(1);
      expect(shrinkScale(s, 100, 101)).toBeCloseTo(0.25, 12);
      expect(shrinkScale(s, 99, 101)).toBeGreaterThan(0.25);
      expect(shrinkScale(s, 200, 101)).toBeCloseTo(0.25, 12);
      expect(shrinkScale(s, 50, 101)).toBeCloseTo(0.625, 12);
      const a = assignIntensities(s, 1, 4, 50, 101, createRng(0));
      expect(Array.from(a)).toEqual([0, 2, 4, 8].map((x) => Math.fround(x * 0.625)));
    }
    // shrinkSteps N is the whole run of N steps: the 11th step (index 10) is at the final scale.
    const eleven = { ...base, shrink: 'linear' as const, shrinkSteps: 11, shrinkFinal: 0 };
    expect(shrinkScale(eleven, 5, 100)).toBe(0.5);
    expect(shrinkScale(eleven, 10, 100)).toBe(0);
    for (const i of [0, 3, 7, 10]) expect(shrinkScale(eleven, i, 100)).toBe(shrinkScale({ ...eleven, shrinkSteps: 0 }, i, 11));
    expect(shrinkScale({ ...base, shrink: 'cosine', shrinkSteps: 0, shrinkFinal: 0.5 }, 0, 1)).toBe(1); // a one-step run: step 0
    expect(shrinkScale(base, 50, 100)).toBe(1);
  });
});

describe('config validation', () => {
  test('defaults are valid and documented', () => {
    const r = validateRlConfig({});
    expect(r.error).toBeUndefined();
    expect(r.config).toEqual(defaultRlConfig);
    expect(r.config!.groupSize % r.config!.grid.length).toBe(0);
    expect(defaultRlConfig.advantageStd).toBe('unbiased');
    expect(defaultRlConfig.evalSplit).toBe('test');
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
    [{ aggregation: 'sum' }, 'aggregation', /token-mean, sequence-mean, constant/],
    [{ advantageStd: 'sample' }, 'advantageStd', /unbiased, population/],
    [{ evalSplit: 'train' }, 'evalSplit', /test, validation/],
  ];
  test.each(bad)('%j is refused naming %s', (partial, field, msg) => {
    const r = validateRlConfig(partial);
    expect(r.error?.field).toBe(field);
    expect(r.error?.message).toMatch(msg);
  });
  test('the new settings accept their values', () => {
    for (const advantageStd of ['unbiased', 'population'] as const) expect(validateRlConfig({ advantageStd }).config?.advantageStd).toBe(advantageStd);
    for (const evalSplit of ['test', 'validation'] as const) expect(validateRlConfig({ evalSplit }).config?.evalSplit).toBe(evalSplit);
    const dr = validateRlConfig({ stdNormalize: false, aggregation: 'constant' });
    expect(dr.error).toBeUndefined();
    expect(dr.config?.aggregation).toBe('constant');
  });
  test('negative values with allowNegative; G need not divide the grid outside grid mode or for grpo', () => {
    expect(validateRlConfig({ grid: [-2, 0, 2, 4], allowNegative: true }).error).toBeUndefined();
    expect(validateRlConfig({ grid: [0, 1, 2], intensityMode: 'uniform' }).error).toBeUndefined();
    expect(validateRlConfig({ grid: [0, 1, 2], method: 'grpo' }).error).toBeUndefined();
    expect(validateRlConfig({ batchPrompts: 64 }, { maxSequences: 256 }).error?.field).toBe('batchPrompts');
    expect(validateRlConfig({ batchPrompts: 32 }, { maxSequences: 256 }).error).toBeUndefined();
  });

  // Each bound: the limit itself passes, one past it is refused naming the field.
  const bounds: [string, Record<string, unknown>, Record<string, unknown>, string, RegExp][] = [
    ['steps', { steps: MAX_STEPS }, { steps: MAX_STEPS + 1 }, 'steps', /≤ 1000000/],
    ['groupSize', { groupSize: MAX_GROUP_SIZE, batchPrompts: 16 }, { groupSize: MAX_GROUP_SIZE + 4, batchPrompts: 1 }, 'groupSize', /≤ 256/],
    ['batchPrompts', { batchPrompts: MAX_BATCH_PROMPTS, groupSize: 4 }, { batchPrompts: MAX_BATCH_PROMPTS + 1, groupSize: 2, grid: [0] }, 'batchPrompts', /≤ 1024/],
    ['B·G', { batchPrompts: 512, groupSize: 8 }, { batchPrompts: 513, groupSize: 8 }, 'batchPrompts', /B·G = 513·8 = 4104 rollouts per step exceed the limit of 4096/],
    ['evalSamples', { evalSamples: MAX_EVAL_SAMPLES }, { evalSamples: MAX_EVAL_SAMPLES + 1 }, 'evalSamples', /≤ 8192/],
    ['epochs', { epochs: MAX_EPOCHS }, { epochs: MAX_EPOCHS + 1 }, 'epochs', /≤ 64/],
    ['keepSamples', { keepSamples: MAX_KEEP_SAMPLES }, { keepSamples: MAX_KEEP_SAMPLES + 1 }, 'keepSamples', /≤ 4096/],
    // The RNG takes seed >>> 0: 2^32 would be seed 0 again, pooled as another seed.
    ['seed', { seed: MAX_SEED }, { seed: MAX_SEED + 1 }, 'seed', /^seed must be an integer in \[0, 4294967295\] \(got 4294967296\)$/],
  ];
  test.each(bounds)('bound on %s', (_name, ok, tooBig, field, msg) => {
    expect(validateRlConfig(ok).error).toBeUndefined();
    const r = validateRlConfig(tooBig);
    expect(r.error?.field).toBe(field);
    expect(r.error?.message).toMatch(msg);
  });
  test('the bounds are the documented numbers', () => {
    expect([MAX_ROLLOUTS_PER_STEP, MAX_GROUP_SIZE, MAX_BATCH_PROMPTS, MAX_STEPS, MAX_EVAL_SAMPLES, MAX_EPOCHS, MAX_KEEP_SAMPLES]).toEqual([
      4096, 256, 1024, 1e6, 8192, 64, 4096,
    ]);
    // A memory bomb is refused before anything is allocated, naming the field.
    expect(validateRlConfig({ groupSize: 80000, grid: [0] }).error?.field).toBe('groupSize');
    expect(validateRlConfig({ batchPrompts: 1e9 }).error?.field).toBe('batchPrompts');
  });

  test('names inherited from Object.prototype are unknown settings', () => {
    for (const k of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
      const r = validateRlConfig({ [k]: 1 });
      expect(r.error?.field).toBe(k);
      expect(r.error?.message).toMatch(/unknown setting/);
    }
  });
  test('a "__proto__" key from JSON is refused and pollutes nothing', () => {
    const parsed = JSON.parse('{"__proto__": {"steps": 3, "polluted": true}, "seed": 1}') as Record<string, unknown>;
    expect(Object.keys(parsed)).toContain('__proto__'); // JSON.parse makes it an own property
    const r = validateRlConfig(parsed);
    expect(r.error?.field).toBe('__proto__');
    expect(r.error?.message).toMatch(/unknown setting "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(validateRlConfig(JSON.parse('{"constructor": {"prototype": {"x": 1}}}')).error?.field).toBe('constructor');
    // Values on a prototype are not settings: only own keys are read.
    const inherited = Object.create({ steps: 3 }) as Record<string, unknown>;
    expect(validateRlConfig(inherited).config?.steps).toBe(defaultRlConfig.steps);
  });

  test('needsReference: β > 0 on a method that trains with the surrogate', () => {
    expect(needsReference(defaultRlConfig)).toBe(true);
    expect(needsReference({ ...defaultRlConfig, beta: 0 })).toBe(false);
    expect(needsReference({ ...defaultRlConfig, method: 'grpo' })).toBe(true);
    expect(needsReference({ ...defaultRlConfig, method: 'guide' })).toBe(true);
    expect(needsReference({ ...defaultRlConfig, method: 'distill' })).toBe(false);
    expect(needsReference({ ...defaultRlConfig, method: 'steer' })).toBe(false);
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
