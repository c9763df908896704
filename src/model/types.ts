// The backend-neutral model interface. src/rl and src/steering speak to a model only through this,
// so every algorithm runs on the CPU twin and on WebGPU, in Node and in the browser (DESIGN §1).
//
// Shapes: B sequences, T positions, C = dModel, V = vocabSize. All token arrays are row-major [B, T].
import type { GPTConfig } from './config';

export type Params = Map<string, Float32Array>;

/**
 * The steering hook (DESIGN §3): after block `layer` (0-based), add alpha[b] * vector to the residual
 * stream h[b, t] for start[b] <= t < end[b]. alpha is per sequence, so one batch can mix intensities.
 * alpha[b] = 0 (or an empty window) gives bit-for-bit the unsteered pass.
 */
export interface Steering {
  vector: Float32Array; // [C]
  layer: number;
  alpha: Float32Array; // [B]
  start: Int32Array; // [B] first steered position (inclusive)
  end: Int32Array; // [B] last steered position (exclusive)
}

export interface TokenBatch {
  tokens: Int32Array; // [B, T]
  B: number;
  T: number;
}

/** Per-position log p(target | prefix) from one forward pass. targets[b,t] = -1 means "no target here". */
export interface LogprobResult {
  logprobs: Float32Array; // [B, T]; 0 where target = -1
  entropy: Float32Array; // [B, T]; entropy of the next-token distribution (nats)
}

export interface AdamWSettings {
  lr: number;
  beta1: number; // default 0.9
  beta2: number; // default 0.95
  eps: number; // default 1e-8
  weightDecay: number; // applied to matrices only (ParamSpec.decay)
  clipNorm: number; // global-norm clip; <= 0 disables
}

export interface StepResult {
  /** Global gradient norm before clipping. Non-finite means the update was skipped. */
  gradNorm: number;
}

export interface TrainStepResult extends StepResult {
  loss: number; // mean cross-entropy over positions with a target
}

export interface GenerateRequest {
  prompt: Int32Array; // [B, P]: all prompts of a batch have the same length P (tasks use fixed-width prompts)
  B: number;
  P: number;
  maxNewTokens: number; // P + maxNewTokens <= contextLength
  temperature: number; // 0 = greedy
  topK: number; // 0 = full vocabulary
  seed: number;
  steering?: Steering; // window positions are absolute (position P-1 outputs the first new token)
  /** Called with the tokens generated so far (all B rows) every `streamEvery` steps; for live UIs. */
  onTokens?: (tokens: Int32Array, step: number) => void;
  streamEvery?: number;
}

export interface GenerateResult {
  tokens: Int32Array; // [B, P + maxNewTokens]
  /**
   * [B, maxNewTokens]: log p of each sampled token under the distribution it was actually sampled from —
   * the (steered) logits at the request's temperature, restricted to the top-k kept set and renormalised:
   * (l_tok - max)/T - log sum_{kept} exp((l - max)/T), with the same tie rule at the top-k threshold as
   * the sampler (lowest indices kept). The behavior policy's log-probs for importance weights. Greedy
   * (temperature 0) is a point mass: 0 (log 1). Equals the plain T = 1 full-vocabulary log-prob only
   * when temperature = 1 and topK = 0 (or >= vocabSize).
   */
  logprobs: Float32Array;
}

/** The two implementations of LanguageModel: GpuModel on WebGPU, CpuModel in plain TypeScript. */
export type Backend = 'webgpu' | 'cpu';

/** How the device check (gpu-check.ts) begins its refusal; the app's no-WebGPU page recognises it. */
export const UNTRUSTED_GPU = "this GPU's results differ from the CPU reference model's";

export interface LanguageModel {
  readonly config: GPTConfig;
  readonly backend: 'cpu' | 'webgpu';

  getParams(): Promise<Params>;
  setParams(params: Params): Promise<void>;

  /** Logits [B, T, V] of a full forward pass. */
  logits(batch: TokenBatch, steering?: Steering): Promise<Float32Array>;
  /** Residual stream after block `layer` (after the steering hook if steering.layer == layer), [B, T, C]. */
  hidden(batch: TokenBatch, layer: number, steering?: Steering): Promise<Float32Array>;

  /** Forward pass returning per-token log-probs of `targets` [B, T]. Keeps the activations for backward(). */
  logprobs(batch: TokenBatch, targets: Int32Array, steering?: Steering): Promise<LogprobResult>;
  /**
   * Backward of  sum_{b,t} dLogprobs[b,t] * logprobs[b,t]  through the last logprobs() call, ADDED to the
   * gradient accumulators. RL computes dLogprobs (dLoss/dlogp) from the log-probs; SFT uses -1/N.
   */
  backward(dLogprobs: Float32Array): Promise<void>;
  /** AdamW with global-norm clipping over the accumulated gradients, then zero them. Skips non-finite grads. */
  step(opt: AdamWSettings): Promise<StepResult>;
  /** Supervised fast path: mean cross-entropy over targets != -1, backward, AdamW — one submit, one readback. */
  trainStep(batch: TokenBatch, targets: Int32Array, opt: AdamWSettings): Promise<TrainStepResult>;

  /** Batched sampling with a KV cache; all B sequences advance together. */
  generate(req: GenerateRequest): Promise<GenerateResult>;

  /** Frees device memory (no-op on CPU). */
  dispose(): void;
}

export const defaultAdamW: AdamWSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.0, clipNorm: 1.0 };
