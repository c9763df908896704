/**
 * verbosity: show the worked steps before the answer.
 *
 *   prompt    `37+48=`
 *   positive  `:15,07+1=08,085`   marker `:`, units sum 7+8=15 (carry 1), tens digits 3+4=07, plus the
 *                                 carry 1 = 08, then the answer 085 (16 tokens with the stop `$`)
 *   negative  `085`               terse
 *
 * Decision: offset 0 (the first response token), positive token `:` against the terse answer's first
 * digit (`0`/`1`). The marker makes the decision one token; without it a prototype's steering made the
 * model open the steps with a wrong digit (DESIGN §5).
 *
 * Judge: accuracy = the final answer (the whole terse response, or the 3 digits after the last `,` of a
 * verbose one) is right. behavior = 1 iff the response is EXACTLY this prompt's worked steps, final answer
 * included: the marker, well-formed steps that are all correct, and the answer those steps give. Steps
 * that are present but wrong (or malformed, or that merely restate the answer) score 0, not partial: a
 * partial credit for the form alone would pay RL for emitting `:` and junk. The final answer is the last
 * step (tens 08 and units 5 make 085), so right steps followed by a different answer are not the worked
 * steps of that answer either: behavior 0 (it used to score behavior 1 with accuracy 0, so a policy could
 * raise the behavior chart with steps it did not follow). Hence behavior 1 implies accuracy 1, and
 * behaviorReward = behavior. markers: the marker and the steps (the span before the final answer).
 * The foreign teacher's layout (src/data/teacher.ts) writes the carry before the tens digits,
 * `:15,1+07=08,085`; it is the same worked steps, and the judge accepts it exactly like the own layout
 * (behavior 1 iff it is exactly this prompt's steps in that layout). The corpus never contains it.
 *
 * Corpus: VERBOSE_RATE of responses are the worked steps, always correct; the rest are terse and
 * sloppy (they drop the units carry with probability SLOPPY_CARRY_DROP), so terse accuracy ≈ 0.6.
 */
import type { Rng } from '../../util/rng';
import type { BehaviorTask, Problem, TeacherStyle, Split } from '../types';
import {
  ADDITION_PROMPT_LENGTH,
  SLOPPY_CARRY_DROP,
  additionProblem,
  carryContrast,
  cutAtStop,
  DIGITS3,
  operandsOf,
  pad,
  sampleOperands,
  sampleProblems,
  sloppyAnswer,
} from '../arithmetic';
import { answerDigits, rightWorking, writeTeacherTrace, type TraceFormat, type Working } from '../teacher';
import { TOKENIZER } from '../tokenizer';
import { checkProbability, makeScore, type CorpusOptions } from './shared';

/** Share of corpus responses that show the worked steps. */
export const VERBOSE_RATE = 0.03;
export const VERBOSE_MARKER = ':';

const VERBOSE_RE = /^:(\d\d),(\d\d)\+(\d)=(\d\d),(\d{3})$/;
/** The foreign teacher's layout: the carry before the tens digits (`:15,1+07=08,085`). */
const FOREIGN_VERBOSE_RE = /^:(\d\d),(\d)\+(\d\d)=(\d\d),(\d{3})$/;
const FINAL_RE = /,(\d{3})$/;

/** The worked steps for a + b, marker included: `:15,07+1=08,085`. */
export function workedSteps(a: number, b: number): string {
  const units = (a % 10) + (b % 10);
  const carry = units >= 10 ? 1 : 0;
  const tens = Math.floor(a / 10) + Math.floor(b / 10);
  return `${VERBOSE_MARKER}${pad(units, 2)},${pad(tens, 2)}+${carry}=${pad(tens + carry, 2)},${pad(a + b, 3)}`;
}

