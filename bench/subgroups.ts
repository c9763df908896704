// `npx tsx bench/subgroups.ts [--runs N] [--train-only]`: the row-reduction kernels (layernorm
// forward + backward, log-prob forward + backward, the attention forward's softmax) with and without subgroup reductions
// (Tuning.subgroups), side by side on this machine's Dawn adapter, under both row workgroup sizes (4: the
// SwiftShader tuning, 64: the GPU tuning), then a whole training step of the shipped model shape under
// the SwiftShader tuning. Off and on alternate run by run so drift (other load on the machine) hits both
// alike. One JSON line per case on stdout: median ms per run of each, off/on of the medians and the
// median [min, max] of the per-pair ratios (> 1: subgroups faster).
// Feeds SUBGROUPS_BY_DEFAULT in src/engine/launch.ts and DESIGN §8.
import { requestNodeDevice } from '../src/engine/node-device';
import { deviceAdapterInfo } from '../src/engine/device';
import * as K from '../src/engine/kernels';
import { createContext, CPU_ADAPTER_TUNING, GPU_TUNING, Program, type GpuContext, type Tuning } from '../src/engine/launch';
import { upload } from '../src/engine/readback';
import { createRng } from '../src/util/rng';
import { createGpuModel } from '../src/model/gpu-model';
import { initParams } from '../src/model/init';
import type { GPTConfig } from '../src/model/config';

interface Case {
  name: string;
  /** Records the kernels under test into a program (the inputs are made once per context). */
  record: (ctx: GpuContext) => (p: Program) => void;
}

const rng = createRng(5);
const randn = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

function layernormCase(N: number, C: number): Case {
  const inp = randn(N * C), w = randn(C), b = randn(C), dout = randn(N * C);
  return {
    name: `layernorm fwd+bwd N=${N} C=${C}`,
    record: (ctx) => {
      const g = [inp, w, b, dout].map((a) => upload(ctx, a));
      const out = upload(ctx, new Float32Array(N * C)), mean = upload(ctx, new Float32Array(N)), rstd = upload(ctx, new Float32Array(N));
      const dinp = upload(ctx, new Float32Array(N * C)), dw = upload(ctx, new Float32Array(C)), db = upload(ctx, new Float32Array(C));
      return (p) => {
        K.layernormForward(p, out, mean, rstd, g[0], g[1], g[2], N, C);
        K.layernormBackward(p, dinp, dw, db, g[3], g[0], g[1], mean, rstd, N, C);
      };
    },
  };
}

function logprobCase(N: number, V: number): Case {
  const logits = randn(N * V), dlogp = randn(N);
  const targets = Int32Array.from({ length: N }, () => rng.int(V));
  return {
    name: `logprob fwd+bwd N=${N} V=${V}`,
    record: (ctx) => {
      const gl = upload(ctx, logits), gt = upload(ctx, targets), gd = upload(ctx, dlogp);
      const logp = upload(ctx, new Float32Array(N)), ent = upload(ctx, new Float32Array(N)), dl = upload(ctx, new Float32Array(N * V));
      return (p) => {
        K.logprobForward(p, logp, ent, gl, gt, N, V);
        K.logprobBackward(p, dl, gd, gl, gt, N, V, logp);
      };
    },
  };
}

function attentionCase(B: number, T: number, C: number, NH: number): Case {
  const qkv = randn(B * T * 3 * C);
  return {
    name: `attention fwd B=${B} T=${T} C=${C} NH=${NH}`,
    record: (ctx) => {
      const gq = upload(ctx, qkv), att = upload(ctx, new Float32Array(B * NH * T * T)), out = upload(ctx, new Float32Array(B * T * C));
      return (p) => K.attentionForward(p, out, att, gq, B, T, C, NH);
    },
  };
}

/** One program of `reps` copies of the case; returns a function that runs it once and resolves when done. */
function prepare(device: GPUDevice, tuning: Tuning, c: Case, reps: number): () => Promise<number> {
  const ctx = createContext(device, tuning);
  const build = c.record(ctx);
  const prog = new Program(ctx, c.name);
  for (let i = 0; i < reps; i++) build(prog);
  return async () => {
    const t0 = performance.now();
    prog.run();
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  };
}

