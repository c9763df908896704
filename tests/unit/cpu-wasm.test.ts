// The WASM SIMD kernels (src/engine/cpu/wasm/) against their plain-TypeScript twins, the oracle: every
// product on odd sizes and past each block size, all init modes, rows independent of the row count (the
// KV-cache decode property), and CpuModel's gradients on the shipped shape with either kernel set.
import { describe, expect, test } from 'vitest';
import {
  matmulBackward,
  matmulBackwardTransposed,
  matmulForward,
  matmulForwardTransposed,
} from '../../src/engine/cpu/matmul';
import {
  matmulBackwardTransposedWasm,
  matmulBackwardWasm,
  matmulForwardTransposedWasm,
  matmulForwardWasm,
} from '../../src/engine/cpu/wasm/matmul';
import { gemm } from '../../src/engine/cpu/wasm/gemm';
import { geluBackward, geluForward } from '../../src/engine/cpu/gelu';
import { geluBackwardWasm, geluForwardWasm } from '../../src/engine/cpu/wasm/gelu';
import { attentionBackward, attentionForward, attentionForwardDecode } from '../../src/engine/cpu/attention';
import { attentionBackwardWasm, attentionForwardDecodeWasm, attentionForwardWasm } from '../../src/engine/cpu/wasm/attention';
import { layernormBackward, layernormForward } from '../../src/engine/cpu/layernorm';
import { layernormBackwardWasm, layernormForwardWasm } from '../../src/engine/cpu/wasm/layernorm';
import { cpuKernels, defaultCpuKernelChoice, parseCpuKernelChoice } from '../../src/engine/cpu/kernels';
import { createCpuModel } from '../../src/model/cpu-model';
import { initParams } from '../../src/model/init';
import type { GPTConfig } from '../../src/model/config';
import { createRng } from '../../src/util/rng';

function rand(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** max |a - b| / max |b|: a scale-free distance for results whose entries are sums of random products. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? d : d / s;
}

// [N, C, OC]: odd sizes, one below and above the 6×8 tile, and past KC = 256, MC = 60 and NC = 1024
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 3, 17], [3, 17, 1], [17, 63, 65], [65, 129, 3], [129, 17, 63],
  [7, 257, 9], [121, 5, 1025], [300, 65, 24], [6, 8, 16],
];
const TOL = 1e-5;

