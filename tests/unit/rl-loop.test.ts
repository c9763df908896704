// The trainer on tiny CPU models: bit-identity of VSPO with the grid {0} and GRPO, a short run that
// raises the reward, distillation lowering the teacher-trace loss, the baselines and the ablations
// running, and a non-finite loss stopping the run without touching the parameters.
import { describe, expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import type { BehaviorTask, Problem } from '../../src/data/types';
import type { GPTConfig } from '../../src/model/config';
import { createCpuModel } from '../../src/model/cpu-model';
import { initParams } from '../../src/model/init';
import { supervisedBatch } from '../../src/model/pretrain';
import type { LanguageModel, Params } from '../../src/model/types';
import type { RlConfig } from '../../src/rl/config';
import { ConfigInvalidError, createTrainer, runTrainer, type StepMetrics } from '../../src/rl/loop';
import type { SteeringVector } from '../../src/steering/types';
import { createRng } from '../../src/util/rng';

const verbosity = getTask('verbosity');
const config: GPTConfig = { vocabSize: verbosity.tokenizer.vocabSize, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2 };

function models(seed = 1): { model: LanguageModel; refModel: LanguageModel; params: Params } {
  const params = initParams(config, seed);
  return { model: createCpuModel(config, params), refModel: createCpuModel(config, params), params };
}

function randomVector(seed: number, layer = 1, scale = 1): SteeringVector {
  const rng = createRng(seed);
  const v = Float32Array.from({ length: config.dModel }, () => rng.normal() * scale);
  return { vector: v, meta: { behavior: 'verbosity', mode: 'random', pca: false, layer, window: 'decision', norm: 1, relativeScale: 1, pairs: 0 } };
}

/** Everything but the wall-clock fields. */
function deterministic(m: StepMetrics) {
  const { ms, rolloutTokensPerSec, eval: ev, ...rest } = m;
  void ms;
  void rolloutTokensPerSec;
  return { ...rest, eval: ev ? { ...ev, ms: 0 } : undefined };
}

/** Toy behavior on the verbosity prompts: reward 1 when the response opens with the marker ':' (a random model does, sometimes). */
const toy: BehaviorTask = Object.assign(Object.create(verbosity) as BehaviorTask, {
  score: (_p: Problem, r: string) => ({ accuracy: 0, behavior: r.startsWith(':') ? 1 : 0, behaviorReward: r.startsWith(':') ? 1 : 0, counted: true, markers: [] as [number, number][] }),
});

const tiny: Partial<RlConfig> = { batchPrompts: 2, groupSize: 4, grid: [0, 2, 4, 8], evalEvery: 2, evalSamples: 4, lr: 1e-3, steps: 3 };

async function paramsEqual(a: LanguageModel, b: LanguageModel | Params) {
  const pa = await a.getParams();
  const pb = b instanceof Map ? b : await b.getParams();
  for (const [k, v] of pa) expect(Buffer.from(v.buffer).equals(Buffer.from(pb.get(k)!.buffer)), k).toBe(true);
}

describe('trainer', () => {
  test('VSPO with the grid {0} equals GRPO bit for bit with the same seed', async () => {
    const runs: { metrics: StepMetrics[]; model: LanguageModel }[] = [];
    for (const method of ['vspo', 'grpo'] as const) {
      const { model, refModel } = models(3);
      const trainer = createTrainer({ model, refModel, task: toy, steering: randomVector(5, 1, 10), config: { ...tiny, batchPrompts: 4, groupSize: 8, lr: 1e-2, method, grid: [0] }, seed: 7 });
      const metrics = await runTrainer(trainer, () => {});
      runs.push({ metrics, model });
    }
    expect(runs[0].metrics.length).toBe(4);
    expect(runs[0].metrics.slice(1).some((m) => m.zeroSpreadFraction! < 1)).toBe(true);
    expect(runs[0].metrics.map(deterministic).map((m) => ({ ...m, method: 'x' }))).toEqual(runs[1].metrics.map(deterministic).map((m) => ({ ...m, method: 'x' })));
    await paramsEqual(runs[0].model, runs[1].model);
    // …and the parameters did move, so the comparison is not vacuous.
    const start = initParams(config, 3);
    const moved = [...(await runs[0].model.getParams())].some(([k, v]) => v.some((x, i) => x !== start.get(k)![i]));
    expect(moved).toBe(true);
    // A non-zero grid does change the run (the steering reaches the rollouts).
    const { model, refModel } = models(3);
    const steered = await runTrainer(createTrainer({ model, refModel, task: toy, steering: randomVector(5, 1, 10), config: { ...tiny, batchPrompts: 4, groupSize: 8, lr: 1e-2, method: 'vspo' }, seed: 7 }), () => {});
    expect(steered.map(deterministic)).not.toEqual(runs[0].metrics.map(deterministic));
  });

  test('metrics of a step: every field, per intensity, eval on schedule', async () => {
    const { model, refModel } = models(2);
    const trainer = createTrainer({ model, refModel, task: verbosity, steering: randomVector(1), config: { ...tiny, steps: 2 }, seed: 1 });
    const base = await trainer.baseline();
    expect(base.step).toBe(0);
    expect(base.eval?.samples).toBe(4);
    expect(base.rewardMean).toBeNull();
    const m = await trainer.step();
    expect(m.step).toBe(1);
    expect(m.perIntensity.map((p) => p.alpha)).toEqual([0, 2, 4, 8]);
    expect(m.perIntensity.every((p) => p.n === 2)).toBe(true);
    for (const k of ['rewardMean', 'rewardStd', 'accuracy', 'behavior', 'behaviorReward', 'behaviorRate', 'zeroSpreadFraction', 'loss', 'kl', 'clipFraction', 'entropy', 'gradNorm', 'lr', 'responseLength', 'rolloutTokensPerSec'] as const)
      expect(Number.isFinite(m[k]), k).toBe(true);
    expect(m.rolloutTokens).toBe(8 * verbosity.maxResponseLength);
    expect(m.kl).toBe(0); // step 1 updates from the start checkpoint, which is π_ref: k3 is exactly 0
    expect(m.clipFraction).toBe(0); // μ = 1: ratio 1 everywhere
    expect(m.eval).toBeUndefined(); // evalEvery 2
    expect({ prompts: m.prompts, rollouts: m.rollouts, teacherTraces: m.teacherTraces }).toEqual({ prompts: 2, rollouts: 8, teacherTraces: 0 });
    expect(m.updateTokens).toBe(trainer.samples().reduce((a, x) => a + x.response.length + 1, 0) - trainer.samples().filter((x) => x.response.length === verbosity.maxResponseLength).length);
    expect(trainer.samples()).toHaveLength(8);
    expect(trainer.samples()[1].alpha).toBe(2);
    const m2 = await trainer.step();
    expect(m2.eval?.step).toBe(2);
    expect(m2.eval?.alpha).toBe(0);
    expect(m2.eval?.split).toBe('test');
    expect(JSON.parse(JSON.stringify(m2))).toEqual(m2); // serialisable as is (no NaN, no typed arrays)
  });

  test('a short VSPO run raises the mean reward of a tiny model', async () => {
    const { model, refModel, params } = models(4);
    // The unembedding direction of ':' (DESIGN §3 `unembed`) at the last block.
    const C = config.dModel;
    const colon = verbosity.tokenizer.encode(':')[0];
    const wte = params.get('wte.weight')!;
    const vec = Float32Array.from({ length: C }, (_, c) => wte[colon * C + c] * 200);
    const steering: SteeringVector = { vector: vec, meta: { ...randomVector(0).meta, mode: 'unembed' } };
    const trainer = createTrainer({
      model, refModel, task: toy, steering,
      config: { batchPrompts: 4, groupSize: 8, grid: [0, 2, 4, 8], lr: 1.5e-2, steps: 30, evalEvery: 30, evalSamples: 64, beta: 0.01 },
      seed: 3,
    });
    const t0 = performance.now();
    const history = await runTrainer(trainer, () => {});
    const first = history[0].eval!.sampled.behavior;
    const last = history[history.length - 1].eval!.sampled.behavior;
    const early = history.slice(1, 4).map((m) => m.rewardMean!);
    const late = history.slice(-3).map((m) => m.rewardMean!);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(avg(late)).toBeGreaterThan(avg(early) + 0.3);
    expect(last).toBeGreaterThan(first + 0.3); // unsteered, held-out
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  test('distill lowers the teacher-trace loss', async () => {
    const { model } = models(5);
    const held = verbosity.problems('test', 32, createRng(9)).map((p) => ({ prompt: p.prompt, response: verbosity.teacher(p) }));
    const { batch, targets } = supervisedBatch(verbosity, held);
    const nll = async () => {
      const { logprobs } = await model.logprobs(batch, targets);
      let s = 0;
      let n = 0;
      for (let i = 0; i < targets.length; i++) if (targets[i] >= 0) (s -= logprobs[i]), n++;
      return s / n;
    };
    const before = await nll();
    const trainer = createTrainer({ model, task: verbosity, config: { method: 'distill', batchPrompts: 4, groupSize: 4, lr: 3e-3, steps: 15, evalEvery: 0 }, seed: 1 });
    const history = await runTrainer(trainer, () => {});
    expect(history).toHaveLength(16);
    expect(history[15].loss!).toBeLessThan(history[1].loss!);
    expect(await nll()).toBeLessThan(before - 0.3);
    expect(trainer.samples()[0].teacher).toBe(true);
  });

  test('guide puts k teacher traces at the end of each group; advantages over the mixed group', async () => {
    const { model, refModel } = models(6);
    const trainer = createTrainer({ model, refModel, task: verbosity, config: { ...tiny, method: 'guide', guideK: 2, keepSamples: 8 }, seed: 2 });
    const m = await trainer.step();
    const s = trainer.samples();
    expect(s.map((x) => x.teacher)).toEqual([false, false, true, true, false, false, true, true]);
    expect(s[2].prompt).toBe(s[0].prompt);
    expect(s[2].reward).toBe(2); // correct and behavior-positive: 1 + λ·1
    expect(s[2].advantage).toBeGreaterThan(0); // the untrained rollouts score lower
    expect(m.perIntensity).toHaveLength(1);
    expect(m.perIntensity[0].n).toBe(4); // teacher traces are not counted as rollouts
    expect(m.loss).not.toBeNull();
  });

  test('steer: no training, rollouts and evaluation at the fixed α', async () => {
    const { model, params } = models(7);
    const trainer = createTrainer({ model, task: verbosity, steering: randomVector(2, 0, 5), config: { ...tiny, method: 'steer', steerAlpha: 3 }, seed: 2 });
    const history = await runTrainer(trainer, () => {});
    expect(history.at(-1)!.eval!.alpha).toBe(3);
    expect(history[1].perIntensity.map((p) => p.alpha)).toEqual([3]);
    expect(history[1].loss).toBeNull();
    await paramsEqual(model, params);
  });

  test('every option runs: ablations, uniform/negative/shrink intensities, μ = 2, sequence mean, Dr. GRPO, windows', async () => {
    const variants: Partial<RlConfig>[] = [
      { piOldSteered: true },
      { truncatedIS: true, truncatedISCap: 1.5 },
      { intensityMode: 'uniform', aMin: -2, aMax: 4, allowNegative: true },
      { grid: [-4, 0, 4, 8], allowNegative: true, shrink: 'linear', shrinkFinal: 0 },
      { shrink: 'cosine', shrinkSteps: 2, shrinkFinal: 0.5 },
      { epochs: 2, aggregation: 'sequence-mean', stdNormalize: false, epsLow: 0.1, epsHigh: 0.3 },
      { window: 'response' },
      { window: 'all', beta: 0, warmupSteps: 2, topK: 5, temperature: 0.8 },
    ];
    for (const v of variants) {
      const { model, refModel } = models(8);
      const trainer = createTrainer({ model, refModel, task: verbosity, steering: randomVector(3, 1, 3), config: { ...tiny, steps: 2, evalEvery: 0, ...v }, seed: 4 });
      const history = await runTrainer(trainer, () => {});
      expect(history).toHaveLength(3);
      for (const m of history.slice(1)) {
        expect(Number.isFinite(m.loss), JSON.stringify(v)).toBe(true);
        expect(m.halted).toBeUndefined();
      }
      if (v.beta === 0) expect(history[1].kl).toBeNull();
      if (v.shrink === 'linear') expect(history[2].intensityScale).toBe(0); // the last of 2 steps is at shrinkFinal (0)
      if (v.intensityMode === 'uniform') expect(history[1].perIntensity.some((p) => p.alpha < 0)).toBe(true);
    }
  });

  test('a non-finite loss stops the run and keeps the last good parameters', async () => {
    const { model, refModel } = models(9);
    let calls = 0;
    const faulty: LanguageModel = Object.assign(Object.create(model), {
      logprobs: async (...a: Parameters<LanguageModel['logprobs']>) => {
        const r = await model.logprobs(...a);
        if (++calls === 2) r.logprobs[a[1].findIndex((t) => t >= 0)] = NaN;
        return r;
      },
    });
    const trainer = createTrainer({ model: faulty, refModel, task: verbosity, steering: randomVector(1), config: { ...tiny, evalEvery: 0 }, seed: 1 });
    await trainer.step();
    const good = await model.getParams();
    const m = await trainer.step();
    expect(m.halted).toMatch(/non-finite loss .* step 2/);
    expect(trainer.halted).toBe(m.halted);
    expect(trainer.stepsDone).toBe(1);
    await paramsEqual(model, good);
    await expect(trainer.step()).rejects.toThrow(/stopped/);
    const history = await runTrainer(trainer, () => {});
    expect(history).toHaveLength(0);
  });

  test('the update and reference passes are unsteered; π_old is the policy at rollout weights; π_ref is the start checkpoint', async () => {
    const { model, refModel, params: start } = models(11);
    const calls: { kind: string; steering: unknown; params?: Params }[] = [];
    const snapshot = async () => new Map([...(await model.getParams())].map(([k, v]) => [k, v.slice()]));
    const spy: LanguageModel = Object.assign(Object.create(model), {
      generate: async (req: Parameters<LanguageModel['generate']>[0]) => {
        calls.push({ kind: 'generate', steering: req.steering, params: await snapshot() });
        return model.generate(req);
      },
      logprobs: async (...a: Parameters<LanguageModel['logprobs']>) => {
        calls.push({ kind: 'logprobs', steering: a[2], params: await snapshot() });
        return model.logprobs(...a);
      },
      step: async (...a: Parameters<LanguageModel['step']>) => {
        calls.push({ kind: 'step', steering: undefined });
        return model.step(...a);
      },
    });
    const refCalls: unknown[] = [];
    const refSpy: LanguageModel = Object.assign(Object.create(refModel), {
      logprobs: async (...a: Parameters<LanguageModel['logprobs']>) => {
        refCalls.push(a[2]);
        return refModel.logprobs(...a);
      },
    });
    const trainer = createTrainer({ model: spy, refModel: refSpy, task: toy, steering: randomVector(5, 1, 10), config: { ...tiny, batchPrompts: 4, groupSize: 8, evalEvery: 0, epochs: 2, lr: 1e-2 }, seed: 7 });
    const history = await runTrainer(trainer, () => {});
    expect(history.at(-1)!.kl).toBeGreaterThan(0); // the policy has moved away from π_ref
    const rollouts = calls.filter((c) => c.kind === 'generate');
    expect(rollouts).toHaveLength(3);
    for (const r of rollouts) expect((r.steering as { alpha: Float32Array }).alpha.some((a) => a !== 0)).toBe(true);
    const updates = calls.filter((c) => c.kind === 'logprobs');
    expect(updates).toHaveLength(3 * 2); // μ = 2 forwards a step, every one unsteered
    for (const u of updates) expect(u.steering).toBeUndefined();
    expect(refCalls).toHaveLength(3);
    for (const r of refCalls) expect(r).toBeUndefined();
    // π_old: each step's first forward sees exactly the weights its rollouts were sampled with.
    calls.forEach((c, i) => {
      if (c.kind !== 'generate') return;
      const first = calls.slice(i + 1).find((x) => x.kind === 'logprobs')!;
      for (const [k, v] of c.params!) expect(Buffer.from(v.buffer).equals(Buffer.from(first.params!.get(k)!.buffer)), k).toBe(true);
    });
    // π_ref stays the start checkpoint while the policy moves.
    await paramsEqual(refModel, start);
    const moved = [...(await model.getParams())].some(([k, v]) => v.some((x, i) => x !== start.get(k)![i]));
    expect(moved).toBe(true);
  });

  test('VSPO with the grid {0} runs the steering kernel with α = 0 written in; GRPO runs none', async () => {
    for (const method of ['vspo', 'grpo'] as const) {
      const { model, refModel } = models(3);
      const seen: (Float32Array | null)[] = [];
      const spy: LanguageModel = Object.assign(Object.create(model), {
        generate: (req: Parameters<LanguageModel['generate']>[0]) => {
          seen.push(req.steering ? req.steering.alpha : null);
          return model.generate(req);
        },
      });
      await runTrainer(createTrainer({ model: spy, refModel, task: toy, steering: randomVector(5, 1, 10), config: { ...tiny, evalEvery: 0, method, grid: [0] }, seed: 7 }), () => {});
      expect(seen).toHaveLength(3);
      for (const a of seen) {
        if (method === 'vspo') expect(a && a.length === 8 && a.every((x) => x === 0)).toBe(true);
        else expect(a).toBeNull();
      }
    }
  });

  test('every method sees the same B distinct prompts a step; distill one teacher trace per prompt', async () => {
    const budget = async (method: RlConfig['method'], extra: Partial<RlConfig> = {}) => {
      const { model, refModel } = models(12);
      const t = createTrainer({ model, refModel, task: verbosity, steering: randomVector(1), config: { ...tiny, evalEvery: 0, method, ...extra }, seed: 1 });
      const m = await t.step();
      return { prompts: m.prompts, rollouts: m.rollouts, teacherTraces: m.teacherTraces };
    };
    expect(await budget('vspo')).toEqual({ prompts: 2, rollouts: 8, teacherTraces: 0 });
    expect(await budget('grpo')).toEqual({ prompts: 2, rollouts: 8, teacherTraces: 0 });
    expect(await budget('guide', { guideK: 1 })).toEqual({ prompts: 2, rollouts: 6, teacherTraces: 2 });
    expect(await budget('distill')).toEqual({ prompts: 2, rollouts: 0, teacherTraces: 2 });
  });

  test('μ > 1: a non-finite loss in epoch 2 restores the weights the step started from', async () => {
    const { model, refModel } = models(13);
    let calls = 0;
    const faulty: LanguageModel = Object.assign(Object.create(model), {
      logprobs: async (...a: Parameters<LanguageModel['logprobs']>) => {
        const r = await model.logprobs(...a);
        if (++calls === 4) r.logprobs[a[1].findIndex((t) => t >= 0)] = NaN; // step 2, epoch 2
        return r;
      },
    });
    const trainer = createTrainer({ model: faulty, refModel, task: verbosity, steering: randomVector(1), config: { ...tiny, evalEvery: 0, epochs: 2, lr: 1e-2 }, seed: 1 });
    await trainer.step();
    const good = new Map([...(await model.getParams())].map(([k, v]) => [k, v.slice()]));
    const m = await trainer.step();
    expect(m.halted).toMatch(/step 2, epoch 2.*starting weights were restored/);
    await paramsEqual(model, good); // epoch 1 had moved them; they are back
  });

  test('distill and guide train on the configured teacher: wrong traces at teacherAccuracy 0, the foreign form when asked', async () => {
    const traces = async (extra: Partial<RlConfig>, method: 'distill' | 'guide' = 'distill') => {
      const { model, refModel } = models(14);
      const t = createTrainer({ model, refModel, task: verbosity, config: { ...tiny, evalEvery: 0, keepSamples: 8, method, ...extra }, seed: 1 });
      await t.step();
      return t.samples().filter((x) => x.teacher);
    };
    const perfect = await traces({});
    expect(perfect.every((x) => x.accuracy === 1 && x.behavior === 1)).toBe(true);
    const wrong = await traces({ teacherAccuracy: 0 });
    expect(wrong.length).toBe(2);
    expect(wrong.every((x) => x.accuracy === 0 && x.reward === 0)).toBe(true);
    const foreign = await traces({ teacherStyle: 'foreign' });
    expect(foreign.every((x) => x.accuracy === 1 && x.behavior === 1)).toBe(true);
    expect(foreign.map((x) => x.response)).not.toEqual(perfect.map((x) => x.response));
    const guided = await traces({ teacherAccuracy: 0, guideK: 1 }, 'guide');
    expect(guided.length).toBe(2);
    expect(guided.every((x) => x.accuracy === 0)).toBe(true);
  });

  test('bad setups are refused naming the field', () => {
    const { model, refModel } = models(1);
    const make = (o: Partial<Parameters<typeof createTrainer>[0]>) => () => createTrainer({ model, refModel, task: verbosity, steering: randomVector(1), config: {}, ...o });
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigInvalidError);
        return (e as ConfigInvalidError).field;
      }
      return null;
    };
    expect(field(make({ config: { groupSize: 6 } }))).toBe('groupSize');
    expect(field(make({ steering: undefined }))).toBe('steering');
    expect(field(make({ refModel: undefined }))).toBe('beta');
    expect(field(make({ refModel: undefined, config: { beta: 0 } }))).toBeNull();
    expect(field(make({ steering: { ...randomVector(1), vector: new Float32Array(3) } }))).toBe('steering');
    expect(field(make({ steering: randomVector(1, 5) }))).toBe('steering');
    expect(field(make({ task: getTask('robustness'), model: createCpuModel({ ...config, contextLength: 12 }) }))).toBe('model');
    expect(field(make({ config: { method: 'grpo' }, steering: undefined }))).toBeNull();
  });
});
