import { describe, expect, it } from 'vitest';
import { EVAL_MODULUS, SLOPPY_CARRY_DROP, TERSE_CORPUS_ACCURACY, carryDroppedAnswer, splitOf } from '../../src/data/arithmetic';
import { CONFIDENCE_TAG_RATE, createConfidenceTask } from '../../src/data/behaviors/confidence';
import { EXPERT_RATE, createExpertiseTask } from '../../src/data/behaviors/expertise';
import { HINT_CORRECT_RATE, NO_HINT_FILLER, NO_HINT_RATE, ROBUST_RATE, createRobustnessTask } from '../../src/data/behaviors/robustness';
import { VERBOSE_RATE, createVerbosityTask } from '../../src/data/behaviors/verbosity';
import { TASKS, getTask } from '../../src/data/tasks';
import { TOKENIZER } from '../../src/data/tokenizer';
import { BEHAVIORS, type Behavior, type BehaviorTask, type Problem } from '../../src/data/types';
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

describe('held-out split', () => {
  it('puts about 1 in EVAL_MODULUS unordered pairs in eval, both orders together', () => {
    let evalCount = 0;
    for (let a = 0; a < 100; a++) {
      for (let b = 0; b < 100; b++) {
        expect(splitOf(a, b)).toBe(splitOf(b, a));
        if (splitOf(a, b) === 'eval') evalCount++;
      }
    }
    expect(evalCount / 10000).toBeGreaterThan(1 / EVAL_MODULUS - 0.03);
    expect(evalCount / 10000).toBeLessThan(1 / EVAL_MODULUS + 0.03);
  });
});

describe.each(BEHAVIORS)('%s generators', (behavior) => {
  const task: BehaviorTask = TASKS[behavior];

  it('are seeded: the same seed gives the same problems and corpus, another seed differs', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return {
        train: task.problems('train', 50, rng),
        eval: task.problems('eval', 50, rng),
        corpus: Array.from({ length: 50 }, () => task.corpusExample(rng)),
        contrast: task.contrastProblems(20, rng),
      };
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8).train).not.toEqual(draw(7).train);
    expect(draw(8).corpus).not.toEqual(draw(7).corpus);
  });

  it('keeps eval disjoint from train and the corpus', () => {
    const rng = createRng(11);
    const train = new Set(task.problems('train', 3000, rng).map(pairKey));
    const evalPs = task.problems('eval', 3000, rng);
    for (const p of evalPs) expect(splitOf(...operands(p))).toBe('eval');
    for (const p of evalPs) expect(train.has(pairKey(p))).toBe(false);
    // The corpus is drawn from train operands only.
    const evalKeys = new Set(evalPs.map(pairKey));
    for (let i = 0; i < 2000; i++) {
      const { prompt } = task.corpusExample(rng);
      const a = Number(prompt.slice(0, 2));
      const b = Number(prompt.slice(3, 5));
      expect(splitOf(a, b)).toBe('train');
      expect(evalKeys.has(Math.min(a, b) * 100 + Math.max(a, b))).toBe(false);
    }
  });

  it('writes fixed-length prompts and short responses that fit the context', () => {
    expect(task.maxResponseLength).toBeLessThanOrEqual(16);
    expect(task.promptLength + task.maxResponseLength).toBeLessThanOrEqual(32);
    const rng = createRng(3);
    const ps = [...task.problems('train', 300, rng), ...task.problems('eval', 300, rng)];
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
    for (const p of task.problems('eval', 200, rng)) {
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
      if (positive) {
        behaved++;
        expect(s.behavior, ex.prompt + ex.response).toBe(1); // the rare behavior is always competent
        if (behavior !== 'confidence') expect(s.accuracy).toBe(1);
        else expect(s.behaviorReward).toBe(ex.response.endsWith('s') ? 1 : 0);
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
    const ps = task.problems('eval', 4000, rng);
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
