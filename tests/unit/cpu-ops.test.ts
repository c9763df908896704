// CPU twins: every backward against central finite differences. The ops are dtype-generic, so the
// checks run them on Float64Array buffers and hold to float64-level tolerances.
import { describe, expect, test } from 'vitest';
import {
  adamwUpdate,
  attentionBackward,
  attentionForward,
  encoderBackward,
  encoderForward,
  encoderForwardDecode,
  geluBackward,
  geluForward,
  globalNormSq,
  layernormBackward,
  layernormForward,
  logprobBackward,
  logprobForward,
  matmulBackward,
  matmulBackwardTransposed,
  matmulForward,
  matmulForwardTransposed,
  residualForward,
  sampleLogprob,
  sampleToken,
  sampleWithLogprob,
  steeringForward,
  steeringForwardDecode,
} from '../../src/engine/cpu';
import type { GPTConfig } from '../../src/model/config';
import { createCpuModel } from '../../src/model/cpu-model';
import { initParams } from '../../src/model/init';
import { createRng, type Rng } from '../../src/util/rng';

type F = Float32Array;
const f64 = (n: number) => new Float64Array(n) as unknown as F;
const randn = (rng: Rng, n: number, scale = 1) => {
  const a = f64(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
};
const dot = (a: F, b: F) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Compares analytic[i] with (loss(x+eps) - loss(x-eps)) / 2eps for every element of x. */
function checkGrad(name: string, x: F, analytic: F, loss: () => number, eps = 1e-6, tol = 1e-6) {
  let worst = 0;
  let where = '';
  for (let i = 0; i < x.length; i++) {
    const old = x[i];
    x[i] = old + eps;
    const lp = loss();
    x[i] = old - eps;
    const lm = loss();
    x[i] = old;
    const fd = (lp - lm) / (2 * eps);
    const err = Math.abs(fd - analytic[i]) / (1 + Math.abs(fd));
    if (err > worst) {
      worst = err;
      where = `${name}[${i}]: analytic ${analytic[i]}, finite difference ${fd}`;
    }
  }
  expect(worst, where).toBeLessThan(tol);
}

describe('encoder', () => {
  test('forward and scatter-add backward', () => {
    const rng = createRng(1);
    const B = 2, T = 5, C = 7, V = 4, Tmax = 6;
    const tokens = Int32Array.from({ length: B * T }, () => rng.int(V));
    tokens[0] = tokens[1] = tokens[7] = 2; // repeats must accumulate
    const wte = randn(rng, V * C), wpe = randn(rng, Tmax * C), R = randn(rng, B * T * C);
    const out = f64(B * T * C);
    const loss = () => (encoderForward(out, tokens, wte, wpe, B, T, C), dot(out, R));
    loss();
    expect(out[(1 * T + 3) * C + 4]).toBe(wte[tokens[1 * T + 3] * C + 4] + wpe[3 * C + 4]);
    const dwte = f64(V * C), dwpe = f64(Tmax * C);
    encoderBackward(dwte, dwpe, R, tokens, B, T, C);
    checkGrad('wte', wte, dwte, loss);
    checkGrad('wpe', wpe, dwpe, loss);
  });

  test('decode step: row pos of the full forward, read from whole token rows', () => {
    const rng = createRng(11);
    const B = 3, TT = 6, C = 5, V = 7;
    const tokens = Int32Array.from({ length: B * TT }, () => rng.int(V));
    const wte = Float32Array.from({ length: V * C }, () => rng.normal());
    const wpe = Float32Array.from({ length: TT * C }, () => rng.normal());
    const full = new Float32Array(B * TT * C);
    encoderForward(full, tokens, wte, wpe, B, TT, C);
    for (const pos of [0, 2, TT - 1]) {
      const out = new Float32Array(B * C).fill(NaN);
      encoderForwardDecode(out, tokens, wte, wpe, pos, B, TT, C);
      for (let b = 0; b < B; b++) {
        expect(out.subarray(b * C, b * C + C), `b=${b} pos=${pos}`).toEqual(full.subarray((b * TT + pos) * C, (b * TT + pos + 1) * C));
      }
    }
  });
});

describe('layernorm', () => {
  test('forward normalises; backward matches finite differences', () => {
    const rng = createRng(2);
    const N = 5, C = 7;
    const inp = randn(rng, N * C, 2), w = randn(rng, C), b = randn(rng, C), R = randn(rng, N * C);
    const out = f64(N * C), mean = f64(N), rstd = f64(N);
    const ones = f64(C).fill(1), zeros = f64(C);
    layernormForward(out, mean, rstd, inp, ones, zeros, N, C);
    for (let n = 0; n < N; n++) {
      const row = out.subarray(n * C, n * C + C);
      const m = row.reduce((s, x) => s + x, 0) / C;
      const v = row.reduce((s, x) => s + (x - m) ** 2, 0) / C;
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(v).toBeCloseTo(1, 4); // eps 1e-5 shrinks it slightly
    }
    const loss = () => (layernormForward(out, mean, rstd, inp, w, b, N, C), dot(out, R));
    loss();
    const dinp = f64(N * C), dw = f64(C), db = f64(C);
    layernormBackward(dinp, dw, db, R, inp, w, mean, rstd, N, C);
    checkGrad('inp', inp, dinp, loss);
    checkGrad('weight', w, dw, loss);
    checkGrad('bias', b, db, loss);
  });
});

describe('matmul', () => {
  const naive = (inp: F, W: F, bias: F | null, N: number, C: number, OC: number, transposed: boolean) => {
    const out = f64(N * OC);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < OC; o++) {
        let s = bias ? bias[o] : 0;
        for (let c = 0; c < C; c++) s += inp[n * C + c] * (transposed ? W[o * C + c] : W[c * OC + o]);
        out[n * OC + o] = s;
      }
    return out;
  };

  for (const [N, C, OC] of [
    [5, 7, 9],
    [9, 4, 8],
    [1, 3, 2],
  ]) {
    test(`forward/backward N=${N} C=${C} OC=${OC}, with and without bias`, () => {
      const rng = createRng(3 + N);
      const inp = randn(rng, N * C), W = randn(rng, C * OC), bias = randn(rng, OC), R = randn(rng, N * OC);
      const out = f64(N * OC);
      for (const bb of [bias, null]) {
        matmulForward(out, inp, W, bb, N, C, OC);
        const ref = naive(inp, W, bb, N, C, OC, false);
        for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(ref[i], 12);
      }
      const loss = () => (matmulForward(out, inp, W, bias, N, C, OC), dot(out, R));
      const dinp = f64(N * C), dW = f64(C * OC), db = f64(OC);
      matmulBackward(dinp, dW, db, R, inp, W, N, C, OC);
      checkGrad('inp', inp, dinp, loss);
      checkGrad('weight', W, dW, loss);
      checkGrad('bias', bias, db, loss);
      // accumulates; null dbias is allowed
      const dinp2 = dinp.slice(), dW2 = dW.slice();
      matmulBackward(dinp2, dW2, null, R, inp, W, N, C, OC);
      for (let i = 0; i < dinp.length; i++) expect(dinp2[i]).toBeCloseTo(2 * dinp[i], 12);
      for (let i = 0; i < dW.length; i++) expect(dW2[i]).toBeCloseTo(2 * dW[i], 12);
    });

    test(`transposed (tied head) N=${N} C=${C} OC=${OC}`, () => {
      const rng = createRng(30 + N);
      const inp = randn(rng, N * C), WT = randn(rng, OC * C), R = randn(rng, N * OC);
      const out = f64(N * OC);
      matmulForwardTransposed(out, inp, WT, N, C, OC);
      const ref = naive(inp, WT, null, N, C, OC, true);
      for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(ref[i], 12);
      const loss = () => (matmulForwardTransposed(out, inp, WT, N, C, OC), dot(out, R));
      const dinp = f64(N * C), dWT = f64(OC * C);
      matmulBackwardTransposed(dinp, dWT, R, inp, WT, N, C, OC);
      checkGrad('inp', inp, dinp, loss);
      checkGrad('weightT', WT, dWT, loss);
    });
  }

  test('float32 results do not depend on N (row-wise identical)', () => {
    const rng = createRng(4);
    const N = 7, C = 13, OC = 10;
    const inp = Float32Array.from({ length: N * C }, () => rng.normal());
    const W = Float32Array.from({ length: C * OC }, () => rng.normal());
    const bias = Float32Array.from({ length: OC }, () => rng.normal());
    const all = new Float32Array(N * OC);
    matmulForward(all, inp, W, bias, N, C, OC);
    for (let n = 0; n < N; n++) {
      const one = new Float32Array(OC);
      matmulForward(one, inp.subarray(n * C, n * C + C), W, bias, 1, C, OC);
      expect(Array.from(one)).toEqual(Array.from(all.subarray(n * OC, n * OC + OC)));
    }
  });
});

