// One policy-gradient update of the unsteered logits θ (DESIGN §4, specialised to one-token responses).
// GRPO is VSPO with the grid {0} (DESIGN §4), so there is a single rule:
//   slot i of a group samples a_i ~ π_θ^{α_i}, α_i = grid[i mod |grid|] (round-robin);
//   r_i = r_acc + λ·r_beh;  A_i from the group (see Advantage);
//   Δθ ∝ (1/G) Σ_i ρ_i · A_i · ∇_θ log π_θ(a_i),   ∇_θ log softmax(θ)_a = e_a − π_θ.
// The log-prob is the *unsteered* one: VSPO internalises what steering found. With one inner epoch the
// PPO ratio against the unsteered π_old is 1 at the gradient step, so clipping never acts and ρ_i = 1
// ('none', DESIGN's default). 'truncated' is DESIGN's ablation ρ_i = min(π_θ(a_i)/π_θ^{α_i}(a_i), c).
// No KL term (β = 0): there is no reference model worth anchoring to in a bandit.
import type { Rng } from '../util/rng';
import { axpy, sampleIndex, softmax } from './math';
import type { BanditModel } from './model';

/** 'group': (r − mean)/std over the group (GRPO's default); 'mean': r − mean (Dr. GRPO, no std). */
export type Advantage = 'group' | 'mean';
export type Importance = 'none' | 'truncated';

export interface UpdateSettings {
  grid: number[];
  group: number;
  advantage: Advantage;
  importance: Importance;
  /** c in the truncated importance weight. */
  isCap: number;
}

export function slotIntensities(grid: readonly number[], group: number): number[] {
  return Array.from({ length: group }, (_, i) => grid[i % grid.length]);
}

/** One steered distribution per distinct intensity, computed once per update. */
function steeredBySlot(theta: readonly number[], s: readonly number[], u: UpdateSettings): number[][] {
  const cache = new Map<number, number[]>();
  return slotIntensities(u.grid, u.group).map((alpha) => {
    let p = cache.get(alpha);
    if (!p) cache.set(alpha, (p = softmax(axpy(theta, alpha, s))));
    return p;
  });
}

// An arm steering gives (numerically) zero mass is never sampled; cap its weight instead of 0/0.
const weight = (u: UpdateSettings, pi: number, steered: number) =>
  u.importance === 'none' ? 1 : steered > 0 ? Math.min(pi / steered, u.isCap) : u.isCap;

export interface SampledUpdate {
  grad: number[];
  arms: number[];
  rewards: number[];
  /** All rewards equal: GRPO's advantage is 0 and the group teaches nothing. */
  zeroSpread: boolean;
}

/** The update direction from one sampled group (seeded through rng). */
export function sampledUpdate(model: BanditModel, theta: readonly number[], s: readonly number[], u: UpdateSettings, rng: Rng): SampledUpdate {
  const pi = softmax(theta);
  const dists = steeredBySlot(theta, s, u);
  const arms = dists.map((p) => sampleIndex(p, rng.next()));
  const rewards = arms.map((a) => model.reward[a]);
  const G = u.group;
  const mean = rewards.reduce((a, b) => a + b, 0) / G;
  const std = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / G); // population std
  const zeroSpread = std < 1e-12;
  const grad = new Array(theta.length).fill(0);
  if (zeroSpread) return { grad, arms, rewards, zeroSpread };
  for (let i = 0; i < G; i++) {
    const a = arms[i];
    const A = u.advantage === 'group' ? (rewards[i] - mean) / std : rewards[i] - mean;
    const c = (weight(u, pi[a], dists[i][a]) * A) / G;
    for (let k = 0; k < grad.length; k++) grad[k] -= c * pi[k];
    grad[a] += c;
  }
  return { grad, arms, rewards, zeroSpread };
}

/**
 * The exact expectation, over the group's sampling, of the sampled update with advantage 'mean'
 * (A_i = r_i − group mean, no std division: the std makes the expectation intractable, so exact mode
 * is Dr. GRPO-style whatever `advantage` says). With p_i = π^{α_i}, r̄_i = E_{p_i}[r], R = Σ_j r̄_j and
 * independence between slots, E[(r_i − (1/G)Σ_j r_j)·ρ_i·(e_{a_i} − π)] gives
 *   Δθ = Σ_a w_a (e_a − π),   w_a = (1/G) Σ_i p_i(a)·ρ_i(a)·[r_a − (r_a + R − r̄_i)/G].
 * For GRPO (all p_i = π) this is (1 − 1/G)·∇_θ E_π[r]: the baseline cancels because E_π[e_a − π] = 0;
 * under steering E_{p_i}[e_a − π] = p_i − π ≠ 0, so the group baseline matters for VSPO.
 */
export function exactUpdate(model: BanditModel, theta: readonly number[], s: readonly number[], u: UpdateSettings): number[] {
  const pi = softmax(theta);
  const dists = steeredBySlot(theta, s, u);
  const G = u.group;
  const rbar = dists.map((p) => p.reduce((acc, v, a) => acc + v * model.reward[a], 0));
  const R = rbar.reduce((a, b) => a + b, 0);
  const w = new Array(theta.length).fill(0);
  dists.forEach((p, i) => {
    for (let a = 0; a < w.length; a++) {
      const r = model.reward[a];
      w[a] += (p[a] * weight(u, pi[a], p[a]) * (r - (r + R - rbar[i]) / G)) / G;
    }
  });
  const W = w.reduce((a, b) => a + b, 0);
  return w.map((v, k) => v - pi[k] * W);
}
