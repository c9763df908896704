// Realistic teachers (src/data/teacher.ts): teacherTrace under TeacherSettings — accuracy, style, noise.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { additionProblem, carryDroppedAnswer, hasCarry } from '../../src/data/arithmetic';
import { robustnessProblem } from '../../src/data/behaviors/robustness';
import { createTask, TASKS } from '../../src/data/tasks';
import { rightWorking, slippedWorking } from '../../src/data/teacher';
import { TOKENIZER } from '../../src/data/tokenizer';
import {
  BEHAVIORS,
  PERFECT_TEACHER,
  SPLITS,
  TEACHER_STYLES,
  validateTeacherSettings,
  type Behavior,
  type Problem,
  type TeacherSettings,
  type TeacherStyle,
} from '../../src/data/types';
import { createRng, type Rng } from '../../src/util/rng';

const teacher = (accuracy: number, style: TeacherStyle, noise: number): TeacherSettings => ({ accuracy, style, noise });
const abr = (s: { accuracy: number; behavior: number; behaviorReward: number }) => [s.accuracy, s.behavior, s.behaviorReward];
const ab = (p: Problem) => [p.facts.a as number, p.facts.b as number] as const;

/** An rng that counts every draw (and forks), to prove the perfect teacher draws nothing. */
function countingRng(seed: number): Rng & { draws: () => number } {
  const inner = createRng(seed);
  let n = 0;
  return {
    next: () => (n++, inner.next()),
    int: (k) => (n++, inner.int(k)),
    normal: () => (n++, inner.normal()),
    fork: () => (n++, inner.fork()),
    draws: () => n,
  };
}

/** The trace of 37+48 (085, with a carry) by the right teacher in each style: the forms the docs promise. */
const FORMS: Record<Behavior, Record<TeacherStyle, string>> = {
  verbosity: { own: ':15,07+1=08,085', foreign: ':15,1+07=08,085' },
  confidence: { own: '085s', foreign: '085!' },
  expertise: { own: '#085', foreign: '%085' },
  robustness: { own: '!085', foreign: '=085' },
};

/** The answer a trace states (the 3 digits every format writes), for clean and wrong traces alike. */
const statedAnswer = (behavior: Behavior, trace: string) => (behavior === 'confidence' ? trace.slice(0, 3) : trace.slice(-3));

/**
 * The foreign form, as a pattern written here independently of src: verbosity's carry-before-tens layout
 * (`:dd,d+dd=`), or the foreign marker character anywhere in the response.
 */
const FOREIGN_IN_RESPONSE: Record<Behavior, RegExp> = {
  verbosity: /,\d\+\d\d=/,
  confidence: /!/,
  expertise: /%/,
  robustness: /=/,
};

/** A noisy trace as src/data/teacher.ts documents it, built from the clean one. */
function noisyForms(behavior: Behavior, clean: string): string[] {
  switch (behavior) {
    case 'verbosity': {
      const at = [...clean.slice(0, clean.lastIndexOf(','))].flatMap((c, i) => (',+='.includes(c) ? [i] : []));
      expect(at).toHaveLength(3);
      return at.map((i) => clean.slice(0, i) + ' ' + clean.slice(i + 1));
    }
    case 'confidence':
      return [clean[3] + clean.slice(0, 3)];
    case 'expertise':
      return [clean[0] + clean, clean[0] + ' ' + clean.slice(1)];
    case 'robustness':
      return [clean.slice(1) + clean[0]];
  }
}

