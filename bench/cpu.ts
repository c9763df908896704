// `npm run -s bench -- --cpu [--json] [--quick]` — the CPU backend in one Node process, single thread
// (DESIGN §8, issue 16): our WASM SIMD matmul (src/engine/cpu/wasm/) against XNNPACK through
// @tensorflow/tfjs-backend-wasm (non-threaded SIMD build), and CpuModel's training step on the WASM
// kernels against the plain-TypeScript ones. Rounds alternate between the contenders; each figure is the
// median over rounds. One JSON object per line on stdout (with --json; else a readable line), progress
// on stderr.
//
//   cpu-matmul      out [n,n] = A [n,n] · B [n,n], n = 256, 512, 1024, through matmulForwardWasm (copies
//                   in and out of the module's memory included) vs tf.matMul + dataSync (operands already
//                   in XNNPACK's memory). Each round times both back to back, in alternating order, so a
//                   change of machine load hits both: ratio = the median over rounds of xnnpack_ms / ours_ms
//                   (wall clock), ratio_cpu the same on the process's CPU time (process.cpuUsage), which
//                   time spent waiting for a core on a loaded machine does not inflate; the GFLOP/s are
//                   medians of wall time. plain_gflops is the TS twin; max_rel_err compares ours with
//                   XNNPACK.
//   cpu-train-step  CpuModel.trainStep (forward, cross-entropy, backward, AdamW) of the shipped shape
//                   (V=24, C=64, L=3, NH=4, T=22) on a batch of 64, the pretraining batch: ms with the
//                   WASM kernels and with the plain ones; ratio_vs_plain = plain_ms / ms. tfjs_cpu_ms is
//                   the same step (same initial weights and batch) of bench/tfjs-gpt.ts's TF.js GPT on
//                   @tensorflow/tfjs-backend-cpu, timed in the same rounds; ratio_vs_tfjs_cpu =
//                   tfjs_cpu_ms / ms.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { matmulForward } from '../src/engine/cpu/matmul';
import { matmulForwardWasm } from '../src/engine/cpu/wasm/matmul';
import { createCpuModel } from '../src/model/cpu-model';
import { initParams } from '../src/model/init';
import { TfjsGpt } from './tfjs-gpt';
import type { GPTConfig } from '../src/model/config';
import type { AdamWSettings } from '../src/model/types';
import { createRng } from '../src/util/rng';

export interface CpuBenchOptions {
  json: boolean;
  quick: boolean;
}