describe('attention', () => {
  test('causal forward: weights sum to 1, zeros above the diagonal, matches a naive softmax', () => {
    const rng = createRng(5);
    const B = 2, T = 5, C = 6, NH = 2, hs = 3;
    const qkv = randn(rng, B * T * 3 * C);
    const out = f64(B * T * C), att = f64(B * NH * T * T).fill(7);
    attentionForward(out, att, qkv, B, T, C, NH);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < NH; h++)
        for (let t = 0; t < T; t++) {
          const row = att.subarray(((b * NH + h) * T + t) * T, ((b * NH + h) * T + t + 1) * T);
          expect(row.slice(0, t + 1).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
          for (let j = t + 1; j < T; j++) expect(row[j]).toBe(0);
          const q = (j: number, part: number, i: number) => qkv[(b * T + j) * 3 * C + part * C + h * hs + i];
          const sc = Array.from({ length: t + 1 }, (_, j) => [0, 1, 2].reduce((s, i) => s + q(t, 0, i) * q(j, 1, i), 0) / Math.sqrt(hs));
          const mx = Math.max(...sc);
          const ex = sc.map((s) => Math.exp(s - mx));
          const Z = ex.reduce((a, b2) => a + b2, 0);
          for (let i = 0; i < hs; i++) {
            const ref = ex.reduce((s, e, j) => s + (e / Z) * q(j, 2, i), 0);
            expect(out[(b * T + t) * C + h * hs + i]).toBeCloseTo(ref, 12);
          }
        }
  });

  test('backward matches finite differences', () => {
    const rng = createRng(6);
    const B = 2, T = 5, C = 6, NH = 2;
    const qkv = randn(rng, B * T * 3 * C), R = randn(rng, B * T * C);
    const out = f64(B * T * C), att = f64(B * NH * T * T);
    const loss = () => (attentionForward(out, att, qkv, B, T, C, NH), dot(out, R));
    loss();
    const dqkv = f64(B * T * 3 * C);
    attentionBackward(dqkv, R, qkv, att, B, T, C, NH);
    checkGrad('qkv', qkv, dqkv, loss);
  });
});

