import { describe, expect, test } from 'vitest';
import { createRng } from '../../src/util/rng';
import {
  DEFAULTS,
  compare,
  createBandit,
  createSimulator,
  exactUpdate,
  findCrossover,
  measuredThresholds,
  idealDirection,
  makeSteering,
  mannWhitneyLess,
  measureAlignment,
  normalCdf,
  runToThreshold,
  sampledUpdate,
  settingsError,
  slotIntensities,
  softmax,
  targetDistribution,
  targetMass,
  totalVariation,
  traceMasses,
  axpy,
  dot,
  norm,
  type BanditModel,
  type Comparison,
  type UpdateSettings,
} from '../../src/bandit/index';

const close = (a: number, b: number, tol = 1e-12) => expect(Math.abs(a - b)).toBeLessThan(tol);

describe('model', () => {
  test('arm layout, rewards and the base rate under θ0', () => {
    const m = createBandit({ arms: 10, targets: 2, baseRate: 1e-3, lambda: 1 });
    expect(m.arms.map((a) => a.kind[0]).join('')).toBe('ttcdwcdwcd');
    expect(m.reward).toEqual([2, 2, 1, 1, 0, 1, 1, 0, 1, 1]);
    close(targetMass(m, softmax(m.theta0)), 1e-3);
    close(softmax(m.theta0)[0], 5e-4);
  });

  test('settings validation names the field', () => {
    expect(settingsError(DEFAULTS)).toBeNull();
    expect(settingsError({ ...DEFAULTS, alignment: 1.5 })).toMatch(/^alignment/);
    expect(settingsError({ ...DEFAULTS, baseRate: 0 })).toMatch(/^baseRate/);
    expect(settingsError({ ...DEFAULTS, arms: 3, targets: 2 })).toMatch(/^targets/);
    expect(settingsError({ ...DEFAULTS, group: 3 })).toMatch(/^group/); // grid has 4 intensities
  });
});

describe('alignment figures (hand-worked)', () => {
  test('K = 3, two target arms, explicit θ and s', () => {
    // θ = (0, 0, ln 2) → π = (1/4, 1/4, 1/2); target set {0, 1}, so q = (1/2, 1/2, 0).
    // s = (ln 3, 0, 0):
    //   α = 0: π^0 = π.  TV = ½(|1/4−1/2| + |1/4−1/2| + 1/2) = 1/2;  π^0(T) = 1/2.
    //   α = 1: e^{θ+s} = (3, 1, 2) → π^1 = (1/2, 1/6, 1/3).  TV = ½(0 + 1/3 + 1/3) = 1/3;  π^1(T) = 2/3.
    //   mixture over slots {0, 1}: (3/8, 5/24, 5/12).  TV = ½(1/8 + 7/24 + 5/12) = 5/12;  mass = 7/12.
    const m = createBandit({ arms: 3, targets: 2, baseRate: 0.5, lambda: 1 });
    const theta = [0, 0, Math.log(2)];
    const s = [Math.log(3), 0, 0];
    expect(targetDistribution(m, softmax(theta))).toEqual([0.5, 0.5, 0]);
    const r = measureAlignment(m, theta, s, [0, 1], 2);
    close(r.perIntensity[0].tv, 1 / 2);
    close(r.perIntensity[0].targetMass, 1 / 2);
    close(r.perIntensity[1].tv, 1 / 3);
    close(r.perIntensity[1].targetMass, 2 / 3);
    expect(r.atMax.alpha).toBe(1);
    close(r.atMax.tv, 1 / 3);
    close(r.mixture.tv, 5 / 12);
    close(r.mixture.targetMass, 7 / 12);
  });

  test('K = 3, one target, ideal steering built by makeSteering', () => {
    // Arms (target, correct, decoy), θ0 = ln(0.001, 0.4995, 0.4995). Ideal g = (2/3, −1/3, −1/3);
    // x = 1, strength 2 → s = 2g, so at α = 1 the target's logit gains 2 over the others:
    //   π^1(T) = 0.001·e² / (0.001·e² + 0.999) = 0.007389056 / 1.006389056 = 0.00734215
    // One target arm: q = δ_T, so TV = 1 − π^1(T) = 0.99265785.
    const m = createBandit({ arms: 3, targets: 1, baseRate: 1e-3, lambda: 1 });
    const st = makeSteering(m, 1, 2, createRng(7));
    st.s.forEach((v, i) => close(v, [4 / 3, -2 / 3, -2 / 3][i], 1e-12));
    close(st.cosine, 1);
    const r = measureAlignment(m, m.theta0, st.s, [0, 1], 2);
    close(r.perIntensity[1].targetMass, 0.00734215, 1e-8);
    close(r.perIntensity[1].tv, 0.99265785, 1e-8);
  });

  test('TV is symmetric, 0 on equal inputs, 1 on disjoint supports', () => {
    expect(totalVariation([0.2, 0.8], [0.2, 0.8])).toBe(0);
    expect(totalVariation([1, 0], [0, 1])).toBe(1);
    close(totalVariation([0.1, 0.9], [0.6, 0.4]), totalVariation([0.6, 0.4], [0.1, 0.9]));
  });
});

