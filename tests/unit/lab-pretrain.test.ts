// The pretraining loop shared by `vspo pretrain` and the worker (src/model/pretrain.ts): with no hooks it
// trains exactly as before; its hooks (beforeStep, exclusive, evalEvery/onEval) change no weight; the
// validation loss is the mean cross-entropy on corpus-style examples with validation operands; the corpus's
// split parameter leaves the default corpus untouched. Also the Wilson interval the worker attaches to sweeps.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { splitOf } from '../../src/data/arithmetic';
import { createTask, getTask, TASKS } from '../../src/data/tasks';
import { BEHAVIORS, type Behavior, type BehaviorTask } from '../../src/data/types';
import { paramSpecs, type GPTConfig } from '../../src/model/config';
import { createCpuModel } from '../../src/model/cpu-model';
import { initParams } from '../../src/model/init';
import {
  defaultPretrain,
  learningRate,
  pretrain,
  pretrainMetadata,
  supervisedBatch,
  validationExamples,
  VALIDATION_LOSS_SEED,
  type PretrainOptions,
} from '../../src/model/pretrain';
import type { AdamWSettings, LanguageModel, Params } from '../../src/model/types';
import { createRng } from '../../src/util/rng';
import { wilson95, withBehaviorCI } from '../../src/worker/lab';

const configOf = (task: BehaviorTask): GPTConfig => ({ vocabSize: task.tokenizer.vocabSize, contextLength: task.promptLength + task.maxResponseLength, dModel: 16, nLayers: 1, nHeads: 2 });
const settings = { ...defaultPretrain, steps: 20, batchSize: 8, lr: 2e-3, seed: 5 };

/** The loop as it was before the hooks (copied from src/model/pretrain.ts at that time), with an optional early stop. */
async function oldLoop(model: LanguageModel, task: BehaviorTask, o: Omit<PretrainOptions, 'onProgress'>, stopAt = Infinity) {
  const rng = createRng(o.seed);
  for (let step = 0; step < o.steps && step < stopAt; step++) {
    const examples = Array.from({ length: o.batchSize }, () => task.corpusExample(rng));
    const { batch, targets } = supervisedBatch(task, examples);
    const opt: AdamWSettings = { lr: learningRate(step, o), beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: o.weightDecay, clipNorm: 1 };
    const r = await model.trainStep(batch, targets, opt);
    if (!Number.isFinite(r.loss)) throw new Error('non-finite');
  }
}

function hashParams(config: GPTConfig, p: Params): string {
  const h = createHash('sha256');
  for (const s of paramSpecs(config)) h.update(new Uint8Array(p.get(s.name)!.buffer.slice(0)));
  return h.digest('hex').slice(0, 16);
}

function expectSameBits(a: Params, b: Params) {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, v] of a) expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(b.get(k)!.buffer, b.get(k)!.byteOffset, b.get(k)!.byteLength)), k).toBe(true);
}

async function trained(task: BehaviorTask, run: (m: LanguageModel) => Promise<unknown>): Promise<Params> {
  const config = configOf(task);
  // the stored hashes are of weights trained on the plain kernels (the WASM ones differ in the last bits)
  const model = createCpuModel(config, initParams(config, settings.seed), { kernels: 'plain' });
  await run(model);
  return model.getParams();
}