describe('gelu', () => {
  test('forward is the tanh approximation; backward matches finite differences', () => {
    const rng = createRng(7);
    const N = 11;
    const inp = randn(rng, N, 3), R = randn(rng, N);
    inp[0] = 0;
    inp[1] = 30;
    inp[2] = -30;
    const out = f64(N);
    geluForward(out, inp, N);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(30, 12);
    expect(out[2]).toBeCloseTo(0, 12);
    const x = inp[3];
    expect(out[3]).toBeCloseTo(0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), 14);
    const loss = () => (geluForward(out, inp, N), dot(out, R));
    const dinp = f64(N);
    geluBackward(dinp, inp, R, N);
    checkGrad('inp', inp, dinp, loss);
  });
});

describe('residual', () => {
  // No backward function: the models pass the residual gradient on unchanged to both inputs (in place),
  // which is what this checks.
  test('forward adds; the gradient reaching both inputs is the incoming gradient', () => {
    const rng = createRng(8);
    const N = 9;
    const a = randn(rng, N), b = randn(rng, N), R = randn(rng, N), out = f64(N);
    const loss = () => (residualForward(out, a, b, N), dot(out, R));
    checkGrad('inp1', a, R, loss);
    checkGrad('inp2', b, R, loss);
  });
});

describe('steering', () => {
  test('adds alpha*v only inside each window; alpha = 0 is bit-for-bit identity', () => {
    const rng = createRng(9);
    const B = 3, T = 5, C = 4;
    const h0 = Float32Array.from({ length: B * T * C }, () => rng.normal());
    h0[2] = -0; // -0 + 0*v would become +0: alpha = 0 must not touch it
    const v = Float32Array.from({ length: C }, () => rng.normal());
    const alpha = new Float32Array([0, 2, -1]);
    const start = new Int32Array([0, 1, 3]);
    const end = new Int32Array([5, 3, 99]);
    const h = h0.slice();
    steeringForward(h, v, alpha, start, end, B, T, C);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let i = 0; i < C; i++) {
          const k = (b * T + t) * C + i;
          const inside = alpha[b] !== 0 && t >= start[b] && t < end[b];
          if (inside) expect(h[k]).toBe(Math.fround(h0[k] + alpha[b] * v[i]));
          else expect(Object.is(h[k], h0[k])).toBe(true);
        }
  });

  test('decode step: bit for bit row pos of the full hook, at every position in and out of each window', () => {
    const rng = createRng(12);
    const B = 4, T = 7, C = 3;
    const h0 = Float32Array.from({ length: B * T * C }, () => rng.normal());
    h0[(3 * T + 1) * C] = -0; // alpha = 0 row: -0 must stay -0
    const v = Float32Array.from({ length: C }, () => rng.normal());
    const alpha = new Float32Array([1.5, -2, 0.25, 0]);
    const start = new Int32Array([0, 2, -3, 0]);
    const end = new Int32Array([7, 4, 1, 7]);
    const full = h0.slice();
    steeringForward(full, v, alpha, start, end, B, T, C);
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));
    for (let pos = 0; pos < T; pos++) {
      const h = new Float32Array(B * C);
      for (let b = 0; b < B; b++) h.set(h0.subarray((b * T + pos) * C, (b * T + pos + 1) * C), b * C);
      steeringForwardDecode(h, v, alpha, start, end, pos, B, C);
      for (let b = 0; b < B; b++) {
        expect(bits(h.subarray(b * C, b * C + C)), `b=${b} pos=${pos}`).toEqual(bits(full.subarray((b * T + pos) * C, (b * T + pos + 1) * C)));
      }
    }
    // the windows above do change something at some positions (the comparison is not vacuous)
    expect(bits(full)).not.toEqual(bits(h0));
  });
});

