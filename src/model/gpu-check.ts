// Our GPU model against the CPU model (the oracle, itself checked against finite differences) on one
// device: the largest relative error of the logits, the log-probs and every parameter gradient of one
// batch, and the greedy tokens of a generation (the KV-cache decode path). The app and the CLI run
// `checkDevice` on a small model before they use a WebGPU device and refuse the device if it fails, so a kernel that races or a driver that miscompiles on the user's GPU
// gives an error, not wrong numbers (DESIGN §9); the bench's `check` line runs `compareWithCpu` at
// larger sizes (DESIGN §8).
import { createCpuModel } from './cpu-model';
import { createGpuModel } from './gpu-model';
import { initParams } from './init';
import type { GPTConfig } from './config';
import { UNTRUSTED_GPU, type GenerateRequest, type Params, type TokenBatch } from './types';
import type { Tuning } from '../engine/launch';
import { createRng } from '../util/rng';
import { roundToF16Normal } from '../util/f16';

/** Largest relative errors against the CPU model, each max |got - ref| / max |ref| (NaN if any is NaN). */
export interface CpuComparison {
  logits: number;
  logprobs: number;
  grads: number;
  /** The parameter whose gradient has the largest error. */
  worstGrad: string;
  /** Greedy tokens that differ from the CPU model's, generating the second half of each row from its first (greedyRequest). */
  tokensDiffering: number;
}

/** max |got - ref| / max |ref| (max |got - ref| where ref is all zeros); NaN anywhere gives NaN. */
export function maxRelErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(got[i] - ref[i]);
    if (Number.isNaN(e)) return NaN; // (a running max would drop it at the next element)
    if (e > d) d = e;
    s = Math.max(s, Math.abs(ref[i]));
  }
  return s === 0 ? d : d / s;
}

/** The largest of the three errors (NaN if any is NaN). */
export function worstError(c: CpuComparison): number {
  return Math.max(c.logits, c.logprobs, c.grads);
}

/**
 * initParams with noise on the LayerNorm and bias values, so that their gradients are exercised, every
 * value an f16 normal number (or 0), so that under Tuning.f16Weights the f16 copy is exact and the
 * generation must equal the CPU model's as well.
 */
export function checkParams(config: GPTConfig, seed = 4321): Params {
  const p = initParams(config, seed);
  const rng = createRng(seed + 1);
  for (const [name, a] of p) {
    const noisy = name.includes('ln_') || name.endsWith('.bias');
    for (let i = 0; i < a.length; i++) a[i] = roundToF16Normal(noisy ? a[i] + rng.normal() * 0.1 : a[i]);
  }
  return p;
}

/** Greedy generation of the second half of each row of `batch` from its first half. */
export function greedyRequest(batch: TokenBatch): GenerateRequest {
  const { B, T } = batch;
  const P = Math.max(1, T >> 1);
  const prompt = Int32Array.from({ length: B * P }, (_, i) => batch.tokens[Math.floor(i / P) * T + (i % P)]);
  return { prompt, B, P, maxNewTokens: T - P, temperature: 0, topK: 0, seed: 1 };
}

/** What the CPU model (the oracle) gives for one batch: what compareWithCpu holds a GPU model to. */
export interface CpuReference {
  logits: Float32Array;
  logprobs: Float32Array;
  grads: Params;
  tokens: Int32Array;
}

/** Logits, log-probs of `targets`, the gradients of sum(dlogp · logprobs) and greedyRequest's tokens on the CPU model. */
export async function cpuReference(config: GPTConfig, params: Params, batch: TokenBatch, targets: Int32Array, dlogp: Float32Array): Promise<CpuReference> {
  const cpu = createCpuModel(config, params);
  const logits = await cpu.logits(batch);
  const { logprobs } = await cpu.logprobs(batch, targets);
  await cpu.backward(dlogp);
  return { logits, logprobs, grads: await cpu.getGrads(), tokens: (await cpu.generate(greedyRequest(batch))).tokens };
}

/**
 * The same on our GPU model under `tuning`, against the CPU model's (`ref`: computed here unless given,
 * so that a caller comparing several tunings computes it once).
 */
