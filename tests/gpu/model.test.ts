// The WebGPU model against the CPU model (src/model/cpu-model.ts): logits, every parameter gradient,
// the steering hook, KV-cache generation, greedy sampling, AdamW steps, non-finite loss, size limits.
import { beforeAll, describe, expect, test } from 'vitest';
import { createCpuModel, type CpuModel } from '../../src/model/cpu-model';
import { createGpuModel, type GpuModel } from '../../src/model/gpu-model';
import { initParams } from '../../src/model/init';
import { paramSpecs, type GPTConfig } from '../../src/model/config';
import type { AdamWSettings, Params, Steering } from '../../src/model/types';
import { checkModelFits, ModelTooLargeError } from '../../src/model/gpu-layout';
import { CPU_ADAPTER_TUNING, defaultTuning, GPU_TUNING, TUNINGS, type Tuning } from '../../src/engine/launch';
import { checkDevice, worstError } from '../../src/model/gpu-check';
import { roundSize } from '../../src/engine/buffers';
import { bitEqual, createRng, expectClose, getDevice, randn, randTokens, relErr, roundToF16Normal } from './helpers';

const config: GPTConfig = { vocabSize: 13, contextLength: 16, dModel: 32, nLayers: 2, nHeads: 4 };
const rng = createRng(7);
const HAS_SUBGROUPS = (await getDevice()).features.has('subgroups');

/** initParams, with the embedding scaled up so logits are well separated (no near-ties in argmax). */
function testParams(seed: number, wteScale = 1): Params {
  const p = initParams(config, seed);
  const wte = p.get('wte.weight')!;
  for (let i = 0; i < wte.length; i++) wte[i] *= wteScale;
  // non-trivial LayerNorm and bias values, so their gradients are exercised
  for (const [name, a] of p) if (name.includes('ln_') || name.endsWith('.bias')) for (let i = 0; i < a.length; i++) a[i] += rng.normal() * 0.1;
  return p;
}

let device: GPUDevice;
let gpu: GpuModel;
let cpu: CpuModel;
let params: Params;

beforeAll(async () => {
  device = await getDevice();
  params = testParams(1, 10);
  gpu = await createGpuModel(device, config, params);
  cpu = createCpuModel(config, params);
});

function steeringFor(B: number, layer: number, alpha: number[], start: number[], end: number[]): Steering {
  return {
    vector: randn(createRng(99), config.dModel, 0.5),
    layer,
    alpha: Float32Array.from(alpha),
    start: Int32Array.from(start),
    end: Int32Array.from(end),
  };
}

/**
 * log p of `token` under the sampling distribution, written independently of the sampler: rank tokens by
 * (logit descending, index ascending), keep the first topK (all for 0 or >= V), renormalise
 * exp((l - max) / T) over them in float64; -Infinity if the token is not kept.
 */
function refSamplingLogprob(logits: ArrayLike<number>, temperature: number, topK: number, token: number): number {
  const V = logits.length;
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = topK > 0 && topK < V ? order.slice(0, topK) : order;
  if (!kept.includes(token)) return -Infinity;
  const mx = logits[order[0]];
  const lse = Math.log(kept.reduce((a, v) => a + Math.exp((logits[v] - mx) / temperature), 0));
  return (logits[token] - mx) / temperature - lse;
}

