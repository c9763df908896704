// Steering direction s over arms, built from one alignment knob x ∈ [−1, 1]; steered policy
// π_θ^α = softmax(θ + α·s). Softmax ignores constant shifts, so every direction lives in the centered
// subspace (Σ s_i = 0).
//
//   g  = 1_T − |T|/K                   ideal: lifts every target logit by exactly 1 over every other arm
//   û  = g/‖g‖
//   d  = unit(center(1_D/|D| − 1_T/|T|)) adversarial: toward decoys (behavior-positive but wrong) and
//                                        away from the target; −û when there are no decoy arms
//   r  = random unit vector, centered and ⊥ û (Gaussian draw, seeded)
//   x ≥ 0:  ŝ = x·û + √(1−x²)·r        (already unit; cos(ŝ, û) = x exactly)
//   x < 0:  ŝ = unit(|x|·d + √(1−x²)·r)
//   s  = strength·‖g‖·ŝ                 so at x = 1, s = strength·g: α·strength is the target's logit gain
//
// x is only the knob. The alignment *measures* (alignment.ts) are what to compare across settings.
import type { Rng } from '../util/rng';
import { center, dot, removeComponent, unit } from './math';
import type { BanditModel } from './model';

export interface Steering {
  /** The steering vector added (times α) to the logits. */
  s: number[];
  /** cos(s, ideal direction): equals x for x ≥ 0, negative for x < 0. */
  cosine: number;
  alignment: number;
  strength: number;
}

/** g = 1_T − |T|/K: the ideal direction at unit logit gap. */
export function idealDirection(model: BanditModel): number[] {
  return center(model.isTarget.map((t) => (t ? 1 : 0)));
}

export function adversarialDirection(model: BanditModel): number[] {
  const nT = model.isTarget.filter(Boolean).length;
  const nD = model.arms.filter((a) => a.kind === 'decoy').length;
  if (nD === 0) return unit(idealDirection(model)).map((v) => -v);
  return unit(center(model.arms.map((a) => (a.kind === 'decoy' ? 1 / nD : a.kind === 'target' ? -1 / nT : 0))));
}

/** A uniformly random unit direction in the centered subspace orthogonal to û (needs K ≥ 3). */
export function randomDirection(model: BanditModel, rng: Rng): number[] {
  const uHat = unit(idealDirection(model));
  for (;;) {
    const r = unit(removeComponent(center(model.theta0.map(() => rng.normal())), uHat));
    if (dot(r, r) > 0.5) return r; // a zero draw has probability 0; redraw rather than divide by 0
  }
}

export function makeSteering(model: BanditModel, alignment: number, strength: number, rng: Rng): Steering {
  const g = idealDirection(model);
  const gNorm = Math.sqrt(dot(g, g));
  const uHat = g.map((v) => v / gNorm);
  const r = randomDirection(model, rng);
  const x = alignment;
  const side = x >= 0 ? uHat : adversarialDirection(model);
  const c = Math.sqrt(Math.max(0, 1 - x * x));
  const sHat = unit(side.map((v, i) => Math.abs(x) * v + c * r[i]));
  return { s: sHat.map((v) => strength * gNorm * v), cosine: dot(sHat, uHat), alignment, strength };
}
