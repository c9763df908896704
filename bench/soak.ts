// `npm run bench:soak` — long runs that must not grow (issue 12, DESIGN §8 and §9): N VSPO training steps
// of a shipped checkpoint on the CPU backend (default 1,000) and on WebGPU (Dawn in Node; SwiftShader
// where there is no GPU; default 300), sampling the JS heap (after a full GC) and the live GPU buffers
// every --every steps. A benchmark, never a timed test: it prints figures and a verdict, it asserts nothing.
//
// Each step is the trainer's whole step as the worker runs it (rollouts under steering, judges, π_ref
// log-probs for β > 0, the update, an evaluation every --eval-every steps) plus the auto-save's work
// (weights read back and encoded as a checkpoint) every 10 steps. No metrics are kept, so anything that
// grows is a leak.
//
// Lines (JSON, one object per line on stdout; progress on stderr):
//   soak          backend, step, heapUsedMB (process.memoryUsage().heapUsed after global.gc()), gpuBuffers
//                 and gpuMB (every buffer the device created and not yet destroyed, counted by wrapping
//                 device.createBuffer / buffer.destroy; null on the CPU backend), msPerStep over the interval
//   soak_summary  per backend: the samples after warm-up (the first 10 % of steps, which include the first
//                 evaluation's allocations); heap first/last/max and its least-squares slope in bytes per
//                 step; GPU buffers and bytes min/max; flat = the heap grew by at most HEAP_TOLERANCE_MB
//                 over the run and the GPU buffer count and bytes never changed
//
// Flags: --cpu-steps N (1000), --webgpu-steps N (300; 0 skips a backend), --every N (50; the sample
// interval), --eval-every N (25), --behavior B (verbosity). Run through the npm script (it passes
// --expose-gc to node); without it the heap figures include garbage and the line says gc: false.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isBehavior, type Behavior } from '../src/data/types';
import { getTask } from '../src/data/tasks';
import { createCpuModel } from '../src/model/cpu-model';
import type { LanguageModel } from '../src/model/types';
import { createTrainer } from '../src/rl/loop';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../src/store/checkpoint';

/** Heap growth (MB) over the samples after warm-up that still counts as flat: GC noise, not a leak. */
const HEAP_TOLERANCE_MB = 1;
const AUTOSAVE_EVERY = 10;

interface Options {
  cpuSteps: number;
  webgpuSteps: number;
  every: number;
  evalEvery: number;
  behavior: Behavior;
}

const FLAGS: Record<string, keyof Options> = { '--cpu-steps': 'cpuSteps', '--webgpu-steps': 'webgpuSteps', '--every': 'every', '--eval-every': 'evalEvery', '--behavior': 'behavior' };

function fail(message: string): never {
  process.stderr.write(`bench:soak: ${message}\n`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const o: Options = { cpuSteps: 1000, webgpuSteps: 300, every: 50, evalEvery: 25, behavior: 'verbosity' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = FLAGS[argv[i]];
    const value = argv[i + 1];
    if (!key) fail(`unknown flag ${argv[i]} (known: ${Object.keys(FLAGS).join(', ')})`);
    if (value === undefined) fail(`${argv[i]} needs a value`);
    if (key === 'behavior') {
      if (!isBehavior(value)) fail(`--behavior ${value} is not a behavior`);
      o.behavior = value;
    } else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (key === 'every' || key === 'evalEvery' ? 1 : 0) || n > 1e6) fail(`${argv[i]} must be an integer in ${key === 'every' || key === 'evalEvery' ? 1 : 0}…1000000 (got ${value})`);
      o[key] = n;
    }
  }
  return o;
}

const gc = (globalThis as { gc?: () => void }).gc;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const MB = 1024 * 1024;

