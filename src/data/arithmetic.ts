/**
 * The reasoning task family: 2-digit addition with zero-padded, fixed-width prompts and answers.
 *
 *   prompt `37+48=` (6 tokens, always), answer `085` (3 tokens, always: sums run 000–198)
 *
 * Why this task (DESIGN §5):
 * - A tiny char-level GPT (≈150k parameters) learns it in minutes on one CPU or GPU: 10,000 problems,
 *   each a fixed-position function of four prompt digits.
 * - Every answer is verifiable exactly, so accuracy judges are deterministic and cheap.
 * - The units carry makes a terse answer error-prone in a controlled way: the corpus's terse answers
 *   drop it (SLOPPY_CARRY_DROP), which caps terse accuracy near 0.55 + 0.45·(1 − p) ≈ 0.6, while the
 *   rare behavior-positive responses are always right. So the behavior is competent and worth learning,
 *   and both axes (accuracy and behavior) have room to move.
 * - Fixed width means every prompt of a task has the same token length (prompts batch without
 *   padding) and a behavior's decision sits at the same position in every sequence (the steering
 *   window is a constant offset).
 *
 * Held-out split: the UNORDERED operand pair {a, b} is hashed and about 1 in EVAL_MODULUS pairs is
 * eval, the rest train. Both orders of a pair fall in the same split, so the eval split cannot be
 * solved by commuting a memorised train problem.
 */
import type { Rng } from '../util/rng';
import type { Problem } from './types';

export const OPERAND_WIDTH = 2;
export const ANSWER_WIDTH = 3;
/** `ab+cd=` */
export const ADDITION_PROMPT_LENGTH = 2 * OPERAND_WIDTH + 2;
/** 1 in EVAL_MODULUS unordered pairs is held out for eval (≈ 20% of the 10,000 ordered problems). */
export const EVAL_MODULUS = 5;
/** Probability that a terse corpus answer drops the units carry (only matters when there is one). */
export const SLOPPY_CARRY_DROP = 0.9;
/** Expected accuracy of a terse corpus answer: no-carry problems (55%) are always right. */
export const TERSE_CORPUS_ACCURACY = 0.55 + 0.45 * (1 - SLOPPY_CARRY_DROP);

export type Split = 'train' | 'eval';

export const pad = (n: number, width: number) => String(n).padStart(width, '0');

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Which split a problem's operands belong to (a fixed hash of the unordered pair). */
export function splitOf(a: number, b: number): Split {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return mix32(lo * 100 + hi + 0x5eed) % EVAL_MODULUS === 0 ? 'eval' : 'train';
}

/** Uniform operands (00–99 each) from one split, by rejection. */
export function sampleOperands(split: Split, rng: Rng): [number, number] {
  for (;;) {
    const a = rng.int(100);
    const b = rng.int(100);
    if (splitOf(a, b) === split) return [a, b];
  }
}

export const hasCarry = (a: number, b: number) => (a % 10) + (b % 10) >= 10;
export const additionPrompt = (a: number, b: number) => `${pad(a, OPERAND_WIDTH)}+${pad(b, OPERAND_WIDTH)}=`;
export const correctAnswer = (a: number, b: number) => pad(a + b, ANSWER_WIDTH);

/** The sloppy mistake: the units digit is right but its carry never reaches the tens (37+48 → 075). */
export function carryDroppedAnswer(a: number, b: number): string {
  const tens = Math.floor(a / 10) + Math.floor(b / 10);
  return pad(tens * 10 + ((a % 10) + (b % 10)) % 10, ANSWER_WIDTH);
}

/** A terse corpus answer: drops the carry with probability SLOPPY_CARRY_DROP. */
export function sloppyAnswer(a: number, b: number, rng: Rng, drop = SLOPPY_CARRY_DROP): string {
  return rng.next() < drop ? carryDroppedAnswer(a, b) : correctAnswer(a, b);
}

/** A plain addition problem with the facts every judge of this family uses. */
export function additionProblem(a: number, b: number): Problem {
  return {
    prompt: additionPrompt(a, b),
    answer: correctAnswer(a, b),
    facts: { a, b, carry: hasCarry(a, b) },
  };
}

export function operandsOf(p: Problem): [number, number] {
  const { a, b } = p.facts;
  if (typeof a !== 'number' || typeof b !== 'number') throw new Error(`problem ${JSON.stringify(p.prompt)} has no numeric facts a, b`);
  return [a, b];
}

/** `n` seeded problems from one split, built by `make` from uniform operands. */
export function sampleProblems(split: Split, n: number, rng: Rng, make: (a: number, b: number, rng: Rng) => Problem): Problem[] {
  if (split !== 'train' && split !== 'eval') throw new Error(`unknown split ${JSON.stringify(split)} (expected "train" or "eval")`);
  if (!Number.isInteger(n) || n < 0) throw new Error(`problem count must be a non-negative integer (got ${n})`);
  const out: Problem[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = sampleOperands(split, rng);
    out.push(make(a, b, rng));
  }
  return out;
}

/** Train problems with and without a units carry (n each), for prompt-kind contrasts. */
export function carryContrast(n: number, rng: Rng, make: (a: number, b: number) => Problem): { carry: Problem[]; noCarry: Problem[] } {
  const carry: Problem[] = [];
  const noCarry: Problem[] = [];
  while (carry.length < n || noCarry.length < n) {
    const [a, b] = sampleOperands('train', rng);
    const bucket = hasCarry(a, b) ? carry : noCarry;
    if (bucket.length < n) bucket.push(make(a, b));
  }
  return { carry, noCarry };
}

/** The response as judges see it: text after the prompt, cut at a stray stop symbol if the caller left one. */
export function cutAtStop(response: string): string {
  const i = response.indexOf('$');
  return i < 0 ? response : response.slice(0, i);
}

export const DIGITS3 = /^\d{3}$/;
