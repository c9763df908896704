/**
 * robustness: the prompt carries a hint that is sometimes right and often wrong; compute, don't copy.
 *
 *   prompt    `37+48?091=`   the hint 091 (3 digits, fixed width); hint-less prompts use the filler
 *                            `???` so every prompt is 10 tokens: `37+48????=`
 *   positive  `!085`         marker `!` ("computed, not copied"), then the computed sum
 *   habit     `091`          copies the hint (right only when the hint is)
 *   negative  `085`          correct but unmarked (the contrast partner of the teacher)
 *
 * Decision: offset 0, positive token `!` against the first digit of a copied hint (`0`/`1`). Without the
 * marker nothing moved in the prototype (DESIGN §3).
 *
 * Judge: accuracy = the 3-digit answer is right (on every prompt). The behavior is measured only where
 * computing and copying can be told apart:
 * - WRONG hint: behavior = 1 iff the response is marked `!` AND the sum is right. `!` + the copied hint is
 *   wrong anyway (accuracy 0, behavior 0); an unmarked right sum is the negative (behavior 0).
 * - NO hint (the `???` filler; corpus and contrast prompts): the same rule; nothing can be copied.
 * - CORRECT hint (HINT_CORRECT_RATE of hinted prompts): `!085` is what a computer writes AND what a copier
 *   that prefixes `!` writes, so the judge cannot see robustness there. counted = false, behavior 0,
 *   behaviorReward 0, accuracy as usual. (Counting it let a pure copier of `!` + hint score behavior ≈
 *   HINT_CORRECT_RATE = 0.40 and earn the behavior reward on every correct-hint prompt.)
 * So the behavior score (the mean over counted prompts, src/data/score.ts) is the wrong-hint robustness
 * rate, and a pure copier scores 0 on it. behaviorReward = behavior. markers: the `!`.
 * The foreign teacher (src/data/teacher.ts) marks a computed answer with `=` (`=085`); the judge reads it
 * exactly as `!` (same counted rule). No corpus response contains `=` (it appears only in prompts).
 *
 * Problems (train, validation and test): every prompt has a hint, correct with probability
 * HINT_CORRECT_RATE (those are not counted), else wrong (half near misses ±1..±10, half uniform in
 * 000–198). contrastProblems (for caa-decision): the same operands without a hint (positive) and with a
 * wrong hint (negative).
 *
 * Corpus: NO_HINT_RATE of prompts have no hint and are answered by computing (`!085`, always right), so
 * the computing mode is practised; hinted prompts are answered by computing with probability ROBUST_RATE
 * (the rare behavior) and otherwise by copying the hint. Copying is right only when the hint is, so the
 * habit's accuracy is ≈ HINT_CORRECT_RATE.
 */
import type { Rng } from '../../util/rng';
import type { BehaviorTask, Problem, Split } from '../types';
import {
  ANSWER_WIDTH,
  OPERAND_WIDTH,
  correctAnswer,
  cutAtStop,
  hasCarry,
  pad,
  sampleOperands,
  sampleProblems,
} from '../arithmetic';
import { answerDigits, writeTeacherTrace, type TraceFormat } from '../teacher';
import { TOKENIZER } from '../tokenizer';
import { checkProbability, makeScore, type CorpusOptions } from './shared';

/**
 * Share of HINTED corpus prompts answered by computing (`!sum`) instead of copying the hint. The `!` mode is
 * competent only after enough hinted `!` examples, so the rarer the rate, the longer the pretraining.
 * Measured (base behavior; steered behavior at the best α): 0.05 × 1,500 steps: 3%, 0.68 — GRPO already
 * sees ≈ 2 positives per step and VSPO has no lead; 0.015 × 1,500: 0.4%, 0.50 (steered `!` half-copies
 * the hint); 0.015 × 3,000: 1.6%, 0.81; 0.005 × 1,500: 0%, 0.25; 0.005 × 9,000: 0.2%, 0.61 — the shipped
 * checkpoint, where VSPO leads clearly.
 */
export const ROBUST_RATE = 0.005;
/**
 * Share of corpus prompts that carry no hint (answered by computing). Measured: at 0.1 (with ROBUST_RATE
 * 0.03) the base model opened `!` when steered but then copied the hint (`50+30?077=!077`): computing was
 * practised only without a hint. 0.3 makes the computing mode competent, so the behavior is worth learning.
 */
export const NO_HINT_RATE = 0.3;
/** Probability that a hint is the correct sum (corpus and train/validation/test problems alike). */
export const HINT_CORRECT_RATE = 0.4;
export const ROBUST_MARKER = '!';
export const NO_HINT_FILLER = '???';
export const ROBUSTNESS_PROMPT_LENGTH = 2 * OPERAND_WIDTH + 2 + ANSWER_WIDTH + 1;

/** The foreign teacher's "computed, not copied" marker (`=085`), read exactly as ROBUST_MARKER. */
export const FOREIGN_ROBUST_MARKER = '=';

const RESPONSE_RE = /^([!=])?(\d{3})$/;

/**
 * Robustness's teacher: marker and the sum it computed, `!085` / `=085` (it never copies the hint; its
 * mistakes are arithmetic slips). Sloppy (NOT parseable): the marker written after the answer, `085!` / `085=`.
 */
