// Every WGSL kernel against its CPU twin (src/engine/cpu) on random inputs, with sizes that are not
// multiples of the workgroup or matmul tile (DESIGN §7).
import { describe, expect, test } from 'vitest';
import * as cpu from '../../src/engine/cpu';
import * as K from '../../src/engine/kernels';
import { attentionKind, attentionStateFloats } from '../../src/engine/attention-state';
import { createContext, CPU_ADAPTER_TUNING, GPU_TUNING, type Binding, type GpuContext, type Tuning } from '../../src/engine/launch';
import { bitEqual, createRng, expectClose, f16Value, getDevice, Program, randn, randTokens, readF32, readI32, relErr, roundToF16Normal, runChecked, unpackF16, upload } from './helpers';

const rng = createRng(20240601);
let ctx: GpuContext;
const buf = (a: Float32Array | Int32Array) => upload(ctx, a);
const zeros = (n: number) => upload(ctx, new Float32Array(n));

async function run(build: (p: Program) => void): Promise<void> {
  const p = new Program(ctx, 'test');
  build(p);
  await runChecked(p);
  p.dispose();
}

/** The flash state [B, NH, T, 2]: (max, 1 / sum exp(s - max)) of each row's causal scores s, in float64 from qkv. */
function softmaxStats(qkv: Float32Array, B: number, T: number, C: number, NH: number): Float64Array {
  const hs = C / NH, stats = new Float64Array(B * NH * T * 2);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < NH; h++)
      for (let t = 0; t < T; t++) {
        const s: number[] = [];
        for (let t2 = 0; t2 <= t; t2++) {
          let d = 0;
          for (let i = 0; i < hs; i++) d += qkv[(b * T + t) * 3 * C + h * hs + i] * qkv[(b * T + t2) * 3 * C + C + h * hs + i];
          s.push(d / Math.sqrt(hs));
        }
        const m = Math.max(...s);
        stats.set([m, 1 / s.reduce((a, x) => a + Math.exp(x - m), 0)], 2 * ((b * NH + h) * T + t));
      }
  return stats;
}

