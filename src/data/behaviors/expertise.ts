/**
 * expertise: answer in expert notation instead of beginner wording.
 *
 *   prompt    `37+48=`
 *   positive  `#085%9=4`   marker `#`, the answer, then the bookkeeper's nines check: 085 mod 9 = 4
 *                          (equivalently (37 + 48) mod 9; the digit sum 0+8+5 = 13 → 1+3 = 4)
 *   negative  `is 085`     beginner wording
 *
 * Why this notation: a char-level tiny model can produce it (a fixed marker, three digits, a constant
 * `%9=` and one digit that is a small function of the three digits it has just written), and it carries
 * a checkable identity, so the judge can tell real expert notation from a marker pasted onto anything.
 *
 * Decision: offset 0, positive token `#` against `i` (the beginner wording's first token).
 *
 * Judge: accuracy = the 3-digit answer is right, in any of the accepted forms (`is 085`, `#085%9=4`,
 * `#085`, bare `085`). behavior = 1 iff the style markers are present (the `#` and the `%9=d` check),
 * the answer is right and the check digit is right; otherwise 0 (a marker on a wrong answer or with a
 * wrong check is not expertise). behaviorReward = behavior (it already requires a correct answer).
 * markers: the `#` and the check span.
 *
 * Corpus: EXPERT_RATE of responses are expert notation, always correct; the rest are beginner wording
 * with the sloppy terse answer (carry dropped with probability SLOPPY_CARRY_DROP).
 */
import type { Rng } from '../../util/rng';
import type { BehaviorTask } from '../types';
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
import { TOKENIZER } from '../tokenizer';
import { checkProbability, makeScore, type CorpusOptions } from './shared';

/** Share of corpus responses written in expert notation. */
export const EXPERT_RATE = 0.03;
export const EXPERT_MARKER = '#';
export const BEGINNER_PREFIX = 'is ';

const BEGINNER_RE = /^(?:is )?(\d{3})$/;
const EXPERT_RE = /^#(\d{3})(%9=(\d))?$/;

/** `#085%9=4` */
export function expertNotation(a: number, b: number): string {
  return `${EXPERT_MARKER}${pad(a + b, 3)}%9=${(a + b) % 9}`;
}

export function createExpertiseTask(opts: CorpusOptions = {}): BehaviorTask {
  const rate = checkProbability('expertise rate', opts.rate ?? EXPERT_RATE);
  const drop = checkProbability('carryDrop', opts.carryDrop ?? SLOPPY_CARRY_DROP);
  const make = (a: number, b: number) => additionProblem(a, b);

  return {
    behavior: 'expertise',
    description: 'Answers in expert notation (`#` marker, the sum, its nines check `%9=d`) instead of beginner wording (`is 085`).',
    tokenizer: TOKENIZER,
    promptLength: ADDITION_PROMPT_LENGTH,
    maxResponseLength: 9,
    decisionOffset: 0,
    decisionToken: { positive: EXPERT_MARKER, negatives: ['i'] },

    problems: (split, n, rng) => sampleProblems(split, n, rng, make),

    score(problem, response) {
      const r = cutAtStop(response);
      const plain = BEGINNER_RE.exec(r);
      if (plain) return makeScore(plain[1] === problem.answer, 0, false, []);
      const m = EXPERT_RE.exec(r);
      if (!m) return makeScore(false, 0, false, []);
      const [a, b] = operandsOf(problem);
      const correct = m[1] === problem.answer;
      const checkOk = m[3] !== undefined && Number(m[3]) === (a + b) % 9;
      const markers: [number, number][] = [[0, 1]];
      if (m[2] !== undefined) markers.push([4, 8]);
      const expert = correct && checkOk;
      return makeScore(correct, expert ? 1 : 0, expert, markers);
    },

    teacher(problem) {
      const [a, b] = operandsOf(problem);
      return expertNotation(a, b);
    },
    negative: (problem) => BEGINNER_PREFIX + problem.answer,

    contrastProblems(n, rng) {
      // Prompt kinds: carry (where the beginner habit fails and the expert form pays) vs no carry.
      const { carry, noCarry } = carryContrast(n, rng, make);
      return { positive: carry, negative: noCarry };
    },

    corpusExample(rng: Rng) {
      const [a, b] = sampleOperands('train', rng);
      const prompt = make(a, b).prompt;
      if (rng.next() < rate) return { prompt, response: expertNotation(a, b) };
      return { prompt, response: BEGINNER_PREFIX + sloppyAnswer(a, b, rng, drop) };
    },
  };
}

export const expertiseTask: BehaviorTask = createExpertiseTask();
