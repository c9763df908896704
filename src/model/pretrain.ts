// Supervised pretraining of a base model on a task's corpus (DESIGN §5): the behavior is rare there,
// terse answers are sloppy, so the base model is middling in accuracy and rarely shows the behavior.
// Also used for teacher-trace distillation: it only needs (prompt, response) texts.
//
// One loop serves `vspo pretrain` and the worker's Pretrain view (src/worker/lab.ts), bit for bit: the hooks
// (beforeStep, exclusive, evalEvery/onEval) only decide when work runs and what is reported, never what a
// step computes, so the same seed and settings give the same weights with or without them.
// pretrainMetadata is the one description of a pretrained checkpoint both write.
import type { BehaviorTask } from '../data/types';
import { createRng } from '../util/rng';
import type { GPTConfig } from './config';
import type { AdamWSettings, LanguageModel, TokenBatch } from './types';

export interface SupervisedBatch {
  batch: TokenBatch;
  targets: Int32Array; // [B, T]: next token at positions that output a response token, else -1
}

/**
 * Rows are prompt + response + stop, padded with the stop token to T = promptLength + maxResponseLength.
 * Only the response is learned (the prompt's random digits cannot be predicted).
 */
export function supervisedBatch(task: BehaviorTask, examples: { prompt: string; response: string }[]): SupervisedBatch {
  const T = task.promptLength + task.maxResponseLength;
  const B = examples.length;
  const stop = task.tokenizer.stopToken;
  const tokens = new Int32Array(B * T).fill(stop);
  const targets = new Int32Array(B * T).fill(-1);
  examples.forEach((ex, b) => {
    const ids = task.tokenizer.encode(ex.prompt + ex.response);
    ids.push(stop);
    if (ids.length > T) throw new Error(`example "${ex.prompt}${ex.response}" is longer than ${T} tokens`);
    tokens.set(ids, b * T);
    for (let t = ex.prompt.length - 1; t < ids.length - 1; t++) targets[b * T + t] = ids[t + 1];
  });
  return { batch: { tokens, B, T }, targets };
}

export interface PretrainOptions {
  steps: number;
  batchSize: number;
  seed: number;
  lr: number; // peak; linear warmup then cosine decay to lr/10
  warmup: number;
  weightDecay: number;
  onProgress?: (p: { step: number; loss: number; lr: number; elapsedMs: number }) => void;
  progressEvery?: number;
  /**
   * Awaited before every step with the number of steps done so far; returning false stops there (the weights
   * trained so far stay, and the run ends as after its last step). The worker pauses, yields to its message
   * queue and stops here.
   */
  beforeStep?: (stepsDone: number) => boolean | Promise<boolean>;
  /** Runs each step's device work (the train step, the validation loss): the worker passes its device lock. */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
  /** Validation loss and onEval every this many steps (and always after the last step done); 0/absent: only at the end. */
  evalEvery?: number;
  /** Awaited at each evaluation point with the steps done and the validation loss (null with no validation set). */
  onEval?: (stepsDone: number, valLoss: number | null) => void | Promise<void>;
  /** Size of the fixed validation set (default VALIDATION_LOSS_EXAMPLES; 0: no validation loss). */
  validationExamples?: number;
}

export const defaultPretrain: Omit<PretrainOptions, 'seed'> = { steps: 3000, batchSize: 64, lr: 2e-3, warmup: 100, weightDecay: 0.01 };

/** Corpus-style examples on VALIDATION operands the validation loss is the mean cross-entropy over. */
export const VALIDATION_LOSS_EXAMPLES = 256;
/** Their draw is fixed (not the training seed), so every run of a task is measured on the same examples. */
export const VALIDATION_LOSS_SEED = 0x7a11d;

/** The evaluation every pretraining reports, at the end and at each evalEvery point (evaluatePolicy's options). */
export const PRETRAIN_EVALUATION = Object.freeze({ split: 'validation' as const, samples: 256, seed: 12345 });

export function learningRate(step: number, o: Pick<PretrainOptions, 'steps' | 'lr' | 'warmup'>): number {
  if (step < o.warmup) return (o.lr * (step + 1)) / o.warmup;
  const p = (step - o.warmup) / Math.max(1, o.steps - o.warmup);
  return o.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, p))));
}

/** The fixed validation set: n corpus examples (the task's own corpus rates) whose operands are validation ones. */
export function validationExamples(task: BehaviorTask, n = VALIDATION_LOSS_EXAMPLES): { prompt: string; response: string }[] {
  const rng = createRng(VALIDATION_LOSS_SEED);
  return Array.from({ length: n }, () => task.corpusExample(rng, 'validation'));
}

/**
 * Mean cross-entropy (nats per response token, the quantity trainStep minimises) of the model on examples,
 * in forward passes of at most `chunk` rows; nothing is trained (no backward, no optimizer step).
 */
export async function validationLoss(model: LanguageModel, task: BehaviorTask, examples: { prompt: string; response: string }[], chunk = 64): Promise<number> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < examples.length; i += chunk) {
    const { batch, targets } = supervisedBatch(task, examples.slice(i, i + chunk));
    const { logprobs } = await model.logprobs(batch, targets);
    for (let j = 0; j < targets.length; j++) {
      if (targets[j] < 0) continue;
      sum -= logprobs[j];
      count++;
    }
  }
  return count > 0 ? sum / count : NaN;
}

export interface PretrainResult {
  /** The running loss at each progress report. */
  losses: number[];
  elapsedMs: number;
  /** Steps taken: o.steps, or fewer when beforeStep stopped the run. */
  stepsDone: number;
  stopped: boolean;
  /** Validation loss after the last step done (null with validationExamples 0). */
  valLoss: number | null;
}