// Every kernel variant runs here whatever the adapter: the GPU tuning (vec4 matmul, flash attention,
// 64-wide rows), the generic shared-memory matmul it falls back to, and the barrier-free register blocks
// with 4-wide rows and row attention (the choice on SwiftShader); where the adapter has `subgroups`, both
// tunings again with the subgroup row reductions (layernorm, log-prob, the attention softmax; on by
// default for CPU adapters). The tiled attention is checked bit for bit against the row kernels.
const HAS_SUBGROUPS = (await getDevice()).features.has('subgroups');
describe.each([
  ['GPU variants', GPU_TUNING],
  ['generic tiled matmul', { ...GPU_TUNING, matmul: 'tiled' }],
  ['CPU-adapter variants', CPU_ADAPTER_TUNING],
  ...(HAS_SUBGROUPS
    ? [
        ['CPU-adapter variants, subgroup reductions', { ...CPU_ADAPTER_TUNING, subgroups: true }],
        ['GPU variants, subgroup reductions', { ...GPU_TUNING, subgroups: true }],
      ]
    : []),
] as [string, Tuning][])('kernels vs CPU twins (%s)', (_name, tuning) => {
  test('setup', async () => {
    ctx = createContext(await getDevice(), tuning);
    expect(ctx.tuning).toEqual(tuning);
  });

  test('encoder forward with the first LayerNorm (one dispatch) and backward (scatter-add)', async () => {
    for (const [B, T, C, V] of [
      [3, 7, 29, 13],
      [2, 5, 8, 300],
      [1, 3, 131, 5], // a row wider than any workgroup
    ]) {
      const Tmax = T + 2;
      const tokens = randTokens(rng, B * T, V);
      tokens[0] = tokens[1] = tokens[B * T - 1]; // repeated tokens
      const wte = randn(rng, V * C), wpe = randn(rng, Tmax * C), w = randn(rng, C), b = randn(rng, C);
      const ref = new Float32Array(B * T * C), rln = new Float32Array(B * T * C), rmean = new Float32Array(B * T), rrstd = new Float32Array(B * T);
      cpu.encoderForward(ref, tokens, wte, wpe, B, T, C);
      cpu.layernormForward(rln, rmean, rrstd, ref, w, b, B * T, C);
      const g = { x: zeros(B * T * C), ln: zeros(B * T * C), mean: zeros(B * T), rstd: zeros(B * T), ln2: zeros(B * T * C), mean2: zeros(B * T), rstd2: zeros(B * T) };
      const dout = randn(rng, B * T * C);
      const dwte0 = randn(rng, V * C), dwpe0 = randn(rng, Tmax * C);
      const dwte = buf(dwte0), dwpe = buf(dwpe0);
      const tok = buf(tokens), gw = buf(w), gb = buf(b);
      await run((p) => {
        K.encoderLayernormForward(p, g.x, g.ln, g.mean, g.rstd, tok, buf(wte), buf(wpe), gw, gb, B, T, C);
        expect(p.length, 'embedding and LayerNorm: one dispatch').toBe(1);
        K.layernormForward(p, g.ln2, g.mean2, g.rstd2, g.x, gw, gb, B * T, C); // the unfused LayerNorm of the same x
        const n = p.length;
        K.encoderBackward(p, dwte, dwpe, buf(dout), tok, B, T, C, V);
        expect(p.length - n, 'encoder backward: one dispatch').toBe(1);
      });
      const tag = `[${B},${T},${C},${V}]`;
      expectClose(await readF32(ctx, g.x, B * T * C), ref, 0, `embedding ${tag}`);
      expectClose(await readF32(ctx, g.ln, B * T * C), rln, 1e-5, `ln_1 ${tag}`);
      expectClose(await readF32(ctx, g.mean, B * T), rmean, 1e-5, `mean ${tag}`);
      expectClose(await readF32(ctx, g.rstd, B * T), rrstd, 1e-5, `rstd ${tag}`);
      for (const [fused, plain, n] of [[g.ln, g.ln2, B * T * C], [g.mean, g.mean2, B * T], [g.rstd, g.rstd2, B * T]] as const) {
        expect(bitEqual(await readF32(ctx, fused, n), await readF32(ctx, plain, n)), `fused = layernorm.forward, bit for bit ${tag}`).toBe(true);
      }
      const rdwte = dwte0.slice(), rdwpe = dwpe0.slice();
      cpu.encoderBackward(rdwte, rdwpe, dout, tokens, B, T, C);
      expectClose(await readF32(ctx, dwte, V * C), rdwte, 1e-6, 'dwte');
      expectClose(await readF32(ctx, dwpe, Tmax * C), rdwpe, 1e-6, 'dwpe');
    }
  });

  test('layernorm forward and backward', async () => {
    for (const [N, C] of [
      [37, 29],
      [5, 131],
    ]) {
      const inp = randn(rng, N * C, 2).map((x, i) => x + (i % 3));
      const w = randn(rng, C), b = randn(rng, C), dout = randn(rng, N * C);
      const out = new Float32Array(N * C), mean = new Float32Array(N), rstd = new Float32Array(N);
      cpu.layernormForward(out, mean, rstd, inp, w, b, N, C);
      const dinp0 = randn(rng, N * C), dw0 = randn(rng, C), db0 = randn(rng, C);
      const rdinp = dinp0.slice(), rdw = dw0.slice(), rdb = db0.slice();
      cpu.layernormBackward(rdinp, rdw, rdb, dout, inp, w, mean, rstd, N, C);
      const g = { out: zeros(N * C), mean: zeros(N), rstd: zeros(N), dinp: buf(dinp0), dw: buf(dw0), db: buf(db0) };
      const gi = buf(inp), gw = buf(w);
      await run((p) => {
        K.layernormForward(p, g.out, g.mean, g.rstd, gi, gw, buf(b), N, C);
        K.layernormBackward(p, g.dinp, g.dw, g.db, buf(dout), gi, gw, g.mean, g.rstd, N, C);
      });
      expectClose(await readF32(ctx, g.out, N * C), out, 1e-5, 'ln out');
      expectClose(await readF32(ctx, g.mean, N), mean, 1e-5, 'ln mean');
      expectClose(await readF32(ctx, g.rstd, N), rstd, 1e-5, 'ln rstd');
      expectClose(await readF32(ctx, g.dinp, N * C), rdinp, 1e-5, 'ln dinp');
      expectClose(await readF32(ctx, g.dw, C), rdw, 1e-5, 'ln dweight');
      expectClose(await readF32(ctx, g.db, C), rdb, 1e-5, 'ln dbias');
    }
  });

  test('layernorm parameter gradients of several layernorms in one dispatch (stacked inputs)', async () => {
    for (const [N, C] of [
      [37, 29],
      [32, 64],
    ]) {
      const nLN = 3;
      const slot = Math.ceil((N * C) / 64) * 64 + 64; // slack between slots, as the model's 256-byte alignment leaves
      const statSlot = Math.ceil(N / 64) * 64 + 64;
      const even = randn(rng, 2 * slot), odd = randn(rng, slot), stats = new Float32Array(2 * nLN * statSlot), dout = randn(rng, nLN * slot);
      const P = 6 * C + 40;
      const grads0 = randn(rng, P);
      const offs = Uint32Array.of(3, 2 * C + 7, C + 5, 3 * C + 10, 4 * C + 20, 5 * C + 30); // scattered, not in order
      const ref = grads0.slice();
      for (let j = 0; j < nLN; j++) {
        const inp = (j % 2 ? odd : even).subarray((j >> 1) * slot, (j >> 1) * slot + N * C);
        const w = randn(rng, C), b = randn(rng, C);
        const mean = stats.subarray(j * statSlot, j * statSlot + N), rstd = stats.subarray((nLN + j) * statSlot, (nLN + j) * statSlot + N);
        cpu.layernormForward(new Float32Array(N * C), mean, rstd, inp, w, b, N, C);
        cpu.layernormBackward(new Float32Array(N * C), ref.subarray(offs[2 * j], offs[2 * j] + C), ref.subarray(offs[2 * j + 1], offs[2 * j + 1] + C), dout.subarray(j * slot, j * slot + N * C), inp, w, mean, rstd, N, C);
      }
      const g = buf(grads0);
      await run((p) => {
        const n = p.length;
        K.layernormParamsBackward(p, g, { even: buf(even), odd: buf(odd), stats: buf(stats), dout: buf(dout), offs: upload(ctx, offs), nLN, slot, statSlot }, N, C);
        expect(p.length - n).toBe(1);
      });
      expectClose(await readF32(ctx, g, P), ref, 1e-5, `layernorm params [${N},${C}]`);
    }
  });

  test('matmul forward/backward, plain and transposed, sizes off the tile', async () => {
    for (const [N, C, OC] of [
      [37, 29, 53],
      [1, 7, 3],
      [130, 70, 129],
      // multiples of 4 (the vec4 loads and stores of matmul_vec4) over several 128-tiles, K tails of 4 and 0
      [132, 68, 260],
      [256, 16, 12],
      [4, 4, 4],
      // dX on vec4 loads, dW (paired in one dispatch on the vec4 matmul) with odd K = N and a K tail
      [37, 68, 132],
      [130, 8, 260],
    ]) {
      const inp = randn(rng, N * C), w = randn(rng, C * OC), bias = randn(rng, OC), dout = randn(rng, N * OC);
      // forward with and without bias
      const ref = new Float32Array(N * OC), refNb = new Float32Array(N * OC);
      cpu.matmulForward(ref, inp, w, bias, N, C, OC);
      cpu.matmulForward(refNb, inp, w, null, N, C, OC);
      // backward (accumulating)
      const dinp0 = randn(rng, N * C), dw0 = randn(rng, C * OC), db0 = randn(rng, OC);
      const rdinp = dinp0.slice(), rdw = dw0.slice(), rdb = db0.slice();
      cpu.matmulBackward(rdinp, rdw, rdb, dout, inp, w, N, C, OC);
      // transposed: weightT [OC, C]
      const wT = randn(rng, OC * C);
      const refT = new Float32Array(N * OC);
      cpu.matmulForwardTransposed(refT, inp, wT, N, C, OC);
      const tdinp0 = randn(rng, N * C), tdw0 = randn(rng, OC * C);
      const rtdinp = tdinp0.slice(), rtdw = tdw0.slice();
      cpu.matmulBackwardTransposed(rtdinp, rtdw, dout, inp, wT, N, C, OC);

      // projection + residual add (fused in the vec4 kernel's epilogue): residual + inp . w + bias
      const res = randn(rng, N * OC);
      const refRes = new Float32Array(N * OC);
      cpu.residualForward(refRes, res, ref, N * OC);

      const gi = buf(inp), gw = buf(w), gd = buf(dout), gwT = buf(wT);
      const g = {
        out: zeros(N * OC), outNb: zeros(N * OC), dinp: buf(dinp0), dw: buf(dw0), db: buf(db0),
        outT: zeros(N * OC), tdinp: buf(tdinp0), tdw: buf(tdw0), outRes: zeros(N * OC), scratch: zeros(N * OC),
      };
      await run((p) => {
        K.matmulForward(p, g.out, gi, gw, buf(bias), N, C, OC);
        K.matmulForward(p, g.outNb, gi, gw, null, N, C, OC);
        K.matmulBackward(p, g.dinp, g.dw, g.db, gd, gi, gw, N, C, OC);
        K.matmulForwardTransposed(p, g.outT, gi, gwT, N, C, OC);
        K.matmulBackwardTransposed(p, g.tdinp, g.tdw, gd, gi, gwT, N, C, OC);
        K.matmulForwardResidual(p, g.outRes, g.scratch, gi, gw, buf(bias), buf(res), N, C, OC);
      });
      const tag = `[${N},${C},${OC}]`;
      expectClose(await readF32(ctx, g.out, N * OC), ref, 1e-5, `forward ${tag}`);
      expectClose(await readF32(ctx, g.outNb, N * OC), refNb, 1e-5, `forward no bias ${tag}`);
      expectClose(await readF32(ctx, g.dinp, N * C), rdinp, 1e-5, `dinp ${tag}`);
      expectClose(await readF32(ctx, g.dw, C * OC), rdw, 1e-5, `dweight ${tag}`);
      expectClose(await readF32(ctx, g.db, OC), rdb, 1e-5, `dbias ${tag}`);
      expectClose(await readF32(ctx, g.outT, N * OC), refT, 1e-5, `forward transposed ${tag}`);
      expectClose(await readF32(ctx, g.tdinp, N * C), rtdinp, 1e-5, `dinp transposed ${tag}`);
      expectClose(await readF32(ctx, g.tdw, OC * C), rtdw, 1e-5, `dweightT ${tag}`);
      expectClose(await readF32(ctx, g.outRes, N * OC), refRes, 1e-5, `forward + residual ${tag}`);
    }
  });

  test('matmul with GELU fused: fc forward (pre-activation and gelu), fcproj backward through gelu; dispatch counts', async () => {
    const vec4 = ctx.tuning.matmul === 'vec4';
    // odd sizes (scalar loads and stores) and multiples of 4 over several 128-tiles with a K tail of 4
    for (const [N, C, OC] of [
      [37, 29, 53],
      [132, 68, 260],
      [37, 68, 132],
    ]) {
      const tag = `[${N},${C},${OC}]`;
      // the vec4 matmul pairs dX and dW in one dispatch where dX loads and stores vec4 (C, OC multiples of 4)
      const backward = vec4 ? (C % 4 === 0 && OC % 4 === 0 ? 1 : 2) : 3;
      // fc: pre [N,OC] = inp . w + bias, act = gelu(pre)
      const inp = randn(rng, N * C), w = randn(rng, C * OC, 0.3), bias = randn(rng, OC);
      const pre = new Float32Array(N * OC), act = new Float32Array(N * OC);
      cpu.matmulForward(pre, inp, w, bias, N, C, OC);
      cpu.geluForward(act, pre, N * OC);
      // fcproj with C -> OC: out = gelu(h) . w + bias; backward from dout [N,OC] into dh [N,C]
      const h = randn(rng, N * C, 2);
      h[0] = 40; // large arguments must not overflow tanh
      h[1] = -40;
      const gh = new Float32Array(N * C);
      cpu.geluForward(gh, h, N * C);
      const dout = randn(rng, N * OC);
      const dgh = new Float32Array(N * C), dh = new Float32Array(N * C);
      const dw0 = randn(rng, C * OC), db0 = randn(rng, OC);
      const rdw = dw0.slice(), rdb = db0.slice();
      cpu.matmulBackward(dgh, rdw, rdb, dout, gh, w, N, C, OC);
      cpu.geluBackward(dh, h, dgh, N * C);

      const gw = buf(w);
      const g = { pre: zeros(N * OC), act: zeros(N * OC), dh: buf(randn(rng, N * C)), scratch: zeros(N * C), dw: buf(dw0), db: buf(db0) };
      await run((p) => {
        let n = p.length;
        K.matmulForwardGelu(p, g.pre, g.act, buf(inp), gw, buf(bias), N, C, OC);
        expect(p.length - n, 'fc forward + gelu').toBe(vec4 ? 1 : 2);
        n = p.length;
        K.matmulBackwardGelu(p, g.dh, g.scratch, g.dw, g.db, buf(dout), buf(gh), buf(h), gw, N, C, OC);
        expect(p.length - n, 'fcproj backward through gelu (the fallback clears dh)').toBe(vec4 ? backward : 5);
        n = p.length;
        K.matmulBackward(p, zeros(N * C), zeros(C * OC), zeros(OC), buf(dout), buf(gh), gw, N, C, OC);
        expect(p.length - n, 'matmul backward with dbias').toBe(backward);
      });
      expectClose(await readF32(ctx, g.pre, N * OC), pre, 1e-5, `fc pre-activation ${tag}`);
      expectClose(await readF32(ctx, g.act, N * OC), act, 1e-5, `fc gelu ${tag}`);
      expectClose(await readF32(ctx, g.dh, N * C), dh, 1e-5, `d pre through gelu ${tag}`);
      expectClose(await readF32(ctx, g.dw, C * OC), rdw, 1e-5, `fcproj dweight ${tag}`);
      expectClose(await readF32(ctx, g.db, OC), rdb, 1e-5, `fcproj dbias ${tag}`);
    }
  });

  test('attention forward and backward (causal) of this tuning\'s kernels; its state: the weights, or (flash) each row\'s max and 1 / sum', async () => {
    for (const [B, T, C, NH, scale] of [
      [2, 11, 24, 3, 1],
      [1, 70, 16, 2, 1],
      // tiled and flash: head size 64 (their largest) over 3 query blocks, T past a key tile (32 / 16);
      // head size 1 at T = 1; T one past a forward key tile
      [2, 37, 128, 2, 1],
      [1, 1, 8, 8, 1],
      [3, 33, 12, 3, 1],
      // five forward key tiles per late block
      [2, 130, 64, 1, 1],
      // scores in the hundreds (exp overflows without the running max): a near one-hot softmax whose
      // gradient cancels, where the tiled and flash kernels alike differ from the CPU twin by 2e-6 to 3e-5
      // (10 draws), hence its looser dqkv bound
      [1, 45, 32, 2, 12],
      // a head wider than 64: the row kernels whatever the tuning
      [1, 5, 130, 1, 1],
    ]) {
      const tag = `[${B},${T},${C},${NH}] x${scale}`;
      const qkv = randn(rng, B * T * 3 * C).map((x) => x * scale);
      const out = new Float32Array(B * T * C), att = new Float32Array(B * NH * T * T);
      cpu.attentionForward(out, att, qkv, B, T, C, NH);
      const dout = randn(rng, B * T * C);
      const dqkv0 = randn(rng, B * T * 3 * C);
      const rdqkv = dqkv0.slice();
      cpu.attentionBackward(rdqkv, dout, qkv, att, B, T, C, NH);
      const flash = attentionKind(ctx.tuning, C, NH) === 'flash';
      const state = attentionStateFloats(ctx.tuning, B, T, C, NH);
      expect(state, `state ${tag}`).toEqual(flash ? { att: B * NH * T * 2, dpre: 0 } : { att: B * NH * T * T, dpre: B * NH * T * T });
      const g = { out: zeros(B * T * C), att: upload(ctx, new Float32Array(state.att).fill(7)), dqkv: buf(dqkv0), dpre: state.dpre ? zeros(state.dpre) : null };
      const gq = buf(qkv);
      await run((p) => {
        K.attentionForward(p, g.out, g.att, gq, B, T, C, NH);
        K.attentionBackward(p, g.dqkv, buf(dout), gq, g.att, g.out, g.dpre, B, T, C, NH);
      });
      expectClose(await readF32(ctx, g.out, B * T * C), out, 1e-5, `out ${tag}`);
      expectClose(await readF32(ctx, g.att, state.att), flash ? softmaxStats(qkv, B, T, C, NH) : att, flash ? 1e-6 : 1e-5, `${flash ? 'max, 1 / sum' : 'att'} ${tag}`);
      // the gradient alone (dqkv0 would hide an error in it)
      const got = await readF32(ctx, g.dqkv, B * T * 3 * C);
      expectClose(got.map((x, i) => x - dqkv0[i]), rdqkv.map((x, i) => x - dqkv0[i]), scale > 1 ? 1e-4 : 1e-5, `dqkv ${tag}`);
    }
  });

  test('attention forward and backward: the tiled kernels give the row kernels\' bits', async () => {
    const [rows, tiled] = (['rows', 'tiled'] as const).map((attention) => createContext(ctx.device, { ...ctx.tuning, attention }));
    for (const [B, T, C, NH] of [
      [2, 37, 128, 2],
      [3, 33, 12, 3],
      [1, 50, 8, 8],
    ]) {
      const qkv = randn(rng, B * T * 3 * C), dout = randn(rng, B * T * C), dqkv0 = randn(rng, B * T * 3 * C);
      const results: Float32Array[][] = [];
      for (const c of [rows, tiled]) {
        const g = {
          out: upload(c, new Float32Array(B * T * C)), att: upload(c, new Float32Array(B * NH * T * T).fill(7)),
          dqkv: upload(c, dqkv0), dpre: upload(c, new Float32Array(B * NH * T * T)), qkv: upload(c, qkv),
        };
        const p = new Program(c, 'attention');
        K.attentionForward(p, g.out, g.att, g.qkv, B, T, C, NH);
        K.attentionBackward(p, g.dqkv, upload(c, dout), g.qkv, g.att, g.out, g.dpre, B, T, C, NH);
        await runChecked(p);
        p.dispose();
        results.push([await readF32(c, g.out, B * T * C), await readF32(c, g.att, B * NH * T * T), await readF32(c, g.dqkv, B * T * 3 * C)]);
      }
      const tag = `[${B},${T},${C},${NH}]`;
      expect(bitEqual(results[0][0], results[1][0]), `out ${tag}`).toBe(true);
      expect(bitEqual(results[0][1], results[1][1]), `att ${tag}`).toBe(true);
      expect(bitEqual(results[0][2], results[1][2]), `dqkv ${tag}`).toBe(true);
    }
  });

  test('KV cache: kv_store_prefill fills positions 0..T-1 exactly (the rest untouched), last_rows; decode over it = CPU twin', async () => {
    const B = 3, T = 5, C = 24, NH = 3, Tmax = 9;
    const qkv = randn(rng, B * T * 3 * C);
    const h = randn(rng, B * T * C);
    const SENTINEL = 7;
    const cache = upload(ctx, new Float32Array(B * Tmax * 2 * C).fill(SENTINEL));
    const rows = zeros(B * C);
    await run((p) => {
      K.attentionKvStorePrefill(p, cache, buf(qkv), B, T, C, Tmax);
      K.lastPositionRows(p, rows, buf(h), B, T, C);
    });
    // reference: the CPU model's prefill copy into its k and v caches [B, Tmax, C]
    const kc = new Float32Array(B * Tmax * C), vc = new Float32Array(B * Tmax * C);
    const want = new Float32Array(B * Tmax * 2 * C).fill(SENTINEL);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const src = (b * T + t) * 3 * C;
        kc.set(qkv.subarray(src + C, src + 2 * C), (b * Tmax + t) * C);
        vc.set(qkv.subarray(src + 2 * C, src + 3 * C), (b * Tmax + t) * C);
        want.set(qkv.subarray(src + C, src + 3 * C), (b * Tmax + t) * 2 * C);
      }
    expectClose(await readF32(ctx, cache, B * Tmax * 2 * C), want, 0, 'kv_store_prefill');
    const wantRows = new Float32Array(B * C);
    for (let b = 0; b < B; b++) wantRows.set(h.subarray((b * T + T - 1) * C, (b * T + T) * C), b * C);
    expectClose(await readF32(ctx, rows, B * C), wantRows, 0, 'last_rows');
    // the next decode step at pos = T stores its own k, v and attends over 0..T
    const q1 = randn(rng, B * 3 * C);
    const out = zeros(B * C);
    const state = upload(ctx, new Uint32Array([T]));
    await run((p) => K.attentionDecode(p, out, zeros(B * NH * Tmax), buf(q1), cache, state, B, C, NH, Tmax));
    for (let b = 0; b < B; b++) {
      kc.set(q1.subarray(b * 3 * C + C, b * 3 * C + 2 * C), (b * Tmax + T) * C);
      vc.set(q1.subarray(b * 3 * C + 2 * C, b * 3 * C + 3 * C), (b * Tmax + T) * C);
      want.set(q1.subarray(b * 3 * C + C, b * 3 * C + 3 * C), (b * Tmax + T) * 2 * C);
    }
    const ref = new Float32Array(B * C);
    cpu.attentionForwardDecode(ref, new Float32Array(Tmax), q1, kc, vc, B, Tmax, T, C, NH);
    expectClose(await readF32(ctx, out, B * C), ref, 1e-5, 'decode after prefill');
    expectClose(await readF32(ctx, cache, B * Tmax * 2 * C), want, 0, 'cache after the decode step');
  });

  test('gelu forward and backward, residual forward', async () => {
    const N = 1003;
    const inp = randn(rng, N, 3);
    inp[0] = 40; // large arguments must not overflow tanh
    inp[1] = -40;
    const dout = randn(rng, N);
    const out = new Float32Array(N);
    cpu.geluForward(out, inp, N);
    const dinp0 = randn(rng, N);
    const rdinp = dinp0.slice();
    cpu.geluBackward(rdinp, inp, dout, N);
    const inp2 = randn(rng, N);
    const rsum = new Float32Array(N);
    cpu.residualForward(rsum, inp, inp2, N);
    const g = { out: zeros(N), dinp: buf(dinp0), sum: zeros(N) };
    const gi = buf(inp), gd = buf(dout);
    await run((p) => {
      K.geluForward(p, g.out, gi, N);
      K.geluBackward(p, g.dinp, gi, gd, N);
      K.residualForward(p, g.sum, gi, buf(inp2), N);
    });
    expectClose(await readF32(ctx, g.out, N), out, 1e-6, 'gelu');
    // the backward sums terms of mixed sign after tanh and 1/cosh^2: a few ulps more than the forward
    expectClose(await readF32(ctx, g.dinp, N), rdinp, 4e-6, 'gelu backward');
    expectClose(await readF32(ctx, g.sum, N), rsum, 0, 'residual');
  });

  test('steering: matches the CPU hook, alpha = 0 and positions outside the window untouched bit for bit', async () => {
    const B = 4, T = 9, C = 19;
    const h = randn(rng, B * T * C);
    h[5] = -0; // -0 + 0 * v would become +0: must not be touched
    const vec = randn(rng, C);
    const alpha = new Float32Array([0, 1.5, -2, 0]);
    const start = new Int32Array([0, 3, -2, 2]);
    const end = new Int32Array([9, 4, 20, 5]);
    const ref = h.slice();
    cpu.steeringForward(ref, vec, alpha, start, end, B, T, C);
    const gh = buf(h);
    await run((p) => K.steeringForward(p, gh, buf(vec), buf(alpha), buf(start), buf(end), B, T, C));
    const got = await readF32(ctx, gh, B * T * C);
    expectClose(got, ref, 1e-6, 'steering');
    const gu = new Uint32Array(got.buffer), hu = new Uint32Array(h.buffer);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const inside = alpha[b] !== 0 && t >= start[b] && t < end[b];
        for (let c = 0; c < C; c++) {
          const i = (b * T + t) * C + c;
          if (!inside) expect(gu[i], `b=${b} t=${t} c=${c}`).toBe(hu[i]);
        }
      }
    }
  });

  test('log-prob, entropy and their backward; the backward also writes the forward\'s log-probs', async () => {
    for (const [N, V] of [
      [23, 13],
      [5, 300],
    ]) {
      const logits = randn(rng, N * V, 4);
      logits[3] = 80; // a large logit: stable log-softmax
      const targets = randTokens(rng, N, V);
      targets[1] = -1;
      targets[N - 1] = -1;
      const logp = new Float32Array(N), ent = new Float32Array(N);
      cpu.logprobForward(logp, ent, logits, targets, N, V);
      const dlogp = randn(rng, N);
      dlogp[2] = 0;
      const dl0 = randn(rng, N * V);
      const rdl = dl0.slice();
      cpu.logprobBackward(rdl, dlogp, logits, targets, N, V);
      const g = { logp: zeros(N), ent: zeros(N), dl: buf(dl0), logpBwd: buf(new Float32Array(N).fill(7)) };
      const gl = buf(logits), gt = buf(targets);
      await run((p) => {
        K.logprobForward(p, g.logp, g.ent, gl, gt, N, V);
        const n = p.length;
        K.logprobBackward(p, g.dl, buf(dlogp), gl, gt, N, V, g.logpBwd);
        expect(p.length - n, 'backward and the log-probs in one dispatch').toBe(1);
      });
      const gpuLogp = await readF32(ctx, g.logp, N);
      expectClose(gpuLogp, logp, 1e-5, 'logp');
      expectClose(await readF32(ctx, g.ent, N), ent, 1e-5, 'entropy');
      expectClose(await readF32(ctx, g.dl, N * V), rdl, 1e-5, 'dlogits');
      // every row, also those with dlogp = 0 (row 2) or no target (rows 1, N-1: 0)
      expect(bitEqual(await readF32(ctx, g.logpBwd, N), gpuLogp), 'the backward\'s logp is the forward\'s, bit for bit').toBe(true);
    }
  });

  test('AdamW with global-norm clipping on the GPU; non-finite gradients skip the update', async () => {
    const N = 1000;
    const opt = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1.0 };
    const param = randn(rng, N), grad = randn(rng, N), m0 = randn(rng, N, 0.1), v0 = randn(rng, N, 0.1).map(Math.abs);
    const step = 3;
    const norm = Math.sqrt(cpu.globalNormSq(grad));
    const scale = norm > opt.clipNorm ? opt.clipNorm / norm : 1;
    const split = 512; // first range decayed, the rest not
    const rp = param.slice(), rm = m0.slice(), rv = v0.slice();
    const sub = (a: Float32Array, lo: number, hi: number) => a.subarray(lo, hi);
    cpu.adamwUpdate(sub(rp, 0, split), sub(grad, 0, split), sub(rm, 0, split), sub(rv, 0, split), opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weightDecay, step, scale, split);
    cpu.adamwUpdate(sub(rp, split, N), sub(grad, split, N), sub(rm, split, N), sub(rv, split, N), opt.lr, opt.beta1, opt.beta2, opt.eps, 0, step, scale, N - split);
    const g = { p: buf(param), g: buf(grad), m: buf(m0), v: buf(v0), stats: zeros(1), partials: zeros(K.NORM_PARTIALS), hyper: buf(K.adamwHyper(opt, step)) };
    const normOnly = { stats: zeros(1), partials: zeros(K.NORM_PARTIALS) };
    await run((p) => {
      K.globalNorm(p, normOnly.stats, normOnly.partials, g.g, 0, N);
      const n = p.length;
      K.adamwStep(p, g.p, g.g, g.m, g.v, g.stats, g.partials, g.hyper, 0, N, split);
      // norm_final folded into the update where each invocation sums at most 4 partials (64-wide rows)
      expect(p.length - n, 'AdamW dispatches').toBe(ctx.tuning.rowWG >= 64 ? 2 : 3);
    });
    const norms = [(await readF32(ctx, g.stats, 1))[0], (await readF32(ctx, normOnly.stats, 1))[0]];
    expect(norms[0]).toBeCloseTo(norm, 3);
    expect(norms[0], 'the update computes the same norm as norm_final, bit for bit').toBe(norms[1]);
    expectClose(await readF32(ctx, g.p, N), rp, 1e-6, 'param');
    expectClose(await readF32(ctx, g.m, N), rm, 1e-6, 'm');
    expectClose(await readF32(ctx, g.v, N), rv, 1e-6, 'v');
    expect(Array.from(await readF32(ctx, g.g, N)).every((x) => x === 0)).toBe(true);

    // a NaN gradient: params and moments untouched, gradient zeroed
    const bad = randn(rng, N);
    bad[17] = NaN;
    const before = await readF32(ctx, g.p, N);
    ctx.device.queue.writeBuffer(g.g, 0, bad.buffer as ArrayBuffer);
    await run((p) => K.adamwStep(p, g.p, g.g, g.m, g.v, g.stats, g.partials, g.hyper, 0, N, N));
    expect(Number.isNaN((await readF32(ctx, g.stats, 1))[0])).toBe(true);
    expect(Array.from(await readF32(ctx, g.p, N))).toEqual(Array.from(before));
    expect(Array.from(await readF32(ctx, g.g, N)).every((x) => x === 0)).toBe(true);
  });

  test('sampling: greedy, temperature, top-k with ties; same tokens and log-probs as sampleWithLogprob', async () => {
    for (const [B, V] of [
      [7, 5],
      [24, 37],
      [13, 700],
      [5, 1031],
    ]) {
      // integer-valued logits give exact ties at the top-k threshold
      const logits = Float32Array.from({ length: B * V }, () => Math.round(rng.normal() * 2));
      for (let b = 0; b < B; b++) logits[b * V + (b % V)] = 5; // a clear maximum per row, plus ties below
      const u = Float32Array.from({ length: B }, () => rng.next());
      const configs: [number, number][] = [[0, 0], [0.7, 5], [1.3, 1], [2, V - 1]];
      for (const T of [0.5, 1, 1.7]) for (const k of [0, 1, 3, V]) configs.push([T, k]);
      for (const [temperature, topK] of configs) {
        const want = new Int32Array(B), wantLp = new Float32Array(B), fullLp = new Float32Array(B);
        const one = new Int32Array(1), lp = new Float32Array(1), ent = new Float32Array(1);
        for (let b = 0; b < B; b++) {
          const row = logits.subarray(b * V, b * V + V);
          const s = cpu.sampleWithLogprob(row, temperature, topK, u[b]);
          want[b] = s.token;
          wantLp[b] = s.logprob;
          one[0] = s.token;
          cpu.logprobForward(lp, ent, row, one, 1, V);
          fullLp[b] = lp[0];
        }
        const g = { tokens: upload(ctx, new Int32Array(B * 2)), lp: zeros(B), state: upload(ctx, new Uint32Array([0])) };
        const tag = `B=${B} V=${V} T=${temperature} k=${topK}`;
        await run((p) => {
          const before = p.length;
          K.sampleTokens(p, { logits: buf(logits), tokens: g.tokens, logprobs: g.lp, uniforms: buf(u), state: g.state, B, V, TT: 2, P: 1, M: 1, topK, temperature });
          K.advancePosition(p, g.state);
          expect(p.length - before, 'one sample and one advance dispatch').toBe(2);
        });
        const toks = await readI32(ctx, g.tokens, B * 2);
        const got = Int32Array.from({ length: B }, (_, b) => toks[b * 2 + 1]);
        expect(Array.from(got), tag).toEqual(Array.from(want));
        const gotLp = await readF32(ctx, g.lp, B);
        for (let b = 0; b < B; b++) expect(Math.abs(gotLp[b] - wantLp[b]), `${tag} b=${b} sampled logprob`).toBeLessThan(2e-5);
        if (temperature === 0) expect(Array.from(gotLp), tag).toEqual(new Array(B).fill(0));
        if (temperature !== 1 || (topK > 0 && topK < V)) expect(relErr(wantLp, fullLp), `${tag}: not the T=1 full log-prob`).toBeGreaterThan(1e-3);
        expect((await readI32(ctx, g.state, 1))[0]).toBe(1);
      }
    }
  });

  test('KV-cache step kernels: encoder_layernorm forward_decode = CPU twins; steering forward_decode = twin, rows outside the window untouched', async () => {
    const B = 3, TT = 7, C = 21, V = 11;
    const tokens = randTokens(rng, B * TT, V);
    const wte = randn(rng, V * C), wpe = randn(rng, TT * C), w = randn(rng, C), b = randn(rng, C);
    const vec = randn(rng, C);
    const alpha = new Float32Array([0, 1.5, -2]);
    const start = new Int32Array([0, 2, -1]);
    const end = new Int32Array([7, 4, 3]);
    const gt = buf(tokens), gwte = buf(wte), gwpe = buf(wpe), gw = buf(w), gb = buf(b);
    const steer = { vector: buf(vec), alpha: buf(alpha), start: buf(start), end: buf(end) };
    for (const pos of [0, 3, TT - 1]) {
      const ref = new Float32Array(B * C);
      cpu.encoderForwardDecode(ref, tokens, wte, wpe, pos, B, TT, C);
      const rln = new Float32Array(B * C), rmean = new Float32Array(B), rrstd = new Float32Array(B);
      cpu.layernormForward(rln, rmean, rrstd, ref, w, b, B, C);
      const refSteered = ref.slice();
      cpu.steeringForwardDecode(refSteered, vec, alpha, start, end, pos, B, C);
      const out = zeros(B * C), h = zeros(B * C), ln = zeros(B * C), mean = zeros(B), rstd = zeros(B);
      const state = upload(ctx, new Uint32Array([pos]));
      await run((p) => {
        K.encoderLayernormForwardDecode(p, out, ln, mean, rstd, gt, gwte, gwpe, gw, gb, state, B, TT, C);
        K.encoderLayernormForwardDecode(p, h, zeros(B * C), zeros(B), zeros(B), gt, gwte, gwpe, gw, gb, state, B, TT, C);
        K.steeringForwardDecode(p, h, steer.vector, steer.alpha, steer.start, steer.end, state, B, C);
      });
      expectClose(await readF32(ctx, ln, B * C), rln, 1e-5, `ln_1 decode pos=${pos}`);
      expectClose(await readF32(ctx, rstd, B), rrstd, 1e-5, `rstd decode pos=${pos}`);
      expectClose(await readF32(ctx, out, B * C), ref, 0, `encoder decode pos=${pos}`);
      const got = await readF32(ctx, h, B * C);
      expectClose(got, refSteered, 1e-6, `steering decode pos=${pos}`);
      const gu = new Uint32Array(got.buffer), ru = new Uint32Array(ref.buffer);
      for (let b = 0; b < B; b++) {
        const inside = alpha[b] !== 0 && pos >= start[b] && pos < end[b];
        for (let c = 0; c < C; c++) if (!inside) expect(gu[b * C + c], `b=${b} pos=${pos} c=${c} untouched`).toBe(ru[b * C + c]);
      }
    }
  });
});

