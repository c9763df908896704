// What a training step reports (one line of a run's history) and how a step's rollouts are summarised.
// Shapes: a step has B prompts × G group slots; rollouts are the sampled slots, teacher traces the rest.
import { summarizeScores, type ScoreStats } from '../data/score';
import type { Split } from '../data/types';
import type { AlignmentPoint, Internalization } from '../steering/internalization';
import type { Method } from './config';
import { intensityKey } from './intensities';
import type { Seq } from './rollout';

/** Accuracy over all prompts, behavior over the counted ones, and the rate the reward pays (src/data/score.ts). */
export type EvalScores = ScoreStats;

export interface EvalMetrics {
  step: number;
  /** 0 for every trained method (unsteered); the fixed α for `steer`. */
  alpha: number;
  /** The held-out split evaluated (config.evalSplit). */
  split: Split;
  greedy: EvalScores;
  /** Sampled at T = 1 over the full vocabulary, whatever the rollouts' temperature. */
  sampled: EvalScores;
  samples: number;
  ms: number;
  /** The unsteered model's projection on v̂ and decision log-odds, when the run has a vector (src/steering/internalization.ts). */
  internalization?: Internalization;
  /** With evalAlignment: per α of the grid, steered/unsteered behavior ratio and TV to the target. */
  alignment?: AlignmentPoint[];
}

export interface IntensityMetrics {
  alpha: number;
  n: number;
  reward: number;
  accuracy: number;
  behavior: number; // mean behavior score over the counted rollouts
  behaviorRate: number; // fraction of the counted rollouts with behavior score ≥ 0.5
}

export interface PhaseMs {
  rollout: number;
  score: number;
  reference: number;
  update: number;
  eval: number;
  total: number;
}

/** One line of a run's history. Step 0 is the evaluation before training (rollout fields null). */
export interface StepMetrics {
  step: number;
  method: Method;
  rewardMean: number | null;
  rewardStd: number | null;
  accuracy: number | null; // mean accuracy of the rollouts (teacher traces excluded)
  behavior: number | null; // mean behavior score of the counted rollouts
  behaviorReward: number | null; // mean behavior reward of the rollouts
  behaviorRate: number | null; // fraction of counted rollouts with behavior score ≥ 0.5
  perIntensity: IntensityMetrics[];
  zeroSpreadFraction: number | null;
  loss: number | null;
  kl: number | null; // token mean of k3 to the reference (null when β = 0)
  clipFraction: number | null;
  entropy: number | null; // token mean of the unsteered policy's entropy over response positions (nats)
  gradNorm: number | null;
  lr: number | null;
  /** Intensity scale of the shrink schedule at this step (1 without a schedule). */
  intensityScale: number | null;
  responseLength: number | null; // mean response tokens (incl. the stop token)
  // What the step cost, so methods are compared at the same budget:
  prompts: number; // distinct train prompts
  rollouts: number; // sequences sampled from the policy
  teacherTraces: number; // teacher traces trained on
  updateTokens: number; // response tokens the update trained on
  rolloutTokens: number; // positions sampled this step (sequences × max new tokens)
  rolloutTokensPerSec: number | null;
  ms: PhaseMs;
  eval?: EvalMetrics;
  /** Set when the run stopped at this step (non-finite loss or gradient); the parameters are the step's starting ones. */
  halted?: string;
}

/** A rollout as the UI lists it. */
export interface RolloutSample {
  group: number;
  prompt: string;
  response: string;
  alpha: number;
  teacher: boolean;
  reward: number;
  advantage: number;
  accuracy: number;
  behavior: number;
  markers: [number, number][];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** A step's record before anything is measured (step 0 is the evaluation before training). */
export function emptyMetrics(step: number, method: Method): StepMetrics {
  return {
    step,
    method,
    rewardMean: null,
    rewardStd: null,
    accuracy: null,
    behavior: null,
    behaviorReward: null,
    behaviorRate: null,
    perIntensity: [],
    zeroSpreadFraction: null,
    loss: null,
    kl: null,
    clipFraction: null,
    entropy: null,
    gradNorm: null,
    lr: null,
    intensityScale: null,
    responseLength: null,
    prompts: 0,
    rollouts: 0,
    teacherTraces: 0,
    updateTokens: 0,
    rolloutTokens: 0,
    rolloutTokensPerSec: null,
    ms: { rollout: 0, score: 0, reference: 0, update: 0, eval: 0, total: 0 },
  };
}

/** Reward, accuracy and behavior of the sampled rollouts, overall and per intensity (teacher traces excluded). */
export function rolloutStats(m: StepMetrics, seqs: Seq[], intensityBins: 'grid' | 'uniform') {
  const sampled = seqs.filter((q) => !q.teacher);
  const rs = sampled.map((q) => q.reward!);
  const counted = (qs: Seq[]) => qs.filter((q) => q.score!.counted);
  const rate = (qs: Seq[]) => mean(counted(qs).map((q) => (q.score!.behavior >= 0.5 ? 1 : 0)));
  const stats = summarizeScores(sampled.map((q) => q.score!));
  m.rewardMean = mean(rs);
  m.rewardStd = Math.sqrt(mean(rs.map((r) => (r - m.rewardMean!) ** 2)));
  m.accuracy = stats.accuracy;
  m.behavior = stats.counted > 0 ? stats.behavior : null;
  m.behaviorReward = mean(sampled.map((q) => q.score!.behaviorReward));
  m.behaviorRate = stats.counted > 0 ? rate(sampled) : null;
  m.responseLength = mean(sampled.map((q) => q.length));
  const byAlpha = new Map<number, Seq[]>();
  for (const q of sampled) {
    const k = intensityKey(q.alpha, intensityBins);
    if (!byAlpha.has(k)) byAlpha.set(k, []);
    byAlpha.get(k)!.push(q);
  }
  m.perIntensity = [...byAlpha.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([alpha, qs]) => {
      const st = summarizeScores(qs.map((q) => q.score!));
      return { alpha, n: qs.length, reward: mean(qs.map((q) => q.reward!)), accuracy: st.accuracy, behavior: st.behavior, behaviorRate: st.counted > 0 ? rate(qs) : 0 };
    });
}

/** The first `keep` rows of the update batch as the UI lists them. */
export function rolloutSamples(seqs: Seq[], advantages: Float32Array, keep: number): RolloutSample[] {
  return seqs.slice(0, keep).map((q, i) => ({
    group: q.group,
    prompt: q.problem.prompt,
    response: q.response,
    alpha: q.alpha,
    teacher: q.teacher,
    reward: q.reward!,
    advantage: advantages[i],
    accuracy: q.score!.accuracy,
    behavior: q.score!.behavior,
    markers: q.score!.markers,
  }));
}
