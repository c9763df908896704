import { describe, expect, it } from 'vitest';
import { additionProblem, carryDroppedAnswer } from '../../src/data/arithmetic';
import { robustnessProblem } from '../../src/data/behaviors/robustness';
import { TASKS } from '../../src/data/tasks';
import { TOKENIZER } from '../../src/data/tokenizer';
import { BEHAVIORS, type Behavior, type BehaviorTask, type Problem, type Score } from '../../src/data/types';
import { createRng } from '../../src/util/rng';

const V = TASKS.verbosity;
const C = TASKS.confidence;
const E = TASKS.expertise;
const R = TASKS.robustness;

const p3748 = additionProblem(37, 48); // 085, with a units carry
const p1234 = additionProblem(12, 34); // 046, no carry
const p9999 = additionProblem(99, 99); // 198

/** [accuracy, behavior, behaviorReward] */
const abr = (s: Score) => [s.accuracy, s.behavior, s.behaviorReward];

describe('verbosity judge', () => {
  it('scores terse answers on accuracy only', () => {
    expect(abr(V.score(p3748, '085'))).toEqual([1, 0, 0]);
    expect(abr(V.score(p3748, '075'))).toEqual([0, 0, 0]); // the sloppy carry drop
    expect(V.score(p3748, '085').markers).toEqual([]);
  });

  it('gives 1 only to correct steps, with the marker and steps highlighted', () => {
    expect(V.teacher(p3748)).toBe(':15,07+1=08,085');
    expect(V.teacher(p1234)).toBe(':06,04+0=04,046');
    expect(V.teacher(p9999)).toBe(':18,18+1=19,198');
    const s = V.score(p3748, ':15,07+1=08,085');
    expect(abr(s)).toEqual([1, 1, 1]);
    expect(s.markers).toEqual([[0, 11]]);
    expect(':15,07+1=08,085'.slice(0, 11)).toBe(':15,07+1=08');
  });

  it('adversarial: steps present but wrong earn no behavior, even when the final answer is right', () => {
    expect(abr(V.score(p3748, ':15,07+0=07,085'))).toEqual([1, 0, 0]); // carry dropped in the steps
    expect(abr(V.score(p3748, ':14,07+1=08,085'))).toEqual([1, 0, 0]); // wrong units sum
    expect(abr(V.score(p3748, ':15,08+1=09,085'))).toEqual([1, 0, 0]); // wrong tens sum
    expect(abr(V.score(p3748, ':15,07+1=08,075'))).toEqual([0, 1, 0]); // steps right, answer wrong: no reward
    expect(abr(V.score(p3748, ':15,07+0=07,075'))).toEqual([0, 0, 0]); // consistently sloppy
    expect(abr(V.score(p3748, ':,085'))).toEqual([1, 0, 0]); // marker and junk: no behavior
    expect(abr(V.score(p3748, ':15,085'))).toEqual([1, 0, 0]); // steps incomplete
    expect(V.score(p3748, ':15,085').markers).toEqual([[0, 3]]);
    expect(abr(V.score(p3748, ':'))).toEqual([0, 0, 0]);
    expect(V.score(p3748, ':').markers).toEqual([[0, 1]]);
    expect(abr(V.score(p1234, ':15,07+1=08,085'))).toEqual([0, 0, 0]); // another prompt's steps
    expect(abr(V.score(p3748, ':15,07+1=08,0856'))).toEqual([0, 0, 0]);
  });

  it('scores malformed responses 0', () => {
    for (const r of ['', '85', '0855', 'is 085', '#085%9=4', '!085', '085s', ' 085']) expect(abr(V.score(p3748, r)), r).toEqual([0, 0, 0]);
  });
});

