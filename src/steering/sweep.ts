// Dose-response: behavior score and accuracy of steered samples over a grid of intensities, and the
// evaluation (greedy and sampled) the trainer and the CLI report. Held-out prompts only: sweeps default
// to the validation split (where doses are chosen), evaluations name theirs (results: test).
import { summarizeScores, type ScoreStats } from '../data/score';
import type { BehaviorTask, Problem, Score, Split } from '../data/types';
import type { LanguageModel } from '../model/types';
import { createRng } from '../util/rng';
import { sampleResponses } from './generate';
import { alignmentPoint, measureInternalization, type AlignmentPoint, type Internalization } from './internalization';
import type { SteeringVector, WindowMode } from './types';

export interface SweepPoint extends ScoreStats {
  alpha: number;
  split: Split;
  samples: string[]; // a few prompt → response texts
}

export interface SweepOptions {
  alphas: number[];
  samples: number; // prompts per intensity
  seed: number;
  temperature?: number; // default 1 (behavior rates are measured sampled, DESIGN §3)
  /** Held-out split (default validation: doses are chosen here; results are reported on test). */
  split?: Split;
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

/** Scores of one set of responses (src/data/score.ts): accuracy over all, behavior over the counted ones. */
export interface ScoreSummary extends ScoreStats {
  responses: string[];
}

/** Samples and scores responses to `problems` at one intensity, in batches; `beforeBatch` may throw to stop between them. */
export async function scoreAt(model: LanguageModel, task: BehaviorTask, problems: Problem[], alpha: number, vector: SteeringVector | undefined, o: { temperature: number; seed: number; window?: WindowMode; batchSize?: number; onBatch?: (n: number) => void; beforeBatch?: () => void }): Promise<ScoreSummary> {
  const bs = o.batchSize ?? 64;
  const scores: Score[] = [];
  const responses: string[] = [];
  for (let i = 0; i < problems.length; i += bs) {
    o.beforeBatch?.();
    const chunk = problems.slice(i, i + bs);
    const s = await sampleResponses(model, task, chunk, {
      temperature: o.temperature,
      seed: o.seed + i,
      alphas: vector ? new Float32Array(chunk.length).fill(alpha) : undefined,
      vector,
      window: o.window,
    });
    s.responses.forEach((r, j) => {
      scores.push(task.score(chunk[j], r));
      responses.push(r);
    });
    o.onBatch?.(chunk.length);
  }
  return { ...summarizeScores(scores), responses };
}

export async function runSweep(model: LanguageModel, task: BehaviorTask, vector: SteeringVector, o: SweepOptions): Promise<SweepPoint[]> {
  const split = o.split ?? 'validation';
  const problems = task.problems(split, o.samples, createRng(o.seed));
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
    const { responses, ...stats } = s;
    points.push({ alpha, split, ...stats, samples: responses.slice(0, keep).map((r, i) => problems[i].prompt + r) });
  }
  return points;
}

export interface EvalResult {
  split: Split;
  /** The intensity evaluated at: 0 (unsteered) for every trained policy. */
  alpha: number;
  greedy: ScoreStats;
  sampled: ScoreStats; // T = 1 over the full vocabulary, whatever the rollouts used
  samples: number;
  /** With a vector: the unsteered model's projection on v̂ and decision log-odds (internalization.ts). */
  internalization?: Internalization;
  /** With alignmentGrid: per α, the steered/unsteered behavior ratio and the TV to the target. */
  alignment?: AlignmentPoint[];
}

/**
 * The evaluation every caller reports (trainer, CLI eval, pretraining, the worker): held-out prompts of
 * one split, scored greedy and sampled at T = 1; unsteered unless a vector and α ≠ 0 are given.
 */
export async function evaluatePolicy(
  model: LanguageModel,
  task: BehaviorTask,
  o: { split: Split; samples: number; seed: number; alpha?: number; vector?: SteeringVector; batchSize?: number; alignmentGrid?: number[] },
): Promise<EvalResult> {
  const problems = task.problems(o.split, o.samples, createRng(o.seed));
  const alpha = o.alpha ?? 0;
  const vector = alpha !== 0 ? o.vector : undefined;
  const greedy = await scoreAt(model, task, problems, alpha, vector, { temperature: 0, seed: o.seed, batchSize: o.batchSize });
  const sampled = await scoreAt(model, task, problems, alpha, vector, { temperature: 1, seed: o.seed + 1, batchSize: o.batchSize });
  const strip = ({ responses: _r, ...stats }: ScoreSummary): ScoreStats => stats;
  const r: EvalResult = { split: o.split, alpha, greedy: strip(greedy), sampled: strip(sampled), samples: problems.length };
  // Measured on the unsteered model only (the question is what it has made its own).
  if (o.vector && alpha === 0) {
    r.internalization = await measureInternalization(model, task, o.vector, problems, greedy.responses);
    if (o.alignmentGrid) {
      r.alignment = [];
      for (const a of o.alignmentGrid.filter((x) => x !== 0)) {
        const s = await scoreAt(model, task, problems, a, o.vector, { temperature: 1, seed: o.seed + 1, batchSize: o.batchSize });
        r.alignment.push(alignmentPoint(a, s, sampled.behavior));
      }
    }
  }
  return r;
}