/**
 * A whole supervised step (GpuModel.trainStep) of the shipped model shape (bench/suite.ts SMALL, B = 32):
 * what the default change means for training, where the row kernels share the time with everything else.
 */
async function trainStepTimer(device: GPUDevice, tuning: Tuning): Promise<() => Promise<number>> {
  const config: GPTConfig = { vocabSize: 24, contextLength: 32, dModel: 64, nLayers: 3, nHeads: 4 };
  const B = 32, T = config.contextLength;
  const model = await createGpuModel(device, config, initParams(config, 1234), { tuning });
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(config.vocabSize));
  const opt = { lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01, clipNorm: 1.0 };
  return async () => {
    const t0 = performance.now();
    await model.trainStep({ tokens, B, T }, targets, opt);
    return performance.now() - t0;
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r3 = (x: number) => Number(x.toPrecision(3));

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
  const device = await requestNodeDevice();
  const info = deviceAdapterInfo(device) as (GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number }) | undefined;
  const adapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' / ');
  console.log(JSON.stringify({ bench: 'adapter', adapter, features: [...device.features].sort(), subgroupMinSize: info?.subgroupMinSize, subgroupMaxSize: info?.subgroupMaxSize, runs }));
  if (!device.features.has('subgroups')) {
    console.error('[bench] this adapter lacks the `subgroups` feature: nothing to compare');
    return;
  }
  const cases = [layernormCase(512, 64), layernormCase(2048, 256), logprobCase(512, 512), logprobCase(64, 50257), attentionCase(8, 32, 64, 4), attentionCase(1, 256, 768, 12)];
  const only = process.argv.includes('--train-only');
  // the flash attention of the GPU tuning has no row reductions: the 64-wide rows are measured on the tiled kernels
  const gpuRows: Tuning = { ...GPU_TUNING, attention: 'tiled' };
  for (const base of only ? [] : [CPU_ADAPTER_TUNING, gpuRows]) {
    for (const c of cases) {
      const off = prepare(device, { ...base, subgroups: false }, c, 4);
      const on = prepare(device, { ...base, subgroups: true }, c, 4);
      console.log(JSON.stringify({ bench: 'subgroups', case: c.name, rowWG: base.rowWG, ...(await compare(off, on, runs)) }));
    }
  }
  const off = await trainStepTimer(device, { ...CPU_ADAPTER_TUNING, subgroups: false });
  const on = await trainStepTimer(device, { ...CPU_ADAPTER_TUNING, subgroups: true });
  console.log(JSON.stringify({ bench: 'subgroups', case: 'train_step small B=32', rowWG: CPU_ADAPTER_TUNING.rowWG, ...(await compare(off, on, runs)) }));
  device.destroy();
}

/** Times `off` and `on` alternately after one warm-up each (pipeline compiles): medians and per-pair ratios. */
async function compare(off: () => Promise<number>, on: () => Promise<number>, runs: number) {
  await off();
  await on();
  const t = { off: [] as number[], on: [] as number[] };
  for (let i = 0; i < runs; i++) {
    // which goes first alternates too, so neither always runs on a machine the other just warmed
    if (i % 2) t.on.push(await on());
    t.off.push(await off());
    if (!(i % 2)) t.on.push(await on());
  }
  const [mOff, mOn] = [median(t.off), median(t.on)];
  // the median of the per-pair ratios too: a pair ran back to back, so it shares the machine's load
  const pairs = t.off.map((x, i) => x / t.on[i]);
  const range = (xs: number[]) => [r3(Math.min(...xs)), r3(Math.max(...xs))];
  return { runs, msOff: r3(mOff), msOn: r3(mOn), offOverOn: r3(mOff / mOn), pairRatio: r3(median(pairs)), pairRatioRange: range(pairs) };
}

await main();