describe('pretraining with no hooks trains exactly as before', () => {
  // sha256 (first 16 hex) of the parameters (paramSpecs order, f32 bytes) after pretrain(d 16, 1 layer, 2 heads,
  // seed 5, 20 steps × 8, lr 2e-3), computed on the loop BEFORE the hooks were added.
  const BEFORE: [Behavior, number | undefined, string][] = [
    ['verbosity', undefined, 'a8aeb67455788abc'],
    ['robustness', 0.2, '75e6f733b784fdcd'],
    ['confidence', undefined, '8b85d158225a216e'],
  ];
  test.each(BEFORE)('%s (corpus rate %s): the stored hash from before the change, and the old loop', async (behavior, rate, hash) => {
    const task = rate === undefined ? getTask(behavior) : createTask(behavior, { rate });
    const now = await trained(task, (m) => pretrain(m, task, settings));
    expect(hashParams(configOf(task), now)).toBe(hash);
    expectSameBits(now, await trained(task, (m) => oldLoop(m, task, settings)));
  });

  test('the hooks change no weight; onEval at every evalEvery and after the last step; exclusive wraps every device call', async () => {
    const task = getTask('verbosity');
    const evals: [number, number | null][] = [];
    const before: number[] = [];
    let exclusive = 0;
    const progress: number[] = [];
    let result: Awaited<ReturnType<typeof pretrain>> | undefined;
    const hooked = await trained(task, async (m) => {
      result = await pretrain(m, task, {
        ...settings,
        progressEvery: 1,
        evalEvery: 6,
        onProgress: (p) => progress.push(p.step),
        beforeStep: async (s) => {
          before.push(s);
          await new Promise((r) => setTimeout(r, 0));
          return true;
        },
        exclusive: async (w) => {
          exclusive++;
          return w();
        },
        onEval: async (s, v) => {
          evals.push([s, v]);
        },
      });
    });
    expectSameBits(hooked, await trained(task, (m) => oldLoop(m, task, settings)));
    expect(before).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(evals.map((e) => e[0])).toEqual([6, 12, 18, 20]);
    expect(exclusive).toBe(20 + 4); // 20 train steps, 4 validation losses
    expect(result).toMatchObject({ stepsDone: 20, stopped: false });
    expect(result!.valLoss).toBe(evals.at(-1)![1]);
    for (const [, v] of evals) expect(Number.isFinite(v)).toBe(true);
  });

  test('beforeStep returning false stops there: the weights of the steps taken, the final evaluation at that step', async () => {
    const task = getTask('verbosity');
    const evals: number[] = [];
    const progress: number[] = [];
    let result: Awaited<ReturnType<typeof pretrain>> | undefined;
    const stopped = await trained(task, async (m) => {
      result = await pretrain(m, task, { ...settings, progressEvery: 5, beforeStep: (s) => s < 7, onEval: (s) => void evals.push(s), onProgress: (p) => progress.push(p.step) });
    });
    expect(result).toMatchObject({ stepsDone: 7, stopped: true });
    expect(progress).toEqual([5, 7]); // the stop is reported where it happened
    expect(evals).toEqual([7]);
    expectSameBits(stopped, await trained(task, (m) => oldLoop(m, task, settings, 7)));
  });
});

describe('validation loss', () => {
  test('the mean cross-entropy of the response tokens, recomputed from the logits, on corpus examples with validation operands', async () => {
    const task = getTask('expertise');
    const config = configOf(task);
    const model = createCpuModel(config, initParams(config, 2));
    const r = await pretrain(model, task, { ...settings, steps: 5, validationExamples: 40 });
    // The examples: the fixed draw, validation operands only, corpus-style responses.
    const examples = validationExamples(task, 40);
    const rng = createRng(VALIDATION_LOSS_SEED);
    expect(examples).toEqual(Array.from({ length: 40 }, () => task.corpusExample(rng, 'validation')));
    for (const ex of examples) {
      const m = /^(\d\d)\+(\d\d)=$/.exec(ex.prompt)!;
      expect(splitOf(Number(m[1]), Number(m[2]))).toBe('validation');
    }
    // Independent recomputation: full logits, log-softmax in f64, next token of every response position.
    const T = config.contextLength;
    let sum = 0;
    let count = 0;
    for (const ex of examples) {
      const ids = task.tokenizer.encode(ex.prompt + ex.response);
      ids.push(task.tokenizer.stopToken);
      const tokens = new Int32Array(T).fill(task.tokenizer.stopToken);
      tokens.set(ids);
      const logits = await model.logits({ tokens, B: 1, T });
      const V = config.vocabSize;
      for (let t = ex.prompt.length - 1; t < ids.length - 1; t++) {
        const row = Array.from(logits.subarray(t * V, (t + 1) * V));
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
        sum += lse - row[ids[t + 1]];
        count++;
      }
    }
    expect(r.valLoss).toBeCloseTo(sum / count, 4);
    // No validation set: no loss.
    const none = await pretrain(createCpuModel(config, initParams(config, 2)), task, { ...settings, steps: 2, validationExamples: 0 });
    expect(none.valLoss).toBeNull();
  });
});