describe('logprob', () => {
  test('forward: stable log-softmax, entropy, -1 targets give 0', () => {
    const N = 3, V = 4;
    const logits = f64(N * V);
    logits.set([1000, 1001, 999, 1000, 0, 0, 0, 0, 1, 2, 3, 4]);
    const targets = new Int32Array([1, -1, 3]);
    const logp = f64(N), ent = f64(N);
    logprobForward(logp, ent, logits, targets, N, V);
    const lse0 = 1001 + Math.log(Math.exp(-1) + 1 + Math.exp(-2) + Math.exp(-1));
    expect(logp[0]).toBeCloseTo(1001 - lse0, 12);
    expect(logp[1]).toBe(0);
    expect(ent[1]).toBeCloseTo(Math.log(4), 12);
    const p = [1, 2, 3, 4].map((x) => Math.exp(x));
    const Z = p.reduce((a, b) => a + b, 0);
    expect(logp[2]).toBeCloseTo(Math.log(p[3] / Z), 12);
    expect(ent[2]).toBeCloseTo(-p.reduce((s, x) => s + (x / Z) * Math.log(x / Z), 0), 12);
  });

  test('backward matches finite differences; -1 rows contribute nothing', () => {
    const rng = createRng(10);
    const N = 5, V = 7;
    const logits = randn(rng, N * V, 2), dlogp = randn(rng, N);
    const targets = new Int32Array([3, -1, 0, 6, 2]);
    const logp = f64(N), ent = f64(N);
    const loss = () => (logprobForward(logp, ent, logits, targets, N, V), dot(logp, dlogp));
    const dlogits = f64(N * V);
    logprobBackward(dlogits, dlogp, logits, targets, N, V);
    for (let v = 0; v < V; v++) expect(dlogits[1 * V + v]).toBe(0);
    checkGrad('logits', logits, dlogits, loss);
  });
});

