// src/engine/device.ts requestDeviceFrom on a fake GPU object: the optional features are requested
// exactly when the adapter offers them, never required; the tuning's subgroups default follows the
// device (src/engine/launch.ts).
import { describe, expect, test } from 'vitest';
import { MIN_STORAGE_BUFFERS_PER_STAGE, NoAdapterError, OPTIONAL_FEATURES, requestDeviceFrom } from '../../src/engine/device';
import { CPU_ADAPTER_TUNING, createContext, defaultTuning, describeTuning, GPU_TUNING, SUBGROUPS_BY_DEFAULT } from '../../src/engine/launch';

/** A GPU whose adapter has `features` and an info string; records the device descriptor it is asked for. */
function fakeGpu(features: string[], description: string, limits: Record<string, number> = {}) {
  const asked: GPUDeviceDescriptor[] = [];
  const adapter = {
    features: new Set(features),
    limits: { maxBufferSize: 1 << 28, ...limits },
    info: { vendor: 'test', architecture: '', device: '', description },
    async requestDevice(desc: GPUDeviceDescriptor) {
      asked.push(desc);
      return {
        features: new Set(desc.requiredFeatures ?? []),
        limits: { minUniformBufferOffsetAlignment: 256 },
        lost: new Promise(() => {}),
        addEventListener() {},
      } as unknown as GPUDevice;
    },
  };
  const gpu = { requestAdapter: async () => adapter } as unknown as GPU;
  return { gpu, asked };
}

test('describeTuning names the matmul (and its grid fill), the attention, the row width and the subgroups', () => {
  expect(describeTuning(GPU_TUNING)).toBe('vec4 matmul (GPU tuning), flash attention, 64-wide rows');
  expect(describeTuning({ ...CPU_ADAPTER_TUNING, subgroups: true })).toBe('register-blocked matmul (CPU-adapter tuning), 4-wide rows, subgroup reductions');
  expect(describeTuning({ ...GPU_TUNING, matmulFill: 256 })).toBe('vec4 matmul (GPU tuning), grids filled to 256 workgroups, flash attention, 64-wide rows');
});

describe('optional device features', () => {
  test('each optional feature is requested where the adapter has it, and only then', async () => {
    expect(OPTIONAL_FEATURES).toEqual(['subgroups', 'shader-f16', 'timestamp-query']);
    for (const offered of [[], ['subgroups'], ['shader-f16'], ['timestamp-query'], ['subgroups', 'shader-f16', 'timestamp-query', 'texture-compression-bc']]) {
      const { gpu, asked } = fakeGpu(offered, 'a GPU');
      const device = await requestDeviceFrom(gpu);
      expect([...(asked[0].requiredFeatures ?? [])].sort(), offered.join()).toEqual(offered.filter((f) => f !== 'texture-compression-bc').sort());
      expect(device.features.has('subgroups')).toBe(offered.includes('subgroups'));
    }
  });

  test('the subgroups default follows the device and the adapter kind; forcing it needs the feature', async () => {
    for (const [description, kind] of [['SwiftShader Device', 'cpu'], ['A real GPU', 'gpu']] as const) {
      const withIt = await requestDeviceFrom(fakeGpu(['subgroups'], description).gpu);
      const without = await requestDeviceFrom(fakeGpu([], description).gpu);
      expect(defaultTuning(withIt).subgroups, description).toBe(SUBGROUPS_BY_DEFAULT[kind]);
      expect(defaultTuning(without).subgroups, description).toBe(false);
      expect(createContext(withIt, { subgroups: true }).tuning.subgroups).toBe(true);
      expect(() => createContext(without, { subgroups: true })).toThrow('needs the device feature "subgroups"');
    }
  });
});

test('an adapter with fewer storage buffers per kernel than the kernels bind is refused up front, saying what to do', async () => {
  const few = fakeGpu([], 'a small GPU', { maxStorageBuffersPerShaderStage: 8 });
  const err = await requestDeviceFrom(few.gpu).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NoAdapterError);
  expect((err as Error).message).toBe(`this WebGPU adapter allows 8 storage buffers per kernel and the engine's kernels need ${MIN_STORAGE_BUFFERS_PER_STAGE}: use the CPU backend`);
  expect(few.asked).toEqual([]); // no device was requested
  const enough = fakeGpu([], 'a GPU', { maxStorageBuffersPerShaderStage: MIN_STORAGE_BUFFERS_PER_STAGE });
  await requestDeviceFrom(enough.gpu);
  expect(enough.asked[0].requiredLimits).toMatchObject({ maxStorageBuffersPerShaderStage: MIN_STORAGE_BUFFERS_PER_STAGE });
});
