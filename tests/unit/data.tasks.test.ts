import { describe, expect, it } from 'vitest';
import { SLOPPY_CARRY_DROP, TERSE_CORPUS_ACCURACY, additionProblem, carryDroppedAnswer, sampleOperands, sampleProblems, splitOf } from '../../src/data/arithmetic';
import { CONFIDENCE_TAG_RATE, createConfidenceTask } from '../../src/data/behaviors/confidence';
import { EXPERT_RATE, createExpertiseTask } from '../../src/data/behaviors/expertise';
import { HINT_CORRECT_RATE, NO_HINT_FILLER, NO_HINT_RATE, ROBUST_RATE, createRobustnessTask } from '../../src/data/behaviors/robustness';
import { VERBOSE_RATE, createVerbosityTask } from '../../src/data/behaviors/verbosity';
import { TASKS, getTask } from '../../src/data/tasks';
import { TOKENIZER } from '../../src/data/tokenizer';
import { BEHAVIORS, SPLITS, isSplit, type Behavior, type BehaviorTask, type Problem, type Split } from '../../src/data/types';
import { createRng } from '../../src/util/rng';

const operands = (p: Problem) => [p.facts.a as number, p.facts.b as number] as const;
const pairKey = (p: Problem) => {
  const [a, b] = operands(p);
  return Math.min(a, b) * 100 + Math.max(a, b);
};

const RATES: Record<Behavior, number> = {
  verbosity: VERBOSE_RATE,
  confidence: CONFIDENCE_TAG_RATE,
  expertise: EXPERT_RATE,
  robustness: ROBUST_RATE,
};

describe('task registry', () => {
  it('has one task per behavior and refuses unknown behaviors', () => {
    for (const b of BEHAVIORS) {
      expect(getTask(b)).toBe(TASKS[b]);
      expect(getTask(b).behavior).toBe(b);
    }
    expect(() => getTask('honesty')).toThrow(/unknown behavior "honesty" \(expected one of: verbosity, confidence, expertise, robustness\)/);
    expect(() => getTask('')).toThrow(/unknown behavior/);
  });

  it('factories validate their corpus options', () => {
    expect(() => createVerbosityTask({ rate: 1.5 })).toThrow(/verbosity rate must be a probability/);
    expect(() => createConfidenceTask({ carryDrop: -0.1 })).toThrow(/carryDrop/);
    expect(() => createExpertiseTask({ rate: Number.NaN })).toThrow(/probability/);
    expect(() => createRobustnessTask({ hintCorrectRate: 2 })).toThrow(/hintCorrectRate/);
  });
});

/** The hash of the split rule, written out again here so the test does not trust src/data/arithmetic.ts. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}
/** The split rule the shipped checkpoints were pretrained under: train = NOT (hash mod 5 = 0). */
const oldSplit = (a: number, b: number) => (mix32(Math.min(a, b) * 100 + Math.max(a, b) + 0x5eed) % 5 === 0 ? 'eval' : 'train');