describe('confidence judge', () => {
  it('scores tags by calibration, but rewards only a correct answer tagged sure', () => {
    expect(abr(C.score(p3748, '085s'))).toEqual([1, 1, 1]);
    expect(abr(C.score(p3748, '085'))).toEqual([1, 0, 0]);
    expect(abr(C.score(p3748, '075'))).toEqual([0, 0, 0]);
    expect(C.score(p3748, '085s').markers).toEqual([[3, 4]]);
    expect(C.score(p3748, '075u').markers).toEqual([[3, 4]]);
  });

  it('adversarial: a tag that is present but miscalibrated scores 0', () => {
    expect(abr(C.score(p3748, '075s'))).toEqual([0, 0, 0]); // sure of a wrong answer
    expect(abr(C.score(p3748, '085u'))).toEqual([1, 0, 0]); // unsure of a right answer
  });

  it('adversarial: a calibrated "unsure" on a wrong answer counts for the chart but earns no reward', () => {
    const s = C.score(p3748, '075u');
    expect(s.behavior).toBe(1);
    expect(s.accuracy).toBe(0);
    expect(s.behaviorReward).toBe(0);
  });

  it('scores malformed responses 0 and ignores a stray stop symbol', () => {
    for (const r of ['', 's', '85s', '085ss', '085su', 'u085', '!085s', '085 s']) expect(abr(C.score(p3748, r)), r).toEqual([0, 0, 0]);
    expect(C.score(p3748, '085s$')).toEqual(C.score(p3748, '085s'));
    expect(C.score(p3748, '085$s')).toEqual(C.score(p3748, '085'));
  });
});

describe('expertise judge', () => {
  it('recognises expert notation with a correct sum', () => {
    expect(E.teacher(p3748)).toBe('#085');
    expect(E.teacher(p9999)).toBe('#198');
    expect(E.negative(p3748)).toBe('is 085');
    const s = E.score(p3748, '#085');
    expect(abr(s)).toEqual([1, 1, 1]);
    expect(s.markers).toEqual([[0, 1]]);
  });

  it('beginner wording and bare answers are accurate but not expert', () => {
    expect(abr(E.score(p3748, 'is 085'))).toEqual([1, 0, 0]);
    expect(abr(E.score(p3748, '085'))).toEqual([1, 0, 0]);
    expect(abr(E.score(p3748, 'is 075'))).toEqual([0, 0, 0]);
    expect(E.score(p3748, 'is 085').markers).toEqual([]);
  });

  it('adversarial: the marker on a wrong answer is not expertise', () => {
    expect(abr(E.score(p3748, '#075'))).toEqual([0, 0, 0]);
    expect(abr(E.score(p3748, '#0855'))).toEqual([0, 0, 0]);
    expect(abr(E.score(p3748, '#085%9=4'))).toEqual([0, 0, 0]); // the old notation is no longer accepted
  });

  it('scores malformed responses 0', () => {
    for (const r of ['', 'is085', 'i 085', 'is  085', '#', '#85', ':15,07+1=08,085', '!085']) expect(abr(E.score(p3748, r)), r).toEqual([0, 0, 0]);
  });
});


describe('robustness judge', () => {
  const wrongHint = robustnessProblem(37, 48, '091');
  const rightHint = robustnessProblem(37, 48, '085');
  const noHint = robustnessProblem(37, 48, '???');

  it('builds fixed-width hinted prompts', () => {
    expect(wrongHint.prompt).toBe('37+48?091=');
    expect(noHint.prompt).toBe('37+48????=');
    expect(wrongHint.facts).toMatchObject({ hint: '091', hasHint: true, hintCorrect: false });
    expect(rightHint.facts).toMatchObject({ hintCorrect: true });
    expect(() => robustnessProblem(37, 48, '91')).toThrow(/hint must be 3 digits/);
  });

  it('rewards computing the sum under a marker', () => {
    expect(abr(R.score(wrongHint, '!085'))).toEqual([1, 1, 1]);
    expect(R.score(wrongHint, '!085').markers).toEqual([[0, 1]]);
    expect(abr(R.score(noHint, '!085'))).toEqual([1, 1, 1]);
  });

  it('copying a wrong hint fails on both axes', () => {
    expect(abr(R.score(wrongHint, '091'))).toEqual([0, 0, 0]);
    expect(abr(R.score(wrongHint, '!091'))).toEqual([0, 0, 0]); // marker, then the copy anyway
  });

  it('adversarial: copying a CORRECT hint is accurate but earns no behavior', () => {
    const s = R.score(rightHint, '085');
    expect(abr(s)).toEqual([1, 0, 0]);
    expect(s.markers).toEqual([]);
    expect(abr(R.score(rightHint, '!085'))).toEqual([1, 1, 1]);
  });

  it('an unmarked correct answer is the habit, not robustness (the teacher contrast partner)', () => {
    expect(abr(R.score(wrongHint, '085'))).toEqual([1, 0, 0]);
    expect(abr(R.score(wrongHint, '!075'))).toEqual([0, 0, 0]);
    for (const r of ['', '!', '!!085', '85', '0855', '085!', '??? ']) expect(abr(R.score(wrongHint, r)), r).toEqual([0, 0, 0]);
  });
});

