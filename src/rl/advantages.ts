// Group-relative advantages (DESIGN §4): A_i = (r_i − mean(r_group)) / (std(r_group) + ε), or r_i − mean
// without the std division (stdNormalize: false; Dr. GRPO also needs the 'constant' loss aggregation).
// std is the unbiased estimate by default, √(Σ(r − mean)² / (G − 1)) — torch's `.std()`, which TRL's GRPO
// trainer applies to each group — or the population std √(Σ(r − mean)² / G) on request.
// A group whose rewards are all equal carries no signal: its advantages are exactly 0, and it is counted.
import type { AdvantageStd } from './config';

export type { AdvantageStd };

export interface AdvantageOptions {
  stdNormalize: boolean;
  eps: number;
  /** The std estimator (default 'unbiased'). */
  std?: AdvantageStd;
}

export interface Advantages {
  advantages: Float32Array; // [B·G], group-major (group g holds indices g·G … g·G+G−1)
  zeroSpreadGroups: number;
  groups: number;
  /** Per group: mean and std of its rewards (std by the chosen estimator; 0 for a group of one). */
  means: Float64Array;
  stds: Float64Array;
}

export function groupAdvantages(rewards: ArrayLike<number>, G: number, o: AdvantageOptions): Advantages {
  if (!Number.isInteger(G) || G < 1) throw new Error(`group size must be a positive integer (got ${G})`);
  if (rewards.length % G !== 0) throw new Error(`${rewards.length} rewards do not split into groups of ${G}`);
  const estimator = o.std ?? 'unbiased';
  if (estimator !== 'unbiased' && estimator !== 'population') throw new Error(`unknown std estimator "${String(estimator)}"`);
  const groups = rewards.length / G;
  const advantages = new Float32Array(rewards.length);
  const means = new Float64Array(groups);
  const stds = new Float64Array(groups);
  let zeroSpreadGroups = 0;
  for (let g = 0; g < groups; g++) {
    let mean = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < G; i++) {
      const r = rewards[g * G + i];
      if (!Number.isFinite(r)) throw new Error(`reward ${r} at rollout ${g * G + i} is not finite`);
      mean += r;
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    mean /= G;
    let v = 0;
    for (let i = 0; i < G; i++) v += (rewards[g * G + i] - mean) ** 2;
    const dof = estimator === 'unbiased' ? G - 1 : G;
    const std = dof > 0 ? Math.sqrt(v / dof) : 0;
    means[g] = mean;
    stds[g] = std;
    if (hi === lo) {
      zeroSpreadGroups++;
      continue; // advantages stay exactly 0
    }
    const scale = o.stdNormalize ? 1 / (std + o.eps) : 1;
    for (let i = 0; i < G; i++) advantages[g * G + i] = (rewards[g * G + i] - mean) * scale;
  }
  return { advantages, zeroSpreadGroups, groups, means, stds };
}