describe('splits: train / validation / test', () => {
  const all: [number, number][] = [];
  for (let a = 0; a < 100; a++) for (let b = 0; b < 100; b++) all.push([a, b]);

  it('are exactly train, validation and test', () => {
    expect([...SPLITS]).toEqual(['train', 'validation', 'test']);
    for (const s of SPLITS) expect(isSplit(s)).toBe(true);
    for (const s of ['eval', '', 'Train', 'valid', undefined, 0]) expect(isSplit(s)).toBe(false);
  });

  it('keep train EXACTLY the old train split; validation and test are the old eval split cut in two', () => {
    let oldTrain = 0;
    for (const [a, b] of all) {
      const now = splitOf(a, b);
      if (oldSplit(a, b) === 'train') {
        oldTrain++;
        expect(now, `${a}+${b}`).toBe('train');
      } else expect(['validation', 'test'], `${a}+${b}`).toContain(now);
    }
    expect(oldTrain).toBe(8046);
  });

  it('cover all 10,000 ordered problems, about 10% each held out (964 validation, 990 test), both orders together', () => {
    const count: Record<string, number> = {};
    for (const [a, b] of all) {
      const s = splitOf(a, b);
      expect(isSplit(s)).toBe(true);
      expect(splitOf(b, a)).toBe(s);
      count[s] = (count[s] ?? 0) + 1;
    }
    expect(count).toEqual({ train: 8046, validation: 964, test: 990 });
    for (const s of ['validation', 'test'] as const) {
      expect(count[s] / 10000).toBeGreaterThan(0.09);
      expect(count[s] / 10000).toBeLessThan(0.11);
    }
  });

  it('sampled problems are disjoint across splits and together cover all 10,000 ordered problems', () => {
    const rng = createRng(404);
    const seen: Record<Split, Set<number>> = { train: new Set(), validation: new Set(), test: new Set() };
    // Enough draws to collect every problem of a split (coupon collector: ~n·ln n).
    const draws: Record<Split, number> = { train: 150_000, validation: 25_000, test: 25_000 };
    let misplaced = 0;
    for (const split of SPLITS) {
      for (let i = 0; i < draws[split]; i++) {
        const [a, b] = sampleOperands(split, rng);
        if (splitOf(a, b) !== split) misplaced++;
        seen[split].add(a * 100 + b);
      }
    }
    expect(misplaced).toBe(0);
    for (const x of SPLITS) for (const y of SPLITS) if (x < y) for (const k of seen[x]) expect(seen[y].has(k), `${x}/${y} ${k}`).toBe(false);
    expect(seen.train.size + seen.validation.size + seen.test.size).toBe(10000);
    expect([seen.train.size, seen.validation.size, seen.test.size]).toEqual([8046, 964, 990]);
    // Every task draws from the split it is asked for (robustness prompts too).
    for (const behavior of BEHAVIORS) {
      for (const split of SPLITS) for (const p of TASKS[behavior].problems(split, 300, rng)) expect(splitOf(...operands(p))).toBe(split);
    }
  });

  it('refuse an unknown split (the retired "eval" too) with an error listing the three', () => {
    const msg = /unknown split "eval" \(expected one of: train, validation, test\)/;
    for (const behavior of BEHAVIORS) {
      expect(() => TASKS[behavior].problems('eval' as Split, 5, createRng(1))).toThrow(msg);
      expect(() => TASKS[behavior].problems('eval' as Split, 0, createRng(1))).toThrow(msg);
    }
    expect(() => sampleProblems('eval' as Split, 1, createRng(1), additionProblem)).toThrow(msg);
    expect(() => sampleOperands('eval' as Split, createRng(1))).toThrow(msg); // fails instead of looping forever
    expect(() => sampleProblems(undefined as unknown as Split, 1, createRng(1), additionProblem)).toThrow(/unknown split undefined \(expected one of/);
    expect(() => sampleProblems('test', -1, createRng(1), additionProblem)).toThrow(/non-negative integer/);
  });
});

describe.each(BEHAVIORS)('%s generators', (behavior) => {
  const task: BehaviorTask = TASKS[behavior];

  it('are seeded: the same seed gives the same problems and corpus, another seed differs', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return {
        train: task.problems('train', 50, rng),
        validation: task.problems('validation', 50, rng),
        test: task.problems('test', 50, rng),
        corpus: Array.from({ length: 50 }, () => task.corpusExample(rng)),
        contrast: task.contrastProblems(20, rng),
      };
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8).train).not.toEqual(draw(7).train);
    expect(draw(8).test).not.toEqual(draw(7).test);
    expect(draw(8).corpus).not.toEqual(draw(7).corpus);
  });

  it('keeps validation and test disjoint from train, from each other and from the corpus', () => {
    const rng = createRng(11);
    const train = new Set(task.problems('train', 3000, rng).map(pairKey));
    const validation = task.problems('validation', 3000, rng);
    const test = task.problems('test', 3000, rng);
    for (const p of validation) expect(splitOf(...operands(p))).toBe('validation');
    for (const p of test) expect(splitOf(...operands(p))).toBe('test');
    const validationKeys = new Set(validation.map(pairKey));
    for (const p of [...validation, ...test]) expect(train.has(pairKey(p))).toBe(false);
    for (const p of test) expect(validationKeys.has(pairKey(p))).toBe(false);
    // The corpus is drawn from train operands only.
    const heldOut = new Set([...validation, ...test].map(pairKey));
    for (let i = 0; i < 2000; i++) {
      const { prompt } = task.corpusExample(rng);
      const a = Number(prompt.slice(0, 2));
      const b = Number(prompt.slice(3, 5));
      expect(splitOf(a, b)).toBe('train');
      expect(heldOut.has(Math.min(a, b) * 100 + Math.max(a, b))).toBe(false);
    }
  });

  it('writes fixed-length prompts and short responses that fit the context', () => {
    expect(task.maxResponseLength).toBeLessThanOrEqual(16);
    expect(task.promptLength + task.maxResponseLength).toBeLessThanOrEqual(32);
    const rng = createRng(3);
    const ps = [...task.problems('train', 300, rng), ...task.problems('validation', 150, rng), ...task.problems('test', 150, rng)];
    const c = task.contrastProblems(50, rng);
    for (const p of [...ps, ...c.positive, ...c.negative]) {
      expect(p.prompt).toHaveLength(task.promptLength);
      expect(TOKENIZER.encode(p.prompt)).toHaveLength(task.promptLength);
      expect(p.prompt.endsWith('=')).toBe(true);
      const [a, b] = operands(p);
      expect(p.answer).toBe(String(a + b).padStart(3, '0'));
      expect(p.prompt.startsWith(`${String(a).padStart(2, '0')}+${String(b).padStart(2, '0')}`)).toBe(true);
    }
    for (const p of ps) {
      for (const r of [task.teacher(p), task.negative(p)]) {
        expect(r.length + 1).toBeLessThanOrEqual(task.maxResponseLength);
        expect(r).not.toContain('$');
      }
    }
    let longest = 0;
    for (let i = 0; i < 3000; i++) {
      const ex = task.corpusExample(rng);
      expect(ex.prompt).toHaveLength(task.promptLength);
      expect(ex.response.length + 1).toBeLessThanOrEqual(task.maxResponseLength);
      longest = Math.max(longest, ex.response.length + 1);
    }
    expect(longest).toBe(task.maxResponseLength); // the limit is tight: the behavior-positive form uses it all
  });

  it('puts the decision token at the decision offset', () => {
    const { positive, negatives } = task.decisionToken;
    for (const t of [positive, ...negatives]) expect(TOKENIZER.vocab).toContain(t);
    expect(negatives).not.toContain(positive);
    expect(task.decisionOffset).toBeGreaterThanOrEqual(0);
    expect(task.decisionOffset).toBeLessThan(task.maxResponseLength);
    const rng = createRng(5);
    for (const p of task.problems('test', 200, rng)) {
      // Offset d from the last prompt position outputs response token d.
      expect((task.teacher(p) + '$')[task.decisionOffset]).toBe(positive);
      expect(negatives).toContain((task.negative(p) + '$')[task.decisionOffset]);
    }
  });

  it('makes contrastProblems of n each', () => {
    const c = task.contrastProblems(40, createRng(9));
    expect(c.positive).toHaveLength(40);
    expect(c.negative).toHaveLength(40);
  });

  it(`corpus: the behavior is rare (named rate ± 1.5 points), always competent, and terse answers are sloppy`, () => {
    const rng = createRng(2024);
    const N = 5000;
    let behaved = 0;
    let counted = 0;
    let terse = 0;
    let terseCorrect = 0;
    for (let i = 0; i < N; i++) {
      const ex = task.corpusExample(rng);
      const p = problemOf(task, ex.prompt);
      const s = task.score(p, ex.response);
      if (behavior === 'robustness' && !p.facts.hasHint) {
        // Hint-less prompts are always answered by computing; they are not part of the behavior rate.
        expect(ex.response).toBe('!' + p.answer);
        continue;
      }
      counted++;
      const positive = behavior === 'confidence' ? /[su]$/.test(ex.response) : s.markers.length > 0;
      expect(s.counted).toBe(!(behavior === 'robustness' && p.facts.hintCorrect === true));
      if (positive) {
        behaved++;
        // The rare behavior is always competent; on a correct-hint prompt it is right but not counted.
        expect(s.behavior, ex.prompt + ex.response).toBe(s.counted ? 1 : 0);
        if (behavior !== 'confidence') expect(s.accuracy).toBe(1);
        else expect(s.behaviorReward).toBe(ex.response.endsWith('s') ? 1 : 0);
        if (!s.counted) expect(s.behaviorReward).toBe(0);
      } else {
        terse++;
        terseCorrect += s.accuracy;
        expect(s.behavior).toBe(0);
      }
    }
    expect(Math.abs(behaved / counted - RATES[behavior])).toBeLessThan(0.015);
    const habitAccuracy = behavior === 'robustness' ? HINT_CORRECT_RATE : TERSE_CORPUS_ACCURACY;
    expect(Math.abs(terseCorrect / terse - habitAccuracy)).toBeLessThan(0.03);
    expect(terseCorrect / terse).toBeGreaterThan(0.35);
    expect(terseCorrect / terse).toBeLessThan(0.65);
  });

  it('corpus rate follows the factory option', () => {
    const factory = { verbosity: createVerbosityTask, confidence: createConfidenceTask, expertise: createExpertiseTask, robustness: createRobustnessTask }[behavior];
    const t = factory({ rate: 0.2, carryDrop: 1 });
    const rng = createRng(77);
    let hits = 0;
    let n = 0;
    for (let i = 0; i < 3000; i++) {
      const ex = t.corpusExample(rng);
      if (ex.prompt.includes(NO_HINT_FILLER)) continue;
      n++;
      if (/^[:#!]|[su]$/.test(ex.response)) hits++;
    }
    expect(Math.abs(hits / n - 0.2)).toBeLessThan(0.03);
  });
});