// Tuning.matmulFill: the vec4 matmul narrows its tiles to 64 where the grid of 128-wide tiles is small.
// Each output's sum runs over k in the same order on either width (and each column's bias gradient over
// the same k residues), so the results are the wide tiles' bit for bit; those are checked against the
// CPU twins above.
describe('vec4 matmul with filled grids (Tuning.matmulFill)', () => {
  test('small grids get 64-wide tiles (more workgroups) and the same bits as 128-wide tiles', async () => {
    const device = await getDevice();
    const wide = createContext(device, GPU_TUNING);
    const filled = createContext(device, { ...GPU_TUNING, matmulFill: 1 << 20 });
    for (const [N, C, OC] of [
      [130, 68, 260],
      [200, 37, 132],
    ]) {
      const inputs = [randn(rng, N * C), randn(rng, C * OC, 0.3), randn(rng, OC), randn(rng, N * OC), randn(rng, OC * C), randn(rng, N * C, 2)];
      const outputs = async (c: GpuContext) => {
        const [inp, w, bias, dout, wT, h] = inputs.map((a) => upload(c, a));
        const z = (n: number) => upload(c, new Float32Array(n));
        const o = { out: z(N * OC), dinp: z(N * C), dw: z(C * OC), db: z(OC), outT: z(N * OC), tdinp: z(N * C), tdw: z(OC * C), pre: z(N * OC), act: z(N * OC) };
        const p = new Program(c, 'fill');
        K.matmulForward(p, o.out, inp, w, bias, N, C, OC);
        K.matmulBackward(p, o.dinp, o.dw, o.db, dout, inp, w, N, C, OC);
        K.matmulForwardTransposed(p, o.outT, inp, wT, N, C, OC);
        K.matmulBackwardTransposed(p, o.tdinp, o.tdw, dout, inp, wT, N, C, OC);
        K.matmulForwardGelu(p, o.pre, o.act, inp, w, bias, N, C, OC);
        K.matmulBackwardGelu(p, h, z(N * C), z(C * OC), z(OC), dout, upload(c, new Float32Array(N * C)), h, w, N, C, OC);
        const grids = (await p.profile()).map((e) => e.label.match(/\[(\d+),(\d+),(\d+)\]$/)!.slice(1).reduce((a, x) => a * Number(x), 1));
        p.dispose();
        const sizes = { out: N * OC, dinp: N * C, dw: C * OC, db: OC, outT: N * OC, tdinp: N * C, tdw: OC * C, pre: N * OC, act: N * OC };
        const read = await Promise.all(Object.entries(sizes).map(([k, n]) => readF32(c, o[k as keyof typeof o], n)));
        return { grids, read };
      };
      const w = await outputs(wide), f = await outputs(filled);
      const tag = `[${N},${C},${OC}]`;
      expect(f.grids.length, tag).toBe(w.grids.length);
      // every product here is over 64 wide both ways: more workgroups on every grid (2.5x for [130, 260])
      f.grids.forEach((n, i) => expect(n, `${tag} dispatch ${i}`).toBeGreaterThan(w.grids[i]));
      w.read.forEach((a, i) => expect(bitEqual(f.read[i], a), `${tag} output ${i}`).toBe(true));
    }
  });
});

