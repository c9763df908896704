// Steering-vector extraction (DESIGN §3). Every mode returns v in the residual stream after block
// `layer`, in the units where α = 1 adds v itself; norms are reported relative to the mean residual
// norm at that layer so vectors can be compared.
//
//   caa-response  mean over pairs of (mean_t h⁺ − mean_t h⁻), t over the positions that output the response
//   caa-decision  mean of h at the decision position over positive-kind prompts minus negative-kind prompts
//   unembed       wte[decision token] − mean(wte[competing tokens]), scaled to the caa-response norm
//   random        a seeded random direction with the caa-response norm (the control arm; randomVectorLike
//                 gives one with the norm of any other vector)
//   pca           (option for the two CAA modes) first principal component of the differences,
//                 sign-aligned with their mean and scaled to the mean-difference norm
import type { Behavior, BehaviorTask, Problem } from '../data/types';
import type { LanguageModel } from '../model/types';
import { createRng } from '../util/rng';
import { decisionPosition } from './generate';
import type { ExtractionMode, SteeringVector, WindowMode } from './types';

export interface ExtractOptions {
  mode: ExtractionMode;
  layer: number;
  window?: WindowMode; // stored with the vector; default 'decision'
  pairs?: number; // contrast pairs / prompts per side (default 200)
  pca?: boolean;
  seed?: number;
  /** Sequences read so far out of the total (2 × pairs, 4 × pairs for caa-decision), after each forward pass. */
  onProgress?: (done: number, total: number) => void;
}

interface Encoded {
  tokens: Int32Array; // [B, T], padded with the stop token
  T: number;
  /** Per sequence, the positions to average over. */
  positions: number[][];
}

/** Encodes prompt+response texts into one padded batch and records which positions to read. */
function encodeBatch(task: BehaviorTask, texts: { prompt: string; response: string }[], pick: (promptLen: number, responseLen: number) => number[]): Encoded {
  const ids = texts.map((t) => task.tokenizer.encode(t.prompt + t.response + task.tokenizer.vocab[task.tokenizer.stopToken]));
  const T = Math.max(...ids.map((r) => r.length));
  const tokens = new Int32Array(texts.length * T).fill(task.tokenizer.stopToken);
  ids.forEach((r, b) => tokens.set(r, b * T));
  const positions = texts.map((t) => pick(t.prompt.length, t.response.length + 1));
  return { tokens, T, positions };
}

/** Residual norms accumulated over every position read, and the progress of the reads. */
interface Tally {
  sum: number;
  n: number;
  read: number;
  total: number;
  onProgress?: (done: number, total: number) => void;
}

/** Mean of h over the given positions, per sequence: [B][C]. Also accumulates residual norms. */
async function readMeans(model: LanguageModel, layer: number, enc: Encoded, norms: Tally, chunk = 64): Promise<Float32Array[]> {
  const C = model.config.dModel;
  const B = enc.positions.length;
  const out: Float32Array[] = [];
  for (let b0 = 0; b0 < B; b0 += chunk) {
    const nb = Math.min(chunk, B - b0);
    const h = await model.hidden({ tokens: enc.tokens.subarray(b0 * enc.T, (b0 + nb) * enc.T), B: nb, T: enc.T }, layer);
    for (let i = 0; i < nb; i++) {
      const mean = new Float32Array(C);
      const pos = enc.positions[b0 + i];
      for (const t of pos) {
        const row = h.subarray((i * enc.T + t) * C, (i * enc.T + t + 1) * C);
        let sq = 0;
        for (let c = 0; c < C; c++) {
          mean[c] += row[c] / pos.length;
          sq += row[c] * row[c];
        }
        norms.sum += Math.sqrt(sq);
        norms.n++;
      }
      out.push(mean);
    }
    norms.read += nb;
    norms.onProgress?.(Math.min(norms.read, norms.total), norms.total);
  }
  return out;
}

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
/** Cosine similarity of two vectors of one length (0 when either is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine: lengths differ (${a.length} vs ${b.length})`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}
function scaleTo(v: Float32Array, target: number): Float32Array {
  const n = norm(v);
  return n > 0 ? v.map((x) => (x * target) / n) : v;
}
function meanOf(rows: Float32Array[]): Float32Array {
  const m = new Float32Array(rows[0].length);
  for (const r of rows) for (let c = 0; c < m.length; c++) m[c] += r[c] / rows.length;
  return m;
}

/** First principal component of the rows (power iteration on the centred covariance). */
export function principalComponent(rows: Float32Array[], seed = 0, iters = 100): Float32Array {
  const C = rows[0].length;
  const mu = meanOf(rows);
  const centred = rows.map((r) => r.map((x, c) => x - mu[c]));
  const rng = createRng(seed);
  let v = Float32Array.from({ length: C }, () => rng.normal());
  for (let it = 0; it < iters; it++) {
    const next = new Float32Array(C);
    for (const r of centred) {
      let dot = 0;
      for (let c = 0; c < C; c++) dot += r[c] * v[c];
      for (let c = 0; c < C; c++) next[c] += dot * r[c];
    }
    const n = norm(next);
    if (n === 0) break;
    v = next.map((x) => x / n);
  }
  return v;
}