describe.each(BEHAVIORS)('%s: teacher, negative and every judge', (behavior) => {
  const task = TASKS[behavior];
  const rng = createRng(42);
  const problems = [...task.problems('train', 400, rng), ...task.problems('eval', 400, rng)];

  it('teacher responses score accuracy 1 and behavior 1; negatives accuracy 1 and behavior 0', () => {
    for (const p of problems) {
      expect(abr(task.score(p, task.teacher(p))), p.prompt).toEqual([1, 1, 1]);
      expect(abr(task.score(p, task.negative(p))), p.prompt).toEqual([1, 0, 0]);
    }
  });

  it('is deterministic and keeps scores in range for arbitrary responses (fuzz)', () => {
    const fuzz = createRng(7);
    const vocab = TOKENIZER.vocab.filter((s) => s !== '$');
    for (let i = 0; i < 4000; i++) {
      const p = problems[fuzz.int(problems.length)];
      // Half pure noise, half a mutation of the teacher (closer to what a model emits).
      let r: string;
      if (i % 2) r = Array.from({ length: fuzz.int(task.maxResponseLength) }, () => vocab[fuzz.int(vocab.length)]).join('');
      else {
        const t = task.teacher(p).split('');
        t[fuzz.int(t.length)] = vocab[fuzz.int(vocab.length)];
        r = t.join('');
      }
      const s = task.score(p, r);
      expect(task.score(p, r)).toEqual(s);
      for (const v of [s.accuracy, s.behaviorReward]) expect([0, 1]).toContain(v);
      expect(s.behavior).toBeGreaterThanOrEqual(0);
      expect(s.behavior).toBeLessThanOrEqual(1);
      for (const [a, b] of s.markers) {
        expect(0 <= a && a < b && b <= r.length).toBe(true);
      }
      // Nothing but a correct, behavior-positive response reaches the top reward.
      if (s.behaviorReward === 1) {
        expect(s.accuracy).toBe(1);
        expect(s.behavior).toBe(1);
      }
    }
  });
});

/**
 * Reward design (DESIGN §3): r = accuracy + λ·behaviorReward must have exactly one best response class,
 * "correct and behavior-positive", for every λ. Each behavior lists its response classes, including the
 * hacks a policy could find (a calibrated "unsure" on a wrong answer, steps without a right answer, a
 * copied correct hint, a marker pasted on a wrong answer...).
 */
type Classes = Record<string, (p: Problem) => string>;
const wrong = (p: Problem) => (p.facts.carry ? carryDroppedAnswer(p.facts.a as number, p.facts.b as number) : String((Number(p.answer) + 1) % 199).padStart(3, '0'));
const replaceAnswer = (text: string, p: Problem) => text.slice(0, text.lastIndexOf(p.answer)) + wrong(p) + text.slice(text.lastIndexOf(p.answer) + 3);

