// Reading a sweep: where does VSPO stop helping, and which measured alignment figure tells in advance?
import type { Comparison } from './experiment';

export interface Crossover {
  /** Where mean VSPO iterations first reach mean GRPO's, coming down from x = 1 (log-ratio interpolation). */
  alignment: number;
  /** The alignment figures (medians over seeds: the typical direction) interpolated at that point. */
  tvAtMax: number;
  targetMassAtMax: number;
  tvMixture: number;
  targetMassMixture: number;
  cosine: number;
  bracket: [number, number];
}

export interface CrossoverReport {
  crossover: Crossover | null;
  /** Why there is no crossover in range, when there is none. */
  note?: string;
  /** Lowest x such that VSPO is significantly faster (p < LEVEL) at every swept x from the top down to it. */
  significantDownTo: number | null;
}

export function findCrossover(rows: Comparison[]): CrossoverReport {
  const desc = [...rows].sort((a, b) => b.alignment - a.alignment);
  let significantDownTo: number | null = null;
  for (const r of desc) {
    if (!r.test.vspoFaster) break;
    significantDownTo = r.alignment;
  }
  if (desc.length === 0) return { crossover: null, note: 'no rows', significantDownTo };
  if (desc[0].ratio >= 1) return { crossover: null, note: 'VSPO does not help even at the highest alignment swept', significantDownTo };
  for (let i = 1; i < desc.length; i++) {
    const hi = desc[i - 1];
    const lo = desc[i];
    if (lo.ratio < 1) continue;
    const a = Math.log(hi.ratio);
    const b = Math.log(lo.ratio);
    const f = b === a ? 0 : a / (a - b); // fraction of the way from hi to lo where log ratio = 0
    const lerp = (u: number, v: number) => u + f * (v - u);
    return {
      crossover: {
        alignment: lerp(hi.alignment, lo.alignment),
        tvAtMax: lerp(hi.figures.tvAtMax.median, lo.figures.tvAtMax.median),
        targetMassAtMax: lerp(hi.figures.targetMassAtMax.median, lo.figures.targetMassAtMax.median),
        tvMixture: lerp(hi.figures.tvMixture.median, lo.figures.tvMixture.median),
        targetMassMixture: lerp(hi.figures.targetMassMixture.median, lo.figures.targetMassMixture.median),
        cosine: lerp(hi.figures.cosine.median, lo.figures.cosine.median),
        bracket: [lo.alignment, hi.alignment],
      },
      significantDownTo,
    };
  }
  return { crossover: null, note: 'VSPO is faster on average at every alignment swept', significantDownTo };
}

type Feature = 'alignment' | 'cosine' | 'tvAtMax' | 'targetMassAtMax' | 'tvMixture' | 'targetMassMixture';

/** Larger is "more aligned" for these; smaller for the TV distances. */
const HIGHER_IS_ALIGNED: Record<Feature, boolean> = {
  alignment: true,
  cosine: true,
  tvAtMax: false,
  targetMassAtMax: true,
  tvMixture: false,
  targetMassMixture: true,
};

export interface FeatureThreshold {
  /** Predict "this run of VSPO beats GRPO's mean" when the figure is on the aligned side of this value. */
  threshold: number | null;
  /** Runs the rule gets wrong (of `runs`). */
  misclassified: number;
}

export interface MeasuredThresholds {
  /** A VSPO run counts as faster when its iterations are below GRPO's mean at the same settings. */
  runs: number;
  fasterRuns: number;
  features: Record<Feature, FeatureThreshold>;
  /** The targetMassMixture threshold over the unsteered base rate: how much steering must lift sampling. */
  liftOverBaseRate: number | null;
}

/**
 * Per run (seed × alignment), one threshold per figure chosen to misclassify the fewest runs
 * (threshold halfway between neighbouring values). Comparing the misclassification counts says which
 * figure predicts the outcome best: the knob x mixes in a random direction whose effect varies by seed,
 * the measured figures see what that direction actually does.
 */
export function measuredThresholds(rows: Comparison[], baseRate: number): MeasuredThresholds {
  const runs = rows.flatMap((r) =>
    r.vspo.iterations.map((it, k) => ({ faster: it < r.grpo.mean, alignment: r.alignment, ...r.figures.perSeed[k] })),
  );
  const features = {} as Record<Feature, FeatureThreshold>;
  for (const f of Object.keys(HIGHER_IS_ALIGNED) as Feature[]) {
    const sign = HIGHER_IS_ALIGNED[f] ? 1 : -1;
    const pts = runs.map((r) => ({ v: sign * r[f], faster: r.faster })).sort((a, b) => a.v - b.v);
    // Threshold below index i: runs i.. predicted faster. Start with all predicted faster.
    let errors = pts.filter((p) => !p.faster).length;
    let best = { errors, i: 0 };
    for (let i = 1; i <= pts.length; i++) {
      errors += pts[i - 1].faster ? 1 : -1;
      if (errors < best.errors && (i === pts.length || pts[i].v !== pts[i - 1].v)) best = { errors, i };
    }
    const t = best.i === 0 || best.i === pts.length ? null : (sign * (pts[best.i - 1].v + pts[best.i].v)) / 2;
    features[f] = { threshold: t, misclassified: best.errors };
  }
  const m = features.targetMassMixture.threshold;
  return { runs: runs.length, fasterRuns: runs.filter((r) => r.faster).length, features, liftOverBaseRate: m === null ? null : m / baseRate };
}

export interface SweepSummary extends CrossoverReport {
  thresholds: MeasuredThresholds;
}
