// The worker's device: WebGPU through navigator.gpu (the GPU model, when this build has it), or the CPU
// model (the test oracle, fine for the tiny models). Both models of a run (policy and reference) share
// one device.
import { requestGpuDevice } from '../engine/device';
import { checkModelFits } from '../model/gpu-layout';
import { createCpuModel } from '../model/cpu-model';
import type { InitResult } from './api';
import type { BackendOpener, ModelBackend } from './workbench';

export const cpuBackend: ModelBackend = {
  kind: 'cpu',
  create: async (config, params) => createCpuModel(config, params),
};

async function openWebGpu(onLost: (message: string) => void): Promise<{ backend: ModelBackend; result: InitResult }> {
  // Loaded on first use (its own chunk): a CPU-only session never fetches the WGSL engine.
  const [{ createGpuModel }, { defaultTuning, describeTuning }, { checkDevice, worstError }] = await Promise.all([
    import('../model/gpu-model'),
    import('../engine/launch'),
    import('../model/gpu-check'),
  ]);
  // Every loss is reported except the one dispose() causes. The reason alone cannot tell them apart:
  // anything else that calls destroy() (an extension, the browser fault test) also gives 'destroyed',
  // and the run must still stop and offer to resume (DESIGN §9).
  let disposing = false;
  const device = await requestGpuDevice({
    onLost: (info) => {
      if (!disposing) onLost(info.message || `device lost (${info.reason})`);
    },
  });
  // Before anything runs on it: this device's results against the CPU model's (a failure is a
  // WebGPU-unavailable reason like any other, so the CPU backend is offered)
  let check;
  try {
    check = await checkDevice(device, defaultTuning(device));
  } catch (e) {
    disposing = true;
    device.destroy();
    throw e;
  }
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const backend: ModelBackend = {
    kind: 'webgpu',
    create: async (config, params) => createGpuModel(device, config, params),
    checkFits: (config, sequences, positions) => checkModelFits(config, device.limits, sequences, positions, defaultTuning(device)),
    dispose: () => {
      disposing = true;
      device.destroy();
    },
  };
  return {
    backend,
    result: {
      backend: 'webgpu',
      ...(info ? { adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description } } : {}),
      limits: { maxBufferSize: Number(device.limits.maxBufferSize), maxStorageBufferBindingSize: Number(device.limits.maxStorageBufferBindingSize) },
      // what createGpuModel picks for this device, and how far its results were from the CPU model's
      kernels: `${describeTuning(defaultTuning(device))}; checked against the CPU model (largest relative error ${worstError(check).toPrecision(2)})`,
    },
  };
}

const CPU_KERNELS = 'WASM SIMD kernels (src/engine/cpu/wasm)';

export const openBrowserBackend: BackendOpener = async (o, onLost) => {
  if (o.backend === 'cpu') return { backend: cpuBackend, result: { backend: 'cpu', kernels: CPU_KERNELS } };
  try {
    return await openWebGpu(onLost);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (!o.fallbackToCpu) throw new Error(`WebGPU unavailable: ${reason}`);
    return { backend: cpuBackend, result: { backend: 'cpu', fallbackReason: reason, kernels: CPU_KERNELS } };
  }
};