/**
 * The forward products a model records (matmulForward with and without bias, + residual, + GELU, transposed)
 * on context c against the CPU twins, for each [N, C, OC]; with `f16` the weights are cast on the GPU and the
 * twins use the f16 values read back. Returns the kernels the products ran on (shader.entry of each dispatch).
 */
async function forwardProductsMatchTwins(c: GpuContext, shapes: number[][], f16: boolean): Promise<string[]> {
  const kernels: string[] = [];
  for (const [N, C, OC] of shapes) {
    const inp = randn(rng, N * C), bias = randn(rng, OC), res = randn(rng, N * OC);
    const w32 = randn(rng, C * OC, 0.3), wT32 = randn(rng, OC * C, 0.3);
    const z = (n: number) => upload(c, new Float32Array(n));
    const words = (n: number) => upload(c, new Uint32Array(Math.ceil(n / 2)));
    const [gw, gwT] = f16 ? [words(C * OC), words(OC * C)] : [upload(c, w32), upload(c, wT32)];
    const weight = (buffer: GPUBuffer): Binding => (f16 ? ({ buffer, f16: true } as K.F16Binding) : buffer);
    const o = { out: z(N * OC), outNb: z(N * OC), outT: z(N * OC), res: z(N * OC), scratch: z(N * OC), pre: z(N * OC), act: z(N * OC) };
    const gi = upload(c, inp), gb = upload(c, bias);
    const p = new Program(c, 'forward products');
    if (f16) {
      K.castF16(p, gw, upload(c, w32), C * OC);
      K.castF16(p, gwT, upload(c, wT32), OC * C);
    }
    K.matmulForward(p, o.out, gi, weight(gw), gb, N, C, OC);
    K.matmulForward(p, o.outNb, gi, weight(gw), null, N, C, OC);
    K.matmulForwardTransposed(p, o.outT, gi, weight(gwT), N, C, OC);
    K.matmulForwardResidual(p, o.res, o.scratch, gi, weight(gw), gb, upload(c, res), N, C, OC);
    K.matmulForwardGelu(p, o.pre, o.act, gi, weight(gw), gb, N, C, OC);
    kernels.push(...(await p.profile()).map((e) => e.label.split(' ')[0]));
    p.dispose();
    const w = f16 ? unpackF16(await readI32(c, gw, Math.ceil((C * OC) / 2)), C * OC) : w32;
    const wT = f16 ? unpackF16(await readI32(c, gwT, Math.ceil((OC * C) / 2)), OC * C) : wT32;
    if (f16) expect(relErr(w, w32), 'the cast').toBeLessThan(2 ** -10);
    const ref = new Float32Array(N * OC), refNb = new Float32Array(N * OC), refT = new Float32Array(N * OC), refRes = new Float32Array(N * OC), refAct = new Float32Array(N * OC);
    cpu.matmulForward(ref, inp, w, bias, N, C, OC);
    cpu.matmulForward(refNb, inp, w, null, N, C, OC);
    cpu.matmulForwardTransposed(refT, inp, wT, N, C, OC);
    cpu.residualForward(refRes, res, ref, N * OC);
    cpu.geluForward(refAct, ref, N * OC);
    const tag = `[${N},${C},${OC}]${f16 ? ' f16' : ''}`;
    expectClose(await readF32(c, o.out, N * OC), ref, 1e-5, `forward ${tag}`);
    expectClose(await readF32(c, o.outNb, N * OC), refNb, 1e-5, `forward no bias ${tag}`);
    expectClose(await readF32(c, o.outT, N * OC), refT, 1e-5, `forward transposed ${tag}`);
    expectClose(await readF32(c, o.res, N * OC), refRes, 1e-5, `forward + residual ${tag}`);
    expectClose(await readF32(c, o.pre, N * OC), ref, 1e-5, `fc pre-activation ${tag}`);
    expectClose(await readF32(c, o.act, N * OC), refAct, 1e-5, `fc gelu ${tag}`);
  }
  return kernels;
}

