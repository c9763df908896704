// CPU twins: every backward against central finite differences. The ops are dtype-generic, so the
// checks run them on Float64Array buffers and hold to float64-level tolerances.
import { describe, expect, test } from 'vitest';
import {
  adamwUpdate,
  attentionBackward,
  attentionForward,
  encoderBackward,
  encoderForward,
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
  residualBackward,
  residualForward,
  sampleToken,
  steeringForward,
} from '../../src/engine/cpu';
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
  test('forward adds; backward passes the gradient to both inputs (accumulating)', () => {
    const rng = createRng(8);
    const N = 9;
    const a = randn(rng, N), b = randn(rng, N), R = randn(rng, N), out = f64(N);
    const loss = () => (residualForward(out, a, b, N), dot(out, R));
    const da = f64(N).fill(1), db = f64(N);
    residualBackward(da, db, R, N);
    for (let i = 0; i < N; i++) da[i] -= 1;
    checkGrad('inp1', a, da, loss);
    checkGrad('inp2', b, db, loss);
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
