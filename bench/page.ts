// The benchmark page (driven by bench/run.ts; see the comment there for what each line means).
// Ours and TF.js run in this one page on the same adapter, alternating run by run so that drift (thermal,
// other load) hits both alike. Results go out through window.__benchEmit as JSON strings.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { requestGpuDevice } from '../src/engine/device';
import { createGpuModel, type GpuModel } from '../src/model/gpu-model';
import { initParams } from '../src/model/init';
import { paramCount, type GPTConfig } from '../src/model/config';
import type { AdamWSettings } from '../src/model/types';
import { createRng } from '../src/util/rng';
import { oursMatmul, type MatmulCase } from './ours-matmul';
import { TfjsGpt } from './tfjs-gpt';

declare global {
  interface Window {
    __benchEmit?: (json: string) => Promise<void>;
    __benchProgress?: (msg: string) => Promise<void>;
    __benchNoWebGPU?: (msg: string) => Promise<void>;
    __benchDone?: () => Promise<void>;
  }
}

type Result = Record<string, unknown> & { bench: string };

const query = new URLSearchParams(location.search);
const only = (query.get('only') ?? '').split(',').filter(Boolean);
const enabled = (name: string) => only.length === 0 || only.includes(name);

let adapterName = 'unknown';
const results: Result[] = [];

async function emit(r: Result): Promise<void> {
  const line = { ...r, adapter: adapterName };
  results.push(line);
  const json = JSON.stringify(line);
  if (window.__benchEmit) await window.__benchEmit(json);
  else console.log(json);
}

async function progress(msg: string): Promise<void> {
  if (window.__benchProgress) await window.__benchProgress(msg);
  else console.log(msg);
}

// ---------------------------------------------------------------------------------------------- utils

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toPrecision(digits + 1)) : x);
const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

function randn(seed: number, n: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

function maxRelErr(got: Float32Array, ref: Float32Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(got[i] - ref[i]);
    if (!(e <= d)) d = e;
    s = Math.max(s, Math.abs(ref[i]));
  }
  return s === 0 ? d : d / s;
}

/** Max relative error of `got` against a float64 CPU product on 64 sampled entries. */
function cpuSpotCheck(c: MatmulCase, a: Float32Array, b: Float32Array, got: Float32Array): number {
  const rng = createRng(4242);
  const ref = new Float32Array(64);
  const sample = new Float32Array(64);
  for (let s = 0; s < 64; s++) {
    const m = rng.int(c.M);
    const n = rng.int(c.N);
    let acc = 0;
    for (let k = 0; k < c.K; k++) acc += a[m * c.K + k] * (c.transposeB ? b[n * c.K + k] : b[k * c.N + n]);
    ref[s] = acc;
    sample[s] = got[m * c.N + n];
  }
  return maxRelErr(sample, ref);
}

/** Waits for everything TF.js has recorded to finish on its device. */
async function tfjsSync(): Promise<void> {
  const backend = tf.backend() as WebGPUBackend;
  // what TF.js itself does before a readback (getBufferData): close the open pass, submit the encoder
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  await backend.queue.onSubmittedWorkDone();
}

/**
 * Rows of `seqs` learnable sequences: x_i = (s + i d) mod V with a random start s and stride d,
 * tokens = x[0, T), targets = x[1, T].
 */
function makeBatch(seed: number, B: number, T: number, V: number): { tokens: Int32Array; targets: Int32Array } {
  const rng = createRng(seed);
  const tokens = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const s = rng.int(V);
    const d = 1 + rng.int(3);
    for (let t = 0; t < T; t++) {
      tokens[b * T + t] = (s + t * d) % V;
      targets[b * T + t] = (s + (t + 1) * d) % V;
    }
  }
  return { tokens, targets };
}

// ---------------------------------------------------------------------------------------------- plan

