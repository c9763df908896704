// Experiments over seeds: iterations-to-τ for VSPO and GRPO at one alignment, a sweep over alignment,
// and the crossover where VSPO stops helping. Pure functions with progress callbacks, so the CLI and a
// UI worker drive the same code.
import { createRng } from '../util/rng';
import { measureAlignment } from './alignment';
import { softmax } from './math';
import type { BanditSettings } from './config';
import { createBandit, type BanditModel } from './model';
import { createSimulator, runToThreshold, type Method, type StepInfo, type ThresholdResult } from './simulator';
import { mannWhitneyLess, mean, median, std, type MannWhitney } from './stats';
import { findCrossover, measuredThresholds, type SweepSummary } from './crossover';
import { makeSteering, type Steering } from './steering';

/** Significance level of the one-sided test "VSPO needs fewer iterations than GRPO". */
export const LEVEL = 0.01;

export interface Progress {
  done: number;
  total: number;
  label: string;
}
export type OnProgress = (p: Progress) => void;

export const modelOf = (s: BanditSettings): BanditModel => createBandit(s);

/**
 * Seed k's streams: the random part of the steering direction, then the VSPO and GRPO sampling seeds.
 * The direction depends on the seed only, so one seed's curve over alignment is smooth in x.
 */
function seedStreams(s: BanditSettings, k: number) {
  const base = createRng(s.seed + k);
  const direction = base.fork();
  const vspo = Math.floor(base.next() * 2 ** 32);
  const grpo = Math.floor(base.next() * 2 ** 32);
  return { direction, vspo, grpo };
}

export function steeringFor(s: BanditSettings, model: BanditModel, k: number, alignment = s.alignment): Steering {
  return makeSteering(model, alignment, s.strength, seedStreams(s, k).direction);
}

export function runOne(s: BanditSettings, method: Method, k: number, alignment = s.alignment, onStep?: (i: StepInfo) => void): ThresholdResult {
  const model = modelOf(s);
  const streams = seedStreams(s, k);
  const steer = makeSteering(model, alignment, s.strength, streams.direction);
  const sim = createSimulator(model, steer.s, { ...s, method }, method === 'vspo' ? streams.vspo : streams.grpo);
  return runToThreshold(sim, s.tau, s.maxIterations, onStep);
}

/** Per-iteration arm masses of one run (every `every` steps, plus the first and last): for charts. */
export function traceMasses(s: BanditSettings, method: Method, k = 0, every = 1): { iteration: number; probs: number[] }[] {
  const model = modelOf(s);
  const out = [{ iteration: 0, probs: softmax(model.theta0) }];
  let last: StepInfo | undefined;
  runOne(s, method, k, s.alignment, (info) => {
    last = info;
    if (info.iteration % every === 0) out.push({ iteration: info.iteration, probs: info.probs });
  });
  if (last && out[out.length - 1].iteration !== last.iteration) out.push({ iteration: last.iteration, probs: last.probs });
  return out;
}

export interface MethodSummary {
  iterations: number[];
  /** Runs that never reached τ (counted at the cap, so the mean is then a lower bound). */
  censored: number;
  mean: number;
  std: number;
  median: number;
}

export function summarise(runs: ThresholdResult[]): MethodSummary {
  const it = runs.map((r) => r.iterations);
  return { iterations: it, censored: runs.filter((r) => r.censored).length, mean: mean(it), std: std(it), median: median(it) };
}

/** Over seeds. The median matters: with a random component the figures spread over orders of magnitude. */
export interface Stat {
  mean: number;
  std: number;
  median: number;
}
const stat = (x: number[]): Stat => ({ mean: mean(x), std: std(x), median: median(x) });

export interface AlignmentSummary {
  /** cos(s, ideal direction), over seeds (the random part differs by seed). */
  cosine: Stat;
  /** Headline figures at the grid's largest α, at θ0. */
  tvAtMax: Stat;
  targetMassAtMax: Stat;
  /** Of the round-robin slot mixture, at θ0. */
  tvMixture: Stat;
  targetMassMixture: Stat;
  perIntensity: { alpha: number; tv: number; targetMass: number }[];
  /** The same figures for each seed's direction (index k = seed k), to relate them to that seed's run. */
  perSeed: { cosine: number; tvAtMax: number; targetMassAtMax: number; tvMixture: number; targetMassMixture: number }[];
}