/** Mean difference (or its principal component) of paired rows. */
function contrast(pos: Float32Array[], neg: Float32Array[], pca: boolean, seed: number): Float32Array {
  const diffs = pos.map((p, i) => p.map((x, c) => x - neg[i % neg.length][c]));
  const mean = meanOf(diffs);
  if (!pca) return mean;
  const pc = principalComponent(diffs, seed);
  const sign = pc.reduce((s, x, c) => s + x * mean[c], 0) < 0 ? -1 : 1;
  return scaleTo(pc.map((x) => x * sign), norm(mean));
}

/** caa-response: the two responses of each pair, averaged over the positions that output them. */
async function caaResponse(model: LanguageModel, task: BehaviorTask, problems: Problem[], layer: number, pca: boolean, seed: number, norms: Tally) {
  const outputs = (P: number, R: number) => Array.from({ length: R }, (_, i) => P - 1 + i);
  const pos = encodeBatch(task, problems.map((p) => ({ prompt: p.prompt, response: task.teacher(p) })), outputs);
  const neg = encodeBatch(task, problems.map((p) => ({ prompt: p.prompt, response: task.negative(p) })), outputs);
  return contrast(await readMeans(model, layer, pos, norms), await readMeans(model, layer, neg, norms), pca, seed);
}

/** caa-decision: h at the decision position, positive-kind prompts minus negative-kind prompts. */
async function caaDecision(model: LanguageModel, task: BehaviorTask, n: number, layer: number, pca: boolean, seed: number, norms: Tally) {
  const { positive, negative } = task.contrastProblems(n, createRng(seed + 1));
  const d = decisionPosition(task);
  // Positions past the prompt (decisionOffset > 0) read the teacher's response prefix on both sides.
  const at = (p: Problem) => ({ prompt: p.prompt, response: task.teacher(p).slice(0, task.decisionOffset) });
  const pick = () => [d];
  const pos = await readMeans(model, layer, encodeBatch(task, positive.map(at), pick), norms);
  const neg = await readMeans(model, layer, encodeBatch(task, negative.map(at), pick), norms);
  return contrast(pos, neg, pca, seed);
}

function unembedDirection(task: BehaviorTask, wte: Float32Array, C: number): Float32Array {
  const id = (s: string) => task.tokenizer.encode(s)[0];
  const row = (i: number) => wte.subarray(i * C, (i + 1) * C);
  const others = task.decisionToken.negatives.map((s) => row(id(s)));
  const target = row(id(task.decisionToken.positive));
  const mean = meanOf(others);
  return target.map((x, c) => x - mean[c]);
}

export async function extractSteeringVector(model: LanguageModel, task: BehaviorTask, o: ExtractOptions): Promise<SteeringVector> {
  const { nLayers, dModel: C } = model.config;
  if (!Number.isInteger(o.layer) || o.layer < 0 || o.layer >= nLayers) throw new Error(`layer must be an integer in [0, ${nLayers - 1}] (got ${o.layer})`);
  const n = o.pairs ?? 200;
  const seed = o.seed ?? 0;
  const pca = o.pca ?? false;
  const norms: Tally = { sum: 0, n: 0, read: 0, total: (o.mode === 'caa-decision' ? 4 : 2) * n, onProgress: o.onProgress };
  const problems = task.problems('train', n, createRng(seed));
  // Every mode needs the caa-response norm (unembed and random are scaled to it) and the residual norm.
  const reference = await caaResponse(model, task, problems, o.layer, pca && o.mode === 'caa-response', seed, norms);
  let v: Float32Array;
  if (o.mode === 'caa-response') v = reference;
  else if (o.mode === 'caa-decision') v = await caaDecision(model, task, n, o.layer, pca, seed, norms);
  else if (o.mode === 'unembed') v = scaleTo(unembedDirection(task, (await model.getParams()).get('wte.weight')!, C), norm(reference));
  else v = randomVector(C, norm(reference), seed);
  const meanResidual = norms.sum / Math.max(norms.n, 1);
  return {
    vector: v,
    meta: {
      behavior: task.behavior as Behavior,
      mode: o.mode,
      pca,
      layer: o.layer,
      window: o.window ?? 'decision',
      norm: norm(v),
      relativeScale: norm(v) / meanResidual,
      pairs: n,
    },
  };
}

/** The `random` mode's direction: C normals from createRng(seed + 7), scaled to `targetNorm`. */
export function randomVector(C: number, targetNorm: number, seed = 0): Float32Array {
  const rng = createRng(seed + 7);
  return scaleTo(Float32Array.from({ length: C }, () => rng.normal()), targetNorm);
}

/**
 * The control for a vector: a seeded random direction (randomVector, the `random` mode's draw) with the SAME
 * norm, at the same layer and window; relativeScale follows the norm. Doses and budgets are not carried over.
 */
export function randomVectorLike(like: SteeringVector, seed = 0): SteeringVector {
  const target = norm(like.vector);
  const vector = randomVector(like.vector.length, target, seed);
  const n = norm(vector);
  const { behavior, layer, window, relativeScale, pairs } = like.meta;
  return { vector, meta: { behavior, mode: 'random', pca: false, layer, window, norm: n, relativeScale: target > 0 ? (relativeScale * n) / target : relativeScale, pairs } };
}