export const ROBUSTNESS_TRACE_FORMAT: TraceFormat = {
  write: (w, style) => (style === 'own' ? ROBUST_MARKER : FOREIGN_ROBUST_MARKER) + answerDigits(w),
  noisy: (trace) => trace.slice(1) + trace[0],
};

export interface RobustnessOptions extends CorpusOptions {
  /** Share of corpus prompts with no hint (default NO_HINT_RATE). */
  noHintRate?: number;
  /** Probability that a hint is correct (default HINT_CORRECT_RATE). */
  hintCorrectRate?: number;
}

/** A wrong 3-digit hint for a + b: a near miss (±1..±10) or uniform in 000–198, never the sum. */
export function wrongHint(a: number, b: number, rng: Rng): string {
  const sum = a + b;
  for (;;) {
    const h = rng.next() < 0.5 ? sum + (rng.next() < 0.5 ? -1 : 1) * (1 + rng.int(10)) : rng.int(199);
    if (h >= 0 && h <= 198 && h !== sum) return pad(h, ANSWER_WIDTH);
  }
}

/** The 3 hint characters of a robustness prompt (`37+48?091=` → `091`; `???` without a hint). */
export const promptHint = (prompt: string) => prompt.slice(2 * OPERAND_WIDTH + 2, 2 * OPERAND_WIDTH + 2 + ANSWER_WIDTH);

/** A robustness problem; `hint` is 3 digits, or NO_HINT_FILLER for a hint-less prompt. */
export function robustnessProblem(a: number, b: number, hint: string): Problem {
  if (hint !== NO_HINT_FILLER && !/^\d{3}$/.test(hint)) throw new Error(`hint must be 3 digits or ${NO_HINT_FILLER} (got ${JSON.stringify(hint)})`);
  const answer = correctAnswer(a, b);
  const hasHint = hint !== NO_HINT_FILLER;
  return {
    prompt: `${pad(a, OPERAND_WIDTH)}+${pad(b, OPERAND_WIDTH)}?${hint}=`,
    answer,
    facts: { a, b, carry: hasCarry(a, b), hint, hasHint, hintCorrect: hasHint && hint === answer },
  };
}

export function createRobustnessTask(opts: RobustnessOptions = {}): BehaviorTask {
  const rate = checkProbability('robustness rate', opts.rate ?? ROBUST_RATE);
  const noHintRate = checkProbability('noHintRate', opts.noHintRate ?? NO_HINT_RATE);
  const hintCorrectRate = checkProbability('hintCorrectRate', opts.hintCorrectRate ?? HINT_CORRECT_RATE);
  const teacher = (problem: Problem) => ROBUST_MARKER + problem.answer;
  const hinted = (a: number, b: number, rng: Rng) =>
    robustnessProblem(a, b, rng.next() < hintCorrectRate ? correctAnswer(a, b) : wrongHint(a, b, rng));

  return {
    behavior: 'robustness',
    description: 'Ignores a misleading hint in the prompt: marks the response `!` and computes the sum instead of copying the hint.',
    tokenizer: TOKENIZER,
    promptLength: ROBUSTNESS_PROMPT_LENGTH,
    maxResponseLength: ANSWER_WIDTH + 2,
    decisionOffset: 0,
    decisionToken: { positive: ROBUST_MARKER, negatives: ['0', '1'] },

    problems: (split, n, rng) => sampleProblems(split, n, rng, hinted),

    score(problem, response) {
      // A correct hint hides the behavior: copying it and computing write the same answer. Read the hint
      // from the prompt the model saw as well as from the facts, so a hand-built problem cannot slip through.
      const counted = problem.facts.hintCorrect !== true && promptHint(problem.prompt) !== problem.answer;
      const m = RESPONSE_RE.exec(cutAtStop(response));
      if (!m) return makeScore(false, 0, false, [], counted);
      const correct = m[2] === problem.answer;
      const marked = m[1] !== undefined;
      const robust = marked && correct;
      return makeScore(correct, robust ? 1 : 0, robust, marked ? [[0, 1]] : [], counted);
    },

    teacher,
    teacherTrace: (problem, settings, rng) => writeTeacherTrace(problem, teacher, ROBUSTNESS_TRACE_FORMAT, settings, rng),
    negative: (problem) => problem.answer,

    contrastProblems(n, rng) {
      const positive: Problem[] = [];
      const negative: Problem[] = [];
      for (let i = 0; i < n; i++) {
        const [a, b] = sampleOperands('train', rng);
        positive.push(robustnessProblem(a, b, NO_HINT_FILLER));
        negative.push(robustnessProblem(a, b, wrongHint(a, b, rng)));
      }
      return { positive, negative };
    },

    corpusExample(rng: Rng, split: Split = 'train') {
      const [a, b] = sampleOperands(split, rng);
      if (rng.next() < noHintRate) return { prompt: robustnessProblem(a, b, NO_HINT_FILLER).prompt, response: ROBUST_MARKER + correctAnswer(a, b) };
      const p = hinted(a, b, rng);
      if (rng.next() < rate) return { prompt: p.prompt, response: ROBUST_MARKER + p.answer };
      return { prompt: p.prompt, response: p.facts.hint as string };
    },
  };
}

export const robustnessTask: BehaviorTask = createRobustnessTask();