describe('steering construction', () => {
  const m = createBandit({ arms: 10, targets: 2, baseRate: 1e-3, lambda: 1 });
  const g = idealDirection(m);

  test('centered, scaled by strength·‖g‖, cosine = x for x ≥ 0', () => {
    for (const x of [0, 0.3, 0.7, 1]) {
      for (let seed = 1; seed <= 5; seed++) {
        const st = makeSteering(m, x, 2, createRng(seed));
        close(st.s.reduce((a, b) => a + b, 0), 0, 1e-12);
        close(norm(st.s), 2 * norm(g), 1e-12);
        close(st.cosine, x, 1e-12);
        close(dot(st.s, g) / (norm(st.s) * norm(g)), x, 1e-12);
      }
    }
  });

  test('x = −1 lifts decoys and pushes the target down as α grows', () => {
    const st = makeSteering(m, -1, 2, createRng(3));
    expect(st.cosine).toBeLessThan(0);
    const decoy = (p: number[]) => p.reduce((a, v, i) => a + (m.arms[i].kind === 'decoy' ? v : 0), 0);
    const p0 = softmax(m.theta0);
    const p4 = softmax(axpy(m.theta0, 4, st.s));
    expect(targetMass(m, p4)).toBeLessThan(targetMass(m, p0));
    expect(decoy(p4)).toBeGreaterThan(decoy(p0));
  });
});

