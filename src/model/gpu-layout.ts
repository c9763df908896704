// The GPU model's memory layout and the size check made before anything is allocated: the flat
// parameter buffer (gradients and both AdamW moments share it) and the largest activation buffers.
// It lives beside the model, not in the engine: the engine knows devices and kernels, not GPT.
//
//   flat parameters  [total]  decayed tensors first, then the rest, each starting at a PARAM_ALIGN-
//                             element (512-byte) boundary so every tensor can be bound at its offset,
//                             and at a 256-byte one in the f16 copy (Tuning.f16Weights, 2 bytes each)
import { paramSpecs, numel, type GPTConfig, type ParamSpec } from './config';
import { attentionKind, attentionStateFloats } from '../engine/attention-state';
import type { Tuning } from '../engine/launch';

/** Each tensor of the flat parameter buffer starts at a multiple of this many elements (see above). */
export const PARAM_ALIGN = 128;

export interface ParamSlot {
  spec: ParamSpec;
  off: number; // first element in the flat buffer
  n: number; // elements
}

/** Where each tensor sits in the flat buffer; `decayEnd` ends the weight-decayed block. */
export function flatParamLayout(config: GPTConfig): { slots: ParamSlot[]; decayEnd: number; total: number } {
  const specs = paramSpecs(config);
  const slots: ParamSlot[] = [];
  let off = 0;
  const place = (spec: ParamSpec) => {
    const n = numel(spec.shape);
    slots.push({ spec, off, n });
    off += Math.ceil(n / PARAM_ALIGN) * PARAM_ALIGN;
  };
  specs.filter((s) => s.decay).forEach(place);
  const decayEnd = off;
  specs.filter((s) => !s.decay).forEach(place);
  return { slots, decayEnd, total: off };
}

export function flatParamLength(config: GPTConfig): number {
  return flatParamLayout(config).total;
}

export interface BufferSize {
  name: string;
  bytes: number;
}

/**
 * The largest buffers a model of this config allocates for a batch of B sequences of T positions; the
 * attention state is the [B, NH, T, T] weights unless `tuning` runs the flash kernels (then [B, NH, T, 2]).
 */
export function modelBufferSizes(config: GPTConfig, B = 1, T = config.contextLength, tuning: Pick<Tuning, 'attention'> = { attention: 'rows' }): BufferSize[] {
  const [params, ...activations] = bufferSizesWithoutHead(config, B, T, tuning);
  return [params, logitsBufferSize(config, B, T), ...activations];
}

/** The LM head's [B, T, V] logits: a forward that stops before the head (hidden(), the prefill) has none. */
export function logitsBufferSize(config: GPTConfig, B: number, T: number): BufferSize {
  return { name: `logits [B=${B}, T=${T}, V=${config.vocabSize}]`, bytes: B * T * config.vocabSize * 4 };
}

/** modelBufferSizes without the logits. */
export function bufferSizesWithoutHead(config: GPTConfig, B: number, T: number, tuning: Pick<Tuning, 'attention'> = { attention: 'rows' }): BufferSize[] {
  const { dModel: C, nHeads: NH, contextLength: Tmax } = config;
  const attShape = attentionKind(tuning, C, NH) === 'flash' ? `row statistics [B=${B}, NH=${NH}, T=${T}, 2]` : `[B=${B}, NH=${NH}, T=${T}, T=${T}]`;
  return [
    paramsBufferSize(config),
    { name: `attention ${attShape}`, bytes: attentionStateFloats(tuning, B, T, C, NH).att * 4 },
    { name: `MLP activation [B=${B}, T=${T}, 4C=${4 * C}]`, bytes: B * T * 4 * C * 4 },
    { name: `KV cache per layer [B=${B}, T=${Tmax}, 2C=${2 * C}]`, bytes: B * Tmax * 2 * C * 4 },
  ];
}

/** Generation's decode step over a KV cache of S positions: one row of logits per sequence. */
export function decodeBufferSizes(config: GPTConfig, B: number, S: number): BufferSize[] {
  const { vocabSize: V, dModel: C, nHeads: NH } = config;
  return [
    paramsBufferSize(config),
    { name: `logits [B=${B}, V=${V}]`, bytes: B * V * 4 },
    { name: `attention scores [B=${B}, NH=${NH}, S=${S}]`, bytes: B * NH * S * 4 },
    { name: `KV cache per layer [B=${B}, S=${S}, 2C=${2 * C}]`, bytes: B * S * 2 * C * 4 },
  ];
}

function paramsBufferSize(config: GPTConfig): BufferSize {
  return { name: 'parameters (flat, also gradients and AdamW moments)', bytes: flatParamLength(config) * 4 };
}

export class ModelTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelTooLargeError';
  }
}

/**
 * Refuses (throws ModelTooLargeError) when one of the model's buffers would exceed the device's
 * maxBufferSize or maxStorageBufferBindingSize (every buffer is bound whole). Call before allocating.
 */
export function checkModelFits(
  config: GPTConfig,
  limits: DeviceLimits,
  B = 1,
  T = config.contextLength,
  tuning?: Pick<Tuning, 'attention'>,
): void {
  checkBuffersFit(modelBufferSizes(config, B, T, tuning), limits);
}

type DeviceLimits = Pick<GPUSupportedLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize'>;

/** checkModelFits for any list of buffers (the model's passes allocate different sets). */
export function checkBuffersFit(sizes: BufferSize[], limits: DeviceLimits): void {
  const fmt = (b: number) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${b} bytes`) + ` (${b} bytes)`;
  for (const s of sizes) {
    for (const limit of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
      const max = Number(limits[limit]);
      if (s.bytes > max) {
        throw new ModelTooLargeError(
          `model too large for this GPU: ${s.name} needs ${fmt(s.bytes)} but the adapter's ${limit} is ${fmt(max)}; ` +
            `reduce dModel, vocabSize, contextLength, nLayers or the batch size`,
        );
      }
    }
  }
}
