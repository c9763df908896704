import { expect, test } from 'vitest';

test('Chromium exposes a WebGPU adapter', async () => {
  expect(navigator.gpu).toBeDefined();
  const adapter = await navigator.gpu.requestAdapter();
  expect(adapter).not.toBeNull();
  const device = await adapter!.requestDevice();
  const module = device.createShaderModule({ code: '@compute @workgroup_size(1) fn main() {}' });
  expect(module).toBeDefined();
});