describe('updates', () => {
  // A general point (not θ0) and a random steering vector, so nothing cancels by symmetry.
  const m = createBandit({ arms: 4, targets: 1, baseRate: 0.1, lambda: 0.5 });
  const rng = createRng(11);
  const theta = m.theta0.map((v) => v + 0.7 * rng.normal());
  const s = [0.9, -0.4, 0.3, -0.8];

  /** E over all K^G groups of (1/G) Σ_i ρ_i A_i log π_θ'(a_i), samples and A drawn at `theta` (enumerated). */
  function expectedSurrogate(model: BanditModel, u: UpdateSettings, thetaPrime: number[]): number {
    const K = model.arms.length;
    const pi = softmax(theta);
    const dists = slotIntensities(u.grid, u.group).map((a) => softmax(axpy(theta, a, s)));
    const logp = softmax(thetaPrime).map(Math.log);
    let total = 0;
    const arms = new Array(u.group).fill(0);
    for (let code = 0; code < K ** u.group; code++) {
      let c = code;
      for (let i = 0; i < u.group; i++, c = Math.floor(c / K)) arms[i] = c % K;
      const P = arms.reduce((acc, a, i) => acc * dists[i][a], 1);
      const r = arms.map((a) => model.reward[a]);
      const mean = r.reduce((x, y) => x + y, 0) / u.group;
      let L = 0;
      arms.forEach((a, i) => {
        const rho = u.importance === 'truncated' ? Math.min(pi[a] / dists[i][a], u.isCap) : 1;
        L += (rho * (r[i] - mean) * logp[a]) / u.group;
      });
      total += P * L;
    }
    return total;
  }

  const fd = (f: (t: number[]) => number, at: number[], h = 1e-5) =>
    at.map((_, k) => {
      const up = [...at];
      const dn = [...at];
      up[k] += h;
      dn[k] -= h;
      return (f(up) - f(dn)) / (2 * h);
    });

  test('exact GRPO = (1 − 1/G)·∇ E_π[r], by finite differences', () => {
    const u: UpdateSettings = { grid: [0], group: 4, advantage: 'mean', importance: 'none', isCap: 1 };
    const J = (t: number[]) => dot(softmax(t), m.reward);
    const num = fd(J, theta);
    exactUpdate(m, theta, s, u).forEach((v, k) => close(v, (1 - 1 / 4) * num[k], 1e-8));
  });

  for (const importance of ['none', 'truncated'] as const) {
    test(`exact VSPO (importance ${importance}) = ∇ of the enumerated expected surrogate, by finite differences`, () => {
      const u: UpdateSettings = { grid: [0, 1, 2.5], group: 3, advantage: 'mean', importance, isCap: 1.5 };
      const num = fd((t) => expectedSurrogate(m, u, t), theta);
      const exact = exactUpdate(m, theta, s, u);
      expect(norm(exact)).toBeGreaterThan(1e-3);
      exact.forEach((v, k) => close(v, num[k], 1e-8));
    });
  }

  test('sampled updates with the mean advantage average to the exact update (Monte Carlo, 5 SE)', () => {
    const u: UpdateSettings = { grid: [0, 2], group: 4, advantage: 'mean', importance: 'none', isCap: 1 };
    const r = createRng(5);
    const N = 40000;
    const sum = new Array(4).fill(0);
    const sq = new Array(4).fill(0);
    for (let n = 0; n < N; n++) {
      sampledUpdate(m, theta, s, u, r).grad.forEach((v, k) => {
        sum[k] += v;
        sq[k] += v * v;
      });
    }
    const exact = exactUpdate(m, theta, s, u);
    exact.forEach((v, k) => {
      const mu = sum[k] / N;
      const se = Math.sqrt((sq[k] / N - mu * mu) / N);
      expect(Math.abs(mu - v)).toBeLessThan(5 * se + 1e-9);
    });
  });

  test('group-normalised sampled update only moves the arms it sampled, and sums to 0', () => {
    const u: UpdateSettings = { grid: [0, 1, 2, 4], group: 8, advantage: 'group', importance: 'none', isCap: 1 };
    const r = createRng(9);
    for (let n = 0; n < 50; n++) {
      const g = sampledUpdate(m, theta, s, u, r);
      close(g.grad.reduce((a, b) => a + b, 0), 0, 1e-12);
      g.grad.forEach((v, k) => {
        if (!g.arms.includes(k)) close(v, 0, 1e-12);
      });
      if (g.zeroSpread) expect(g.grad.every((v) => v === 0)).toBe(true);
    }
  });

  test('GRPO ignores the steering vector; a seed reproduces a run; the cap censors', () => {
    const model = createBandit({ arms: 10, targets: 2, baseRate: 1e-3, lambda: 1 });
    const set = { ...DEFAULTS, method: 'grpo' as const };
    const a = createSimulator(model, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], set, 42);
    const b = createSimulator(model, new Array(10).fill(0), set, 42);
    for (let i = 0; i < 200; i++) expect(a.step().probs).toEqual(b.step().probs);
    const c = runToThreshold(createSimulator(model, new Array(10).fill(0), set, 1), 0.9, 25);
    expect(c).toMatchObject({ iterations: 25, censored: true });
  });

  test('traceMasses reports per-arm masses from θ0 to the step that reaches τ (for the UI chart)', () => {
    const tr = traceMasses({ ...DEFAULTS, alignment: 1 }, 'vspo', 0, 5);
    expect(tr[0]).toEqual({ iteration: 0, probs: softmax(createBandit(DEFAULTS).theta0) });
    const last = tr[tr.length - 1];
    expect(last.probs[0] + last.probs[1]).toBeGreaterThanOrEqual(0.9);
    expect(tr.slice(1, -1).every((t) => t.iteration % 5 === 0)).toBe(true);
    for (const t of tr) close(t.probs.reduce((a, b) => a + b, 0), 1, 1e-12);
  });
});

