// Alignment measured, not asserted (the referee's point): how close is what steering samples to what
// we want the policy to become? The target distribution is the current policy restricted to the target
// set and renormalised (q_i = π_i·1_T(i) / π(T)), i.e. "the same policy, but only target behavior".
// Two figures per intensity α, both at the policy the steering is applied to (θ0 at the start of a run):
//   (a) TV(π^α, q) = ½ Σ_i |π^α_i − q_i|     0 = steering samples exactly the target distribution
//   (b) π^α(T)                                 target mass under steering
// The headline is at the grid's largest α (the strongest push); the per-α list and the slot mixture
// (what one VSPO group samples from in aggregate) are reported too.
import { axpy, softmax } from './math';
import { targetMass, type BanditModel } from './model';
import { slotIntensities } from './update';

export function targetDistribution(model: BanditModel, p: readonly number[]): number[] {
  const m = targetMass(model, p);
  return p.map((v, i) => (model.isTarget[i] ? v / m : 0));
}

export function totalVariation(p: readonly number[], q: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return s / 2;
}

export interface AlignmentFigure {
  tv: number;
  targetMass: number;
}

export interface AlignmentReport {
  perIntensity: (AlignmentFigure & { alpha: number })[];
  /** At the grid's largest intensity. */
  atMax: AlignmentFigure & { alpha: number };
  /** Of the mixture (1/G) Σ_i π^{α_i} over one group's round-robin slots. */
  mixture: AlignmentFigure;
}

export function measureAlignment(
  model: BanditModel,
  theta: readonly number[],
  s: readonly number[],
  grid: readonly number[],
  group: number,
): AlignmentReport {
  const q = targetDistribution(model, softmax(theta));
  const figure = (p: readonly number[]): AlignmentFigure => ({ tv: totalVariation(p, q), targetMass: targetMass(model, p) });
  const steered = (alpha: number) => softmax(axpy(theta, alpha, s));
  const perIntensity = grid.map((alpha) => ({ alpha, ...figure(steered(alpha)) }));
  const top = Math.max(...grid);
  const slots = slotIntensities(grid, group);
  const mix = new Array(theta.length).fill(0);
  for (const alpha of slots) steered(alpha).forEach((v, i) => (mix[i] += v / slots.length));
  return { perIntensity, atMax: { alpha: top, ...figure(steered(top)) }, mixture: figure(mix) };
}
