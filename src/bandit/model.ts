// The paper's bandit abstraction: one prompt, K possible responses ("arms"), a policy π_θ = softmax(θ).
// Each arm is correct or not (r_acc) and shows the target behavior or not (r_beh). The target set is the
// arms that are both; it starts rare (total base rate p under θ0), which is the sparse-reward bottleneck.
import { softmax } from './math';

/** target: correct + behavior; correct: correct only; decoy: behavior only (wrong); wrong: neither. */
export type ArmKind = 'target' | 'correct' | 'decoy' | 'wrong';

export interface Arm {
  kind: ArmKind;
  acc: 0 | 1;
  beh: 0 | 1;
}

export interface BanditModelSettings {
  /** K, number of arms. */
  arms: number;
  /** Number of target arms (≥ 1). */
  targets: number;
  /** Total target mass under θ0. */
  baseRate: number;
  /** λ in r = r_acc + λ·r_beh. */
  lambda: number;
}

export interface BanditModel {
  settings: BanditModelSettings;
  arms: Arm[];
  isTarget: boolean[];
  /** r_acc + λ·r_beh per arm: the reward-shaped reward both GRPO and VSPO optimise. */
  reward: number[];
  /** Initial logits: target arms share baseRate equally, the others share 1 − baseRate equally. */
  theta0: number[];
}

const KINDS: Record<ArmKind, Arm> = {
  target: { kind: 'target', acc: 1, beh: 1 },
  correct: { kind: 'correct', acc: 1, beh: 0 },
  decoy: { kind: 'decoy', acc: 0, beh: 1 },
  wrong: { kind: 'wrong', acc: 0, beh: 0 },
};

/**
 * Arms 0..targets−1 are the target set; the rest cycle correct, decoy, wrong, so every kind is present
 * once K ≥ targets + 3 (K = 10, 2 targets: 3 correct, 3 decoy, 2 wrong).
 */
export function createBandit(s: BanditModelSettings): BanditModel {
  const cycle: ArmKind[] = ['correct', 'decoy', 'wrong'];
  const arms = Array.from({ length: s.arms }, (_, i) => KINDS[i < s.targets ? 'target' : cycle[(i - s.targets) % 3]]);
  const isTarget = arms.map((a) => a.kind === 'target');
  const reward = arms.map((a) => a.acc + s.lambda * a.beh);
  const rest = s.arms - s.targets;
  const theta0 = isTarget.map((t) => Math.log(t ? s.baseRate / s.targets : (1 - s.baseRate) / rest));
  return { settings: { ...s }, arms, isTarget, reward, theta0 };
}

/** Σ_{i ∈ target} p_i. */
export function targetMass(model: BanditModel, p: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < p.length; i++) if (model.isTarget[i]) m += p[i];
  return m;
}

export const policy = (theta: readonly number[]) => softmax(theta);
