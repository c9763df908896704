// The Pretrain view's pure half: the form (text as typed) → a PretrainRequest with every problem named by
// its field, the model's size and memory, and the progress stream → chart rows. The worker validates the
// request again (pretrainRequestError in src/worker/lab.ts) and its one-line error is shown as is.
import { CONFIDENCE_TAG_RATE } from '../../data/behaviors/confidence';
import { EXPERT_RATE } from '../../data/behaviors/expertise';
import { ROBUST_RATE } from '../../data/behaviors/robustness';
import { VERBOSE_RATE } from '../../data/behaviors/verbosity';
import { getTask } from '../../data/tasks';
import type { Behavior } from '../../data/types';
import { BYTES_PER_PARAM, configError, MAX_PARAMS, paramCount, type GPTConfig } from '../../model/config';
import type { PretrainProgress, PretrainRequest } from '../../worker/api';

/** How often each behavior's corpus shows it (the named constants; robustness: of the hinted prompts). */
export const CORPUS_RATES: Record<Behavior, number> = {
  verbosity: VERBOSE_RATE,
  confidence: CONFIDENCE_TAG_RATE,
  expertise: EXPERT_RATE,
  robustness: ROBUST_RATE,
};

export const PRETRAIN_FIELDS = ['corpusRate', 'dModel', 'nLayers', 'nHeads', 'seed', 'steps', 'batch', 'lr', 'evalEvery'] as const;
export type PretrainField = (typeof PRETRAIN_FIELDS)[number];
export type PretrainDraft = Record<PretrainField, string>;

/** The shipped models' recipe (README): d = 64, 3 layers, 4 heads, 1,500 steps × 64, lr 2e-3 (the CLI's default). */
export const PRETRAIN_DEFAULTS: PretrainDraft = {
  corpusRate: '',
  dModel: '64',
  nLayers: '3',
  nHeads: '4',
  seed: '1',
  steps: '1500',
  batch: '64',
  lr: '0.002',
  evalEvery: '100',
};

export const PRETRAIN_LABELS: Record<PretrainField, string> = {
  corpusRate: 'Corpus rate',
  dModel: 'Width d',
  nLayers: 'Layers',
  nHeads: 'Heads',
  seed: 'Seed',
  steps: 'Steps',
  batch: 'Batch',
  lr: 'Learning rate',
  evalEvery: 'Eval every N',
};

export interface ParsedPretrain {
  request?: PretrainRequest;
  errors: Partial<Record<PretrainField, string>>;
  /** The model the fields describe, when its sizes parse (for the parameter count even while another field is wrong). */
  config?: GPTConfig;
}

const intOf = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN);

/** The model of a (d, layers, heads) for this behavior: the task's vocabulary and prompt + response context (as the worker builds it). */
export function pretrainModelConfig(behavior: Behavior, dModel: number, nLayers: number, nHeads: number): GPTConfig {
  const task = getTask(behavior);
  return { vocabSize: task.tokenizer.vocabSize, contextLength: task.promptLength + task.maxResponseLength, dModel, nLayers, nHeads };
}

/** Parses the form; an empty corpus rate means the behavior's own. */
export function parsePretrain(behavior: Behavior, d: PretrainDraft): ParsedPretrain {
  const errors: Partial<Record<PretrainField, string>> = {};
  const int = (k: PretrainField, lo: number, hi: number, what = `an integer in [${lo}, ${hi}]`) => {
    const v = intOf(d[k]);
    if (!Number.isInteger(v) || v < lo || v > hi) errors[k] = `must be ${what} (got "${d[k]}")`;
    return v;
  };
  const dModel = int('dModel', 1, 4096);
  const nLayers = int('nLayers', 1, 48);
  const nHeads = int('nHeads', 1, 64);
  const seed = int('seed', 0, 2 ** 32 - 1);
  const steps = int('steps', 1, 1_000_000);
  const batch = int('batch', 1, 4096);
  const evalEvery = int('evalEvery', 1, 1_000_000);
  const lr = Number(d.lr.trim());
  if (!d.lr.trim() || !Number.isFinite(lr) || lr <= 0 || lr > 1) errors.lr = `must be a number in (0, 1] (got "${d.lr}")`;
  let corpusRate: number | undefined;
  if (d.corpusRate.trim()) {
    const raw = d.corpusRate.trim();
    const pct = raw.endsWith('%');
    const v = Number(pct ? raw.slice(0, -1) : raw) / (pct ? 100 : 1);
    if (!Number.isFinite(v) || v < 0 || v > 1) errors.corpusRate = `must be a probability in [0, 1] or a percentage (got "${d.corpusRate}")`;
    else corpusRate = v;
  }
  let config: GPTConfig | undefined;
  if (!errors.dModel && !errors.nLayers && !errors.nHeads) {
    config = pretrainModelConfig(behavior, dModel, nLayers, nHeads);
    const bad = configError(config);
    if (bad) {
      // "dModel must be divisible by nHeads" goes on the heads (d is the size people pick first).
      const field = (/divisible/.test(bad) ? 'nHeads' : (/^config\.(\w+) /.exec(bad)?.[1] ?? 'dModel')) as PretrainField;
      errors[(PRETRAIN_FIELDS as readonly string[]).includes(field) ? field : 'dModel'] = bad.replace(/config\./g, '');
      // Too big: the count is still worth showing (it says why); heads not dividing d: there is no such model.
      if (paramCount(config) <= MAX_PARAMS) config = undefined;
    }
  }
  if (Object.keys(errors).length) return { errors, config };
  return {
    errors,
    config,
    request: { behavior, ...(corpusRate !== undefined ? { corpusRate } : {}), dModel, nLayers, nHeads, seed, steps, batch, lr, evalEvery },
  };
}