interface Plan {
  mode: 'full' | 'swiftshader-reduced';
  matmul: { squares: number[]; warmup: number; runs: number; flopsPerRun: number; maxReps: number; extra: { name: string; c: MatmulCase }[] };
  train: { configs: { name: string; config: GPTConfig; B: number }[]; warmup: number; runs: number };
  generate: { B: number; P: number; M: number; runs: number };
  counters: { config: GPTConfig; B: number; steps: number; name: string };
}

/** The small GPT of the issue: V=24, T=32, C=64, L=3, NH=4 (trained with B=32). */
const SMALL: GPTConfig = { vocabSize: 24, contextLength: 32, dModel: 64, nLayers: 3, nHeads: 4 };
const MEDIUM: GPTConfig = { vocabSize: 512, contextLength: 64, dModel: 256, nLayers: 4, nHeads: 8 };
const TINY: GPTConfig = { vocabSize: 24, contextLength: 8, dModel: 16, nLayers: 1, nHeads: 2 };
const SMALL_B = 32;

function makePlan(swift: boolean, forceFull: boolean, quick: boolean): Plan {
  const full = forceFull || !swift;
  if (full) {
    const q = quick ? 0.3 : 1;
    return {
      mode: 'full',
      matmul: {
        squares: [256, 512, 1024],
        warmup: 3,
        runs: Math.max(3, Math.round(15 * q)),
        flopsPerRun: 1e10, // each timed run does enough products to take milliseconds on a real GPU
        maxReps: 200,
        extra: [{ name: 'gpt2-small c_fc [1024,768]x[768,3072]', c: { M: 1024, K: 768, N: 3072, transposeB: false } }],
      },
      train: {
        configs: [
          { name: 'small', config: SMALL, B: SMALL_B },
          { name: 'medium', config: MEDIUM, B: 16 },
        ],
        warmup: 3,
        runs: Math.max(3, Math.round(20 * q)),
      },
      generate: { B: 32, P: 8, M: SMALL.contextLength - 8, runs: Math.max(2, Math.round(5 * q)) },
      counters: { config: SMALL, B: SMALL_B, steps: 500, name: 'small' },
    };
  }
  // SwiftShader: a 512^2 matmul takes about a second, so fewer and smaller runs (same shapes where cheap)
  return {
    mode: 'swiftshader-reduced',
    matmul: { squares: [256, 512, 1024], warmup: 1, runs: quick ? 1 : 5, flopsPerRun: 0, maxReps: 1, extra: [] },
    train: { configs: [{ name: 'small', config: SMALL, B: 8 }], warmup: 1, runs: quick ? 2 : 3 },
    generate: { B: 8, P: 8, M: SMALL.contextLength - 8, runs: quick ? 1 : 3 },
    counters: { config: TINY, B: 2, steps: 500, name: 'tiny' },
  };
}

// ---------------------------------------------------------------------------------------------- 1. matmul

