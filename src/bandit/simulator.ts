// Step-wise simulator: one object per (method, mode, seed) that the CLI drives to a threshold and a UI
// can drive one iteration at a time, reading the per-arm masses after each step.
import { createRng } from '../util/rng';
import { softmax } from './math';
import { targetMass, type BanditModel } from './model';
import { exactUpdate, sampledUpdate, type UpdateSettings } from './update';

export type Method = 'vspo' | 'grpo';
export type Mode = 'sampled' | 'exact';

export interface SimulatorSettings extends UpdateSettings {
  method: Method;
  mode: Mode;
  /** Plain gradient-ascent step size on θ. */
  lr: number;
}

export interface StepInfo {
  iteration: number;
  /** π_θ per arm after this step (unsteered). */
  probs: number[];
  targetMass: number;
  /** Sampled mode only: the group drawn and whether its rewards were all equal. */
  arms?: number[];
  zeroSpread?: boolean;
}

export interface Simulator {
  readonly model: BanditModel;
  iteration(): number;
  theta(): number[];
  probs(): number[];
  targetMass(): number;
  step(): StepInfo;
}

/** GRPO ignores the steering vector and the grid: it is VSPO at the grid {0}. */
export function createSimulator(model: BanditModel, s: readonly number[], settings: SimulatorSettings, seed: number): Simulator {
  const u: UpdateSettings = { ...settings, grid: settings.method === 'grpo' ? [0] : [...settings.grid] };
  const rng = createRng(seed);
  const theta = [...model.theta0];
  let t = 0;
  const sim: Simulator = {
    model,
    iteration: () => t,
    theta: () => [...theta],
    probs: () => softmax(theta),
    targetMass: () => targetMass(model, softmax(theta)),
    step() {
      let extra: Pick<StepInfo, 'arms' | 'zeroSpread'> = {};
      let grad: number[];
      if (settings.mode === 'exact') grad = exactUpdate(model, theta, s, u);
      else {
        const g = sampledUpdate(model, theta, s, u, rng);
        grad = g.grad;
        extra = { arms: g.arms, zeroSpread: g.zeroSpread };
      }
      for (let k = 0; k < theta.length; k++) theta[k] += settings.lr * grad[k];
      t++;
      const probs = softmax(theta);
      return { iteration: t, probs, targetMass: targetMass(model, probs), ...extra };
    },
  };
  return sim;
}

export interface ThresholdResult {
  /** Updates until π_θ(T) ≥ τ; equals maxIterations when censored. */
  iterations: number;
  /** Never reached τ within maxIterations: the count is a lower bound. */
  censored: boolean;
  finalMass: number;
}

/** Step until the unsteered target mass reaches τ or the cap; onStep sees every step (for traces). */
export function runToThreshold(sim: Simulator, tau: number, maxIterations: number, onStep?: (info: StepInfo) => void): ThresholdResult {
  let mass = sim.targetMass();
  while (mass < tau && sim.iteration() < maxIterations) {
    const info = sim.step();
    onStep?.(info);
    mass = info.targetMass;
  }
  return { iterations: sim.iteration(), censored: mass < tau, finalMass: mass };
}
