// WebGPU device creation (browser and Node share this), device-loss hook, and the up-front size check
// that refuses a model the adapter cannot hold (DESIGN §9) before anything is allocated.
import { paramSpecs, numel, type GPTConfig } from '../model/config';

/** The limits this engine depends on; requested at the adapter's real maximum, not the WebGPU defaults. */
export const ENGINE_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
] as const;

export interface DeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Called once if the device is lost (driver reset, tab backgrounded too long, destroy()). */
  onLost?: (info: GPUDeviceLostInfo) => void;
  /** Called for uncaptured validation / out-of-memory errors. Defaults to console.error. */
  onError?: (error: GPUError) => void;
}

export class NoAdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoAdapterError';
  }
}

/** Requests an adapter and a device with the adapter's real limits from a GPU object (navigator.gpu or Dawn's). */
export async function requestDeviceFrom(gpu: GPU | undefined, opts: DeviceOptions = {}, howToFix = ''): Promise<GPUDevice> {
  if (!gpu) throw new NoAdapterError(`WebGPU is not available in this environment${howToFix ? `: ${howToFix}` : ''}`);
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) throw new NoAdapterError(`no WebGPU adapter found${howToFix ? `: ${howToFix}` : ''}`);
  const requiredLimits: Record<string, number> = {};
  const limits = adapter.limits as unknown as Record<string, number>;
  for (const name of ENGINE_LIMITS) {
    const v = limits[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('shader-f16')) requiredFeatures.push('shader-f16');
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'vspo-engine' });
  adapterInfos.set(device, adapter.info);
  watchDevice(device, opts);
  return device;
}

const adapterInfos = new WeakMap<GPUDevice, GPUAdapterInfo>();

/** The adapter's info (vendor, architecture, description) for a device, where known. */
export function deviceAdapterInfo(device: GPUDevice): GPUAdapterInfo | undefined {
  return (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo ?? adapterInfos.get(device);
}

/**
 * Whether the device is a CPU implementation of WebGPU (SwiftShader, llvmpipe/lavapipe). There,
 * workgroup barriers are expensive, so the engine picks barrier-free kernel variants (see launch.ts).
 */
export function isCpuAdapter(device: GPUDevice): boolean {
  const info = deviceAdapterInfo(device);
  if (!info) return false;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|softpipe|warp/.test(text) || (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
}

export function watchDevice(device: GPUDevice, opts: DeviceOptions): void {
  device.lost.then((info) => {
    if (opts.onLost) opts.onLost(info);
    else if (info.reason !== 'destroyed') console.error(`WebGPU device lost: ${info.message}`);
  });
  device.addEventListener('uncapturederror', (ev) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    if (opts.onError) opts.onError(err);
    else console.error(`WebGPU error: ${err.message}`);
  });
}

/** Browser (and Vitest browser mode): navigator.gpu. */
export async function requestGpuDevice(opts: DeviceOptions = {}): Promise<GPUDevice> {
  const gpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
  return requestDeviceFrom(gpu, opts, 'use a recent Chrome/Edge (or launch Chromium with --enable-unsafe-webgpu)');
}

// ---------------------------------------------------------------------------------------------------
// Size check

/** Elements of the padded flat parameter buffer (each tensor starts at a 64-float = 256-byte boundary). */
export const PARAM_ALIGN = 64;
export function flatParamLength(config: GPTConfig): number {
  let n = 0;
  for (const s of paramSpecs(config)) n += Math.ceil(numel(s.shape) / PARAM_ALIGN) * PARAM_ALIGN;
  return n;
}

export interface BufferSize {
  name: string;
  bytes: number;
}

/** The largest buffers a model of this config allocates for a batch of B sequences of T positions. */
export function modelBufferSizes(config: GPTConfig, B = 1, T = config.contextLength): BufferSize[] {
  const { vocabSize: V, dModel: C, nHeads: NH, contextLength: Tmax } = config;
  return [
    { name: 'parameters (flat, also gradients and AdamW moments)', bytes: flatParamLength(config) * 4 },
    { name: `logits [B=${B}, T=${T}, V=${V}]`, bytes: B * T * V * 4 },
    { name: `attention [B=${B}, NH=${NH}, T=${T}, T=${T}]`, bytes: B * NH * T * T * 4 },
    { name: `MLP activation [B=${B}, T=${T}, 4C=${4 * C}]`, bytes: B * T * 4 * C * 4 },
    { name: `KV cache per layer [B=${B}, T=${Tmax}, 2C=${2 * C}]`, bytes: B * Tmax * 2 * C * 4 },
  ];
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
  limits: Pick<GPUSupportedLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize'>,
  B = 1,
  T = config.contextLength,
): void {
  const fmt = (b: number) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${b} bytes`) + ` (${b} bytes)`;
  for (const s of modelBufferSizes(config, B, T)) {
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