describe('GPU model vs CPU model', () => {
  test('the device check passes here under the tuning this device gets, and runs once per device and tuning', async () => {
    const tuning = defaultTuning(device);
    const first = checkDevice(device, tuning);
    expect(checkDevice(device, { ...tuning })).toBe(first);
    const c = await first;
    expect(worstError(c)).toBeLessThan(1e-5);
    expect(c.tokensDiffering).toBe(0);
    expect(c.worstGrad).toMatch(/^(wte|wpe|ln_f|h\.\d+)\./);
  });

  test('parameters round-trip', async () => {
    const got = await gpu.getParams();
    for (const s of paramSpecs(config)) expect(Array.from(got.get(s.name)!)).toEqual(Array.from(params.get(s.name)!));
  });

  test('logits match (full context and a shorter batch)', async () => {
    for (const [B, T] of [
      [3, 16],
      [2, 11],
    ]) {
      const batch = { tokens: randTokens(rng, B * T, config.vocabSize), B, T };
      expectClose(await gpu.logits(batch), await cpu.logits(batch), 1e-4, `logits B=${B} T=${T}`);
    }
  });

  test('log-probs, entropy and ALL parameter gradients match (relative error <= 1e-4)', async () => {
    const B = 3, T = 16;
    const batch = { tokens: randTokens(rng, B * T, config.vocabSize), B, T };
    const targets = randTokens(rng, B * T, config.vocabSize);
    targets[0] = targets[5] = targets[B * T - 1] = -1;
    const dlogp = randn(rng, B * T);
    const steering = steeringFor(B, 0, [1.5, 0, -2], [3, 0, 10], [7, 16, 16]);
    const g = await gpu.logprobs(batch, targets, steering);
    const c = await cpu.logprobs(batch, targets, steering);
    expectClose(g.logprobs, c.logprobs, 1e-4, 'logprobs');
    expectClose(g.entropy, c.entropy, 1e-4, 'entropy');
    await gpu.backward(dlogp);
    await cpu.backward(dlogp);
    // accumulate a second backward on top (gradients are sums until step())
    await gpu.backward(dlogp);
    await cpu.backward(dlogp);
    const gg = await gpu.getGrads();
    const cg = await cpu.getGrads();
    const errors: string[] = [];
    for (const s of paramSpecs(config)) {
      const e = relErr(gg.get(s.name)!, cg.get(s.name)!);
      if (!(e <= 1e-4)) errors.push(`${s.name}: ${e}`);
    }
    expect(errors).toEqual([]);
    // clean up the accumulators for the next tests (AdamW with lr 0 zeroes them)
    const zero: AdamWSettings = { lr: 0, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, clipNorm: 0 };
    const gs = await gpu.step(zero);
    const cs = await cpu.step(zero);
    expect(gs.gradNorm).toBeCloseTo(cs.gradNorm, 3);
    await gpu.setParams(params);
    await cpu.setParams(params);
  });

  // every tuning on every adapter: "gpu" (vec4 matmul, flash attention) is what a real GPU gets,
  // "swiftshader" what a CPU adapter gets (row attention), "tiled" the generic matmul the vec4 one falls
  // back to for other strides, "tiled attention" the blocks over stored weights, "filled grids" the vec4
  // matmul on 64-wide tiles throughout (Tuning.matmulFill); and the first two with
  // the subgroup row reductions where the adapter has `subgroups` (the default on CPU adapters)
  test.each([
    ...Object.entries(TUNINGS),
    ['tiled', { ...GPU_TUNING, matmul: 'tiled' }],
    ['tiled attention', { ...GPU_TUNING, attention: 'tiled' }],
    ['filled grids', { ...GPU_TUNING, matmulFill: 1 << 20 }],
    ...(HAS_SUBGROUPS ? [['swiftshader with subgroups', { ...CPU_ADAPTER_TUNING, subgroups: true }], ['gpu with subgroups', { ...GPU_TUNING, subgroups: true }]] : []),
  ] as [string, Tuning][])(
    'the %s tuning gives the CPU model\'s logits and ALL parameter gradients', async (_name, tuning) => {
    const m = await createGpuModel(device, config, params, { tuning });
    expect(m.tuning).toEqual(tuning);
    const B = 2, T = 13;
    const batch = { tokens: randTokens(rng, B * T, config.vocabSize), B, T };
    const targets = randTokens(rng, B * T, config.vocabSize);
    const dlogp = randn(rng, B * T);
    const c = createCpuModel(config, params);
    expectClose(await m.logits(batch), await c.logits(batch), 1e-4, 'logits');
    await m.logprobs(batch, targets);
    await c.logprobs(batch, targets);
    await m.backward(dlogp);
    await c.backward(dlogp);
    const gg = await m.getGrads();
    const cg = await c.getGrads();
    const errors: string[] = [];
    for (const s of paramSpecs(config)) {
      const e = relErr(gg.get(s.name)!, cg.get(s.name)!);
      if (!(e <= 1e-4)) errors.push(`${s.name}: ${e}`);
    }
    expect(errors).toEqual([]);
    m.dispose();
  });

  test('without the layernorm stacks (smaller adapter limits): the same hidden states and gradients bit for bit, one params pass per layernorm', async () => {
    // its own random stream: the shared one feeds the later tests (the AdamW comparison is sensitive to its data)
    const r = createRng(11);
    const B = 2, T = 13;
    const batch = { tokens: randTokens(r, B * T, config.vocabSize), B, T };
    const targets = randTokens(r, B * T, config.vocabSize);
    const dlogp = randn(r, B * T);
    const results = [];
    for (const stackLayernorms of [true, false]) {
      const m = await createGpuModel(device, config, params, { tuning: GPU_TUNING, stackLayernorms });
      const hidden = await m.hidden(batch, 0);
      await m.logprobs(batch, targets);
      const d0 = m.counters().dispatches;
      await m.backward(dlogp);
      const dispatches = m.counters().dispatches - d0;
      const grads = await m.getGrads();
      results.push({ hidden, grads, dispatches });
      m.dispose();
    }
    expect(bitEqual(results[0].hidden, results[1].hidden), 'hidden').toBe(true);
    for (const s of paramSpecs(config)) expect(bitEqual(results[0].grads.get(s.name)!, results[1].grads.get(s.name)!), s.name).toBe(true);
    expect(results[1].dispatches - results[0].dispatches, '2L + 1 layernorm params passes instead of one').toBe(2 * config.nLayers);
  });

  test('dispatches per supervised step under the gpu tuning: 14 per layer (13 in layer 0) + 10 outside, +1 for an LM head not a multiple of 4 wide', async () => {
    // The issue 15 budget (DESIGN §2): per layer ln_1 (layer 0: fused with the embedding), qkv, attention,
    // proj + residual, ln_2, fc + GELU, fcproj + residual; four dX+dW pairs, the attention backward, two
    // layernorm backwards. Outside: embedding + ln_1, ln_f, LM head; log-prob backward (writing the
    // log-probs), LM head dX+dW, ln_f backward, encoder backward, layernorm parameters; AdamW's two.
    const r = createRng(12);
    const B = 2, T = 8;
    const m = await createGpuModel(device, config, params, { tuning: GPU_TUNING });
    const batch = { tokens: randTokens(r, B * T, config.vocabSize), B, T };
    const opt = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1 };
    const c0 = m.counters();
    await m.trainStep(batch, randTokens(r, B * T, config.vocabSize), opt);
    const c1 = m.counters();
    const lmHeadPairs = config.vocabSize % 4 === 0 ? 0 : 1; // V = 13: dX and dW of the LM head in two dispatches
    expect(c1.dispatches - c0.dispatches).toBe(14 * config.nLayers - 1 + 10 + lmHeadPairs);
    expect([c1.submits - c0.submits, c1.readbacks - c0.readbacks]).toEqual([1, 1]);
    m.dispose();
  });

  test('flash attention keeps a max and a sum per query row, not the [T, T] weights, and needs no dpre scratch: live bytes after a step', async () => {
    const r = createRng(13);
    const B = 2, T = 13;
    const batch = { tokens: randTokens(r, B * T, config.vocabSize), B, T };
    const targets = randTokens(r, B * T, config.vocabSize);
    const opt = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1 };
    const live: number[] = [];
    for (const attention of ['tiled', 'flash'] as const) {
      const m = await createGpuModel(device, config, params, { tuning: { ...GPU_TUNING, attention } });
      await m.trainStep(batch, targets, opt);
      live.push(m.memory().liveBytes);
      m.dispose();
    }
    const { nLayers: L, nHeads: NH } = config;
    const weights = roundSize(B * NH * T * T * 4), stats = roundSize(B * NH * T * 2 * 4);
    expect(live[0] - live[1]).toBe(L * (weights - stats) + weights);
  });

  test('steering: alpha = 0 is bit-for-bit the unsteered pass; only positions in the window change', async () => {
    const B = 3, T = 12;
    const batch = { tokens: randTokens(rng, B * T, config.vocabSize), B, T };
    const zero = steeringFor(B, 1, [0, 0, 0], [0, 0, 0], [T, T, T]);
    const plain = await gpu.logits(batch);
    const steered0 = await gpu.logits(batch, zero);
    expect(bitEqual(steered0, plain)).toBe(true);

    const layer = 0;
    const s = steeringFor(B, layer, [2, 0, -1.5], [4, 0, 9], [6, T, 10]);
    const h0 = await gpu.hidden(batch, layer);
    const h1 = await gpu.hidden(batch, layer, s);
    const C = config.dModel;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const inside = s.alpha[b] !== 0 && t >= s.start[b] && t < s.end[b];
        const a = h0.subarray((b * T + t) * C, (b * T + t + 1) * C);
        const c = h1.subarray((b * T + t) * C, (b * T + t + 1) * C);
        const same = bitEqual(a, c);
        expect(same, `b=${b} t=${t} inside=${inside}`).toBe(!inside);
      }
    }
    expectClose(h1, await cpu.hidden(batch, layer, s), 1e-4, 'steered hidden vs CPU');
    expectClose(await gpu.logits(batch, s), await cpu.logits(batch, s), 1e-4, 'steered logits vs CPU');
  });

  test('KV-cache generation: log-probs equal a full recompute (with steering)', async () => {
    const B = 4, P = 5, M = 9, S = P + M;
    const prompt = randTokens(rng, B * P, config.vocabSize);
    const steering = steeringFor(B, 1, [1, 0, -2, 3], [P - 1, 0, 2, 6], [P, S, 8, S]);
    let streamed = 0;
    const res = await gpu.generate({ prompt, B, P, maxNewTokens: M, temperature: 1, topK: 0, seed: 3, steering, onTokens: () => streamed++, streamEvery: 4 });
    expect(streamed).toBe(3); // after 4, 8 and 9 tokens
    expect(Array.from(res.tokens.filter((_, i) => i % S < P))).toEqual(Array.from(prompt));
    const targets = new Int32Array(B * S).fill(-1);
    for (let b = 0; b < B; b++) for (let t = P - 1; t < S - 1; t++) targets[b * S + t] = res.tokens[b * S + t + 1];
    const full = await gpu.logprobs({ tokens: res.tokens, B, T: S }, targets, steering);
    const want = new Float32Array(B * M);
    for (let b = 0; b < B; b++) for (let s = 0; s < M; s++) want[b * M + s] = full.logprobs[b * S + P - 1 + s];
    expectClose(res.logprobs, want, 1e-4, 'generated logprobs vs recompute');
    const onCpu = await cpu.logprobs({ tokens: res.tokens, B, T: S }, targets, steering);
    expectClose(full.logprobs, onCpu.logprobs, 1e-4, 'recompute vs CPU');
  });

  test('batched generation: one submit per token and the same dispatches per token for 2 or 64 sequences', async () => {
    const P = 4, M = 6;
    const cost = async (B: number) => {
      const prompt = randTokens(rng, B * P, config.vocabSize);
      const before = gpu.counters();
      await gpu.generate({ prompt, B, P, maxNewTokens: M, temperature: 1, topK: 0, seed: 5, streamEvery: M });
      const after = gpu.counters();
      return { submits: after.submits - before.submits, dispatches: after.dispatches - before.dispatches };
    };
    const small = await cost(2);
    const large = await cost(64); // B·G of the default trainer config
    // The whole batch advances together: the work per token is one dispatch sequence, whatever B is.
    expect(large).toEqual(small);
    expect(small.submits).toBeLessThanOrEqual(M + 1);
  });

  test('greedy generation equals the CPU model; seeded sampling too, with the sampling distribution\'s log-probs', async () => {
    const B = 5, P = 3, M = 12, S = P + M, V = config.vocabSize;
    const prompt = randTokens(rng, B * P, config.vocabSize);
    const steering = steeringFor(B, 1, [0, 1, -2, 3, 0.5], [0, P - 1, 2, 6, 0], [S, P + 4, 8, S, S]);
    for (const [temperature, topK, steer] of [
      [0, 0, false],
      [1, 0, false],
      [0.8, 4, false],
      [0.7, 3, false],
      [0.7, 3, true],
      [1.7, 1, false],
    ] as [number, number, boolean][]) {
      const tag = `T=${temperature} k=${topK} steered=${steer}`;
      const req = { prompt, B, P, maxNewTokens: M, temperature, topK, seed: 11, steering: steer ? steering : undefined };
      const g = await gpu.generate(req);
      const c = await cpu.generate(req);
      expect(Array.from(g.tokens), tag).toEqual(Array.from(c.tokens));
      expectClose(g.logprobs, c.logprobs, 1e-4, `sampled logprobs ${tag}`);
      if (temperature === 0) {
        expect(Array.from(g.logprobs), tag).toEqual(new Array(B * M).fill(0));
        continue;
      }
      // log p under the distribution sampled from, recomputed from the model's own logits of the sequence
      const logits = await gpu.logits({ tokens: g.tokens, B, T: S }, req.steering);
      for (let b = 0; b < B; b++)
        for (let s = 0; s < M; s++) {
          const t = P - 1 + s;
          const ref = refSamplingLogprob(logits.subarray((b * S + t) * V, (b * S + t + 1) * V), temperature, topK, g.tokens[b * S + t + 1]);
          expect(Math.abs(g.logprobs[b * M + s] - ref), `${tag} b=${b} s=${s}`).toBeLessThan(1e-4);
        }
    }
  });

  // The prompt goes through one batched forward pass (prefill) and the decode Program continues at P; the
  // per-position path (batchedPrefill: false) is the reference it replaced. Odd B, P = 1 (no prefill), small
  // P, P up to the context length, steering windows that start inside the prompt, greedy and sampled.
  test('batched prompt prefill: tokens and log-probs equal the CPU model and the per-position path', async () => {
    const perPosition = await createGpuModel(device, config, params, { batchedPrefill: false });
    const Tc = config.contextLength;
    try {
      for (const [B, P, M, temperature, topK, steerLayer] of [
        [1, 1, 6, 0.9, 0, 1],
        [1, 2, 5, 0, 0, -1],
        [3, 7, 6, 0.9, 0, 1],
        [3, Tc - 2, 2, 0.8, 4, 0],
        [5, Tc - 1, 1, 1.3, 0, 1],
        [5, 5, 4, 0, 0, 1],
      ] as [number, number, number, number, number, number][]) {
        const S = P + M;
        const tag = `B=${B} P=${P} M=${M} T=${temperature} k=${topK} steer=${steerLayer}`;
        const prompt = randTokens(rng, B * P, config.vocabSize);
        // windows starting inside the prompt (at 0, mid-prompt, at the last prompt position), one after it
        const starts = [0, P >> 1, P - 1, P, 1].slice(0, B);
        const ends = [S, P, S, S, Math.max(2, P - 1)].slice(0, B);
        const alphas = [2, -3, 1.5, 2.5, -1].slice(0, B);
        const steering = steerLayer >= 0 ? steeringFor(B, steerLayer, alphas, starts, ends) : undefined;
        const req = { prompt, B, P, maxNewTokens: M, temperature, topK, seed: 100 + P, steering };
        const g = await gpu.generate(req);
        const c = await cpu.generate(req);
        const r = await perPosition.generate(req);
        expect(Array.from(g.tokens), `vs CPU ${tag}`).toEqual(Array.from(c.tokens));
        expect(Array.from(g.tokens), `vs per-position ${tag}`).toEqual(Array.from(r.tokens));
        expectClose(g.logprobs, c.logprobs, 1e-4, `logprobs vs CPU ${tag}`);
        expectClose(g.logprobs, r.logprobs, 1e-5, `logprobs vs per-position ${tag}`);
        if (steering) {
          // the steering makes a difference here, so the comparison above covers the hook
          const plain = await cpu.generate({ ...req, steering: undefined, temperature: 0 });
          const steered = await cpu.generate({ ...req, temperature: 0 });
          const gs = await gpu.generate({ ...req, temperature: 0 });
          expect(Array.from(gs.tokens), `greedy steered ${tag}`).toEqual(Array.from(steered.tokens));
          expect(Array.from(plain.tokens), `steering changes the greedy tokens ${tag}`).not.toEqual(Array.from(steered.tokens));
        }
      }
    } finally {
      perPosition.dispose();
    }
  });

  test.each([
    ['the gpu tuning (vec4 matmul, residual fused)', GPU_TUNING],
    ['the skinny matmul (the 27-row prefill and the decode steps\' 3 rows)', { ...GPU_TUNING, skinnyMatmul: true }],
  ] as [string, Tuning][])('batched prompt prefill under %s equals the CPU model', async (_name, tuning) => {
    const m = await createGpuModel(device, config, params, { tuning });
    try {
      const B = 3, P = 9, M = 4;
      const prompt = randTokens(rng, B * P, config.vocabSize);
      const steering = steeringFor(B, 0, [2, -3, 1.5], [4, 0, P - 1], [P + 2, 3, P + M]);
      for (const [temperature, topK] of [[0, 0], [0.9, 5]]) {
        const req = { prompt, B, P, maxNewTokens: M, temperature, topK, seed: 21, steering };
        const g = await m.generate(req);
        const c = await cpu.generate(req);
        expect(Array.from(g.tokens), `T=${temperature}`).toEqual(Array.from(c.tokens));
        expectClose(g.logprobs, c.logprobs, 1e-4, `logprobs T=${temperature}`);
      }
    } finally {
      m.dispose();
    }
  });

  // Tuning.f16Weights: on parameters that are f16 numbers the f16 copy is exact, so generation must equal
  // the CPU model to f32 rounding (prefill, decode, steering); on others it samples from the f16-rounded
  // model. The copy is made again by the first generation after the parameters change.
  test.each([
    ['tiled', false],
    ['skinny', true],
  ])('f16 weights for generation (%s matmul): equal to the CPU model on f16-valued parameters; refreshed after setParams and a step', async (_name, skinnyMatmul) => {
    const toF16 = (p: Params): Params => new Map([...p].map(([k, a]) => [k, Float32Array.from(a, roundToF16Normal)]));
    const m = await createGpuModel(device, config, toF16(params), { tuning: { ...GPU_TUNING, f16Weights: true, skinnyMatmul } });
    try {
      const B = 3, P = 9, M = 5;
      const prompt = randTokens(rng, B * P, config.vocabSize);
      const steering = steeringFor(B, 0, [2, -3, 1.5], [4, 0, P - 1], [P + 2, 3, P + M]);
      const reqs = [[0, 0], [0.9, 5], [1, 0]].map(([temperature, topK]) => ({ prompt, B, P, maxNewTokens: M, temperature, topK, seed: 21, steering }));
      const expectCpu = async (p: Params, what: string) => {
        const c = createCpuModel(config, p);
        for (const req of reqs) {
          const g = await m.generate(req), r = await c.generate(req);
          expect(Array.from(g.tokens), `${what} T=${req.temperature}`).toEqual(Array.from(r.tokens));
          expectClose(g.logprobs, r.logprobs, 1e-4, `${what} logprobs T=${req.temperature}`);
        }
      };
      await expectCpu(toF16(params), 'f16-valued parameters');
      const dispatches = async () => {
        const before = m.counters().dispatches;
        await m.generate(reqs[0]);
        return m.counters().dispatches - before;
      };
      const fresh = await dispatches();
      const other = toF16(testParams(2, 10));
      await m.setParams(other);
      expect(await dispatches(), 'the cast after setParams').toBe(fresh + 1);
      expect(await dispatches(), 'no cast while the parameters stay').toBe(fresh);
      await expectCpu(other, 'after setParams');
      const opt: AdamWSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1.0 };
      await m.trainStep({ tokens: randTokens(rng, 2 * 8, config.vocabSize), B: 2, T: 8 }, randTokens(rng, 2 * 8, config.vocabSize), opt);
      expect(await dispatches(), 'the cast after a step').toBe(fresh + 1);
      // parameters that are not f16 numbers: the f16-rounded model, close to the f32 one but not equal
      await m.setParams(params);
      const g = await m.generate(reqs[2]), r = await cpu.generate(reqs[2]);
      expect(Array.from(g.tokens)).toEqual(Array.from(r.tokens));
      const e = relErr(g.logprobs, r.logprobs);
      expect(e, 'the f16 weights are what generation read').toBeGreaterThan(1e-6);
      expect(e).toBeLessThan(1e-2);
    } finally {
      m.dispose();
    }
  });

  test('batched prompt prefill: the dispatches of a generate call do not grow with the prompt length', async () => {
    const B = 3, M = 5;
    const cost = async (P: number) => {
      const req = { prompt: randTokens(rng, B * P, config.vocabSize), B, P, maxNewTokens: M, temperature: 0, topK: 0, seed: 1 };
      await gpu.generate(req); // the first call of a shape builds its programs
      const before = gpu.counters();
      await gpu.generate(req);
      const after = gpu.counters();
      return { submits: after.submits - before.submits, dispatches: after.dispatches - before.dispatches };
    };
    const short = await cost(2);
    const long = await cost(11);
    expect(long).toEqual(short);
    expect(short.submits).toBe(1);
    // per-position: (P + M - 1) decode steps; prefill: one batched pass plus M - 1 decode steps
    const oneToken = await cost(1); // P = 1: M decode steps
    const step = oneToken.dispatches / M;
    expect(Number.isInteger(step)).toBe(true);
    expect(short.dispatches).toBeLessThan((2 + M - 1) * step);
  });

  test('the prefill and hidden() allocate no [B, P, V] logits; logits() allocates them on its first call', async () => {
    // a vocabulary large next to everything else, so the logits would dominate the peak
    const wide: GPTConfig = { vocabSize: 4096, contextLength: 64, dModel: 16, nLayers: 1, nHeads: 2 };
    const B = 8, P = 48;
    const logitsBytes = B * P * wide.vocabSize * 4; // 6.3 MB
    const m = await createGpuModel(device, wide, initParams(wide, 3));
    try {
      const prompt = randTokens(rng, B * P, wide.vocabSize);
      await m.generate({ prompt, B, P, maxNewTokens: 3, temperature: 0, topK: 0, seed: 1 });
      await m.hidden({ tokens: prompt, B, T: P }, 0);
      const peak = m.memory().peakBytes;
      expect(peak).toBeLessThan(logitsBytes);
      await m.logits({ tokens: prompt, B, T: P });
      expect(m.memory().peakBytes - peak).toBeGreaterThanOrEqual(logitsBytes);
    } finally {
      m.dispose();
    }
  });

  test('AdamW steps (trainStep and backward+step) equal on both; one submit and one readback per step', async () => {
    const opt: AdamWSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1.0 };
    await gpu.setParams(params);
    await cpu.setParams(params);
    const B = 4, T = 16;
    for (let step = 0; step < 2; step++) {
      const batch = { tokens: randTokens(rng, B * T, config.vocabSize), B, T };
      const targets = randTokens(rng, B * T, config.vocabSize);
      targets[3] = -1;
      const before = gpu.counters();
      const g = await gpu.trainStep(batch, targets, opt);
      const after = gpu.counters();
      expect(after.submits - before.submits).toBe(1);
      expect(after.readbacks - before.readbacks).toBe(1);
      const c = await cpu.trainStep(batch, targets, opt);
      expect(g.loss).toBeCloseTo(c.loss, 4);
      expect(Math.abs(g.gradNorm - c.gradNorm) / c.gradNorm).toBeLessThan(1e-4);
    }
    // the RL path: logprobs + backward + step
    const batch = { tokens: randTokens(rng, B * T, config.vocabSize), B, T };
    const targets = randTokens(rng, B * T, config.vocabSize);
    const d = randn(rng, B * T, 0.1);
    await gpu.logprobs(batch, targets);
    await cpu.logprobs(batch, targets);
    await gpu.backward(d);
    await cpu.backward(d);
    const gs = await gpu.step(opt);
    const cs = await cpu.step(opt);
    expect(Math.abs(gs.gradNorm - cs.gradNorm) / cs.gradNorm).toBeLessThan(1e-4);
    const gp = await gpu.getParams();
    const cp = await cpu.getParams();
    const errors: string[] = [];
    for (const s of paramSpecs(config)) {
      const e = relErr(gp.get(s.name)!, cp.get(s.name)!);
      if (!(e <= 1e-4)) errors.push(`${s.name}: ${e}`);
    }
    expect(errors).toEqual([]);
  });

  test('no GPU buffer is created per training step', async () => {
    const opt: AdamWSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, clipNorm: 1 };
    const B = 2, T = 8;
    const batch = { tokens: randTokens(rng, B * T, config.vocabSize), B, T };
    const targets = randTokens(rng, B * T, config.vocabSize);
    await gpu.trainStep(batch, targets, opt);
    await gpu.generate({ prompt: batch.tokens.subarray(0, 2 * 4), B: 2, P: 4, maxNewTokens: 4, temperature: 1, topK: 0, seed: 1 });
    const live = gpu.liveBufferCount();
    for (let i = 0; i < 5; i++) {
      await gpu.trainStep(batch, targets, opt);
      await gpu.generate({ prompt: batch.tokens.subarray(0, 2 * 4), B: 2, P: 4, maxNewTokens: 4, temperature: 1, topK: 0, seed: 1 });
    }
    expect(gpu.liveBufferCount()).toBe(live);
  });

  test('a non-finite loss is reported and the parameters are not updated', async () => {
    const bad = testParams(2);
    bad.get('ln_f.bias')![0] = NaN;
    const m = await createGpuModel(device, config, bad);
    const B = 2, T = 8;
    const before = await m.getParams();
    const r = await m.trainStep({ tokens: randTokens(rng, B * T, config.vocabSize), B, T }, randTokens(rng, B * T, config.vocabSize), {
      lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1,
    });
    expect(Number.isFinite(r.loss)).toBe(false);
    const after = await m.getParams();
    for (const s of paramSpecs(config)) {
      expect(bitEqual(before.get(s.name)!, after.get(s.name)!), s.name).toBe(true);
    }
    m.dispose();
  });

  test('dispose frees every GPU buffer after the call in flight; later calls reject', async () => {
    const m = await createGpuModel(device, config, params);
    const B = 2, T = 6;
    const pending = m.logits({ tokens: randTokens(rng, B * T, config.vocabSize), B, T });
    m.dispose();
    expect((await pending).length).toBe(B * T * config.vocabSize); // the call in flight completes
    await expect(m.logits({ tokens: randTokens(rng, B * T, config.vocabSize), B, T })).rejects.toThrow(/disposed/);
    await new Promise((r) => setTimeout(r, 0));
    expect(m.liveBufferCount()).toBe(0);
  });

  test('a config over the adapter limits is refused before allocation, naming the limit', async () => {
    // Inside the config limits (src/model/config.ts) but, for a batch of 64, not inside the adapter's: 69 GB of logits.
    const huge: GPTConfig = { vocabSize: 65536, contextLength: 4096, dModel: 2048, nLayers: 1, nHeads: 16 };
    expect(() => checkModelFits(huge, device.limits, 64)).toThrow(ModelTooLargeError);
    expect(() => checkModelFits(huge, device.limits, 64)).toThrow(/logits .* the adapter's (maxStorageBufferBindingSize|maxBufferSize)/);
    // Outside the config limits: refused by name before any buffer exists.
    await expect(createGpuModel(device, { ...config, nLayers: 1e9 })).rejects.toThrow(/nLayers/);
    expect(() => checkModelFits(config, { maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1000 })).toThrow(/maxStorageBufferBindingSize is 1000 bytes/);
  });
});