async function benchMatmul(device: GPUDevice, plan: Plan): Promise<number[]> {
  const { squares, warmup, flopsPerRun, maxReps, extra } = plan.matmul;
  const N = SMALL_B * SMALL.contextLength;
  const C = SMALL.dModel;
  const cases: { name: string; c: MatmulCase }[] = [
    ...squares.map((s) => ({ name: `square ${s}`, c: { M: s, K: s, N: s, transposeB: false } })),
    { name: `c_attn [B*T=${N},C=${C}]x[C,3C]`, c: { M: N, K: C, N: 3 * C, transposeB: false } },
    { name: `mlp.c_fc [B*T=${N},C=${C}]x[C,4C]`, c: { M: N, K: C, N: 4 * C, transposeB: false } },
    { name: `mlp.c_proj [B*T=${N},4C=${4 * C}]x[4C,C]`, c: { M: N, K: 4 * C, N: C, transposeB: false } },
    { name: `lm_head [B*T=${N},C=${C}]x[V=${SMALL.vocabSize},C]^T`, c: { M: N, K: C, N: SMALL.vocabSize, transposeB: true } },
    ...extra,
  ];
  const ratios: number[] = [];
  let seed = 100;
  for (const { name, c } of cases) {
    const flops = 2 * c.M * c.N * c.K;
    const reps = Math.max(1, Math.min(maxReps, Math.round(flopsPerRun / flops)));
    // SwiftShader: fewer timed runs for the biggest square (each takes seconds there)
    const runs = plan.mode === 'full' ? plan.matmul.runs : flops > 1e9 ? Math.min(2, plan.matmul.runs) : plan.matmul.runs;
    await progress(`matmul ${name}: ${reps} product(s) per run, ${warmup} warm-up + ${runs} timed runs each`);
    const a = randn(seed++, c.M * c.K);
    const b = randn(seed++, c.K * c.N);
    const ours = oursMatmul(device, c, a, b);
    const ta = tf.tensor2d(a, [c.M, c.K]);
    const tb = c.transposeB ? tf.tensor2d(b, [c.N, c.K]) : tf.tensor2d(b, [c.K, c.N]);
    const tfRun = async (n: number) => {
      for (let i = 0; i < n; i++) tf.matMul(ta, tb, false, c.transposeB).dispose();
      await tfjsSync();
    };
    try {
      for (let i = 0; i < warmup; i++) {
        await ours.run(reps);
        await tfRun(reps);
      }
      const tOurs: number[] = [];
      const tTf: number[] = [];
      for (let i = 0; i < runs; i++) {
        let t0 = performance.now();
        await ours.run(reps);
        tOurs.push(performance.now() - t0);
        t0 = performance.now();
        await tfRun(reps);
        tTf.push(performance.now() - t0);
      }
      const got = await ours.read();
      const refT = tf.matMul(ta, tb, false, c.transposeB);
      const ref = (await refT.data()) as Float32Array;
      refT.dispose();
      const gOurs = (flops * reps) / (median(tOurs) * 1e6);
      const gTf = (flops * reps) / (median(tTf) * 1e6);
      ratios.push(gOurs / gTf);
      await emit({
        bench: 'matmul',
        shape: name,
        M: c.M,
        K: c.K,
        N: c.N,
        transposeB: c.transposeB,
        oursVariant: ours.variant,
        reps,
        runs,
        msOurs: round(median(tOurs)),
        msTfjs: round(median(tTf)),
        gflopsOurs: round(gOurs),
        gflopsTfjs: round(gTf),
        ratio: round(gOurs / gTf),
        maxRelErr: Number(maxRelErr(got, ref).toExponential(2)),
        maxRelErrCpuSample: Number(cpuSpotCheck(c, a, b, got).toExponential(2)),
      });
    } finally {
      ours.dispose();
      ta.dispose();
      tb.dispose();
    }
  }
  return ratios;
}

// ---------------------------------------------------------------------------------------------- 2. training step

const OPT: AdamWSettings = { lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01, clipNorm: 1.0 };

