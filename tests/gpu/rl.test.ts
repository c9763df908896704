// The trainer on the WebGPU model in Chromium: a short VSPO run on a tiny model raises the mean reward
// (the same toy behavior as the CPU test: responses that open with the marker ':'), and VSPO with the
// grid {0} equals GRPO with the same seed.
import { expect, test } from 'vitest';
import { requestGpuDevice } from '../../src/engine/device';
import { getTask } from '../../src/data/tasks';
import type { BehaviorTask, Problem } from '../../src/data/types';
import type { GPTConfig } from '../../src/model/config';
import { createGpuModel } from '../../src/model/gpu-model';
import { initParams } from '../../src/model/init';
import { createTrainer, runTrainer, type StepMetrics } from '../../src/rl/loop';
import type { SteeringVector } from '../../src/steering/types';

const verbosity = getTask('verbosity');
const config: GPTConfig = { vocabSize: verbosity.tokenizer.vocabSize, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2 };
const toy: BehaviorTask = Object.assign(Object.create(verbosity) as BehaviorTask, {
  score: (_p: Problem, r: string) => ({ accuracy: 0, behavior: r.startsWith(':') ? 1 : 0, behaviorReward: r.startsWith(':') ? 1 : 0, counted: true, markers: [] as [number, number][] }),
});

let device: GPUDevice | null = null;
const getDevice = async () => (device ??= await requestGpuDevice());

function colonVector(): SteeringVector {
  const params = initParams(config, 4);
  const C = config.dModel;
  const colon = verbosity.tokenizer.encode(':')[0];
  const wte = params.get('wte.weight')!;
  const v = Float32Array.from({ length: C }, (_, c) => wte[colon * C + c] * 200);
  return { vector: v, meta: { behavior: 'verbosity', mode: 'unembed', pca: false, layer: 1, window: 'decision', norm: 1, relativeScale: 1, pairs: 0 } };
}

test('a short VSPO run on WebGPU raises the mean reward of a tiny model', async () => {
  const dev = await getDevice();
  const params = initParams(config, 4);
  const model = await createGpuModel(dev, config, params);
  const trainer = createTrainer({
    model, task: toy, steering: colonVector(),
    config: { batchPrompts: 4, groupSize: 8, grid: [0, 2, 4, 8], lr: 3e-2, steps: 12, evalEvery: 12, evalSamples: 16, beta: 0 }, // SwiftShader is slow: a short, strong run
    seed: 3,
  });
  const history = await runTrainer(trainer, () => {});
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const early = avg(history.slice(1, 4).map((m) => m.rewardMean!));
  const late = avg(history.slice(-3).map((m) => m.rewardMean!));
  expect(late).toBeGreaterThan(early + 0.3);
  expect(history.at(-1)!.eval!.sampled.behavior).toBeGreaterThan(history[0].eval!.sampled.behavior + 0.3);
  const m = history.at(-1)!;
  console.log(JSON.stringify({ webgpu: { msPerPhase: m.ms, rolloutTokensPerSec: m.rolloutTokensPerSec } }));
  model.dispose();
});

test('VSPO with the grid {0} equals GRPO on WebGPU with the same seed', async () => {
  const dev = await getDevice();
  const strip = (h: StepMetrics[]) => h.map(({ ms, rolloutTokensPerSec, eval: ev, method, ...rest }) => (void ms, void rolloutTokensPerSec, void method, { ...rest, eval: ev ? { ...ev, ms: 0 } : undefined }));
  const out: { h: StepMetrics[]; p: Map<string, Float32Array> }[] = [];
  for (const method of ['vspo', 'grpo'] as const) {
    const params = initParams(config, 3);
    const model = await createGpuModel(dev, config, params);
    const refModel = await createGpuModel(dev, config, params);
    const trainer = createTrainer({ model, refModel, task: toy, steering: colonVector(), config: { method, grid: [0], batchPrompts: 2, groupSize: 8, lr: 1e-2, steps: 2, evalEvery: 2, evalSamples: 4 }, seed: 7 });
    out.push({ h: await runTrainer(trainer, () => {}), p: await model.getParams() });
    model.dispose();
    refModel.dispose();
  }
  expect(strip(out[0].h)).toEqual(strip(out[1].h));
  for (const [k, v] of out[0].p) expect(Array.from(v), k).toEqual(Array.from(out[1].p.get(k)!));
});