describe('statistics', () => {
  test('Mann–Whitney U and Φ on hand-worked values', () => {
    expect(mannWhitneyLess([1, 2, 3], [4, 5, 6]).U).toBe(9);
    expect(mannWhitneyLess([1, 2], [2, 3]).U).toBe(3.5); // 1<2, 1<3, 2=2 (½), 2<3
    close(normalCdf(1.959964), 0.975, 1e-6);
    close(normalCdf(-2.326348), 0.01, 1e-6);
    // n = m = 10, no ties, U = 80: z = (80 − 50 − ½)/√(100·21/12) = 29.5/13.2288 = 2.22999, p = 0.012874
    const x = [1, 2, 3, 4, 5, 6, 12, 13, 14, 15]; // 12..15 each beat 7..11: 20 reversed pairs
    const y = [7, 8, 9, 10, 11, 16, 17, 18, 19, 20];
    const t = mannWhitneyLess(x, y);
    expect(t.U).toBe(80);
    close(t.z, 2.22999, 1e-5);
    close(t.p, 0.012874, 1e-5);
    expect(mannWhitneyLess([5, 5, 5], [5, 5, 5]).p).toBe(1);
  });

  test('crossover interpolates the log ratio between the bracketing alignments', () => {
    const fig = (v: number) => ({ mean: v, std: 0, median: v });
    const row = (x: number, ratio: number, tv: number): Comparison =>
      ({
        alignment: x,
        ratio,
        figures: { cosine: fig(x), tvAtMax: fig(tv), targetMassAtMax: fig(1 - tv), tvMixture: fig(tv), targetMassMixture: fig(1 - tv), perIntensity: [] },
        test: { U: 0, z: 0, p: ratio < 1 ? 0.001 : 0.5, level: 0.01, vspoFaster: ratio < 1 },
      }) as unknown as Comparison;
    const r = findCrossover([row(0, 4, 1), row(0.5, 2, 0.9), row(1, 0.5, 0.5)]);
    // log ratios −ln 2 at x = 1 and +ln 2 at x = 0.5: zero halfway, x = 0.75, TV halfway = 0.7.
    close(r.crossover!.alignment, 0.75);
    close(r.crossover!.tvAtMax, 0.7);
    expect(r.crossover!.bracket).toEqual([0.5, 1]);
    expect(r.significantDownTo).toBe(1);
    expect(findCrossover([row(1, 2, 0.5)]).crossover).toBeNull();
  });

  test('measured thresholds split runs at the figure that separates fast from slow', () => {
    // GRPO mean 100; runs with mixture target mass 0.01 and 0.02 beat it, 0.001 and 0.002 do not:
    // the best cut is halfway between 0.002 and 0.01 = 0.006, no errors, 6× the base rate 0.001.
    const per = [0.01, 0.02, 0.001, 0.002].map((m) => ({ cosine: 0, tvAtMax: 1 - m, targetMassAtMax: m, tvMixture: 1 - m, targetMassMixture: m }));
    const r = {
      alignment: 0.5,
      vspo: { iterations: [10, 20, 500, 600] },
      grpo: { mean: 100 },
      figures: { perSeed: per },
    } as unknown as Comparison;
    const t = measuredThresholds([r], 0.001);
    expect(t).toMatchObject({ runs: 4, fasterRuns: 2 });
    close(t.features.targetMassMixture.threshold!, 0.006);
    expect(t.features.targetMassMixture.misclassified).toBe(0);
    close(t.features.tvMixture.threshold!, 0.994);
    close(t.liftOverBaseRate!, 6, 1e-9);
    expect(t.features.alignment).toMatchObject({ threshold: null, misclassified: 2 }); // one x: no split
  });
});

// Default settings (K = 10, 2 targets, base rate 1e-3, G = 8, grid {0,1,2,4}, sampled, std-normalised
// advantages), 12 seeds per method. Significance level α = 0.01, one-sided Mann–Whitney U.
describe('VSPO against GRPO over seeds (α = 0.01)', () => {
  const settings = { ...DEFAULTS, seeds: 12, maxIterations: 20000 };

  test('aligned steering (x = 1): VSPO needs significantly fewer iterations', () => {
    const c = compare(settings, 1);
    expect(c.vspo.censored).toBe(0);
    expect(c.test.p).toBeLessThan(0.01);
    expect(c.ratio).toBeLessThan(1);
  });

  test('anti-aligned steering (x = −1): VSPO is not faster (and is significantly slower)', () => {
    const c = compare(settings, -1);
    expect(c.test.p).toBeGreaterThan(0.01);
    expect(c.ratio).toBeGreaterThan(1);
    expect(mannWhitneyLess(c.grpo.iterations, c.vspo.iterations).p).toBeLessThan(0.01);
  });
});