/**
 * Trains in place; returns the loss curve (one value per progress report) and the final validation loss.
 * Throws on a non-finite loss (the parameters are those before that step).
 */
export async function pretrain(model: LanguageModel, task: BehaviorTask, o: PretrainOptions): Promise<PretrainResult> {
  const rng = createRng(o.seed);
  const every = o.progressEvery ?? 50;
  const exclusive = o.exclusive ?? (<T>(work: () => Promise<T>) => work());
  const nVal = o.validationExamples ?? VALIDATION_LOSS_EXAMPLES;
  const valSet = nVal > 0 ? validationExamples(task, nVal) : null;
  const losses: number[] = [];
  const t0 = performance.now();
  let running = 0;
  let reported = 0;
  let lastLr = 0;
  let valLoss: number | null = null;
  let evaluatedAt = -1;
  const evaluate = async (stepsDone: number) => {
    valLoss = valSet ? await exclusive(() => validationLoss(model, task, valSet, o.batchSize)) : null;
    evaluatedAt = stepsDone;
    await o.onEval?.(stepsDone, valLoss);
  };
  let stepsDone = 0;
  let stopped = false;
  for (let step = 0; step < o.steps; step++) {
    if (o.beforeStep && (await o.beforeStep(step)) === false) {
      stopped = true;
      break;
    }
    const examples = Array.from({ length: o.batchSize }, () => task.corpusExample(rng));
    const { batch, targets } = supervisedBatch(task, examples);
    const opt: AdamWSettings = { lr: learningRate(step, o), beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: o.weightDecay, clipNorm: 1 };
    const r = await exclusive(() => model.trainStep(batch, targets, opt));
    if (!Number.isFinite(r.loss)) throw new Error(`non-finite loss ${r.loss} at step ${step}; the parameters were not updated`);
    running = step === 0 ? r.loss : 0.95 * running + 0.05 * r.loss;
    lastLr = opt.lr;
    stepsDone = step + 1;
    if ((step + 1) % every === 0 || step === o.steps - 1) {
      losses.push(running);
      reported = stepsDone;
      o.onProgress?.({ step: step + 1, loss: running, lr: opt.lr, elapsedMs: performance.now() - t0 });
    }
    if (o.evalEvery && o.evalEvery > 0 && stepsDone % o.evalEvery === 0 && stepsDone < o.steps) await evaluate(stepsDone);
  }
  // A stopped run reports where it stopped.
  if (stopped && stepsDone > 0 && reported !== stepsDone) {
    losses.push(running);
    o.onProgress?.({ step: stepsDone, loss: running, lr: lastLr, elapsedMs: performance.now() - t0 });
  }
  const elapsedMs = performance.now() - t0;
  if (evaluatedAt !== stepsDone) await evaluate(stepsDone);
  return { losses, elapsedMs, stepsDone, stopped, valLoss };
}

/** What a pretraining was (the settings that reproduce it) and what it measured. */
export interface PretrainRecord {
  task: BehaviorTask;
  /** The corpus rate the user set (createTask), or undefined for the behavior's own constant. */
  corpusRate?: number;
  config: GPTConfig;
  seed: number;
  steps: number;
  batchSize: number;
  lr: number;
  backend: string;
  stepsDone: number;
  elapsedMs: number;
  validationLoss: number | null;
  /** evaluatePolicy(model, task, PRETRAIN_EVALUATION) after the last step (kept as plain data here: src/steering is below this layer). */
  evaluation: unknown;
  /** The output path of the equivalent command. */
  out: string;
  createdAt?: string;
}

/** The `vspo pretrain` command line that reproduces these weights. */
export function pretrainCommand(r: Omit<PretrainRecord, 'task' | 'stepsDone' | 'elapsedMs' | 'validationLoss' | 'evaluation'> & { behavior: string }): string {
  const { config, corpusRate } = r;
  return (
    `npm run -s vspo -- pretrain --behavior ${r.behavior} --seed ${r.seed} --steps ${r.steps} --batch ${r.batchSize} --lr ${r.lr} ` +
    `--d-model ${config.dModel} --layers ${config.nLayers} --heads ${config.nHeads}${corpusRate === undefined ? '' : ` --corpus-rate ${corpusRate}`} --backend ${r.backend} --out ${r.out}`
  );
}

/**
 * The checkpoint metadata of a pretrained model, for `vspo pretrain` and the worker alike: tokenizer, task,
 * step (the steps done), createdAt, and `pretrain` (command, corpusRate, seed, steps, stepsDone, batchSize,
 * lr, backend, wallTimeSeconds, validationLoss, evaluation). A stopped run has stepsDone < steps; its
 * command is the one it was started with.
 */
export function pretrainMetadata(r: PretrainRecord): Record<string, unknown> {
  const behavior = r.task.behavior;
  return {
    tokenizer: r.task.tokenizer.toJSON(),
    task: { behavior, description: r.task.description },
    step: r.stepsDone,
    createdAt: r.createdAt ?? new Date().toISOString(),
    pretrain: {
      command: pretrainCommand({ ...r, behavior }),
      corpusRate: r.corpusRate ?? null,
      seed: r.seed,
      steps: r.steps,
      stepsDone: r.stepsDone,
      batchSize: r.batchSize,
      lr: r.lr,
      backend: r.backend,
      wallTimeSeconds: Math.round(r.elapsedMs / 100) / 10,
      validationLoss: r.validationLoss,
      evaluation: r.evaluation,
    },
  };
}