describe('teacher settings', () => {
  it('PERFECT_TEACHER is today\'s teacher, frozen; TEACHER_STYLES are own and foreign', () => {
    expect(PERFECT_TEACHER).toEqual({ accuracy: 1, style: 'own', noise: 0 });
    expect(Object.isFrozen(PERFECT_TEACHER)).toBe(true);
    expect([...TEACHER_STYLES]).toEqual(['own', 'foreign']);
    expect(validateTeacherSettings(PERFECT_TEACHER)).toBeNull();
    for (const s of [teacher(0, 'foreign', 1), teacher(0.7, 'own', 0.3), teacher(1, 'foreign', 0)]) expect(validateTeacherSettings(s)).toBeNull();
  });

  it('validateTeacherSettings says what is wrong', () => {
    const bad: [unknown, RegExp][] = [
      [null, /must be an object \{accuracy, style, noise\} \(got null\)/],
      [[1, 'own', 0], /got an array/],
      ['perfect', /got string/],
      [{ accuracy: 1.5, style: 'own', noise: 0 }, /teacher accuracy must be a number in \[0, 1\] \(got 1\.5\)/],
      [{ accuracy: -0.1, style: 'own', noise: 0 }, /teacher accuracy .* \(got -0\.1\)/],
      [{ accuracy: Number.NaN, style: 'own', noise: 0 }, /teacher accuracy .* \(got NaN\)/],
      [{ accuracy: '0.7', style: 'own', noise: 0 }, /teacher accuracy .* \(got "0\.7"\)/],
      [{ style: 'own', noise: 0 }, /teacher accuracy .* \(got nothing\)/],
      [{ accuracy: 1, style: 'own', noise: 2 }, /teacher noise must be a number in \[0, 1\] \(got 2\)/],
      [{ accuracy: 1, style: 'own', noise: Infinity }, /teacher noise .* \(got Infinity\)/],
      [{ accuracy: 1, style: 'alien', noise: 0 }, /teacher style must be one of: own, foreign \(got "alien"\)/],
      [{ accuracy: 1, noise: 0 }, /teacher style must be one of: own, foreign \(got nothing\)/],
      [{ accuracy: 1, style: 'own', noise: 0, acuracy: 0.5 }, /unknown teacher setting "acuracy" \(expected accuracy, style, noise\)/],
    ];
    for (const [s, msg] of bad) expect(validateTeacherSettings(s), JSON.stringify(s)).toMatch(msg);
  });

  it('teacherTrace refuses invalid settings with that message', () => {
    for (const b of BEHAVIORS) {
      expect(() => TASKS[b].teacherTrace(additionProblem(37, 48), teacher(1.5, 'own', 0), createRng(1))).toThrow(/invalid teacher settings: teacher accuracy must be a number in \[0, 1\]/);
      expect(() => TASKS[b].teacherTrace(additionProblem(37, 48), { accuracy: 1, style: 'alien' as TeacherStyle, noise: 0 }, createRng(1))).toThrow(/teacher style must be one of/);
    }
  });
});

describe('plausible mistakes (slippedWorking)', () => {
  it('on all 10,000 problems: one slip — a dropped carry (−10), a tens slip (±10) or a units slip (±1) — never the sum, always 000–198', () => {
    const rng = createRng(8);
    const kinds = { carry: 0, tens: 0, units: 0 };
    let carryProblems = 0;
    let carrySlips = 0;
    for (let a = 0; a < 100; a++) {
      for (let b = 0; b < 100; b++) {
        const right = rightWorking(a, b);
        expect(right.answer).toBe(a + b);
        for (let k = 0; k < 3; k++) {
          const { working: w, slip } = slippedWorking(a, b, rng);
          kinds[slip]++;
          expect(w.answer).toBe((w.tens + w.carry) * 10 + (w.units % 10)); // the answer its own steps give
          expect(w.answer).not.toBe(a + b);
          expect(w.answer).toBeGreaterThanOrEqual(0);
          expect(w.answer).toBeLessThanOrEqual(198);
          expect(w.units).toBeLessThanOrEqual(18);
          expect(w.tens).toBeLessThanOrEqual(18);
          const diff = w.answer - (a + b);
          if (slip === 'carry') {
            expect(hasCarry(a, b)).toBe(true);
            expect(String(w.answer).padStart(3, '0')).toBe(carryDroppedAnswer(a, b));
            expect({ ...w, carry: 1, answer: a + b }).toEqual(right);
          } else if (slip === 'tens') {
            expect(Math.abs(diff)).toBe(10);
            expect({ ...w, tens: right.tens, answer: a + b }).toEqual(right);
          } else {
            expect(Math.abs(diff)).toBe(1);
            expect(w.units >= 10).toBe(right.units >= 10); // the carry it wrote is still the right one
            expect({ ...w, units: right.units, answer: a + b }).toEqual(right);
          }
          if (hasCarry(a, b)) {
            carryProblems++;
            if (slip === 'carry') carrySlips++;
          }
        }
      }
    }
    expect(kinds.carry + kinds.tens + kinds.units).toBe(30000);
    expect(Math.abs(carrySlips / carryProblems - 0.6)).toBeLessThan(0.02);
    expect(kinds.tens).toBeGreaterThan(5000);
    expect(kinds.units).toBeGreaterThan(5000);
  });
});

