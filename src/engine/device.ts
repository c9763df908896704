// WebGPU device creation (browser and Node share this), device-loss hook, and the up-front size check
// that refuses a model the adapter cannot hold (DESIGN §9) before anything is allocated.

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

/**
 * Storage buffers one kernel binds at most (shaders/matmul_vec4.wgsl and layernorm.wgsl: 10, what
 * browsers expose on desktop GPUs; WebGPU guarantees only 8). An adapter with fewer is refused up front.
 */
export const MIN_STORAGE_BUFFERS_PER_STAGE = 10;

/** The optional features requested when the adapter has them (timestamp-query: Program.profile's GPU times). */
export const OPTIONAL_FEATURES: GPUFeatureName[] = ['subgroups', 'shader-f16', 'timestamp-query'];

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
  const storage = limits.maxStorageBuffersPerShaderStage;
  if (typeof storage === 'number' && storage < MIN_STORAGE_BUFFERS_PER_STAGE) {
    throw new NoAdapterError(
      `this WebGPU adapter allows ${storage} storage buffers per kernel and the engine's kernels need ${MIN_STORAGE_BUFFERS_PER_STAGE}: use the CPU backend`,
    );
  }
  for (const name of ENGINE_LIMITS) {
    const v = limits[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  // Optional features, requested only where the adapter offers them; nothing requires them (DESIGN §2).
  // `subgroups` enables the subgroup row reductions (Tuning.subgroups); `shader-f16` is requested only so
  // that device.features reports it (the bench's adapter line): no kernel uses f16.
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
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
