// The clipped surrogate with the k3 KL penalty (DESIGN §4), per token, and its gradient with respect to
// each token's log-prob under π_θ — the only thing the model's backward() needs.
//
//   ρ_t   = exp(logp_t − logp_old_t)
//   s_t   = w_t · min(ρ_t A, clip(ρ_t, 1 − ε_low, 1 + ε_high) A)      (w_t = truncated IS weight, else 1)
//   k3_t  = exp(ref_t − logp_t) − (ref_t − logp_t) − 1                  (KL_k3(π_θ ‖ π_ref), ≥ 0)
//   L     = −agg_t( s_t − β · k3_t )
//   agg   = token-mean    Σ_tokens / N                 (N = response tokens of the batch)
//           sequence-mean Σ_s (1/S') Σ_{t∈s} / n_s      (n_s = tokens of sequence s, S' = non-empty sequences)
//           constant      Σ_tokens / (S · maxTokens)    (S = all sequences, maxTokens = the task's max
//                                                        response length; Dr. GRPO, TRL "dr_grpo")
//   ∂s_t/∂logp_t  = w_t ρ_t A where the unclipped term is the minimum, 0 where the clip is active
//   ∂k3_t/∂logp_t = 1 − exp(ref_t − logp_t)

import type { Aggregation } from './config';

export type { Aggregation };

export interface SurrogateInput {
  S: number; // sequences
  T: number; // positions
  logp: Float32Array; // [S, T] log π_θ of the targets
  oldLogp: Float32Array; // [S, T] log π_old (detached)
  /** [S, T] log π_ref; needed when beta > 0 (and used for the KL metric whenever given). */
  refLogp?: Float32Array;
  /** [S, T] 1 where the position has a target (a response token), else 0. */
  mask: Uint8Array;
  advantages: ArrayLike<number>; // [S]
  /** [S, T] detached per-token weights on the surrogate (truncated importance weight). */
  weights?: Float32Array;
  epsLow: number;
  epsHigh: number;
  beta: number;
  aggregation: Aggregation;
  /**
   * The constant of the 'constant' aggregation: the longest response the task allows (its max response
   * tokens). Required for 'constant' (a positive integer no smaller than any sequence's response-token
   * count); ignored by the other aggregations.
   */
  maxTokens?: number;
}

export interface SurrogateOutput {
  loss: number;
  dLogp: Float32Array; // [S, T] ∂L/∂logp, 0 where mask = 0
  /** Fraction of response tokens whose gradient the clip zeroes. */
  clipFraction: number;
  /** Token mean of k3 (NaN when no reference is given). */
  kl: number;
  /** Token mean of ρ. */
  meanRatio: number;
  tokens: number;
}

export function k3(logp: number, refLogp: number): number {
  const d = refLogp - logp;
  return Math.exp(d) - d - 1;
}

export function clippedSurrogate(x: SurrogateInput): SurrogateOutput {
  const { S, T, logp, oldLogp, refLogp, mask, advantages, weights, epsLow, epsHigh, beta } = x;
  const n = S * T;
  for (const [name, a] of [['logp', logp], ['oldLogp', oldLogp], ['mask', mask]] as const)
    if (a.length !== n) throw new Error(`${name} has ${a.length} entries, expected S·T = ${n}`);
  if (refLogp && refLogp.length !== n) throw new Error(`refLogp has ${refLogp.length} entries, expected ${n}`);
  if (weights && weights.length !== n) throw new Error(`weights has ${weights.length} entries, expected ${n}`);
  if (advantages.length !== S) throw new Error(`advantages has ${advantages.length} entries, expected S = ${S}`);
  if (beta > 0 && !refLogp) throw new Error('beta > 0 needs the reference log-probs');

  // Aggregation coefficients: c[s] multiplies every token of sequence s.
  const counts = new Int32Array(S);
  let tokens = 0;
  for (let s = 0; s < S; s++) {
    let c = 0;
    for (let t = 0; t < T; t++) c += mask[s * T + t] ? 1 : 0;
    counts[s] = c;
    tokens += c;
  }
  const nonEmpty = counts.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
  let longest = 0;
  for (let s = 0; s < S; s++) if (counts[s] > longest) longest = counts[s];
  const { aggregation, maxTokens } = x;
  if (aggregation === 'constant') {
    if (maxTokens === undefined) throw new Error("aggregation 'constant' needs maxTokens (the task's max response length)");
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`maxTokens must be a positive integer (got ${maxTokens})`);
    if (longest > maxTokens) throw new Error(`a sequence has ${longest} response tokens, more than maxTokens = ${maxTokens}`);
  } else if (aggregation !== 'token-mean' && aggregation !== 'sequence-mean') {
    throw new Error(`unknown aggregation "${String(aggregation)}"`);
  }
  const coef = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    if (counts[s] === 0) continue;
    coef[s] =
      aggregation === 'token-mean' ? 1 / tokens : aggregation === 'sequence-mean' ? 1 / (nonEmpty * counts[s]) : 1 / (S * (maxTokens as number));
  }

  const dLogp = new Float32Array(n);
  let objective = 0;
  let clipped = 0;
  let klSum = 0;
  let ratioSum = 0;
  const lo = 1 - epsLow;
  const hi = 1 + epsHigh;
  for (let s = 0; s < S; s++) {
    if (counts[s] === 0) continue;
    const A = advantages[s];
    const cs = coef[s];
    for (let t = 0; t < T; t++) {
      const i = s * T + t;
      if (!mask[i]) continue;
      const rho = Math.exp(logp[i] - oldLogp[i]);
      ratioSum += rho;
      const w = weights ? weights[i] : 1;
      const rc = rho < lo ? lo : rho > hi ? hi : rho;
      const unclipped = rho * A;
      const clippedTerm = rc * A;
      let surr: number;
      let dSurr: number;
      if (clippedTerm < unclipped) {
        surr = clippedTerm; // the clip is active: constant in logp
        dSurr = 0;
        clipped++;
      } else {
        surr = unclipped;
        dSurr = unclipped;
      }
      let f = w * surr;
      let df = w * dSurr;
      if (refLogp) {
        const d = refLogp[i] - logp[i];
        const e = Math.exp(d);
        klSum += e - d - 1;
        if (beta > 0) {
          f -= beta * (e - d - 1);
          df -= beta * (1 - e);
        }
      }
      objective += cs * f;
      dLogp[i] = -cs * df + 0; // a clipped token has gradient +0, not -0
    }
  }
  return {
    loss: -objective + 0, // no -0 in metrics
    dLogp,
    clipFraction: tokens ? clipped / tokens : 0,
    kl: refLogp && tokens ? klSum / tokens : NaN,
    meanRatio: tokens ? ratioSum / tokens : NaN,
    tokens,
  };
}

/** Per-token truncated importance weight min(π_θ / π_θ^{αv}, c) from the unsteered and steered log-probs. */
export function truncatedWeights(unsteered: Float32Array, steered: Float32Array, mask: Uint8Array, cap: number): Float32Array {
  const w = new Float32Array(unsteered.length);
  for (let i = 0; i < w.length; i++) w[i] = mask[i] ? Math.min(Math.exp(unsteered[i] - steered[i]), cap) : 0;
  return w;
}