describe('WASM gemm vs the plain twins', () => {
  test.each(SHAPES)('matmulForward N=%i C=%i OC=%i, with and without bias', (N, C, OC) => {
    const inp = rand(N * C, 1);
    const W = rand(C * OC, 2);
    const bias = rand(OC, 3);
    for (const b of [bias, null]) {
      const want = new Float32Array(N * OC);
      const got = rand(N * OC, 9); // overwritten, not accumulated
      matmulForward(want, inp, W, b, N, C, OC);
      matmulForwardWasm(got, inp, W, b, N, C, OC);
      expect(relErr(got, want)).toBeLessThan(TOL);
    }
  });

  test.each(SHAPES)('matmulBackward N=%i C=%i OC=%i accumulates dinp, dweight, dbias', (N, C, OC) => {
    const dout = rand(N * OC, 4);
    const inp = rand(N * C, 5);
    const W = rand(C * OC, 6);
    const start = [rand(N * C, 7), rand(C * OC, 8), rand(OC, 10)];
    const want = start.map((a) => a.slice());
    const got = start.map((a) => a.slice());
    matmulBackward(want[0], want[1], want[2], dout, inp, W, N, C, OC);
    matmulBackwardWasm(got[0], got[1], got[2], dout, inp, W, N, C, OC);
    for (let i = 0; i < 3; i++) expect(relErr(got[i], want[i])).toBeLessThan(TOL);
    expect(Array.from(got[2])).toEqual(Array.from(want[2])); // the bias sum is the plain twin's, bit for bit
    const dW = start[1].slice();
    matmulBackwardWasm(new Float32Array(N * C), dW, null, dout, inp, W, N, C, OC); // dbias null is allowed
    expect(relErr(dW, want[1])).toBeLessThan(TOL);
  });

  test.each(SHAPES)('matmulForwardTransposed / BackwardTransposed N=%i C=%i OC=%i', (N, C, OC) => {
    const inp = rand(N * C, 11);
    const WT = rand(OC * C, 12);
    const want = new Float32Array(N * OC);
    const got = new Float32Array(N * OC);
    matmulForwardTransposed(want, inp, WT, N, C, OC);
    matmulForwardTransposedWasm(got, inp, WT, N, C, OC);
    expect(relErr(got, want)).toBeLessThan(TOL);

    const dout = rand(N * OC, 13);
    const start = [rand(N * C, 14), rand(OC * C, 15)];
    const w = start.map((a) => a.slice());
    const g = start.map((a) => a.slice());
    matmulBackwardTransposed(w[0], w[1], dout, inp, WT, N, C, OC);
    matmulBackwardTransposedWasm(g[0], g[1], dout, inp, WT, N, C, OC);
    for (let i = 0; i < 2; i++) expect(relErr(g[i], w[i])).toBeLessThan(TOL);
  });

  test('a row does not depend on how many rows are multiplied with it (decode = full pass, bit for bit)', () => {
    const [N, C, OC] = [131, 70, 37];
    const inp = rand(N * C, 16);
    const W = rand(C * OC, 17);
    const bias = rand(OC, 18);
    const full = new Float32Array(N * OC);
    matmulForwardWasm(full, inp, W, bias, N, C, OC);
    for (const [r0, rows] of [[0, 1], [5, 3], [126, 5], [60, 71]]) {
      const part = new Float32Array(rows * OC);
      matmulForwardWasm(part, inp.subarray(r0 * C, (r0 + rows) * C), W, bias, rows, C, OC);
      expect(Array.from(part)).toEqual(Array.from(full.subarray(r0 * OC, (r0 + rows) * OC)));
    }
  });

  test('repeatable bit for bit, and independent of what the module held before', () => {
    const [N, C, OC] = [67, 300, 45];
    const inp = rand(N * C, 19);
    const W = rand(C * OC, 20);
    const a = new Float32Array(N * OC);
    matmulForwardWasm(a, inp, W, null, N, C, OC);
    matmulForwardWasm(new Float32Array(1030 * 9), rand(1030 * 3, 21), rand(3 * 9, 22), null, 1030, 3, 9);
    const b = new Float32Array(N * OC);
    matmulForwardWasm(b, inp, W, null, N, C, OC);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  test('gemm: K = 0 leaves the init (zeros, the bias rows or the accumulated values)', () => {
    const out = rand(6, 23);
    const before = out.slice();
    gemm(out, { data: new Float32Array(0), rs: 0, cs: 1 }, { data: new Float32Array(0), rs: 3, cs: 1 }, 2, 3, 0, 'accumulate');
    expect(Array.from(out)).toEqual(Array.from(before));
    gemm(out, { data: new Float32Array(0), rs: 0, cs: 1 }, { data: new Float32Array(0), rs: 3, cs: 1 }, 2, 3, 0, Float32Array.of(1, 2, 3));
    expect(Array.from(out)).toEqual([1, 2, 3, 1, 2, 3]);
  });

  test('float64 buffers (the finite-difference mode) run the plain twin exactly', () => {
    const [N, C, OC] = [5, 7, 9];
    const f64 = (a: Float32Array) => Float64Array.from(a) as unknown as Float32Array;
    const inp = f64(rand(N * C, 24));
    const W = f64(rand(C * OC, 25));
    const want = new Float64Array(N * OC) as unknown as Float32Array;
    const got = new Float64Array(N * OC) as unknown as Float32Array;
    matmulForward(want, inp, W, null, N, C, OC);
    matmulForwardWasm(got, inp, W, null, N, C, OC);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});

describe('WASM GELU vs the plain twin', () => {
  // values around 0, the knee, the tails where tanh saturates, and the edges of float32
  const SPECIAL = [0, -0, 1e-30, -1e-30, 1e-7, 0.5, -0.5, 1, -1, 2.5, -2.5, 5, -5, 9, -9, 12, -12, 30, -30, 1e4, -1e4, 3e38, -3e38];

  test.each([1, 3, 17, 63, 65, 129, 1023])('forward and backward, N = %i random values', (N) => {
    const inp = rand(N, 30).map((x) => x * 3);
    const dout = rand(N, 31);
    const want = new Float32Array(N);
    const got = rand(N, 32);
    geluForward(want, inp, N);
    geluForwardWasm(got, inp, N);
    expect(relErr(got, want)).toBeLessThan(1e-6);
    const start = rand(N, 33);
    const dw = start.slice();
    const dg = start.slice();
    geluBackward(dw, inp, dout, N);
    geluBackwardWasm(dg, inp, dout, N);
    expect(relErr(dg, dw)).toBeLessThan(1e-6);
  });

  test('each special value within 2e-6 of the plain twin relative to max(1, |x|); NaN, and ±Infinity at the limits', () => {
    const inp = Float32Array.from(SPECIAL);
    const N = inp.length;
    const ones = new Float32Array(N).fill(1);
    const fw = new Float32Array(N), fg = new Float32Array(N), bw = new Float32Array(N), bg = new Float32Array(N);
    geluForward(fw, inp, N);
    geluForwardWasm(fg, inp, N);
    geluBackward(bw, inp, ones, N);
    geluBackwardWasm(bg, inp, ones, N);
    for (let i = 0; i < N; i++) {
      const x = inp[i];
      expect(Math.abs(fg[i] - fw[i]) / Math.max(1, Math.abs(x)), `forward(${x})`).toBeLessThan(2e-6);
      expect(Math.abs(bg[i] - bw[i]), `backward(${x})`).toBeLessThan(2e-6);
    }
    // where the plain twin's formula gives NaN (0.5 x (1 + tanh) and its derivative at ±Infinity), the limits
    const edge = Float32Array.of(NaN, Infinity, -Infinity);
    const f = new Float32Array(3), d = new Float32Array(3);
    geluForwardWasm(f, edge, 3);
    geluBackwardWasm(d, edge, Float32Array.of(1, 1, 1), 3);
    expect(f[0]).toBeNaN();
    expect(d[0]).toBeNaN();
    expect(f[1]).toBe(Infinity);
    expect(d[1]).toBe(1);
    expect(Math.abs(f[2])).toBeLessThan(1e-30);
    expect(Math.abs(d[2])).toBeLessThan(1e-30);
  });

  test('the tails keep their relative accuracy (no cancellation in 1 + tanh for x < 0)', () => {
    // (below -5 the plain twin's own float64 1 + tanh cancels, so it is no oracle there)
    const inp = Float32Array.of(-2, -3, -4, -5);
    const want = new Float32Array(4), got = new Float32Array(4);
    geluForward(want, inp, 4);
    geluForwardWasm(got, inp, 4);
    for (let i = 0; i < 4; i++) expect(Math.abs(got[i] / want[i] - 1), `gelu(${inp[i]})`).toBeLessThan(1e-5);
  });
});

describe('WASM LayerNorm vs the plain twin', () => {
  // [N, C]: C below, at and past one f32x4 and odd (the scalar tail), N odd
  const LN_SHAPES: [number, number][] = [[1, 1], [3, 3], [1, 4], [17, 5], [63, 17], [3, 63], [65, 64], [17, 129], [1, 257], [5, 1025]];

  function forwardBoth(N: number, C: number, seed: number) {
    // a per-row offset and scale, so the mean and variance differ from row to row
    const inp = rand(N * C, seed).map((x, i) => x * (1 + (Math.floor(i / C) % 5)) + (Math.floor(i / C) % 3) - 1);
    const w = rand(C, seed + 1);
    const b = rand(C, seed + 2);
    const want = { out: new Float32Array(N * C), mean: new Float32Array(N), rstd: new Float32Array(N) };
    const got = { out: rand(N * C, seed + 3), mean: rand(N, seed + 4), rstd: rand(N, seed + 5) };
    layernormForward(want.out, want.mean, want.rstd, inp, w, b, N, C);
    layernormForwardWasm(got.out, got.mean, got.rstd, inp, w, b, N, C);
    return { inp, w, b, want, got };
  }

  test.each(LN_SHAPES)('forward: N = %i, C = %i', (N, C) => {
    const { want, got } = forwardBoth(N, C, 40);
    expect(relErr(got.out, want.out)).toBeLessThan(1e-5);
    expect(relErr(got.mean, want.mean)).toBeLessThan(1e-5);
    expect(relErr(got.rstd, want.rstd)).toBeLessThan(1e-5);
  });

  test.each(LN_SHAPES)('backward (accumulating into dinp, dweight, dbias): N = %i, C = %i', (N, C) => {
    const { inp, w, want } = forwardBoth(N, C, 50);
    const dout = rand(N * C, 55);
    const start = { dinp: rand(N * C, 56), dw: rand(C, 57), db: rand(C, 58) };
    const pw = { dinp: start.dinp.slice(), dw: start.dw.slice(), db: start.db.slice() };
    const wg = { dinp: start.dinp.slice(), dw: start.dw.slice(), db: start.db.slice() };
    layernormBackward(pw.dinp, pw.dw, pw.db, dout, inp, w, want.mean, want.rstd, N, C);
    layernormBackwardWasm(wg.dinp, wg.dw, wg.db, dout, inp, w, want.mean, want.rstd, N, C);
    // compare the increments, so the random starting values cannot hide an error
    const inc = (a: Float32Array, s: Float32Array) => a.map((x, i) => x - s[i]);
    expect(relErr(inc(wg.dinp, start.dinp), inc(pw.dinp, start.dinp))).toBeLessThan(1e-5);
    expect(relErr(inc(wg.dw, start.dw), inc(pw.dw, start.dw))).toBeLessThan(1e-5);
    expect(relErr(inc(wg.db, start.db), inc(pw.db, start.db))).toBeLessThan(1e-5);
  });

  test('a row does not depend on the batch it is in (forward, bit for bit)', () => {
    const [N, C] = [9, 67];
    const { inp, w, b, got } = forwardBoth(N, C, 60);
    for (const r of [0, 4, 8]) {
      const out = new Float32Array(C), mean = new Float32Array(1), rstd = new Float32Array(1);
      layernormForwardWasm(out, mean, rstd, inp.subarray(r * C, (r + 1) * C), w, b, 1, C);
      expect(Array.from(out)).toEqual(Array.from(got.out.subarray(r * C, (r + 1) * C)));
      expect([mean[0], rstd[0]]).toEqual([got.mean[r], got.rstd[r]]);
    }
  });
});

describe('WASM attention vs the plain twins', () => {
  // [B, T, C, NH]: head sizes 4, 8, 16 (the shipped one) and 6 (not a multiple of 4: the plain twins run)
  const CASES: [number, number, number, number][] = [[1, 1, 4, 1], [2, 3, 8, 2], [3, 17, 64, 4], [2, 22, 64, 4], [1, 65, 32, 2], [2, 5, 12, 2]];

  test.each(CASES)('forward B=%i T=%i C=%i NH=%i; each decode step equals its row of the full pass, bit for bit', (B, T, C, NH) => {
    const qkv = rand(B * T * 3 * C, 43).map((x) => x * 2);
    const want = { out: new Float32Array(B * T * C), att: new Float32Array(B * NH * T * T) };
    const got = { out: rand(B * T * C, 44), att: rand(B * NH * T * T, 45) }; // overwritten, zeros included
    attentionForward(want.out, want.att, qkv, B, T, C, NH);
    attentionForwardWasm(got.out, got.att, qkv, B, T, C, NH);
    expect(relErr(got.out, want.out)).toBeLessThan(1e-5);
    expect(relErr(got.att, want.att)).toBeLessThan(1e-5);
    for (let i = 0; i < want.att.length; i++) if (want.att[i] === 0) expect(got.att[i]).toBe(0);
    // the caches [B, cap, C] hold k and v of every position; decode position pos from them
    const cap = T + 2;
    const kc = new Float32Array(B * cap * C), vc = new Float32Array(B * cap * C);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      const src = (b * T + t) * 3 * C;
      kc.set(qkv.subarray(src + C, src + 2 * C), (b * cap + t) * C);
      vc.set(qkv.subarray(src + 2 * C, src + 3 * C), (b * cap + t) * C);
    }
    for (const pos of [0, T >> 1, T - 1]) {
      const q = new Float32Array(B * 3 * C);
      for (let b = 0; b < B; b++) q.set(qkv.subarray((b * T + pos) * 3 * C, (b * T + pos + 1) * 3 * C), b * 3 * C);
      const out = new Float32Array(B * C);
      const plainOut = new Float32Array(B * C);
      attentionForwardDecodeWasm(out, new Float32Array(pos + 1), q, kc, vc, B, cap, pos, C, NH);
      attentionForwardDecode(plainOut, new Float32Array(pos + 1), q, kc, vc, B, cap, pos, C, NH);
      for (let b = 0; b < B; b++) {
        const row = (b * T + pos) * C;
        expect(Array.from(out.subarray(b * C, (b + 1) * C))).toEqual(Array.from(got.out.subarray(row, row + C)));
        expect(Array.from(plainOut.subarray(b * C, (b + 1) * C))).toEqual(Array.from(want.out.subarray(row, row + C)));
      }
    }
  });

  test.each(CASES)('backward B=%i T=%i C=%i NH=%i',
    (B, T, C, NH) => {
      const qkv = rand(B * T * 3 * C, 40);
      const att = new Float32Array(B * NH * T * T);
      attentionForward(new Float32Array(B * T * C), att, qkv, B, T, C, NH);
      const dout = rand(B * T * C, 41);
      const start = rand(B * T * 3 * C, 42);
      const want = start.slice();
      const got = start.slice();
      attentionBackward(want, dout, qkv, att, B, T, C, NH);
      attentionBackwardWasm(got, dout, qkv, att, B, T, C, NH);
      expect(relErr(got, want)).toBeLessThan(1e-5);
      // the change from start, on its own scale too (start dominates the sum)
      const dW = want.map((x, i) => x - start[i]);
      const dG = got.map((x, i) => x - start[i]);
      expect(relErr(dG, dW)).toBeLessThan(1e-5);
      if ((C / NH) % 4 !== 0) expect(Array.from(got)).toEqual(Array.from(want));
    },
  );
});

describe('CpuModel on WASM vs plain kernels', () => {
  // the shipped models' shape (DESIGN §2)
  const config: GPTConfig = { vocabSize: 24, contextLength: 22, dModel: 64, nLayers: 3, nHeads: 4 };

  test('the kernel sets and the default', () => {
    expect(cpuKernels('plain').name).toBe('plain');
    expect(cpuKernels('wasm').name).toBe('wasm');
    expect(['wasm', 'plain']).toContain(defaultCpuKernelChoice());
    expect(parseCpuKernelChoice(undefined)).toBeUndefined();
    expect(parseCpuKernelChoice('')).toBeUndefined();
    expect(parseCpuKernelChoice('plain')).toBe('plain');
    expect(() => parseCpuKernelChoice('fast')).toThrow('VSPO_CPU_KERNELS must be one of wasm, plain (got "fast")');
  });

  test('logits, log-probs and every parameter gradient agree (relative error <= 1e-5)', async () => {
    const params = initParams(config, 3);
    const rng = createRng(4);
    for (const a of params.values()) for (let i = 0; i < a.length; i++) a[i] += rng.normal() * 0.05;
    const [B, T] = [5, 21];
    const tokens = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
    const targets = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
    const dlogp = Float32Array.from({ length: B * T }, () => rng.normal());
    const run = async (kernels: 'wasm' | 'plain') => {
      const m = createCpuModel(config, params, { kernels });
      const logits = await m.logits({ tokens, B, T });
      const { logprobs } = await m.logprobs({ tokens, B, T }, targets);
      await m.backward(dlogp);
      return { logits, logprobs, grads: await m.getGrads() };
    };
    const w = await run('wasm');
    const p = await run('plain');
    expect(relErr(w.logits, p.logits)).toBeLessThan(1e-5);
    expect(relErr(w.logprobs, p.logprobs)).toBeLessThan(1e-5);
    let worst = 0;
    for (const [name, g] of p.grads) {
      let d = 0;
      let s = 0;
      const gw = w.grads.get(name)!;
      for (let i = 0; i < g.length; i++) {
        d += (gw[i] - g[i]) ** 2;
        s += g[i] ** 2;
      }
      expect(s, name).toBeGreaterThan(0);
      worst = Math.max(worst, Math.sqrt(d / s));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(worst).toBeGreaterThan(0); // the two sets really are different code
  });
});