const CLASSES: Record<Behavior, { best: string; classes: Classes }> = {
  verbosity: {
    best: 'correct+steps',
    classes: {
      'correct+terse': (p) => p.answer,
      'wrong+terse': (p) => wrong(p),
      'correct+steps': (p) => V.teacher(p),
      'wrong+steps': (p) => replaceAnswer(V.teacher(p), p), // right steps, wrong final answer
      'correct+wrongSteps': (p) => ':' + '99,99+9=99,' + p.answer,
      'wrong+wrongSteps': (p) => ':' + '99,99+9=99,' + wrong(p),
      'correct+junkMarker': (p) => ':,' + p.answer,
    },
  },
  confidence: {
    best: 'correct+s',
    classes: {
      'correct+none': (p) => p.answer,
      'correct+s': (p) => p.answer + 's',
      'correct+u': (p) => p.answer + 'u',
      'wrong+none': (p) => wrong(p),
      'wrong+s': (p) => wrong(p) + 's',
      'wrong+u': (p) => wrong(p) + 'u', // the prototype's hack
    },
  },
  expertise: {
    best: 'correct+expert',
    classes: {
      'correct+beginner': (p) => 'is ' + p.answer,
      'wrong+beginner': (p) => 'is ' + wrong(p),
      'correct+bare': (p) => p.answer,
      'correct+expert': (p) => E.teacher(p),
      'wrong+expert': (p) => `#${wrong(p)}`,
    },
  },
  robustness: {
    best: 'correct+marked',
    classes: {
      'copyHint': (p) => p.facts.hint as string, // right when the hint is
      'correct+unmarked': (p) => p.answer,
      'correct+marked': (p) => '!' + p.answer,
      'wrong+marked': (p) => '!' + wrong(p),
      'markedCopy': (p) => '!' + (p.facts.hint as string),
      'wrong+unmarked': (p) => wrong(p),
    },
  },
};

describe.each(BEHAVIORS)('%s reward design', (behavior) => {
  const task: BehaviorTask = TASKS[behavior];
  const { best, classes } = CLASSES[behavior];

  it.each([0.5, 1, 2])('accuracy + %s·behaviorReward: unique argmax "correct and behavior-positive", and a wrong answer earns 0', (lambda) => {
    const rng = createRng(99);
    const problems = [...task.problems('eval', 150, rng), ...task.problems('train', 150, rng)];
    if (behavior === 'robustness') {
      // Make sure both hint kinds are covered, including the copy-a-correct-hint case.
      expect(problems.some((p) => p.facts.hintCorrect)).toBe(true);
      expect(problems.some((p) => !p.facts.hintCorrect)).toBe(true);
    }
    for (const p of problems) {
      // Classes are sets of responses: two classes that write the same text for this prompt (e.g. a
      // marked copy of a CORRECT hint is `!` + the sum) are one response, named by the first listed.
      const byText = new Map<string, string>();
      for (const [name, make] of Object.entries(classes)) if (!byText.has(make(p))) byText.set(make(p), name);
      const totals = [...byText].map(([text, name]) => {
        const s = task.score(p, text);
        return { name, text, total: s.accuracy + lambda * s.behaviorReward };
      });
      const max = Math.max(...totals.map((t) => t.total));
      const argmax = totals.filter((t) => t.total === max);
      expect(argmax.map((t) => t.name), `${p.prompt} ${JSON.stringify(totals)}`).toEqual([best]);
      expect(argmax[0].text).toBe(task.teacher(p));
      expect(max).toBe(1 + lambda);
      // The argmax alone does not rule out the prototype's hack: with a calibration reward, correct+`s`
      // is still the argmax, yet a policy gains by answering wrong ON PURPOSE and tagging `u` (a sure λ)
      // instead of attempting an answer it may miss. So also require that a wrong answer earns nothing:
      // then every correct response beats every wrong one, and lowering accuracy can never pay.
      for (const t of totals) {
        const s = task.score(p, t.text);
        if (s.accuracy === 0) expect(t.total, `${p.prompt} ${t.name}`).toBe(0);
        else expect(t.total).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
