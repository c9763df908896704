// The tiny verbosity model the worker and UI tests load (V = the task's, T 24, C 16, 2 layers, 2 heads):
// seeded init, and a random steering vector unless told otherwise, as checkpoint bytes.
import { getTask } from '../../src/data/tasks';
import type { GPTConfig } from '../../src/model/config';
import { initParams } from '../../src/model/init';
import { encodeCheckpoint } from '../../src/store/checkpoint';
import { createRng } from '../../src/util/rng';

export const task = getTask('verbosity');
export const tinyConfig: GPTConfig = { vocabSize: task.tokenizer.vocabSize, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2 };

export function tinyCheckpointBytes(seed = 1, o: { vector?: boolean } = {}): Uint8Array {
  const rng = createRng(seed);
  const vector = Float32Array.from({ length: tinyConfig.dModel }, () => rng.normal());
  return encodeCheckpoint({
    config: tinyConfig,
    params: initParams(tinyConfig, seed),
    metadata: { tokenizer: task.tokenizer.toJSON(), task: { behavior: 'verbosity' }, step: 0 },
    ...(o.vector === false ? {} : { steering: { verbosity: { vector, meta: { behavior: 'verbosity', mode: 'random', pca: false, layer: 1, window: 'decision', norm: 4, relativeScale: 1, pairs: 0 } } } }),
  });
}