describe('skinny matmul (Tuning.skinnyMatmul): forward products of at most 64 rows', () => {
  // odd K and N, N past one workgroup's 16 columns and under it, the LM head's 50,257 columns; rows at
  // the edges of the 16, 8 and 4 k-slice ranges (K = 3 is fewer k than slices)
  const shapes = [[1, 7, 3], [3, 29, 53], [8, 68, 130], [16, 64, 192], [5, 32, 50257], [17, 3, 21], [32, 45, 40], [33, 40, 70], [64, 64, 130]];
  test.each([
    ['gpu tuning', GPU_TUNING, false],
    ['gpu tuning, f16 weights', { ...GPU_TUNING, f16Weights: true }, true],
    ['CPU-adapter tuning', CPU_ADAPTER_TUNING, false],
  ] as [string, Tuning, boolean][])('= CPU twins under the %s; more rows or an accumulate take the tiled kernels', async (_name, tuning, f16) => {
    const c = createContext(await getDevice(), { ...tuning, skinnyMatmul: true });
    const ran = await forwardProductsMatchTwins(c, shapes, f16);
    expect(ran.filter((k) => k.startsWith('matmul')).every((k) => k === 'matmul_skinny.main'), ran.join(', ')).toBe(true);
    const more = await forwardProductsMatchTwins(c, [[65, 12, 20]], f16);
    expect(more.some((k) => k === 'matmul_skinny.main'), more.join(', ')).toBe(false);
    // a backward product (accumulating) with few rows stays on the tiled kernels
    const p = new Program(c, 'backward');
    K.matmulBackward(p, upload(c, new Float32Array(4 * 8)), upload(c, new Float32Array(8 * 12)), null, upload(c, new Float32Array(4 * 12)), upload(c, new Float32Array(4 * 8)), upload(c, new Float32Array(8 * 12)), 4, 8, 12);
    expect((await p.profile()).some((e) => e.label.startsWith('matmul_skinny'))).toBe(false);
    p.dispose();
  });
});