describe('adamw', () => {
  test('globalNormSq is the sum of squares', () => {
    const g = new Float32Array([1, 2, 3, 4, 5]);
    expect(globalNormSq(g)).toBe(55);
    expect(globalNormSq(new Float32Array([1, NaN]))).toBeNaN();
  });

  test('one step matches the formula (bias correction, decoupled decay, grad scale)', () => {
    const p = f64(3), g = f64(3), m = f64(3), v = f64(3);
    p.set([1, -2, 0.5]);
    g.set([0.1, -0.3, 0]);
    m.set([0.01, 0, 0.02]);
    v.set([0.001, 0, 0.0004]);
    const [lr, b1, b2, eps, wd, step, scale] = [0.01, 0.9, 0.95, 1e-8, 0.1, 3, 0.5];
    const ref = Array.from(p, (pi, i) => {
      const gi = g[i] * scale;
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      const mh = mi / (1 - b1 ** step), vh = vi / (1 - b2 ** step);
      return pi - lr * (mh / (Math.sqrt(vh) + eps) + wd * pi);
    });
    adamwUpdate(p, g, m, v, lr, b1, b2, eps, wd, step, scale, 3);
    for (let i = 0; i < 3; i++) expect(p[i]).toBeCloseTo(ref[i], 14);
    expect(m[1]).toBeCloseTo(0.1 * -0.15, 14);
  });

  test('first step moves each parameter by about lr against its gradient sign', () => {
    const p = new Float32Array([0, 0]), g = new Float32Array([3, -0.001]);
    adamwUpdate(p, g, new Float32Array(2), new Float32Array(2), 0.1, 0.9, 0.999, 1e-8, 0, 1, 1, 2);
    expect(p[0]).toBeCloseTo(-0.1, 5);
    expect(p[1]).toBeCloseTo(0.1, 4);
  });
});

describe('sampleToken', () => {
  test('temperature 0 is argmax with the lowest index on ties', () => {
    const l = new Float32Array([1, 5, 3, 5]);
    expect(sampleToken(l, 0, 0, 0.99)).toBe(1);
    expect(sampleToken(l, 0, 2, 0.5)).toBe(1);
  });

  test('deterministic given u; follows the softmax CDF in index order', () => {
    const l = new Float32Array([Math.log(0.1), Math.log(0.2), Math.log(0.3), Math.log(0.4)]);
    expect(sampleToken(l, 1, 0, 0.05)).toBe(0);
    expect(sampleToken(l, 1, 0, 0.15)).toBe(1);
    expect(sampleToken(l, 1, 0, 0.45)).toBe(2);
    expect(sampleToken(l, 1, 0, 0.95)).toBe(3);
    expect(sampleToken(l, 1, 0, 0.999999)).toBe(3);
    for (let i = 0; i < 5; i++) expect(sampleToken(l, 0.7, 0, 0.37)).toBe(sampleToken(l, 0.7, 0, 0.37));
  });

  test('top-k keeps the k largest (ties to lower indices) and renormalises; works on subarrays', () => {
    const row = new Float32Array([9, 9, 0, 1, 1, 0.5]);
    const l = row.subarray(2); // [0, 1, 1, 0.5]
    // topK 1 with a tie at the max: index 1 only
    for (const u of [0, 0.3, 0.99]) expect(sampleToken(l, 1, 1, u)).toBe(1);
    // topK 2: indices 1 and 2, equal mass
    expect(sampleToken(l, 1, 2, 0.49)).toBe(1);
    expect(sampleToken(l, 1, 2, 0.51)).toBe(2);
    // topK 3: drops index 0 (logit 0)
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(sampleToken(l, 1, 3, i / 100));
    expect([...seen].sort()).toEqual([1, 2, 3]);
    // high temperature flattens: u=0 still gives the first kept index
    expect(sampleToken(l, 100, 0, 0)).toBe(0);
  });
});

/**
 * Reference sampling distribution, written independently of src/engine/cpu/sample.ts: rank all tokens by
 * (logit descending, index ascending), keep the first topK (all for topK 0 or >= V), and renormalise
 * exp((l - max) / T) over them, in float64. Returns log p per token (-Infinity outside the kept set).
 * temperature <= 0: the point mass on the argmax (lowest index among ties).
 */