export async function compareWithCpu(
  device: GPUDevice,
  config: GPTConfig,
  params: Params,
  tuning: Tuning,
  batch: TokenBatch,
  targets: Int32Array,
  dlogp: Float32Array,
  ref?: CpuReference,
): Promise<CpuComparison> {
  const want = ref ?? (await cpuReference(config, params, batch, targets, dlogp));
  const gpu = await createGpuModel(device, config, params, { tuning });
  try {
    const logits = maxRelErr(await gpu.logits(batch), want.logits);
    const logprobs = maxRelErr((await gpu.logprobs(batch, targets)).logprobs, want.logprobs);
    await gpu.backward(dlogp);
    let grads = 0;
    let worstGrad = '';
    for (const [name, g] of await gpu.getGrads()) {
      const e = maxRelErr(g, want.grads.get(name)!);
      if (e > grads || Number.isNaN(e)) [grads, worstGrad] = [e, name];
      if (Number.isNaN(grads)) break;
    }
    const tokens = (await gpu.generate(greedyRequest(batch))).tokens;
    const tokensDiffering = tokens.reduce((n, t, i) => n + (t !== want.tokens[i] ? 1 : 0), 0);
    return { logits, logprobs, grads, worstGrad, tokensDiffering };
  } finally {
    gpu.dispose();
  }
}

/**
 * The device check's model: every kernel of a training step and of a generation under any tuning, small
 * enough to take well under a second (an odd vocabulary for the LM head's scalar stores, two layers,
 * T = 40 for two of flash attention's 32-key tiles, decode steps of 2 rows).
 */
const CHECK_CONFIG: GPTConfig = { vocabSize: 13, contextLength: 40, dModel: 32, nLayers: 2, nHeads: 2 };

/** What the device check compares: CHECK_CONFIG, its parameters, one batch of B = 2 with targets and dlogp. */
export function deviceCheckInputs(): { config: GPTConfig; params: Params; batch: TokenBatch; targets: Int32Array; dlogp: Float32Array } {
  const { vocabSize: V, contextLength: T } = CHECK_CONFIG;
  const B = 2;
  const rng = createRng(97);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
  const dlogp = Float32Array.from({ length: B * T }, () => rng.normal());
  return { config: CHECK_CONFIG, params: checkParams(CHECK_CONFIG), batch: { tokens, B, T }, targets, dlogp };
}
/** Rounding differs by ~1e-6 between devices; a race or a miscompiled kernel is off by far more. */
export const DEVICE_CHECK_TOLERANCE = 1e-3;

const checked = new WeakMap<GPUDevice, Map<string, Promise<CpuComparison>>>();

/**
 * compareWithCpu on CHECK_CONFIG under `tuning`, once per device and tuning. Throws, saying what
 * differed, when the error exceeds DEVICE_CHECK_TOLERANCE.
 */
export function checkDevice(device: GPUDevice, tuning: Tuning): Promise<CpuComparison> {
  const byTuning = checked.get(device) ?? new Map<string, Promise<CpuComparison>>();
  checked.set(device, byTuning);
  const key = JSON.stringify(tuning);
  let result = byTuning.get(key);
  if (!result) {
    result = runDeviceCheck(device, tuning);
    byTuning.set(key, result);
  }
  return result;
}

async function runDeviceCheck(device: GPUDevice, tuning: Tuning): Promise<CpuComparison> {
  const { config, params, batch, targets, dlogp } = deviceCheckInputs();
  const c = await compareWithCpu(device, config, params, tuning, batch, targets, dlogp);
  const error = deviceCheckError(c);
  if (error) throw error;
  return c;
}

/** The error that refuses a device with these results (the first output over the tolerance), or null. */
export function deviceCheckError(c: CpuComparison): DeviceCheckError | null {
  const parts: [string, number][] = [['the logits', c.logits], ['the log-probs', c.logprobs], [`the gradient of ${c.worstGrad}`, c.grads]];
  const failed = parts.find(([, e]) => !(e <= DEVICE_CHECK_TOLERANCE));
  const what = failed
    ? `relative error ${failed[1].toPrecision(2)} in ${failed[0]}, over ${DEVICE_CHECK_TOLERANCE}`
    : c.tokensDiffering > 0 ? `${c.tokensDiffering} greedily generated tokens differ from the CPU model's` : null;
  if (!what) return null;
  return new DeviceCheckError(`${UNTRUSTED_GPU} (${what}): a driver or kernel fault, so its numbers cannot be trusted; the CPU backend computes correctly`);
}

export class DeviceCheckError extends Error {
  override name = 'DeviceCheckError';
}
