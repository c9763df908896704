// 1. Rollouts: B groups of G slots, slot i of a group sampled at intensity α_i (one batched, KV-cached
// generate call for every sampled slot), the last `teachers` slots of a group replaced by teacher traces;
// and the update batch those rows become.
//
//   sampled tokens  [R, P + N]   R = B·(G − teachers) rows, P prompt tokens, N = maxResponseLength
//   log-probs       [R, N]       under the distribution sampled from (GenerateResult.logprobs)
//   update batch    [S, T]       S = B·G rows padded with the stop token to the longest, T ≤ P + N
import type { BehaviorTask, Problem, Score } from '../data/types';
import type { LanguageModel, TokenBatch } from '../model/types';
import { sampleResponses } from '../steering/generate';
import type { SteeringVector } from '../steering/types';

/** Everything about one row of the update batch. */
export interface Seq {
  group: number;
  problem: Problem;
  ids: number[]; // prompt + response tokens (incl. the stop token when produced)
  length: number; // response tokens
  response: string;
  alpha: number;
  teacher: boolean;
  /** Log-probs of the response tokens under the distribution sampled from (steered, at the rollout temperature and top-k); null for teacher traces. */
  steeredLogp: Float32Array | null;
  score?: Score;
  reward?: number;
}

export interface RolloutOptions {
  temperature: number;
  topK: number;
  seed: number;
  /** Steered methods pass the vector; every sampled slot then runs the hook (α = 0 included). */
  vector?: SteeringVector;
  /** The teacher trace for a problem (guide's slots). */
  teacher: (p: Problem) => string;
}

/** Samples B groups (G slots each, the last `teachers` of a group replaced by teacher traces). */
export async function sampleGroups(model: LanguageModel, task: BehaviorTask, problems: Problem[], alphas: Float32Array, G: number, teachers: number, o: RolloutOptions): Promise<{ seqs: Seq[]; sampledPositions: number }> {
  const P = task.promptLength;
  const N = task.maxResponseLength;
  const stopId = task.tokenizer.stopToken;
  const gen = G - teachers;
  const genProblems: Problem[] = [];
  const genAlphas = new Float32Array(problems.length * gen);
  problems.forEach((p, g) => {
    for (let i = 0; i < gen; i++) {
      genProblems.push(p);
      genAlphas[g * gen + i] = alphas[g * G + i];
    }
  });
  const s = await sampleResponses(model, task, genProblems, {
    temperature: o.temperature,
    topK: o.topK,
    seed: o.seed,
    alphas: o.vector ? genAlphas : undefined,
    vector: o.vector,
  });
  const row = P + N;
  const seqs: Seq[] = [];
  problems.forEach((p, g) => {
    for (let i = 0; i < G; i++) {
      if (i < gen) {
        const b = g * gen + i;
        const len = s.lengths[b];
        seqs.push({
          group: g,
          problem: p,
          ids: Array.from(s.tokens.subarray(b * row, b * row + P + len)),
          length: len,
          response: s.responses[b],
          alpha: genAlphas[b],
          teacher: false,
          steeredLogp: s.logprobs.subarray(b * N, b * N + len),
        });
      } else {
        const text = o.teacher(p);
        const ids = task.tokenizer.encode(p.prompt + text);
        ids.push(stopId);
        if (ids.length > P + N) throw new Error(`the teacher trace for "${p.prompt}" is longer than ${N} response tokens`);
        seqs.push({ group: g, problem: p, ids, length: ids.length - P, response: text, alpha: 0, teacher: true, steeredLogp: null });
      }
    }
  });
  return { seqs, sampledPositions: genProblems.length * N };
}

/** The update batch: rows padded with the stop token to the longest sequence; targets on response tokens. */
export function updateBatch(seqs: Seq[], P: number, stopId: number): { batch: TokenBatch; targets: Int32Array; mask: Uint8Array } {
  const S = seqs.length;
  const T = Math.max(...seqs.map((q) => q.ids.length));
  const tokens = new Int32Array(S * T).fill(stopId);
  const targets = new Int32Array(S * T).fill(-1);
  const mask = new Uint8Array(S * T);
  seqs.forEach((q, s) => {
    tokens.set(q.ids, s * T);
    for (let j = 0; j < q.length; j++) {
      const t = P - 1 + j;
      targets[s * T + t] = q.ids[t + 1];
      mask[s * T + t] = 1;
    }
  });
  return { batch: { tokens, B: S, T }, targets, mask };
}