/**
 * What the model takes: f32 weights, and while training the gradients and both AdamW moments as well
 * (4 copies). Activations come on top (they grow with batch × context), so this is a floor.
 */
export function modelMemory(c: GPTConfig): { params: number; weightsBytes: number; trainingBytes: number } {
  const params = paramCount(c);
  return { params, weightsBytes: params * BYTES_PER_PARAM, trainingBytes: 4 * params * BYTES_PER_PARAM };
}

/** 153,000 → "153k"; 1,234,567 → "1.23M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (n < 1000) return String(n);
  if (n < 1e6) return `${Number((n / 1e3).toPrecision(3))}k`;
  if (n < 1e9) return `${Number((n / 1e6).toPrecision(3))}M`;
  return `${Number((n / 1e9).toPrecision(3))}B`;
}

/** One point of the pretraining's history: every step has the training loss; evaluation points add the rest. */
export interface PretrainPoint {
  step: number;
  loss: number;
  valLoss?: number;
  /** Greedy accuracy on the validation prompts. */
  greedyAccuracy?: number;
  /** Sampled (T = 1) behavior rate on the validation prompts: the base rate VSPO starts from. */
  sampledBehavior?: number;
}

/** Folds a progress report into the history (an evaluation report for a step already listed completes it). */
export function addProgress(history: PretrainPoint[], p: PretrainProgress): PretrainPoint[] {
  const point: PretrainPoint = { step: p.step, loss: p.loss };
  if (p.valLoss !== undefined) point.valLoss = p.valLoss;
  if (p.eval) {
    point.greedyAccuracy = p.eval.greedy.accuracy;
    point.sampledBehavior = p.eval.sampled.behavior;
  }
  const last = history[history.length - 1];
  if (last && last.step === p.step) return [...history.slice(0, -1), { ...last, ...point, loss: Number.isFinite(p.loss) ? p.loss : last.loss }];
  if (last && last.step > p.step) return history; // out of order: never draw a line backwards
  return [...history, point];
}

/** Most points of the training-loss line drawn (a long run is thinned evenly; evaluation points always stay). */
export const MAX_LOSS_POINTS = 600;

/** Chart rows: the loss chart (every step, validation loss at evaluation points) and the evaluation chart (evaluation points only). */
export function pretrainRows(history: PretrainPoint[]): { loss: { x: number; train: number | null; val: number | null }[]; evals: { x: number; accuracy: number; behavior: number }[] } {
  const every = Math.max(1, Math.ceil(history.length / MAX_LOSS_POINTS));
  const kept = every === 1 ? history : history.filter((h, i) => i % every === 0 || i === history.length - 1 || h.valLoss !== undefined || h.greedyAccuracy !== undefined);
  const loss = kept.map((h) => ({ x: h.step, train: Number.isFinite(h.loss) ? h.loss : null, val: h.valLoss ?? null }));
  const evals = history.filter((h) => h.greedyAccuracy !== undefined).map((h) => ({ x: h.step, accuracy: h.greedyAccuracy!, behavior: h.sampledBehavior ?? 0 }));
  return { loss, evals };
}
