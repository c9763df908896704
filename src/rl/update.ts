// 4. The policy update: μ epochs of the clipped surrogate + β·k3 over one step's rollouts, on the
// UNSTEERED policy (DESIGN §4). Epoch 1's forward is also π_old (the unsteered policy at rollout weights),
// so no extra forward; π_ref log-probs come from the reference pass when β > 0.
//
//   batch, targets, mask  [S, T]   from updateBatch (rollout.ts); targets −1 off the response
//   advantages            [S]      group-relative (advantages.ts)
//   logp / oldLogp / ref  [S, T]   per-token log-probs of the targets
import type { AdamWSettings, LanguageModel, TokenBatch } from '../model/types';
import type { RlConfig } from './config';
import { clippedSurrogate, truncatedWeights } from './loss';
import { updateBatch, type Seq } from './rollout';

export type UpdateSettings = Pick<RlConfig, 'epochs' | 'epsLow' | 'epsHigh' | 'beta' | 'aggregation' | 'piOldSteered' | 'truncatedIS' | 'truncatedISCap'> & {
  adam: AdamWSettings;
  /** The task's max response tokens (the 'constant' aggregation's normaliser) and its prompt length. */
  maxTokens: number;
  promptLength: number;
  stopToken: number;
};

export interface UpdateResult {
  loss: number | null;
  kl: number | null; // token mean of k3 to π_ref (null without a reference)
  clipFraction: number | null;
  entropy: number | null;
  gradNorm: number | null;
  updateTokens: number;
  referenceMs: number;
  updateMs: number;
  /** Why the update stopped (non-finite loss or gradient); the weights are then the step's starting weights. */
  failed: string | null;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** Mean of per-token values over the masked positions (null when none). */
export function maskedMean(values: Float32Array, mask: Uint8Array): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      sum += values[i];
      n++;
    }
  return n ? sum / n : null;
}

/**
 * Runs the reference pass (when `reference` is given) and the μ epochs. On a non-finite loss or gradient
 * it stops; for μ > 1 an earlier epoch may already have moved the weights, so they are restored from a copy.
 */
export async function policyUpdate(model: LanguageModel, seqs: Seq[], advantages: Float32Array, s: UpdateSettings, reference: ((batch: TokenBatch, targets: Int32Array) => Promise<Float32Array>) | null, label: string): Promise<UpdateResult> {
  const { batch, targets, mask } = updateBatch(seqs, s.promptLength, s.stopToken);
  const S = batch.B;
  const T = batch.T;
  const P = s.promptLength;
  const r: UpdateResult = { loss: null, kl: null, clipFraction: null, entropy: null, gradNorm: null, updateTokens: mask.reduce((a, x) => a + x, 0), referenceMs: 0, updateMs: 0, failed: null };
  let refLogp: Float32Array | undefined;
  if (reference) {
    const tref = now();
    refLogp = await reference(batch, targets);
    r.referenceMs = now() - tref;
  }
  const tu = now();
  const before = s.epochs > 1 ? await model.getParams() : null;
  const fail = async (reason: string) => {
    if (before) await model.setParams(before);
    r.updateMs = now() - tu;
    r.failed = before ? `${reason}; the step's starting weights were restored` : reason;
    return r;
  };
  let oldLogp: Float32Array | undefined;
  let weights: Float32Array | undefined;
  let clipSum = 0;
  for (let e = 0; e < s.epochs; e++) {
    const lp = await model.logprobs(batch, targets);
    if (e === 0) {
      const unsteeredOld = lp.logprobs.slice();
      // The sampling policy's log-probs laid out like the batch (teacher traces: the unsteered ones).
      let steeredOld: Float32Array | undefined;
      if (s.piOldSteered || s.truncatedIS) {
        steeredOld = unsteeredOld.slice();
        seqs.forEach((q, i) => {
          if (q.steeredLogp) for (let j = 0; j < q.length; j++) steeredOld![i * T + P - 1 + j] = q.steeredLogp[j];
        });
      }
      oldLogp = s.piOldSteered ? steeredOld! : unsteeredOld;
      if (s.truncatedIS) weights = truncatedWeights(unsteeredOld, steeredOld!, mask, s.truncatedISCap);
      r.entropy = maskedMean(lp.entropy, mask);
    }
    const out = clippedSurrogate({
      S,
      T,
      logp: lp.logprobs,
      oldLogp: oldLogp!,
      refLogp,
      mask,
      advantages,
      weights,
      epsLow: s.epsLow,
      epsHigh: s.epsHigh,
      beta: s.beta,
      aggregation: s.aggregation,
      maxTokens: s.maxTokens,
    });
    if (e === 0) r.kl = refLogp ? finiteOrNull(out.kl) : null;
    clipSum += out.clipFraction;
    r.loss = finiteOrNull(out.loss);
    if (!Number.isFinite(out.loss)) return fail(`non-finite loss (${out.loss}) at ${label}, epoch ${e + 1}; the parameters were not updated`);
    await model.backward(out.dLogp);
    const st = await model.step(s.adam);
    r.gradNorm = finiteOrNull(st.gradNorm);
    if (!Number.isFinite(st.gradNorm)) return fail(`non-finite gradient at ${label}, epoch ${e + 1}; the update was skipped`);
  }
  r.updateMs = now() - tu;
  r.clipFraction = clipSum / s.epochs;
  return r;
}
