// The memory check's attention entry follows the kernels the tuning runs (engine/attention-state.ts): the
// [B, NH, T, T] weights, or for the flash kernels a softmax max and sum per query row.
import { expect, test } from 'vitest';
import { bufferSizesWithoutHead, checkBuffersFit, checkModelFits, decodeBufferSizes, logitsBufferSize, modelBufferSizes, ModelTooLargeError } from '../../src/model/gpu-layout';
import type { GPTConfig } from '../../src/model/config';

const GPT2_SMALL: GPTConfig = { vocabSize: 50257, contextLength: 1024, dModel: 768, nLayers: 12, nHeads: 12 };
const attentionEntry = (config: GPTConfig, B: number, T: number, attention?: 'flash' | 'tiled' | 'rows') =>
  modelBufferSizes(config, B, T, attention ? { attention } : undefined).find((s) => s.name.startsWith('attention'))!;

test('the attention state: [B, NH, T, T] weights by default and for the row and tiled kernels, [B, NH, T, 2] for flash', () => {
  expect(attentionEntry(GPT2_SMALL, 4, 1024)).toEqual({ name: 'attention [B=4, NH=12, T=1024, T=1024]', bytes: 4 * 12 * 1024 * 1024 * 4 });
  expect(attentionEntry(GPT2_SMALL, 4, 1024, 'tiled')).toEqual(attentionEntry(GPT2_SMALL, 4, 1024));
  expect(attentionEntry(GPT2_SMALL, 4, 1024, 'flash')).toEqual({ name: 'attention row statistics [B=4, NH=12, T=1024, 2]', bytes: 4 * 12 * 1024 * 2 * 4 });
  // heads wider than 64 run the row kernels whatever the tuning says
  const wide: GPTConfig = { ...GPT2_SMALL, nHeads: 6 };
  expect(attentionEntry(wide, 1, 512, 'flash')).toEqual({ name: 'attention [B=1, NH=6, T=512, T=512]', bytes: 6 * 512 * 512 * 4 });
});

test('checkModelFits: a context whose [T, T] weights overflow a binding fits with the flash kernels', () => {
  const config: GPTConfig = { vocabSize: 64, contextLength: 2048, dModel: 256, nLayers: 2, nHeads: 8 };
  const limits = { maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 128 << 20 }; // the WebGPU default binding limit
  expect(() => checkModelFits(config, limits, 2, 2048, { attention: 'tiled' })).toThrow(ModelTooLargeError);
  expect(() => checkModelFits(config, limits, 2, 2048, { attention: 'tiled' })).toThrow(/attention \[B=2, NH=8, T=2048, T=2048\] needs 256\.0 MiB/);
  expect(() => checkModelFits(config, limits, 2, 2048, { attention: 'flash' })).not.toThrow();
});

test('generation is checked for the buffers it allocates: no [B, T, V] logits for the prefill, one row per sequence to decode', () => {
  const limits = { maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1 << 30 };
  const [B, P, S] = [16, 512, 1024]; // 512-token prompts, 512 new tokens
  // a forward through the head over the prompts would need 1.5 GiB of logits
  expect(() => checkModelFits(GPT2_SMALL, limits, B, P, { attention: 'flash' })).toThrow(/logits \[B=16, T=512, V=50257\] needs 1570\.5 MiB/);
  expect(() => checkBuffersFit(bufferSizesWithoutHead(GPT2_SMALL, B, P, { attention: 'flash' }), limits)).not.toThrow();
  expect(() => checkBuffersFit(decodeBufferSizes(GPT2_SMALL, B, S), limits)).not.toThrow();
  expect(decodeBufferSizes(GPT2_SMALL, B, S).find((s) => s.name.startsWith('logits'))).toEqual({ name: 'logits [B=16, V=50257]', bytes: 16 * 50257 * 4 });
  expect(modelBufferSizes(GPT2_SMALL, B, P).map((s) => s.name)).toEqual(
    [bufferSizesWithoutHead(GPT2_SMALL, B, P)[0], logitsBufferSize(GPT2_SMALL, B, P), ...bufferSizesWithoutHead(GPT2_SMALL, B, P).slice(1)].map((s) => s.name),
  );
});
