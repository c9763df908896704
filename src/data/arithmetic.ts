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
 * Splits (train / validation / test): the UNORDERED operand pair {a, b} is hashed, h = mix32(lo·100 + hi +
 * 0x5eed) mod HELD_OUT_MODULUS (10). h = VALIDATION_RESIDUE (0) is validation, h = TEST_RESIDUE (5) is
 * test, every other residue is train.
 * - Both orders of a pair fall in the same split, so a held-out problem cannot be solved by commuting a
 *   memorised train problem.
 * - Why two held-out splits: settings (steering doses, grids, RL budgets) are CHOSEN on validation and
 *   results are REPORTED on test. A number measured on the split its setting was picked on is biased
 *   upward (the best of k noisy settings looks better than it is); test was never looked at while tuning.
 * - Why these residues: until now there was one held-out split, `eval` = h mod 5 = 0, i.e. h mod 10 ∈ {0, 5}.
 *   The shipped checkpoints were pretrained on the complement, so train must stay EXACTLY that complement
 *   (a problem that moved into train would be one the checkpoints never saw, one that moved out would be a
 *   held-out problem they were trained on). Validation and test are the old eval split cut in two halves:
 *   964 (validation) and 990 (test) of the 10,000 ordered problems, train 8,046 (485, 499 and 4,066
 *   of the 5,050 unordered pairs).
 */
import type { Rng } from '../util/rng';
import { SPLITS, isSplit, type Problem, type Split } from './types';

export const OPERAND_WIDTH = 2;
export const ANSWER_WIDTH = 3;
/** `ab+cd=` */
export const ADDITION_PROMPT_LENGTH = 2 * OPERAND_WIDTH + 2;
/** The split hash is taken mod HELD_OUT_MODULUS; one residue is validation, one is test, the rest train. */
export const HELD_OUT_MODULUS = 10;
/** Residue of the validation split (≈ 10% of the 10,000 ordered problems). */
export const VALIDATION_RESIDUE = 0;
/** Residue of the test split (≈ 10%). With VALIDATION_RESIDUE it is the old `eval` split (hash mod 5 = 0). */
export const TEST_RESIDUE = 5;
/** Probability that a terse corpus answer drops the units carry (only matters when there is one). */
export const SLOPPY_CARRY_DROP = 0.9;
/** Expected accuracy of a terse corpus answer: no-carry problems (55%) are always right. */
export const TERSE_CORPUS_ACCURACY = 0.55 + 0.45 * (1 - SLOPPY_CARRY_DROP);

export { SPLITS, isSplit, type Split } from './types';

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
  const h = mix32(lo * 100 + hi + 0x5eed) % HELD_OUT_MODULUS;
  return h === VALIDATION_RESIDUE ? 'validation' : h === TEST_RESIDUE ? 'test' : 'train';
}

/** Throws a clear error for anything but one of SPLITS (e.g. the retired `eval`). */
export function checkSplit(split: unknown): Split {
  if (!isSplit(split)) throw new Error(`unknown split ${JSON.stringify(split)} (expected one of: ${SPLITS.join(', ')})`);
  return split;
}

/** Uniform operands (00–99 each) from one split, by rejection. */
export function sampleOperands(split: Split, rng: Rng): [number, number] {
  checkSplit(split); // an unknown split would never be drawn: fail instead of looping forever
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
  checkSplit(split);
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