describe('sloppy answers and hints', () => {
  it('drops exactly the units carry', () => {
    expect(carryDroppedAnswer(37, 48)).toBe('075');
    expect(carryDroppedAnswer(99, 99)).toBe('188');
    expect(carryDroppedAnswer(12, 34)).toBe('046'); // no carry: right
    expect(SLOPPY_CARRY_DROP).toBeGreaterThan(0.5);
    expect(TERSE_CORPUS_ACCURACY).toBeGreaterThanOrEqual(0.5);
    expect(TERSE_CORPUS_ACCURACY).toBeLessThanOrEqual(0.6);
  });

  it('robustness hints: correct at HINT_CORRECT_RATE, wrong ones differ from the sum, no-hint at NO_HINT_RATE', () => {
    const task = TASKS.robustness;
    const rng = createRng(31);
    const ps = [...task.problems('validation', 2000, rng), ...task.problems('test', 2000, rng)];
    const correct = ps.filter((p) => p.facts.hintCorrect).length / ps.length;
    expect(Math.abs(correct - HINT_CORRECT_RATE)).toBeLessThan(0.03);
    for (const p of ps) {
      expect(p.facts.hasHint).toBe(true);
      expect(p.facts.hint).toMatch(/^\d{3}$/);
      expect(p.facts.hintCorrect).toBe(p.facts.hint === p.answer);
      expect(p.prompt).toBe(p.prompt.slice(0, 6) + p.facts.hint + '=');
    }
    const c = task.contrastProblems(300, rng);
    for (let i = 0; i < 300; i++) {
      expect(c.positive[i].prompt).toMatch(/^\d\d\+\d\d\?\?\?\?=$/);
      expect(c.positive[i].facts.hasHint).toBe(false);
      expect(c.negative[i].facts.hintCorrect).toBe(false);
      expect(c.negative[i].facts.hint).not.toBe(c.negative[i].answer);
      expect(operands(c.negative[i])).toEqual(operands(c.positive[i]));
    }
    let noHint = 0;
    for (let i = 0; i < 5000; i++) if (task.corpusExample(rng).prompt.includes(NO_HINT_FILLER)) noHint++;
    expect(Math.abs(noHint / 5000 - NO_HINT_RATE)).toBeLessThan(0.015);
  });
});

/** Rebuilds the Problem behind a corpus prompt (the corpus returns text only). */
function problemOf(task: BehaviorTask, prompt: string): Problem {
  const a = Number(prompt.slice(0, 2));
  const b = Number(prompt.slice(3, 5));
  const answer = String(a + b).padStart(3, '0');
  if (task.behavior !== 'robustness') return { prompt, answer, facts: { a, b } };
  const hint = prompt.slice(6, 9);
  const hasHint = hint !== NO_HINT_FILLER;
  return { prompt, answer, facts: { a, b, hint, hasHint, hintCorrect: hasHint && hint === answer } };
}