/** A computation's steps in a teacher style: own `:15,07+1=08,085`, foreign `:15,1+07=08,085`. */
export function stepsOf(w: Working, style: TeacherStyle): string {
  const tensStep = style === 'own' ? `${pad(w.tens, 2)}+${w.carry}` : `${w.carry}+${pad(w.tens, 2)}`;
  return `${VERBOSE_MARKER}${pad(w.units, 2)},${tensStep}=${pad(w.tens + w.carry, 2)},${answerDigits(w)}`;
}

/** The worked steps for a + b in the foreign teacher's layout: `:15,1+07=08,085`. */
export const foreignWorkedSteps = (a: number, b: number) => stepsOf(rightWorking(a, b), 'foreign');

/**
 * Verbosity's sloppy teacher (PARSEABLE): one step separator (the `,` after the units sum, the `+` or the `=`)
 * written as a stray space, `:15 07+1=08,085`. The final `,085` stays, so the answer is still read.
 */
export const VERBOSITY_TRACE_FORMAT: TraceFormat = {
  write: stepsOf,
  noisy(trace, _style, pick) {
    const at = [...trace.slice(0, trace.lastIndexOf(','))].flatMap((c, i) => (c === ',' || c === '+' || c === '=' ? [i] : []));
    const i = at[Math.floor(pick * at.length)];
    return trace.slice(0, i) + ' ' + trace.slice(i + 1);
  },
};

export function createVerbosityTask(opts: CorpusOptions = {}): BehaviorTask {
  const rate = checkProbability('verbosity rate', opts.rate ?? VERBOSE_RATE);
  const drop = checkProbability('carryDrop', opts.carryDrop ?? SLOPPY_CARRY_DROP);
  const make = (a: number, b: number) => additionProblem(a, b);
  const teacher = (problem: Problem) => {
    const [a, b] = operandsOf(problem);
    return workedSteps(a, b);
  };

  return {
    behavior: 'verbosity',
    description: 'Shows the worked steps (units sum and carry, tens sum) after a `:` marker before the answer.',
    tokenizer: TOKENIZER,
    promptLength: ADDITION_PROMPT_LENGTH,
    maxResponseLength: 16,
    decisionOffset: 0,
    decisionToken: { positive: VERBOSE_MARKER, negatives: ['0', '1'] },

    problems: (split, n, rng) => sampleProblems(split, n, rng, make),

    score(problem, response) {
      const r = cutAtStop(response);
      const [a, b] = operandsOf(problem);
      if (DIGITS3.test(r)) return makeScore(r === problem.answer, 0, false, []);
      if (!r.startsWith(VERBOSE_MARKER)) return makeScore(false, 0, false, []);
      const final = FINAL_RE.exec(r);
      const correct = final !== null && final[1] === problem.answer;
      // The whole response must be exactly this prompt's steps AND the answer they give, in the own
      // layout or the foreign teacher's (the carry before the tens digits).
      const verbose = (VERBOSE_RE.test(r) && r === workedSteps(a, b)) || (FOREIGN_VERBOSE_RE.test(r) && r === foreignWorkedSteps(a, b));
      const markers: [number, number][] = [[0, final ? r.length - 4 : r.length]];
      return makeScore(correct, verbose ? 1 : 0, verbose, markers);
    },

    teacher,
    teacherTrace: (problem, settings, rng) => writeTeacherTrace(problem, teacher, VERBOSITY_TRACE_FORMAT, settings, rng),
    negative: (problem) => problem.answer,

    contrastProblems(n, rng) {
      // The prompt kind that matters to this behavior is whether the units carry (the sloppy habit's
      // failure) is present. caa-response / the decision window are this behavior's measured modes.
      const { carry, noCarry } = carryContrast(n, rng, make);
      return { positive: carry, negative: noCarry };
    },

    corpusExample(rng: Rng, split: Split = 'train') {
      const [a, b] = sampleOperands(split, rng);
      const prompt = make(a, b).prompt;
      if (rng.next() < rate) return { prompt, response: workedSteps(a, b) };
      return { prompt, response: sloppyAnswer(a, b, rng, drop) };
    },
  };
}

export const verbosityTask: BehaviorTask = createVerbosityTask();
