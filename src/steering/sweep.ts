// Dose-response: behavior score and accuracy of steered samples over a grid of intensities, and the
// unsteered evaluation (greedy and sampled) the trainer and the CLI report. Held-out prompts only.
import type { BehaviorTask, Problem } from '../data/types';
import type { LanguageModel } from '../model/types';
import { createRng } from '../util/rng';
import { sampleResponses } from './generate';
import type { SteeringVector, WindowMode } from './types';

export interface SweepPoint {
  alpha: number;
  behavior: number; // mean behavior score
  accuracy: number; // mean accuracy
  samples: string[]; // a few prompt → response texts
}

export interface SweepOptions {
  alphas: number[];
  samples: number; // prompts per intensity
  seed: number;
  temperature?: number; // default 1 (behavior rates are measured sampled, DESIGN §3)
  window?: WindowMode;
  batchSize?: number; // sequences per generate call (default 64)
  keepSamples?: number; // texts kept per point (default 4)
  onProgress?: (done: number, total: number) => void;
  /** Checked before every batch: when it returns true the sweep rejects with a CancelledError. */
  shouldStop?: () => boolean;
}

/** A call stopped on request; callers tell it from a failure by its name (it survives comlink). */
export class CancelledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CancelledError';
  }
}

export interface ScoreSummary {
  behavior: number;
  accuracy: number;
  responses: string[];
}

/** Samples and scores responses to `problems` at one intensity, in batches; `beforeBatch` may throw to stop between them. */
export async function scoreAt(model: LanguageModel, task: BehaviorTask, problems: Problem[], alpha: number, vector: SteeringVector | undefined, o: { temperature: number; seed: number; window?: WindowMode; batchSize?: number; onBatch?: (n: number) => void; beforeBatch?: () => void }): Promise<ScoreSummary> {
  const bs = o.batchSize ?? 64;
  let behavior = 0;
  let accuracy = 0;
  const responses: string[] = [];
  for (let i = 0; i < problems.length; i += bs) {
    o.beforeBatch?.();
    const chunk = problems.slice(i, i + bs);
    const s = await sampleResponses(model, task, chunk, {
      temperature: o.temperature,
      seed: o.seed + i,
      alphas: new Float32Array(chunk.length).fill(alpha),
      vector,
      window: o.window,
    });
    s.responses.forEach((r, j) => {
      const sc = task.score(chunk[j], r);
      behavior += sc.behavior;
      accuracy += sc.accuracy;
      responses.push(r);
    });
    o.onBatch?.(chunk.length);
  }
  const n = Math.max(problems.length, 1);
  return { behavior: behavior / n, accuracy: accuracy / n, responses };
}

export async function runSweep(model: LanguageModel, task: BehaviorTask, vector: SteeringVector, o: SweepOptions): Promise<SweepPoint[]> {
  const problems = task.problems('eval', o.samples, createRng(o.seed));
  const total = o.alphas.length * problems.length;
  let done = 0;
  const points: SweepPoint[] = [];
  // Partial points are dropped: a cancelled sweep rejects rather than pass for a shorter grid.
  const stop = () => {
    if (o.shouldStop?.()) throw new CancelledError(`sweep cancelled after ${points.length} of ${o.alphas.length} intensities`);
  };
  for (const alpha of o.alphas) {
    const s = await scoreAt(model, task, problems, alpha, vector, {
      temperature: o.temperature ?? 1,
      seed: o.seed * 7919 + 17,
      window: o.window,
      batchSize: o.batchSize,
      onBatch: (n) => o.onProgress?.((done += n), total),
      beforeBatch: stop,
    });
    const keep = o.keepSamples ?? 4;
    points.push({ alpha, behavior: s.behavior, accuracy: s.accuracy, samples: s.responses.slice(0, keep).map((r, i) => problems[i].prompt + r) });
  }
  return points;
}

export interface EvalResult {
  greedy: { accuracy: number; behavior: number };
  sampled: { accuracy: number; behavior: number };
  samples: number;
}

/** Unsteered evaluation on the held-out split: greedy and sampled (T = 1). */
export async function evaluateUnsteered(model: LanguageModel, task: BehaviorTask, o: { samples: number; seed: number; batchSize?: number }): Promise<EvalResult> {
  const problems = task.problems('eval', o.samples, createRng(o.seed));
  const greedy = await scoreAt(model, task, problems, 0, undefined, { temperature: 0, seed: o.seed, batchSize: o.batchSize });
  const sampled = await scoreAt(model, task, problems, 0, undefined, { temperature: 1, seed: o.seed + 1, batchSize: o.batchSize });
  return {
    greedy: { accuracy: greedy.accuracy, behavior: greedy.behavior },
    sampled: { accuracy: sampled.accuracy, behavior: sampled.behavior },
    samples: problems.length,
  };
}