describe('f16 weights (Tuning.f16Weights): cast_f16 and the vec4 matmul reading packed f16 B', () => {
  test('the f16 helpers of these tests: known values', () => {
    expect([0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x3555].map(f16Value)).toEqual([1, -2, 65504, 2 ** -14, 2 ** -24, 0.333251953125]);
    expect([1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -10, 0.1, 70000, 2 ** -15, -3].map(roundToF16Normal)).toEqual([1, 1 + 2 ** -9, 1 + 2 ** -10, 0.0999755859375, 65504, 0, -3]);
  });

  test('cast: f16 values exact, others within one f16 step, clamped to the f16 range, an odd count padded with 0', async () => {
    const device = await getDevice();
    const c = createContext(device, { ...GPU_TUNING, f16Weights: true });
    const exact = Float32Array.from(randn(rng, 300), roundToF16Normal);
    const values = Float32Array.from([...exact, ...randn(rng, 300, 10), 70000, -1e9, 65504, 3e-6, -1e-7, 0, -0]);
    const n = values.length; // odd
    const inp = upload(c, values), out = upload(c, new Uint32Array(Math.ceil(n / 2) + 1).fill(0xdeadbeef));
    const p = new Program(c, 'cast');
    K.castF16(p, out, inp, n);
    await runChecked(p);
    p.dispose();
    const words = new Uint32Array((await readI32(c, out, Math.ceil(n / 2) + 1)).buffer);
    const got = unpackF16(words, n + 1);
    for (let i = 0; i < 300; i++) expect(got[i], `exact ${i}`).toBe(exact[i]);
    for (let i = 300; i < n; i++) {
      const x = Math.max(-65504, Math.min(65504, values[i]));
      // one f16 step at x (2^-10 of its binade; 2^-24 in the subnormal range; flushing to 0 is allowed there)
      const step = Math.abs(x) < 2 ** -14 ? 2 ** -14 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 10);
      expect(Math.abs(got[i] - x), `value ${i}: ${values[i]} -> ${got[i]}`).toBeLessThanOrEqual(step);
    }
    expect(got[n], 'the pad half').toBe(0);
    expect(words[Math.ceil(n / 2)], 'the word past the end is untouched').toBe(0xdeadbeef);
  });

  test('matmul forward (bias, residual, GELU) and transposed on f16 B = CPU twins on the f16 values, sizes off the tile', async () => {
    const c = createContext(await getDevice(), { ...GPU_TUNING, f16Weights: true });
    await forwardProductsMatchTwins(c, [
      [8, 64, 192], // a decode step: B rows
      [37, 68, 130], // OC % 4 != 0: scalar B loads on the plain product, vec4 on the transposed one
      [130, 29, 260], // C % 4 != 0: the transposed product loads B element by element
      [1, 7, 3],
    ], true);
  });

  test('an f16 B operand is refused by the kernels that cannot read it, and f16Weights by a tuning without the vec4 matmul', async () => {
    const device = await getDevice();
    expect(() => createContext(device, { ...CPU_ADAPTER_TUNING, f16Weights: true })).toThrow(/f16Weights needs the vec4 matmul/);
    const c = createContext(device, { ...GPU_TUNING, matmul: 'tiled' });
    const p = new Program(c, 'refused');
    const b: K.F16Binding = { buffer: upload(c, new Uint32Array(8)), f16: true };
    expect(() => K.matmulForward(p, upload(c, new Float32Array(16)), upload(c, new Float32Array(16)), b, null, 4, 4, 4)).toThrow(/f16 B operand needs the vec4 kernel/);
    p.dispose();
  });
});