async function benchTrain(device: GPUDevice, plan: Plan): Promise<{ name: string; ratio: number }[]> {
  const out: { name: string; ratio: number }[] = [];
  for (const { name, config, B } of plan.train.configs) {
    const T = config.contextLength;
    const params = initParams(config, 1234);
    const ours: GpuModel = await createGpuModel(device, config, params);
    const theirs = new TfjsGpt(config, params);
    const { warmup, runs } = plan.train;
    await progress(`train_step ${name} (${paramCount(config)} params, B=${B}, T=${T}): ${warmup} warm-up + ${runs} timed steps each`);
    try {
      const batches = Array.from({ length: 4 }, (_, i) => makeBatch(500 + i, B, T, config.vocabSize));
      let tensorsAfterStep1 = 0;
      const submits = new Set<number>();
      const readbacks = new Set<number>();
      const lossOurs: number[] = [];
      const lossTf: number[] = [];
      const normOurs: number[] = [];
      const normTf: number[] = [];
      const tOurs: number[] = [];
      const tTf: number[] = [];
      for (let i = 0; i < warmup + runs; i++) {
        const { tokens, targets } = batches[i % batches.length];
        const c0 = ours.counters();
        let t0 = performance.now();
        const r1 = await ours.trainStep({ tokens, B, T }, targets, OPT);
        const d1 = performance.now() - t0;
        const c1 = ours.counters();
        submits.add(c1.submits - c0.submits);
        readbacks.add(c1.readbacks - c0.readbacks);
        t0 = performance.now();
        const r2 = await theirs.trainStep(tokens, targets, B, T, OPT);
        const d2 = performance.now() - t0;
        lossOurs.push(r1.loss);
        lossTf.push(r2.loss);
        normOurs.push(r1.gradNorm);
        normTf.push(r2.gradNorm);
        if (i === 0) tensorsAfterStep1 = tf.memory().numTensors; // after the lazily made causal mask
        if (i >= warmup) {
          tOurs.push(d1);
          tTf.push(d2);
        }
      }
      const msOurs = median(tOurs);
      const msTf = median(tTf);
      const last = lossOurs.length - 1;
      out.push({ name, ratio: msTf / msOurs });
      await emit({
        bench: 'train_step',
        model: name,
        config,
        params: paramCount(config),
        B,
        T,
        oursTuning: (ours as { tuning?: unknown }).tuning,
        runs,
        msOurs: round(msOurs),
        msTfjs: round(msTf),
        ratio: round(msTf / msOurs),
        tokensPerSecOurs: Math.round((B * T * 1000) / msOurs),
        tokensPerSecTfjs: Math.round((B * T * 1000) / msTf),
        oursSubmitsPerStep: [...submits],
        oursReadbacksPerStep: [...readbacks],
        lossStep1: { ours: round(lossOurs[0], 6), tfjs: round(lossTf[0], 6) },
        gradNormStep1: { ours: round(normOurs[0], 6), tfjs: round(normTf[0], 6) },
        lossLast: { step: last + 1, ours: round(lossOurs[last], 6), tfjs: round(lossTf[last], 6) },
        tfjsTensorsLeakedSinceStep1: tf.memory().numTensors - tensorsAfterStep1,
      });
    } finally {
      ours.dispose();
      theirs.dispose();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- 3. KV cache vs recompute

function argmaxRow(logits: Float32Array, row: number, V: number): number {
  let best = 0;
  let bv = -Infinity;
  for (let v = 0; v < V; v++) {
    const x = logits[row * V + v];
    if (x > bv) {
      bv = x;
      best = v;
    }
  }
  return best;
}

/** Greedy decoding by full forward passes; `fixed` runs every step at width S (padding after the prefix). */
async function recompute(model: GpuModel, prompt: Int32Array, B: number, P: number, M: number, fixed: boolean): Promise<Int32Array> {
  const V = model.config.vocabSize;
  const S = P + M;
  const seq = new Int32Array(B * S); // rows of S; positions >= the current length are 0 (unused padding)
  for (let b = 0; b < B; b++) seq.set(prompt.subarray(b * P, b * P + P), b * S);
  for (let s = 0; s < M; s++) {
    const len = P + s;
    const T = fixed ? S : len;
    let tokens = seq;
    if (!fixed) {
      tokens = new Int32Array(B * T);
      for (let b = 0; b < B; b++) tokens.set(seq.subarray(b * S, b * S + T), b * T);
    }
    const logits = await model.logits({ tokens, B, T });
    for (let b = 0; b < B; b++) seq[b * S + len] = argmaxRow(logits, b * T + len - 1, V);
  }
  return seq;
}

async function benchGenerate(device: GPUDevice, plan: Plan): Promise<number> {
  const config = SMALL;
  const { B, P, M, runs } = plan.generate;
  const model = await createGpuModel(device, config, initParams(config, 7));
  await progress(`generate: B=${B}, prompt ${P}, ${M} new tokens (greedy), ${runs} timed run(s) of each`);
  try {
    const rng = createRng(99);
    const prompt = Int32Array.from({ length: B * P }, () => rng.int(config.vocabSize));
    const req = { prompt, B, P, maxNewTokens: M, temperature: 0, topK: 0, seed: 1 };
    // warm-up: pipelines of every path compiled once
    await model.generate(req);
    await model.logits({ tokens: prompt, B, T: P });
    const tKv: number[] = [];
    const tRe: number[] = [];
    const tFix: number[] = [];
    let kvTokens: Int32Array = new Int32Array(0);
    let reTokens: Int32Array = new Int32Array(0);
    let fixTokens: Int32Array = new Int32Array(0);
    for (let i = 0; i < runs; i++) {
      let t0 = performance.now();
      kvTokens = (await model.generate(req)).tokens;
      tKv.push(performance.now() - t0);
      t0 = performance.now();
      reTokens = await recompute(model, prompt, B, P, M, false);
      tRe.push(performance.now() - t0);
      t0 = performance.now();
      fixTokens = await recompute(model, prompt, B, P, M, true);
      tFix.push(performance.now() - t0);
    }
    const mismatches = (x: Int32Array) => x.reduce((n, t, i) => n + (t !== kvTokens[i] ? 1 : 0), 0);
    const tps = (ms: number) => (B * M * 1000) / ms;
    const kv = tps(median(tKv));
    const re = tps(median(tRe));
    const fix = tps(median(tFix));
    await emit({
      bench: 'generate',
      config,
      B,
      promptLength: P,
      newTokens: M,
      runs,
      tokensPerSecKv: round(kv),
      tokensPerSecRecompute: round(re),
      tokensPerSecRecomputeFixed: round(fix),
      ratio: round(kv / re),
      ratioVsFixed: round(kv / fix),
      greedyMatch: mismatches(reTokens) === 0 && mismatches(fixTokens) === 0,
      mismatchedTokens: { recompute: mismatches(reTokens), recomputeFixed: mismatches(fixTokens) },
    });
    return kv / re;
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------- 4. counters

async function benchCounters(device: GPUDevice, plan: Plan): Promise<{ submits: number; readbacks: number; flat: boolean }> {
  const { config, B, steps, name } = plan.counters;
  const T = config.contextLength;
  const model = await createGpuModel(device, config, initParams(config, 3));
  await progress(`counters: ${steps} training steps of the ${name} model (B=${B}, T=${T})`);
  try {
    const batches = Array.from({ length: 4 }, (_, i) => makeBatch(900 + i, B, T, config.vocabSize));
    const perStep = { submits: [] as number[], readbacks: [] as number[], dispatches: [] as number[] };
    let live10 = 0;
    let bytes10 = 0;
    let maxLive = 0;
    const liveBefore = model.liveBufferCount();
    const t0 = performance.now();
    let lastLoss = NaN;
    for (let i = 1; i <= steps; i++) {
      const { tokens, targets } = batches[i % batches.length];
      const c0 = model.counters();
      lastLoss = (await model.trainStep({ tokens, B, T }, targets, OPT)).loss;
      const c1 = model.counters();
      perStep.submits.push(c1.submits - c0.submits);
      perStep.readbacks.push(c1.readbacks - c0.readbacks);
      perStep.dispatches.push(c1.dispatches - c0.dispatches);
      maxLive = Math.max(maxLive, model.liveBufferCount());
      if (i === 10) {
        live10 = model.liveBufferCount();
        bytes10 = model.memory().liveBytes;
      }
      if (i % 100 === 0) await progress(`counters: step ${i}/${steps}, loss ${lastLoss.toFixed(4)}`);
    }
    const ms = performance.now() - t0;
    const live500 = model.liveBufferCount();
    const mem = model.memory();
    const range = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs) });
    const flat = live500 === live10 && mem.liveBytes === bytes10 && maxLive === live10;
    const submits = Math.max(...perStep.submits);
    const readbacks = Math.max(...perStep.readbacks);
    await emit({
      bench: 'counters',
      model: name,
      config,
      B,
      T,
      steps,
      submitsPerStep: range(perStep.submits),
      readbacksPerStep: range(perStep.readbacks),
      dispatchesPerStep: range(perStep.dispatches),
      liveBuffersBeforeTraining: liveBefore,
      liveBuffersAfter10: live10,
      [`liveBuffersAfter${steps}`]: live500,
      maxLiveBuffers: maxLive,
      liveBytesAfter10: bytes10,
      [`liveBytesAfter${steps}`]: mem.liveBytes,
      peakBytes: mem.peakBytes,
      flat,
      msPerStep: round(ms / steps),
      lastLoss: round(lastLoss, 6),
    });
    return { submits, readbacks, flat };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    await window.__benchNoWebGPU?.('navigator.gpu is undefined (WebGPU disabled in this browser)');
    return;
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    await window.__benchNoWebGPU?.('navigator.gpu.requestAdapter() returned null (no usable GPU or software adapter)');
    return;
  }
  const info = adapter.info;
  adapterName = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0).join(' / ') || 'unnamed adapter';
  const swift = /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`) || Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const plan = makePlan(swift, query.has('full'), query.has('quick'));

  const uncaptured: string[] = [];
  const device = await requestGpuDevice({ onError: (e) => uncaptured.push(e.message) });
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not initialise its WebGPU backend');
  await tf.ready();

  await emit({
    bench: 'adapter',
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    swiftshader: swift,
    mode: plan.mode,
    tfjsBackend: tf.getBackend(),
    tfjsVersion: tf.version_core,
    userAgent: navigator.userAgent,
    features: [...adapter.features].sort(),
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
  });

  const summary: Result = { bench: 'summary', mode: plan.mode };
  if (swift) {
    summary.note =
      'SwiftShader runs Vulkan on the CPU: these ratios compare the two libraries there, with reduced sizes, and say little about a real GPU';
  }
  const run = async (name: string, fn: () => Promise<void>) => {
    if (!enabled(name)) return;
    const t0 = performance.now();
    try {
      await fn();
      if (uncaptured.length) throw new Error(`WebGPU errors on our device: ${uncaptured.splice(0).slice(0, 3).join(' | ')}`);
    } catch (e) {
      await emit({ bench: 'error', in: name, error: (e as Error).message ?? String(e) });
    }
    await progress(`${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };

  await run('matmul', async () => {
    const ratios = await benchMatmul(device, plan);
    summary.matmul = {
      target: '>= 1.5x TF.js GFLOP/s',
      ratioGeomean: round(geomean(ratios)),
      ratioMin: round(Math.min(...ratios)),
      ratioMax: round(Math.max(...ratios)),
      met: ratios.every((r) => r >= 1.5),
    };
  });
  await run('train', async () => {
    const r = await benchTrain(device, plan);
    summary.trainStep = {
      target: '>= 3x faster than TF.js',
      ratios: Object.fromEntries(r.map((x) => [x.name, round(x.ratio)])),
      met: r.length > 0 && r[0].ratio >= 3,
    };
  });
  await run('generate', async () => {
    const r = await benchGenerate(device, plan);
    summary.generate = { target: '>= 5x recompute', ratio: round(r), met: r >= 5 };
  });
  await run('counters', async () => {
    const r = await benchCounters(device, plan);
    summary.counters = {
      target: '1 submit, <= 1 readback per step, flat live buffers',
      submitsPerStep: r.submits,
      readbacksPerStep: r.readbacks,
      buffersFlat: r.flat,
      met: r.submits === 1 && r.readbacks <= 1 && r.flat,
    };
  });
  if (Object.keys(summary).some((k) => k !== 'bench' && k !== 'mode' && k !== 'note')) await emit(summary);
  device.destroy();
}

main()
  .catch(async (e) => {
    await emit({ bench: 'error', in: 'setup', error: (e as Error).message ?? String(e) });
  })
  .finally(() => window.__benchDone?.());
