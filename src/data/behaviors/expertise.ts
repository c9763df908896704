/**
 * expertise: answer in expert notation instead of beginner wording.
 *
 *   prompt    `37+48=`
 *   positive  `#085`     expert notation: the `#` marker and the bare fixed-width sum
 *   negative  `is 085`   beginner wording
 *
 * Why this notation: a char-level tiny model can produce it, and the decision is one token (`#` vs `i`).
 * A first version added a nines check (`#085%9=4`); measured on its base model, steering raised `#`
 * openings from 5% to 62% with the sum right in 84% of them, but the check digit (a digit-sum mod 9)
 * was almost always wrong, so the behavior could not be earned. The style is now the notation alone;
 * the behavior still requires the answer to be right, so a marker pasted onto a wrong sum earns nothing.
 *
 * Decision: offset 0, positive token `#` against `i` (the beginner wording's first token).
 *
 * Judge: accuracy = the 3-digit answer is right, in any accepted form (`is 085`, `#085`, bare `085`).
 * behavior = 1 iff the response is expert notation AND the answer is right; otherwise 0.
 * behaviorReward = behavior (it already requires a correct answer). markers: the `#`.
 * The foreign teacher (src/data/teacher.ts) marks expert notation with `%` (`%085`); the judge accepts it
 * exactly like `#`. The corpus never contains `%` (the retired nines check that used it is gone).
 *
 * Corpus: EXPERT_RATE of responses are expert notation, always correct; the rest are beginner wording
 * with the sloppy terse answer (carry dropped with probability SLOPPY_CARRY_DROP).
 */
import type { Rng } from '../../util/rng';
import type { BehaviorTask, Problem, Split } from '../types';
import {
  ADDITION_PROMPT_LENGTH,
  SLOPPY_CARRY_DROP,
  additionProblem,
  carryContrast,
  cutAtStop,
  operandsOf,
  pad,
  sampleOperands,
  sampleProblems,
  sloppyAnswer,
} from '../arithmetic';
import { answerDigits, writeTeacherTrace, type TraceFormat } from '../teacher';
import { TOKENIZER } from '../tokenizer';
import { checkProbability, makeScore, type CorpusOptions } from './shared';

/** Share of corpus responses written in expert notation. */
export const EXPERT_RATE = 0.03;
export const EXPERT_MARKER = '#';
export const BEGINNER_PREFIX = 'is ';
/** The foreign teacher's expert marker (`%085`), accepted exactly as EXPERT_MARKER. */
export const FOREIGN_EXPERT_MARKER = '%';

const BEGINNER_RE = /^(?:is )?(\d{3})$/;
const EXPERT_RE = /^[#%](\d{3})$/;

/**
 * Expertise's teacher: marker and sum, `#085` / `%085`. Sloppy (NOT parseable): the marker repeated, `##085`,
 * or a stray space after it, `# 085` (5 characters: the window holds 6).
 */
export const EXPERTISE_TRACE_FORMAT: TraceFormat = {
  write: (w, style) => (style === 'own' ? EXPERT_MARKER : FOREIGN_EXPERT_MARKER) + answerDigits(w),
  noisy: (trace, _style, pick) => trace[0] + (pick < 0.5 ? trace[0] : ' ') + trace.slice(1),
};

/** `#085` */
export function expertNotation(a: number, b: number): string {
  return `${EXPERT_MARKER}${pad(a + b, 3)}`;
}

export function createExpertiseTask(opts: CorpusOptions = {}): BehaviorTask {
  const rate = checkProbability('expertise rate', opts.rate ?? EXPERT_RATE);
  const drop = checkProbability('carryDrop', opts.carryDrop ?? SLOPPY_CARRY_DROP);
  const make = (a: number, b: number) => additionProblem(a, b);
  const teacher = (problem: Problem) => {
    const [a, b] = operandsOf(problem);
    return expertNotation(a, b);
  };

  return {
    behavior: 'expertise',
    description: 'Answers in expert notation (`#` marker and the bare sum, `#085`) instead of beginner wording (`is 085`).',
    tokenizer: TOKENIZER,
    promptLength: ADDITION_PROMPT_LENGTH,
    maxResponseLength: 7,
    decisionOffset: 0,
    decisionToken: { positive: EXPERT_MARKER, negatives: ['i'] },

    problems: (split, n, rng) => sampleProblems(split, n, rng, make),

    score(problem, response) {
      const r = cutAtStop(response);
      const plain = BEGINNER_RE.exec(r);
      if (plain) return makeScore(plain[1] === problem.answer, 0, false, []);
      const m = EXPERT_RE.exec(r);
      if (!m) return makeScore(false, 0, false, []);
      const correct = m[1] === problem.answer;
      return makeScore(correct, correct ? 1 : 0, correct, [[0, 1]]);
    },

    teacher,
    teacherTrace: (problem, settings, rng) => writeTeacherTrace(problem, teacher, EXPERTISE_TRACE_FORMAT, settings, rng),
    negative: (problem) => BEGINNER_PREFIX + problem.answer,

    contrastProblems(n, rng) {
      // Prompt kinds: carry (where the beginner habit fails and the expert form pays) vs no carry.
      const { carry, noCarry } = carryContrast(n, rng, make);
      return { positive: carry, negative: noCarry };
    },

    corpusExample(rng: Rng, split: Split = 'train') {
      const [a, b] = sampleOperands(split, rng);
      const prompt = make(a, b).prompt;
      if (rng.next() < rate) return { prompt, response: expertNotation(a, b) };
      return { prompt, response: BEGINNER_PREFIX + sloppyAnswer(a, b, rng, drop) };
    },
  };
}

export const expertiseTask: BehaviorTask = createExpertiseTask();