const log = (msg: string) => process.stderr.write(`[bench cpu] ${msg}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function rand(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** ms per call of `fn`, timed over `reps` calls. */
function time(fn: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}

/** Wall and CPU (user + system) ms per call of `fn` over `reps` calls. */
function timeBoth(fn: () => void, reps: number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const wall = time(fn, reps);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 / reps };
}

async function timeAsync(fn: () => Promise<unknown>, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps;
}

async function xnnpack(): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // the single-threaded SIMD build
  // bench/run.ts bundles this file, so the backend cannot find its .wasm files next to its own module
  const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(join(dirname(pkg), 'dist') + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm did not start');
  await tf.ready();
  if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) throw new Error('tfjs-backend-wasm: no SIMD in this engine');
}

function matmulLine(n: number, opts: CpuBenchOptions): Record<string, unknown> {
  const a = rand(n * n, 1);
  const b = rand(n * n, 2);
  const ours = new Float32Array(n * n);
  const plainOut = new Float32Array(n * n);
  const ta = tf.tensor2d(a, [n, n]);
  const tb = tf.tensor2d(b, [n, n]);
  let theirs: Float32Array = new Float32Array(0);
  const runOurs = () => matmulForwardWasm(ours, a, b, null, n, n, n);
  const runPlain = () => matmulForward(plainOut, a, b, null, n, n, n);
  const runTheirs = () => {
    const c = tf.matMul(ta, tb);
    theirs = c.dataSync() as Float32Array;
    c.dispose();
  };
  const flop = 2 * n * n * n;
  // ≥ ~4e8 flop per timing (≥ 10 ms at 40 GFLOP/s), so scheduler ticks stay small against it
  const reps = Math.max(1, Math.round(4e8 / flop));
  const rounds = opts.quick ? 5 : 21;
  for (const f of [runOurs, runTheirs, runPlain]) f(); // warm-up (and the JIT tiers)
  const t = { ours: [] as { wall: number; cpu: number }[], xnn: [] as { wall: number; cpu: number }[], plain: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    // alternate who goes first, so a drift in load within a round does not favour one side
    if (r % 2) t.xnn.push(timeBoth(runTheirs, reps));
    t.ours.push(timeBoth(runOurs, reps));
    if (r % 2 === 0) t.xnn.push(timeBoth(runTheirs, reps));
    if (r < 3) t.plain.push(time(runPlain, 1));
  }
  ta.dispose();
  tb.dispose();
  const gflops = (ms: number) => flop / ms / 1e6;
  let d = 0;
  let s = 0;
  for (let i = 0; i < ours.length; i++) {
    d = Math.max(d, Math.abs(ours[i] - theirs[i]));
    s = Math.max(s, Math.abs(theirs[i]));
  }
  const paired = (k: 'wall' | 'cpu') => median(t.ours.map((o, r) => t.xnn[r][k] / o[k]));
  return {
    bench: 'cpu-matmul',
    n,
    ours_gflops: round(gflops(median(t.ours.map((o) => o.wall)))),
    xnnpack_gflops: round(gflops(median(t.xnn.map((o) => o.wall)))),
    ratio: round(paired('wall'), 3),
    ratio_cpu: round(paired('cpu'), 3),
    plain_gflops: round(gflops(median(t.plain))),
    max_rel_err: Number((d / s).toExponential(2)),
  };
}

const SHIPPED: GPTConfig = { vocabSize: 24, contextLength: 22, dModel: 64, nLayers: 3, nHeads: 4 };
const OPT: AdamWSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1 };

async function trainStepLine(opts: CpuBenchOptions): Promise<Record<string, unknown>> {
  const [B, T] = [64, SHIPPED.contextLength];
  const rng = createRng(3);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(SHIPPED.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(SHIPPED.vocabSize));
  const batch = { tokens, B, T };
  const params = initParams(SHIPPED, 1234);
  const models = { wasm: createCpuModel(SHIPPED, params, { kernels: 'wasm' }), plain: createCpuModel(SHIPPED, params, { kernels: 'plain' }) };
  const step = (k: 'wasm' | 'plain') => () => models[k].trainStep(batch, targets, OPT);
  // TF.js's pure-JS CPU backend; the matmul lines above ran on its wasm backend
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs-backend-cpu did not start');
  const tfjs = new TfjsGpt(SHIPPED, params);
  const tfjsStep = () => tfjs.trainStep(tokens, targets, B, T, OPT);
  const reps = opts.quick ? 2 : 5;
  const rounds = opts.quick ? 3 : 7;
  await step('wasm')();
  await step('plain')();
  await tfjsStep();
  const t = { wasm: [] as number[], plain: [] as number[], tfjs: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    t.wasm.push(await timeAsync(step('wasm'), reps));
    t.plain.push(await timeAsync(step('plain'), reps));
    if (r < 3) t.tfjs.push(await timeAsync(tfjsStep, 1)); // 3 rounds of one step: it is ~30× slower
  }
  tfjs.dispose();
  const ms = median(t.wasm);
  const plainMs = median(t.plain);
  const tfjsMs = median(t.tfjs);
  return {
    bench: 'cpu-train-step',
    B,
    T,
    ms: round(ms),
    plain_ms: round(plainMs),
    ratio_vs_plain: round(plainMs / ms, 3),
    tfjs_cpu_ms: round(tfjsMs),
    ratio_vs_tfjs_cpu: round(tfjsMs / ms, 3),
  };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export async function runCpuBench(opts: CpuBenchOptions): Promise<number> {
  const emit = (o: Record<string, unknown>) =>
    process.stdout.write((opts.json ? JSON.stringify(o) : Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ')) + '\n');
  await xnnpack();
  log(`tfjs ${tf.version_core}, backend ${tf.getBackend()}, single thread`);
  for (const n of [256, 512, 1024]) {
    log(`matmul ${n}`);
    emit(matmulLine(n, opts));
  }
  log('train step');
  emit(await trainStepLine(opts));
  return 0;
}

/** `bench/run.ts --cpu [--json] [--quick]`. */
export function runCpuBenchCli(argv: string[]): Promise<number> {
  const opts: CpuBenchOptions = { json: false, quick: false };
  for (const a of argv) {
    if (a === '--json') opts.json = true;
    else if (a === '--quick') opts.quick = true;
    else if (a !== '--cpu') {
      process.stderr.write(`bench --cpu: unknown argument "${a}" (known: --json, --quick)\n`);
      return Promise.resolve(2);
    }
  }
  return runCpuBench(opts);
}