function refSamplingLogprobs(logits: ArrayLike<number>, temperature: number, topK: number): Float64Array {
  const V = logits.length;
  const out = new Float64Array(V).fill(-Infinity);
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  if (!(temperature > 0)) {
    out[order[0]] = 0;
    return out;
  }
  const kept = topK > 0 && topK < V ? order.slice(0, topK) : order;
  const mx = logits[order[0]];
  const z = kept.map((v) => (logits[v] - mx) / temperature);
  const zmax = Math.max(...z);
  const lse = zmax + Math.log(z.reduce((a, x) => a + Math.exp(x - zmax), 0));
  kept.forEach((v, i) => (out[v] = z[i] - lse));
  return out;
}

/** Rows with many exact ties (small integers / halves) or distinct values. */
function tieRow(rng: Rng, V: number, ties: boolean): Float32Array {
  return Float32Array.from({ length: V }, () => (ties ? Math.round(rng.normal() * 1.5) / 2 : rng.normal() * 2));
}

describe('sampling log-prob (sampleWithLogprob / sampleLogprob)', () => {
  test('equals an independent sort-threshold-renormalise recomputation; kept mass sums to 1', () => {
    const rng = createRng(2024);
    let splitTies = 0; // cases where the top-k threshold cuts through a group of equal logits
    for (const V of [5, 11, 37]) {
      for (let r = 0; r < 12; r++) {
        const row = tieRow(rng, V, r % 3 !== 2);
        for (const temperature of [0.5, 1, 1.7]) {
          for (const topK of [0, 1, 3, V]) {
            const ref = refSamplingLogprobs(row, temperature, topK);
            const k = topK > 0 && topK < V ? topK : V;
            const sortedDesc = Array.from(row).sort((a, b) => b - a);
            if (k < V && sortedDesc[k - 1] === sortedDesc[k]) splitTies++;
            // every token: sampleLogprob vs the reference, and the kept set has exactly k tokens
            let mass = 0, kept = 0;
            for (let v = 0; v < V; v++) {
              const lp = sampleLogprob(row, temperature, topK, v);
              const tag = `V=${V} r=${r} T=${temperature} k=${topK} v=${v}`;
              if (ref[v] === -Infinity) expect(lp, tag).toBe(-Infinity);
              else expect(Math.abs(lp - ref[v]), tag).toBeLessThan(1e-12);
              if (lp > -Infinity) {
                kept++;
                mass += Math.exp(lp);
              }
            }
            expect(kept).toBe(k);
            expect(Math.abs(mass - 1)).toBeLessThan(1e-12);
            // sampled tokens: the same token as sampleToken, in the kept set, with the reference log-prob
            for (const u of [0, 0.1, 0.37, 0.5, 0.81, 0.999999]) {
              const got = sampleWithLogprob(row, temperature, topK, u);
              expect(got.token).toBe(sampleToken(row, temperature, topK, u));
              expect(ref[got.token]).toBeGreaterThan(-Infinity);
              expect(Math.abs(got.logprob - ref[got.token])).toBeLessThan(1e-12);
            }
          }
        }
      }
    }
    expect(splitTies).toBeGreaterThan(10); // the tie rule at the threshold was exercised
  });

  test('the tokens drawn over a fine grid of u have frequencies exp(logprob)', () => {
    const rng = createRng(5);
    const V = 9, N = 20000;
    for (const [temperature, topK] of [
      [0.5, 3],
      [1.7, 0],
      [1, 4],
    ]) {
      const row = tieRow(rng, V, true);
      const count = new Float64Array(V);
      let sumLp = 0;
      for (let i = 0; i < N; i++) {
        const s = sampleWithLogprob(row, temperature, topK, (i + 0.5) / N);
        count[s.token]++;
        sumLp += s.logprob;
      }
      const ref = refSamplingLogprobs(row, temperature, topK);
      let refMeanLp = 0;
      for (let v = 0; v < V; v++) {
        expect(Math.abs(count[v] / N - Math.exp(ref[v])), `T=${temperature} k=${topK} v=${v}`).toBeLessThan(2e-4);
        if (count[v] > 0) refMeanLp += (count[v] / N) * ref[v];
      }
      expect(sumLp / N).toBeCloseTo(refMeanLp, 10);
    }
  });

  test('greedy is a point mass (logprob 0); top-k ties at the threshold go to the lowest indices', () => {
    const l = new Float32Array([1, 5, 3, 5]);
    expect(sampleWithLogprob(l, 0, 0, 0.7)).toEqual({ token: 1, logprob: 0 });
    expect(sampleWithLogprob(l, 0, 2, 0.7)).toEqual({ token: 1, logprob: 0 });
    expect(sampleLogprob(l, 0, 0, 1)).toBe(0);
    expect(sampleLogprob(l, 0, 0, 3)).toBe(-Infinity);
    const m = new Float32Array([0, 1, 1, 0.5]);
    // topK 1 with a tie at the max: index 1 only, probability 1
    expect(sampleLogprob(m, 1.3, 1, 1)).toBe(0);
    expect(sampleLogprob(m, 1.3, 1, 2)).toBe(-Infinity);
    // topK 3: {1, 2, 3}; at T = 0.5 weights e^0, e^0, e^-1
    const Z = 2 + Math.exp(-1);
    expect(sampleLogprob(m, 0.5, 3, 1)).toBeCloseTo(-Math.log(Z), 12);
    expect(sampleLogprob(m, 0.5, 3, 3)).toBeCloseTo(-1 - Math.log(Z), 12);
    expect(sampleLogprob(m, 0.5, 3, 0)).toBe(-Infinity);
    // not the temperature-1 full-vocabulary log-prob (the old, wrong value)
    const full = 1 - Math.log(Math.exp(0) + 2 * Math.exp(1) + Math.exp(0.5));
    expect(Math.abs(sampleLogprob(m, 0.5, 3, 1) - full)).toBeGreaterThan(0.1);
  });
});

