// Input checks shared by every LanguageModel backend, so the CPU and GPU models refuse bad batches,
// targets and steering with the same messages before any work (or GPU allocation) starts.
import type { GPTConfig } from './config';
import type { GenerateRequest, Steering, TokenBatch } from './types';

export function checkBatch(config: GPTConfig, batch: TokenBatch): void {
  const { B, T, tokens } = batch;
  const { contextLength, vocabSize } = config;
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(T) || T < 1) throw new RangeError(`batch: B and T must be positive integers (got B=${B}, T=${T})`);
  if (T > contextLength) throw new RangeError(`batch: T = ${T} exceeds contextLength ${contextLength}`);
  if (tokens.length !== B * T) throw new RangeError(`batch: tokens has ${tokens.length} values, expected B*T = ${B * T}`);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t < 0 || t >= vocabSize) throw new RangeError(`batch: token ${t} at index ${i} is outside the vocabulary [0, ${vocabSize})`);
  }
}

export function checkTargets(config: GPTConfig, targets: Int32Array, N: number): void {
  const V = config.vocabSize;
  if (targets.length !== N) throw new RangeError(`targets has ${targets.length} values, expected B*T = ${N}`);
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if (t < -1 || t >= V) throw new RangeError(`target ${t} at index ${i} is outside [-1, ${V})`);
  }
}

export function checkSteering(config: GPTConfig, s: Steering | undefined, B: number): void {
  if (!s) return;
  const { dModel: C, nLayers: L } = config;
  if (!Number.isInteger(s.layer) || s.layer < 0 || s.layer >= L) throw new RangeError(`steering.layer must be an integer in [0, ${L}) (got ${s.layer})`);
  if (s.vector.length !== C) throw new RangeError(`steering.vector has ${s.vector.length} values, expected dModel = ${C}`);
  if (s.alpha.length !== B || s.start.length !== B || s.end.length !== B) {
    throw new RangeError(`steering.alpha/start/end must each have B = ${B} values (got ${s.alpha.length}/${s.start.length}/${s.end.length})`);
  }
}

export function checkGenerate(config: GPTConfig, req: GenerateRequest): void {
  const { B, P, maxNewTokens: M, temperature, topK } = req;
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(P) || P < 1) throw new RangeError(`generate: B and P must be positive integers (got B=${B}, P=${P})`);
  if (!Number.isInteger(M) || M < 0) throw new RangeError(`generate: maxNewTokens must be a non-negative integer (got ${M})`);
  if (P + M > config.contextLength) throw new RangeError(`generate: P + maxNewTokens = ${P + M} exceeds contextLength ${config.contextLength}`);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new RangeError(`generate: temperature must be a finite number >= 0 (got ${temperature})`);
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`generate: topK must be a non-negative integer (got ${topK})`);
  checkBatch(config, { tokens: req.prompt, B, T: P });
  checkSteering(config, req.steering, B);
}
