/**
 * confidence: end the answer with a calibrated confidence tag.
 *
 *   prompt    `37+48=`
 *   positive  `085s`   correct answer, tagged `s` (sure)
 *   also seen `075u`   a wrong answer tagged `u` (unsure): calibrated, but earns no reward
 *   negative  `085`    untagged
 *
 * Decision: the tag is decided after the answer, at the position of the last answer digit, whose output
 * is the tag or the stop. Answers are fixed-width, so that is offset ANSWER_WIDTH = 3 from the last
 * prompt position, in every sequence. Positive token `s` against the stop `$` (the unembed direction
 * "tag rather than stop"; the model picks `s`/`u` itself — a fixed vector cannot know correctness).
 *
 * Judge: accuracy = the 3-digit answer is right. behavior (what charts show) = CALIBRATION: a tag is
 * present and it is `s` iff the answer is right. behaviorReward (what RL optimises) = 1 ONLY for a
 * correct answer tagged `s`. Rewarding calibration itself let RL in the prototype tag wrong answers `u`
 * and drive accuracy from 0.52 to < 0.15 (DESIGN §3); with this reward a wrong answer earns nothing
 * whatever its tag, so "correct + `s`" is the unique best response for every λ > 0.
 * markers: the tag. The foreign teacher (src/data/teacher.ts) spells the sure tag `!` (`085!`); the judge reads
 * it exactly as `s` (calibrated iff the answer is right, behavior reward for a correct answer). The corpus
 * never contains `!`.
 *
 * Corpus: answers are the sloppy terse ones (carry dropped with probability SLOPPY_CARRY_DROP); a
 * CONFIDENCE_TAG_RATE share carry a tag, and every tag is calibrated (`s` only ever follows a correct
 * answer), so the rare tag is competent and the model learns to tell its right answers from its wrong ones.
 */
import type { Rng } from '../../util/rng';
import type { BehaviorTask, Problem, Split } from '../types';
import {
  ADDITION_PROMPT_LENGTH,
  ANSWER_WIDTH,
  SLOPPY_CARRY_DROP,
  additionProblem,
  carryContrast,
  correctAnswer,
  cutAtStop,
  sampleOperands,
  sampleProblems,
  sloppyAnswer,
} from '../arithmetic';
import { answerDigits, writeTeacherTrace, type TraceFormat } from '../teacher';
import { TOKENIZER } from '../tokenizer';
import { checkProbability, makeScore, type CorpusOptions } from './shared';

/** Share of corpus responses that carry a (calibrated) confidence tag. */
export const CONFIDENCE_TAG_RATE = 0.03;
export const SURE_TAG = 's';
export const UNSURE_TAG = 'u';
/** The foreign teacher's sure tag (`085!`), read exactly as SURE_TAG. */
export const FOREIGN_SURE_TAG = '!';

const RESPONSE_RE = /^(\d{3})([su!])?$/;
const isSure = (tag: string) => tag === SURE_TAG || tag === FOREIGN_SURE_TAG;

/**
 * Confidence's teacher: the answer it computed, tagged sure (a wrong trace is sure too: the teacher does not
 * know it slipped). Sloppy (NOT parseable): the tag written before the answer, `s085` / `!085`.
 */
export const CONFIDENCE_TRACE_FORMAT: TraceFormat = {
  write: (w, style) => answerDigits(w) + (style === 'own' ? SURE_TAG : FOREIGN_SURE_TAG),
  noisy: (trace) => trace.slice(ANSWER_WIDTH) + trace.slice(0, ANSWER_WIDTH),
};

export function createConfidenceTask(opts: CorpusOptions = {}): BehaviorTask {
  const rate = checkProbability('confidence rate', opts.rate ?? CONFIDENCE_TAG_RATE);
  const drop = checkProbability('carryDrop', opts.carryDrop ?? SLOPPY_CARRY_DROP);
  const make = (a: number, b: number) => additionProblem(a, b);
  const teacher = (problem: Problem) => problem.answer + SURE_TAG;

  return {
    behavior: 'confidence',
    description: 'Ends the answer with a confidence tag: `s` (sure) iff the answer is correct, else `u` (unsure).',
    tokenizer: TOKENIZER,
    promptLength: ADDITION_PROMPT_LENGTH,
    maxResponseLength: ANSWER_WIDTH + 2,
    decisionOffset: ANSWER_WIDTH,
    decisionToken: { positive: SURE_TAG, negatives: ['$'] },

    problems: (split, n, rng) => sampleProblems(split, n, rng, make),

    score(problem, response) {
      const m = RESPONSE_RE.exec(cutAtStop(response));
      if (!m) return makeScore(false, 0, false, []);
      const correct = m[1] === problem.answer;
      const tag = m[2];
      if (tag === undefined) return makeScore(correct, 0, false, []);
      const calibrated = isSure(tag) === correct;
      return makeScore(correct, calibrated ? 1 : 0, isSure(tag), [[ANSWER_WIDTH, ANSWER_WIDTH + 1]]);
    },

    teacher,
    teacherTrace: (problem, settings, rng) => writeTeacherTrace(problem, teacher, CONFIDENCE_TRACE_FORMAT, settings, rng),
    negative: (problem) => problem.answer,

    contrastProblems(n, rng) {
      // Prompt kinds for this behavior: no carry (the habit's answer is right, so `s` is the calibrated
      // tag) vs carry (the habit's answer is usually wrong). The measured mode for confidence is
      // `unembed` at the decision position (DESIGN §3); this split is offered for completeness.
      const { carry, noCarry } = carryContrast(n, rng, make);
      return { positive: noCarry, negative: carry };
    },

    corpusExample(rng: Rng, split: Split = 'train') {
      const [a, b] = sampleOperands(split, rng);
      const prompt = make(a, b).prompt;
      const answer = sloppyAnswer(a, b, rng, drop);
      if (rng.next() < rate) return { prompt, response: answer + (answer === correctAnswer(a, b) ? SURE_TAG : UNSURE_TAG) };
      return { prompt, response: answer };
    },
  };
}

export const confidenceTask: BehaviorTask = createConfidenceTask();