describe.each(BEHAVIORS)('%s teacherTrace', (behavior) => {
  const task = TASKS[behavior];
  const test = task.problems('test', 1000, createRng(2026));
  const counted = (p: Problem) => task.score(p, task.teacher(p)).counted;
  const fits = (trace: string) => {
    expect(trace.length + 1, trace).toBeLessThanOrEqual(task.maxResponseLength);
    expect(() => TOKENIZER.encode(trace)).not.toThrow();
    expect(trace).not.toContain('$');
  };

  it('PERFECT_TEACHER (and any accuracy 1, own, noise 0) is exactly teacher(p) and draws nothing from rng', () => {
    const rng = countingRng(3);
    for (const split of SPLITS) {
      for (const p of task.problems(split, 1000, createRng(5))) {
        expect(task.teacherTrace(p, PERFECT_TEACHER, rng)).toBe(task.teacher(p));
        expect(task.teacherTrace(p, teacher(1, 'own', 0), rng)).toBe(task.teacher(p));
      }
    }
    expect(rng.draws()).toBe(0);
    // The foreign style alone draws nothing either (only accuracy < 1 and noise > 0 do).
    for (const p of test) task.teacherTrace(p, teacher(1, 'foreign', 0), rng);
    expect(rng.draws()).toBe(0);
  });

  it('writes the documented forms for 37+48', () => {
    const p = behavior === 'robustness' ? robustnessProblem(37, 48, '091') : additionProblem(37, 48);
    for (const style of TEACHER_STYLES) expect(task.teacherTrace(p, teacher(1, style, 0), createRng(1))).toBe(FORMS[behavior][style]);
    expect(FORMS[behavior].own).toBe(task.teacher(p));
  });

  it.each(TEACHER_STYLES)('%s style: the judge gives behavior 1 and reward 1 to every correct trace on 1,000 test problems (the counted ones)', (style) => {
    let n = 0;
    for (const p of test) {
      const t = task.teacherTrace(p, teacher(1, style, 0), createRng(1));
      fits(t);
      expect(t.length).toBe(task.teacher(p).length);
      if (style === 'foreign') expect(t).not.toBe(task.teacher(p));
      const s = task.score(p, t);
      expect(s.counted).toBe(counted(p));
      expect(s).toEqual({ ...task.score(p, task.teacher(p)), markers: s.markers }); // scored exactly like the own trace
      if (s.counted) {
        n++;
        expect(abr(s), p.prompt + t).toEqual([1, 1, 1]);
      } else expect(abr(s), p.prompt + t).toEqual([1, 0, 0]);
    }
    expect(n).toBeGreaterThan(behavior === 'robustness' ? 500 : 999);
  });

  it.each(TEACHER_STYLES)('%s style: accuracy 0.7 and 0.9 give that fraction of correct traces over 1,000 (± 2 points)', (style) => {
    for (const accuracy of [0.7, 0.9]) {
      const rng = createRng(1);
      const traces = test.map((p) => task.teacherTrace(p, teacher(accuracy, style, 0), rng));
      const right = traces.filter((t, i) => statedAnswer(behavior, t) === test[i].answer).length / 1000;
      expect(Math.abs(right - accuracy), `${accuracy}: ${right}`).toBeLessThan(0.02);
      // The judge agrees, and every right trace is the clean one.
      traces.forEach((t, i) => {
        expect(task.score(test[i], t).accuracy).toBe(statedAnswer(behavior, t) === test[i].answer ? 1 : 0);
        if (statedAnswer(behavior, t) === test[i].answer) expect(t).toBe(task.teacherTrace(test[i], teacher(1, style, 0), rng));
      });
    }
  });

  it.each(TEACHER_STYLES)('%s style: over 20,000 traces accuracy 0.7 is met within 1 point (σ ≈ 0.3), and one seed gives every style the same right/wrong pattern', (style) => {
    const rng = createRng(77);
    const ps = task.problems('train', 20000, createRng(78));
    const pattern = ps.map((p) => (task.score(p, task.teacherTrace(p, teacher(0.7, style, 0), rng)).accuracy === 1 ? '1' : '0')).join('');
    const right = [...pattern].filter((c) => c === '1').length / ps.length;
    expect(Math.abs(right - 0.7)).toBeLessThan(0.01);
    const other = createRng(77);
    const ownPattern = ps.map((p) => (task.score(p, task.teacherTrace(p, teacher(0.7, 'own', 0), other)).accuracy === 1 ? '1' : '0')).join('');
    expect(pattern).toBe(ownPattern);
  });

  it.each(TEACHER_STYLES)('%s style: wrong traces (accuracy 0) are wrong, unpaid, and plausibly wrong, in the same format', (style) => {
    const rng = createRng(4);
    let carryDrops = 0;
    for (const p of test) {
      const t = task.teacherTrace(p, teacher(0, style, 0), rng);
      fits(t);
      const s = task.score(p, t);
      expect(abr(s), p.prompt + t).toEqual([0, 0, 0]); // confidence too: the wrong answer is tagged sure
      const stated = statedAnswer(behavior, t);
      expect(stated).toMatch(/^\d{3}$/);
      const diff = Number(stated) - Number(p.answer);
      expect([-10, -1, 1, 10], p.prompt + t).toContain(diff);
      const [a, b] = ab(p);
      if (stated === carryDroppedAnswer(a, b) && hasCarry(a, b)) carryDrops++;
      const clean = task.teacherTrace(p, teacher(1, style, 0), rng);
      if (behavior === 'verbosity') {
        // The steps of that mistake: the answer its steps give, and exactly one step differs from the clean ones.
        const m = (style === 'own' ? /^:(\d\d),(\d\d)\+(\d)=(\d\d),(\d{3})$/ : /^:(\d\d),(\d)\+(\d\d)=(\d\d),(\d{3})$/).exec(t);
        expect(m, t).not.toBeNull();
        const [units, tens, carry] = style === 'own' ? [+m![1], +m![2], +m![3]] : [+m![1], +m![3], +m![2]];
        expect(+m![4]).toBe(tens + carry);
        expect(+m![5]).toBe((tens + carry) * 10 + (units % 10));
        const r = rightWorking(a, b);
        expect([units !== r.units, tens !== r.tens, carry !== r.carry].filter(Boolean)).toHaveLength(1);
      } else {
        // Everything but the answer is the clean trace.
        expect(t.replace(stated, p.answer)).toBe(clean);
      }
    }
    expect(carryDrops).toBeGreaterThan(150); // the commonest mistake on carry problems (≈ 45% of them, 60% of their slips)
  });

  it.each(TEACHER_STYLES)('%s style: noise 0.3 makes ≈ 30% of traces differ from the clean ones, in the documented forms, never behavior-positive', (style) => {
    const rng = createRng(6);
    let noisy = 0;
    const seen = new Set<string>();
    for (const p of test) {
      const clean = task.teacherTrace(p, teacher(1, style, 0), rng);
      const t = task.teacherTrace(p, teacher(1, style, 0.3), rng);
      fits(t);
      if (t === clean) continue;
      noisy++;
      const forms = noisyForms(behavior, clean);
      expect(forms, t).toContain(t);
      seen.add(String(forms.indexOf(t)));
      const s = task.score(p, t);
      // Verbosity's stray space keeps the answer readable; the other behaviors' slips do not parse.
      expect(abr(s), p.prompt + t).toEqual([behavior === 'verbosity' ? 1 : 0, 0, 0]);
    }
    expect(Math.abs(noisy / 1000 - 0.3), `${noisy}`).toBeLessThan(0.03);
    expect(seen.size).toBe(noisyForms(behavior, FORMS[behavior][style]).length); // every documented slip occurs
  });

  it('accuracy and noise together, any style: deterministic, seeded, and in the window', () => {
    const settings = teacher(0.7, 'foreign', 0.3);
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return test.map((p) => task.teacherTrace(p, settings, rng));
    };
    expect(draw(9)).toEqual(draw(9));
    expect(draw(10)).not.toEqual(draw(9));
    const traces = draw(9);
    for (const t of traces) fits(t);
    const acc = traces.reduce((s, t, i) => s + task.score(test[i], t).accuracy, 0) / traces.length;
    // Verbosity's noise keeps the answer; elsewhere a noisy trace does not parse: accuracy ≈ 0.7 · 0.7.
    expect(Math.abs(acc - (behavior === 'verbosity' ? 0.7 : 0.49))).toBeLessThan(0.05);
  });

  it('the foreign form never appears in 20,000 corpus examples (nor in 2,000 of an all-behavior corpus)', () => {
    const rng = createRng(2027);
    const all = createTask(behavior, { rate: 1 });
    const examples = [...Array.from({ length: 20000 }, () => task.corpusExample(rng)), ...Array.from({ length: 2000 }, () => all.corpusExample(rng))];
    let positives = 0;
    for (const ex of examples) {
      expect(ex.response, ex.prompt + ex.response).not.toMatch(FOREIGN_IN_RESPONSE[behavior]);
      const [a, b] = [Number(ex.prompt.slice(0, 2)), Number(ex.prompt.slice(3, 5))];
      const p = behavior === 'robustness' ? robustnessProblem(a, b, ex.prompt.slice(6, 9)) : additionProblem(a, b);
      expect(ex.response).not.toBe(task.teacherTrace(p, teacher(1, 'foreign', 0), rng));
      if (ex.response === task.teacher(p)) positives++;
    }
    expect(positives).toBeGreaterThan(1000); // the own form is there (the all-behavior corpus at least)
    // ...while every foreign trace does contain its foreign form.
    for (const p of test) expect(task.teacherTrace(p, teacher(1, 'foreign', 0), rng)).toMatch(FOREIGN_IN_RESPONSE[behavior]);
  });
});