function heapUsed(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** Counts the device's live buffers: every createBuffer until its destroy() (the pool's and anyone else's). */
function countBuffers(device: GPUDevice): () => { buffers: number; bytes: number } {
  const live = new Map<GPUBuffer, number>();
  const create = device.createBuffer.bind(device);
  device.createBuffer = (d: GPUBufferDescriptor) => {
    const b = create(d);
    live.set(b, d.size);
    const destroy = b.destroy.bind(b);
    b.destroy = () => {
      live.delete(b);
      destroy();
    };
    return b;
  };
  return () => ({ buffers: live.size, bytes: [...live.values()].reduce((a, s) => a + s, 0) });
}

interface Backend {
  name: 'cpu' | 'webgpu';
  create(c: Checkpoint): Promise<LanguageModel>;
  buffers: () => { buffers: number; bytes: number } | null;
}

function cpuBackend(): Backend {
  return { name: 'cpu', create: async (c) => createCpuModel(c.config, c.params), buffers: () => null };
}

async function webgpuBackend(): Promise<Backend> {
  const { requestNodeDevice } = await import('../src/engine/node-device');
  const { createGpuModel } = await import('../src/model/gpu-model');
  const device = await requestNodeDevice();
  const buffers = countBuffers(device);
  return { name: 'webgpu', create: (c) => createGpuModel(device, c.config, c.params), buffers };
}

interface Sample {
  step: number;
  heap: number;
  gpu: { buffers: number; bytes: number } | null;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

function summary(backend: string, steps: number, samples: Sample[], msPerStep: number) {
  const warm = samples.filter((s) => s.step >= Math.ceil(steps / 10));
  const heaps = warm.map((s) => s.heap);
  const growth = Math.max(...heaps) - heaps[0];
  const gpu = warm.map((s) => s.gpu).filter((g) => g !== null);
  const range = (xs: number[]) => (xs.length ? { min: Math.min(...xs), max: Math.max(...xs) } : null);
  const gpuFlat = gpu.every((g) => g.buffers === gpu[0].buffers && g.bytes === gpu[0].bytes);
  return {
    bench: 'soak_summary',
    backend,
    steps,
    samplesAfterWarmup: warm.length,
    gc: !!gc,
    heapFirstMB: round(heaps[0] / MB),
    heapLastMB: round(heaps.at(-1)! / MB),
    heapMaxMB: round(Math.max(...heaps) / MB),
    heapGrowthMB: round(growth / MB),
    heapSlopeBytesPerStep: round(slope(warm.map((s) => s.step), heaps), 1),
    gpuBuffers: range(gpu.map((g) => g.buffers)),
    gpuMB: range(gpu.map((g) => round(g.bytes / MB))),
    msPerStep: round(msPerStep, 1),
    flat: !!gc && growth <= HEAP_TOLERANCE_MB * MB && gpuFlat,
  };
}

async function soak(backend: Backend, ckpt: Checkpoint, steps: number, o: Options) {
  const task = getTask(o.behavior);
  const steering = ckpt.steering[o.behavior];
  if (!steering) fail(`the ${o.behavior} checkpoint has no steering vector`);
  const model = await backend.create(ckpt);
  const refModel = await backend.create(ckpt);
  const config = { method: 'vspo' as const, steps, seed: 0, batchPrompts: 2, groupSize: 4, beta: 0.02, evalEvery: o.evalEvery, evalSamples: 8, saveEvery: 0 };
  const trainer = createTrainer({ model, refModel, task, steering, config });
  const samples: Sample[] = [];
  const sample = (step: number, ms: number | null) => {
    const s: Sample = { step, heap: heapUsed(), gpu: backend.buffers() };
    samples.push(s);
    const line = { bench: 'soak', backend: backend.name, step, heapUsedMB: round(s.heap / MB), gpuBuffers: s.gpu?.buffers ?? null, gpuMB: s.gpu ? round(s.gpu.bytes / MB) : null, msPerStep: ms === null ? null : round(ms, 1) };
    process.stdout.write(JSON.stringify(line) + '\n');
  };
  await trainer.baseline();
  sample(0, null);
  const t0 = performance.now();
  let tInterval = t0;
  for (let step = 1; step <= steps; step++) {
    const m = await trainer.step();
    if (m.halted) fail(`the ${backend.name} run halted at step ${step}: ${m.halted}`);
    if (step % AUTOSAVE_EVERY === 0) encodeCheckpoint({ ...ckpt, params: await model.getParams(), metadata: { ...ckpt.metadata, step } });
    if (step % o.every === 0 || step === steps) {
      const now = performance.now();
      sample(step, (now - tInterval) / (step % o.every || o.every));
      tInterval = now;
      process.stderr.write(`soak ${backend.name}: step ${step}/${steps}\n`);
    }
  }
  const msPerStep = (performance.now() - t0) / steps;
  trainer.dispose();
  refModel.dispose();
  model.dispose();
  process.stdout.write(JSON.stringify(summary(backend.name, steps, samples, msPerStep)) + '\n');
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  if (!gc) process.stderr.write('bench:soak: run with node --expose-gc (npm run bench:soak) for heap figures without garbage\n');
  const path = resolve(import.meta.dirname, `../public/checkpoints/${o.behavior}.safetensors`);
  const ckpt = decodeCheckpoint(new Uint8Array(readFileSync(path)));
  if (o.cpuSteps > 0) await soak(cpuBackend(), ckpt, o.cpuSteps, o);
  if (o.webgpuSteps > 0) await soak(await webgpuBackend(), ckpt, o.webgpuSteps, o);
}

await main();