describe('corpusExample(rng, split)', () => {
  // The same hashes as tests/unit/data.teacher.test.ts (computed on the code before the split parameter).
  const CORPUS: Record<Behavior, string> = { verbosity: 'ff5bef8da572beb5', confidence: 'cee5da0130940dd8', expertise: '33328aa0aaf4ad66', robustness: '602911a765d6ed7d' };
  const operands = (prompt: string) => {
    const m = /^(\d\d)\+(\d\d)/.exec(prompt)!;
    return [Number(m[1]), Number(m[2])] as const;
  };
  test.each(BEHAVIORS)('%s: the default and an explicit train split give the corpus as before (50,000 examples); other splits draw their operands', (behavior) => {
    const task = TASKS[behavior];
    for (const explicit of [false, true]) {
      const h = createHash('sha256');
      const rng = createRng(20260);
      for (let i = 0; i < 50_000; i++) {
        const ex = explicit ? task.corpusExample(rng, 'train') : task.corpusExample(rng);
        h.update(`${ex.prompt}|${ex.response}\n`);
      }
      expect(h.digest('hex').slice(0, 16)).toBe(CORPUS[behavior]);
    }
    const rng = createRng(1);
    for (const split of ['validation', 'test'] as const) {
      const seen = new Set<string>();
      for (let i = 0; i < 500; i++) {
        const ex = task.corpusExample(rng, split);
        const [a, b] = operands(ex.prompt);
        expect(splitOf(a, b)).toBe(split);
        seen.add(ex.prompt.slice(0, 5));
      }
      expect(seen.size).toBeGreaterThan(100);
    }
    expect(() => task.corpusExample(createRng(0), 'eval' as never)).toThrow(/unknown split "eval"/);
  });
});

test('pretrainMetadata: the command that reproduces the weights, the settings, the steps done and the evaluation', () => {
  const task = createTask('robustness', { rate: 0.01 });
  const config = configOf(task);
  const meta = pretrainMetadata({ task, corpusRate: 0.01, config, seed: 4, steps: 30, batchSize: 8, lr: 0.002, backend: 'cpu', stepsDone: 12, elapsedMs: 1234, validationLoss: 1.5, evaluation: { samples: 1 }, out: 'x.safetensors', createdAt: 'now' });
  expect(meta).toEqual({
    tokenizer: task.tokenizer.toJSON(),
    task: { behavior: 'robustness', description: task.description },
    step: 12,
    createdAt: 'now',
    pretrain: {
      command: 'npm run -s vspo -- pretrain --behavior robustness --seed 4 --steps 30 --batch 8 --lr 0.002 --d-model 16 --layers 1 --heads 2 --corpus-rate 0.01 --backend cpu --out x.safetensors',
      corpusRate: 0.01,
      seed: 4,
      steps: 30,
      stepsDone: 12,
      batchSize: 8,
      lr: 0.002,
      backend: 'cpu',
      wallTimeSeconds: 1.2,
      validationLoss: 1.5,
      evaluation: { samples: 1 },
    },
  });
  const plain = pretrainMetadata({ task: getTask('verbosity'), config, seed: 0, steps: 1, batchSize: 1, lr: 1, backend: 'webgpu', stepsDone: 1, elapsedMs: 0, validationLoss: null, evaluation: null, out: 'o' });
  expect((plain.pretrain as { command: string; corpusRate: unknown }).command).not.toMatch(/corpus-rate/);
  expect((plain.pretrain as { corpusRate: unknown }).corpusRate).toBeNull();
});

test('wilson95: textbook values, the edges, and the interval attached to sweep points', () => {
  const [lo, hi] = wilson95(5, 10);
  expect(lo).toBeCloseTo(0.2366, 4);
  expect(hi).toBeCloseTo(0.7634, 4);
  expect(wilson95(0, 10)[0]).toBe(0);
  expect(wilson95(0, 10)[1]).toBeCloseTo(0.2775, 4);
  expect(wilson95(10, 10)[1]).toBe(1);
  expect(wilson95(10, 10)[0]).toBeCloseTo(0.7225, 4);
  expect(wilson95(81, 263)[0]).toBeCloseTo(0.2553, 3); // 0.308, n 263
  expect(wilson95(0, 0)).toEqual([0, 1]);
  const [p] = withBehaviorCI([{ alpha: 1, split: 'validation', n: 12, accuracy: 0.5, behavior: 0.5, counted: 10, rewarded: 0.25, samples: [] }]);
  expect(p.behaviorCI).toEqual(wilson95(5, 10));
});
