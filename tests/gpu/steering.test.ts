// Steering-vector extraction and sweeps on the WebGPU backend agree with the CPU backend.
import { expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import { createCpuModel } from '../../src/model/cpu-model';
import { createGpuModel } from '../../src/model/gpu-model';
import { initParams } from '../../src/model/init';
import { extractSteeringVector } from '../../src/steering/extract';
import { runSweep } from '../../src/steering/sweep';
import { expectClose, getDevice } from './helpers';

const task = getTask('robustness');
const config = { vocabSize: task.tokenizer.vocabSize, contextLength: task.promptLength + task.maxResponseLength, dModel: 16, nLayers: 2, nHeads: 2 };
const params = initParams(config, 11);

test('every extraction mode gives the same vector on WebGPU and on the CPU', async () => {
  const gpu = await createGpuModel(await getDevice(), config, params);
  const cpu = createCpuModel(config, params);
  for (const mode of ['caa-response', 'caa-decision', 'unembed', 'random'] as const) {
    const o = { mode, layer: 1, pairs: 12, seed: 3 };
    const [g, c] = [await extractSteeringVector(gpu, task, o), await extractSteeringVector(cpu, task, o)];
    expectClose(g.vector, c.vector, 1e-4, mode);
    expect(g.meta.relativeScale).toBeCloseTo(c.meta.relativeScale, 4);
  }
  gpu.dispose();
});

test('a greedy sweep gives the same scores on WebGPU and on the CPU', async () => {
  const gpu = await createGpuModel(await getDevice(), config, params);
  const cpu = createCpuModel(config, params);
  const v = await extractSteeringVector(cpu, task, { mode: 'unembed', layer: 1, pairs: 8 });
  const o = { alphas: [0, 3], samples: 8, seed: 2, temperature: 0 };
  const [g, c] = [await runSweep(gpu, task, v, o), await runSweep(cpu, task, v, o)];
  expect(g).toEqual(c);
  gpu.dispose();
});