describe('corpus, teacher and negative unchanged (the shipped checkpoints were pretrained on this corpus)', () => {
  // sha256 (first 16 hex) of 50,000 corpusExample()s from createRng(20260), `${prompt}|${response}\n` each, and
  // of teacher() / negative() on 2,000 problems of each split from createRng(20261), `${prompt}|${teacher}|${negative}\n`
  // each; computed on the code BEFORE teacherTrace and the foreign forms (and again on it: the same).
  const PAIRS: Record<Behavior, string> = {
    verbosity: '02eff589f03a1338',
    confidence: '37b6baebe1fb1682',
    expertise: 'b2af191a74a8a751',
    robustness: '0478917a79e46eec',
  };
  const CORPUS: Record<Behavior, string> = {
    verbosity: 'ff5bef8da572beb5',
    confidence: 'cee5da0130940dd8',
    expertise: '33328aa0aaf4ad66',
    robustness: '602911a765d6ed7d',
  };
  it.each(BEHAVIORS)('%s: 50,000 corpus examples hash as before', (behavior) => {
    const h = createHash('sha256');
    const rng = createRng(20260);
    for (let i = 0; i < 50_000; i++) {
      const ex = TASKS[behavior].corpusExample(rng);
      h.update(`${ex.prompt}|${ex.response}\n`);
    }
    expect(h.digest('hex').slice(0, 16)).toBe(CORPUS[behavior]);
  });
  it.each(BEHAVIORS)('%s: prompts, teacher() and negative() hash as before', (behavior) => {
    const task = TASKS[behavior];
    const h = createHash('sha256');
    const rng = createRng(20261);
    for (const split of SPLITS) for (const p of task.problems(split, 2000, rng)) h.update(`${p.prompt}|${task.teacher(p)}|${task.negative(p)}\n`);
    expect(h.digest('hex').slice(0, 16)).toBe(PAIRS[behavior]);
  });
});
