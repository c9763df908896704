// Supervised pretraining of a base model on a task's corpus (DESIGN §5): the behavior is rare there,
// terse answers are sloppy, so the base model is middling in accuracy and rarely shows the behavior.
// Also used for teacher-trace distillation: it only needs (prompt, response) texts.
import type { BehaviorTask } from '../data/types';
import { createRng } from '../util/rng';
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
}

export const defaultPretrain: Omit<PretrainOptions, 'seed'> = { steps: 3000, batchSize: 64, lr: 2e-3, warmup: 100, weightDecay: 0.01 };

export function learningRate(step: number, o: Pick<PretrainOptions, 'steps' | 'lr' | 'warmup'>): number {
  if (step < o.warmup) return (o.lr * (step + 1)) / o.warmup;
  const p = (step - o.warmup) / Math.max(1, o.steps - o.warmup);
  return o.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, p))));
}

/** Trains in place; returns the loss curve (one value per progress report). Stops on a non-finite loss. */
export async function pretrain(model: LanguageModel, task: BehaviorTask, o: PretrainOptions): Promise<{ losses: number[]; elapsedMs: number }> {
  const rng = createRng(o.seed);
  const every = o.progressEvery ?? 50;
  const losses: number[] = [];
  const t0 = performance.now();
  let running = 0;
  for (let step = 0; step < o.steps; step++) {
    const examples = Array.from({ length: o.batchSize }, () => task.corpusExample(rng));
    const { batch, targets } = supervisedBatch(task, examples);
    const opt: AdamWSettings = { lr: learningRate(step, o), beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: o.weightDecay, clipNorm: 1 };
    const r = await model.trainStep(batch, targets, opt);
    if (!Number.isFinite(r.loss)) throw new Error(`non-finite loss ${r.loss} at step ${step}; the parameters were not updated`);
    running = step === 0 ? r.loss : 0.95 * running + 0.05 * r.loss;
    if ((step + 1) % every === 0 || step === o.steps - 1) {
      losses.push(running);
      o.onProgress?.({ step: step + 1, loss: running, lr: opt.lr, elapsedMs: performance.now() - t0 });
    }
  }
  return { losses, elapsedMs: performance.now() - t0 };
}
