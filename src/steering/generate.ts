// Sampling responses to task prompts, optionally steered per sequence. Shared by sweeps, evaluation,
// the UI's live generation and the RL rollouts, so every caller steers and cuts responses the same way.
import type { BehaviorTask, Problem } from '../data/types';
import type { LanguageModel, Steering } from '../model/types';
import type { SteeringVector, WindowMode } from './types';

export interface SampleOptions {
  temperature: number; // 0 = greedy
  topK?: number;
  seed: number;
  /** Per-sequence intensity (length = problems.length); omitted = unsteered (α = 0 runs the hook with 0). */
  alphas?: ArrayLike<number>;
  vector?: SteeringVector;
  window?: WindowMode; // default: the vector's own window
  onTokens?: (responses: string[], step: number) => void;
  streamEvery?: number;
}

export interface Sampled {
  responses: string[]; // text after the prompt, cut before the stop token
  tokens: Int32Array; // [B, P + maxResponseLength]
  /** [B, maxResponseLength] log p of each sampled token under the distribution sampled from (GenerateResult.logprobs). */
  logprobs: Float32Array;
  lengths: number[]; // response tokens per sequence including the stop token (if it was produced)
}

/** Position that outputs the first response token is P-1; the decision is `decisionOffset` later. */
export function decisionPosition(task: BehaviorTask): number {
  return task.promptLength - 1 + task.decisionOffset;
}

/** The steered positions [start, end) of one sequence for a window mode. */
export function windowRange(task: BehaviorTask, mode: WindowMode): [number, number] {
  const total = task.promptLength + task.maxResponseLength;
  if (mode === 'decision') {
    const d = decisionPosition(task);
    return [d, d + 1];
  }
  if (mode === 'response') return [task.promptLength - 1, total];
  return [0, total];
}

export function buildSteering(task: BehaviorTask, vector: SteeringVector, alphas: ArrayLike<number>, mode?: WindowMode): Steering {
  const B = alphas.length;
  const [s, e] = windowRange(task, mode ?? vector.meta.window);
  return {
    vector: vector.vector,
    layer: vector.meta.layer,
    alpha: Float32Array.from(alphas),
    start: new Int32Array(B).fill(s),
    end: new Int32Array(B).fill(e),
  };
}

export function encodePrompts(task: BehaviorTask, problems: Problem[]): Int32Array {
  const P = task.promptLength;
  const out = new Int32Array(problems.length * P);
  problems.forEach((p, b) => {
    const ids = task.tokenizer.encode(p.prompt);
    if (ids.length !== P) throw new Error(`prompt "${p.prompt}" has ${ids.length} tokens, the task expects ${P}`);
    out.set(ids, b * P);
  });
  return out;
}

/** Text of row b's response: tokens after the prompt up to (not including) the stop token. */
export function responseText(task: BehaviorTask, tokens: Int32Array, b: number, rowLength: number): { text: string; length: number } {
  const P = task.promptLength;
  const row = tokens.subarray(b * rowLength + P, (b + 1) * rowLength);
  const stop = row.indexOf(task.tokenizer.stopToken);
  const cut = stop < 0 ? row.length : stop;
  return { text: task.tokenizer.decode(row.subarray(0, cut)), length: stop < 0 ? row.length : stop + 1 };
}

export async function sampleResponses(model: LanguageModel, task: BehaviorTask, problems: Problem[], o: SampleOptions): Promise<Sampled> {
  const B = problems.length;
  const P = task.promptLength;
  const N = task.maxResponseLength;
  const rowLength = P + N;
  // With a vector and intensities the hook always runs, α = 0 included (bit-for-bit the unsteered pass,
  // tested), so VSPO with the grid {0} goes through the same kernels as any other grid.
  const steering = o.vector && o.alphas ? buildSteering(task, o.vector, o.alphas, o.window) : undefined;
  // A streamed buffer is full width; only its first `step` response tokens have been generated yet.
  const decodeAll = (tokens: Int32Array, width: number, step: number) =>
    problems.map((_, b) => {
      const row = tokens.subarray(b * width + P, b * width + P + Math.min(step, width - P));
      const stop = row.indexOf(task.tokenizer.stopToken);
      return task.tokenizer.decode(row.subarray(0, stop < 0 ? row.length : stop));
    });
  const result = await model.generate({
    prompt: encodePrompts(task, problems),
    B,
    P,
    maxNewTokens: N,
    temperature: o.temperature,
    topK: o.topK ?? 0,
    seed: o.seed,
    steering,
    streamEvery: o.streamEvery,
    onTokens: o.onTokens ? (tokens, step) => o.onTokens!(decodeAll(tokens, tokens.length / B, step), step) : undefined,
  });
  const responses: string[] = [];
  const lengths: number[] = [];
  for (let b = 0; b < B; b++) {
    const r = responseText(task, result.tokens, b, rowLength);
    responses.push(r.text);
    lengths.push(r.length);
  }
  return { responses, tokens: result.tokens, logprobs: result.logprobs, lengths };
}