describe('CpuModel generate: log-probs of the sampling distribution', () => {
  const config: GPTConfig = { vocabSize: 11, contextLength: 12, dModel: 8, nLayers: 2, nHeads: 2 };
  const params = () => {
    const rng = createRng(3);
    const p = initParams(config, 3);
    for (const a of p.values()) for (let i = 0; i < a.length; i++) a[i] += rng.normal() * 0.5;
    return p;
  };

  test('temperature 0.7, topK 3: logprobs equal the recomputation from logits() of the generated sequence', async () => {
    const model = createCpuModel(config, params());
    const B = 4, P = 3, M = 8, S = P + M, V = config.vocabSize;
    const rng = createRng(17);
    const prompt = Int32Array.from({ length: B * P }, () => rng.int(V));
    const steering = {
      vector: Float32Array.from({ length: config.dModel }, () => rng.normal()),
      layer: 1,
      alpha: Float32Array.from([0, 2, -1, 3]),
      start: Int32Array.from([0, 2, 4, 0]),
      end: Int32Array.from([S, 6, S, S]),
    };
    for (const [temperature, topK] of [
      [0.7, 3],
      [1.7, 0],
      [0.5, V],
    ]) {
      const out = await model.generate({ prompt, B, P, maxNewTokens: M, temperature, topK, seed: 9, steering });
      const logits = await model.logits({ tokens: out.tokens, B, T: S }, steering);
      let maxDiffFromT1 = 0;
      for (let b = 0; b < B; b++)
        for (let s = 0; s < M; s++) {
          const t = P - 1 + s; // position whose logits produced new token s
          const row = logits.subarray((b * S + t) * V, (b * S + t + 1) * V);
          const tok = out.tokens[b * S + t + 1];
          const ref = refSamplingLogprobs(row, temperature, topK)[tok];
          const tag = `T=${temperature} k=${topK} b=${b} s=${s}`;
          expect(ref, tag).toBeGreaterThan(-Infinity);
          expect(Math.abs(out.logprobs[b * M + s] - ref), tag).toBeLessThan(2e-5);
          maxDiffFromT1 = Math.max(maxDiffFromT1, Math.abs(ref - refSamplingLogprobs(row, 1, 0)[tok]));
        }
      expect(maxDiffFromT1).toBeGreaterThan(1e-2); // the check would catch the temperature-1 value
    }
  });

  test('greedy generation records logprob 0', async () => {
    const model = createCpuModel(config, params());
    const out = await model.generate({ prompt: Int32Array.from([1, 2, 3, 4]), B: 2, P: 2, maxNewTokens: 5, temperature: 0, topK: 0, seed: 1 });
    expect(Array.from(out.logprobs)).toEqual(new Array(10).fill(0));
  });
});