export function alignmentFigures(s: BanditSettings, alignment = s.alignment): AlignmentSummary {
  const model = modelOf(s);
  const reports = Array.from({ length: s.seeds }, (_, k) => {
    const st = steeringFor(s, model, k, alignment);
    return { cosine: st.cosine, ...measureAlignment(model, model.theta0, st.s, s.grid, s.group) };
  });
  return {
    cosine: stat(reports.map((r) => r.cosine)),
    tvAtMax: stat(reports.map((r) => r.atMax.tv)),
    targetMassAtMax: stat(reports.map((r) => r.atMax.targetMass)),
    tvMixture: stat(reports.map((r) => r.mixture.tv)),
    targetMassMixture: stat(reports.map((r) => r.mixture.targetMass)),
    perSeed: reports.map((r) => ({
      cosine: r.cosine,
      tvAtMax: r.atMax.tv,
      targetMassAtMax: r.atMax.targetMass,
      tvMixture: r.mixture.tv,
      targetMassMixture: r.mixture.targetMass,
    })),
    perIntensity: s.grid.map((alpha, j) => ({
      alpha,
      tv: mean(reports.map((r) => r.perIntensity[j].tv)),
      targetMass: mean(reports.map((r) => r.perIntensity[j].targetMass)),
    })),
  };
}

export interface Comparison {
  alignment: number;
  figures: AlignmentSummary;
  vspo: MethodSummary;
  grpo: MethodSummary;
  /** mean VSPO / mean GRPO iterations: < 1 means VSPO is faster. */
  ratio: number;
  test: MannWhitney & { level: number; vspoFaster: boolean; note?: string };
}

/** GRPO does not depend on alignment: run it once per seed and reuse it across a sweep. */
export function runGrpo(s: BanditSettings, onProgress?: OnProgress): MethodSummary {
  const runs = Array.from({ length: s.seeds }, (_, k) => {
    onProgress?.({ done: k, total: s.seeds, label: `grpo seed ${k + 1}/${s.seeds}` });
    return runOne(s, 'grpo', k);
  });
  return summarise(runs);
}

export function compare(s: BanditSettings, alignment = s.alignment, grpo?: MethodSummary, onProgress?: OnProgress): Comparison {
  const g = grpo ?? runGrpo(s, onProgress);
  const runs = Array.from({ length: s.seeds }, (_, k) => {
    onProgress?.({ done: k, total: s.seeds, label: `vspo x=${alignment} seed ${k + 1}/${s.seeds}` });
    return runOne(s, 'vspo', k, alignment);
  });
  const v = summarise(runs);
  const t = mannWhitneyLess(v.iterations, g.iterations);
  const note = s.seeds < 10 ? 'fewer than 10 seeds per method: the normal approximation to U is rough' : undefined;
  const test = { ...t, level: LEVEL, vspoFaster: t.p < LEVEL, ...(note ? { note } : {}) };
  return { alignment, figures: alignmentFigures(s, alignment), vspo: v, grpo: g, ratio: v.mean / g.mean, test };
}

export function sweep(s: BanditSettings, alignments: number[], onProgress?: OnProgress): { rows: Comparison[]; summary: SweepSummary } {
  const total = alignments.length + 1;
  onProgress?.({ done: 0, total, label: 'grpo (once: it does not depend on alignment)' });
  const grpo = runGrpo(s);
  const rows = alignments.map((x, i) => {
    onProgress?.({ done: i + 1, total, label: `vspo at alignment ${x}` });
    return compare(s, x, grpo);
  });
  onProgress?.({ done: total, total, label: 'done' });
  return { rows, summary: { ...findCrossover(rows), thresholds: measuredThresholds(rows, s.baseRate) } };
}

/** −1, −0.9, …, 1 (rounded so the values print cleanly). */
export const DEFAULT_ALIGNMENTS = Array.from({ length: 21 }, (_, i) => Math.round((i / 10 - 1) * 10) / 10);