describe('matmulBackwardGelu without a scratch buffer (the model allocates none where GELU\'s backward is fused)', () => {
  test('records under the vec4 matmul; refuses, saying why, under one that does not fuse', async () => {
    const device = await getDevice();
    const [N, C, OC] = [5, 8, 12];
    for (const matmul of ['vec4', 'tiled'] as const) {
      const c = createContext(device, { ...GPU_TUNING, matmul });
      const z = (n: number) => upload(c, new Float32Array(n));
      const p = new Program(c, 'gelu backward');
      const record = () => K.matmulBackwardGelu(p, z(N * C), null, z(C * OC), z(OC), z(N * OC), z(N * C), z(N * C), z(C * OC), N, C, OC);
      expect(K.fusesEpilogues(c.tuning)).toBe(matmul === 'vec4');
      if (matmul === 'vec4') record();
      else expect(record).toThrow(/needs a scratch \[N, C\] where GELU is not fused/);
      p.dispose();
    }
  });
});

describe('Program.profile', () => {
  test('times every command (GPU timestamps where the device has them) and computes what run() does', async () => {
    const device = await getDevice();
    const c = createContext(device, GPU_TUNING);
    const N = 70, C = 36, OC = 52;
    const inputs = [randn(rng, N * C), randn(rng, C * OC), randn(rng, OC)];
    const results = async (profile: boolean) => {
      const [inp, w, bias] = inputs.map((a) => upload(c, a));
      const out = upload(c, randn(rng, N * OC)), act = upload(c, new Float32Array(N * OC));
      const p = new Program(c, 'profiled');
      p.clear(out);
      K.matmulForward(p, out, inp, w, bias, N, C, OC);
      K.geluForward(p, act, out, N * OC);
      const entries = profile ? await p.profile() : (await runChecked(p), []);
      p.dispose();
      return { entries, act: await readF32(c, act, N * OC) };
    };
    const profiled = await results(true), ran = await results(false);
    expect(bitEqual(profiled.act, ran.act)).toBe(true);
    const timing = device.features.has('timestamp-query') ? 'gpu' : 'wall';
    expect(profiled.entries.map((e) => [e.label.replace(/ \[.*\]$/, ''), e.timing])).toEqual([
      ['clear', timing],
      ['matmul_vec4.main', timing],
      ['gelu.forward', timing],
    ]);
    for (const e of profiled.entries.slice(1)) expect(e.ms, e.label).toBeGreaterThan(0);
  });
});
