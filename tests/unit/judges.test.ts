import { describe, expect, it } from 'vitest';
import { additionProblem, carryDroppedAnswer } from '../../src/data/arithmetic';
import { HINT_CORRECT_RATE, robustnessProblem } from '../../src/data/behaviors/robustness';
import { summarizeScores } from '../../src/data/score';
import { TASKS } from '../../src/data/tasks';
import { TOKENIZER } from '../../src/data/tokenizer';
import { BEHAVIORS, SPLITS, type Behavior, type BehaviorTask, type Problem, type Score } from '../../src/data/types';
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
/** [accuracy, behavior, behaviorReward, counted] */
const abrc = (s: Score) => [s.accuracy, s.behavior, s.behaviorReward, s.counted];

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
    expect(abr(V.score(p3748, ':15,07+1=08,075'))).toEqual([0, 0, 0]); // steps right, answer not the one they give
    expect(abr(V.score(p3748, ':15,07+0=07,075'))).toEqual([0, 0, 0]); // consistently sloppy
    expect(abr(V.score(p3748, ':,085'))).toEqual([1, 0, 0]); // marker and junk: no behavior
    expect(abr(V.score(p3748, ':15,085'))).toEqual([1, 0, 0]); // steps incomplete
    expect(V.score(p3748, ':15,085').markers).toEqual([[0, 3]]);
    expect(abr(V.score(p3748, ':'))).toEqual([0, 0, 0]);
    expect(V.score(p3748, ':').markers).toEqual([[0, 1]]);
    expect(abr(V.score(p1234, ':15,07+1=08,085'))).toEqual([0, 0, 0]); // another prompt's steps
    expect(abr(V.score(p3748, ':15,07+1=08,0856'))).toEqual([0, 0, 0]);
  });

  it('adversarial: steps that restate the answer, repeated answers, trailing or stray tokens earn no behavior', () => {
    // Steps shaped right but built from the answer's digits, not from the operands.
    expect(abr(V.score(p3748, ':85,08+0=08,085'))).toEqual([1, 0, 0]);
    expect(abr(V.score(p3748, ':05,08+0=08,085'))).toEqual([1, 0, 0]);
    expect(abr(V.score(p3748, ':07,15+1=08,085'))).toEqual([1, 0, 0]); // the two steps swapped
    expect(abr(V.score(p3748, ':085,085'))).toEqual([1, 0, 0]); // the answer repeated as its own "step"
    expect(abr(V.score(p3748, ':085'))).toEqual([0, 0, 0]); // marker and answer, no steps
    expect(abr(V.score(p3748, ':15,07+1=08,085,085'))).toEqual([1, 0, 0]); // the teacher with the answer repeated
    // The teacher twice: accuracy reads only the last answer (lenient by design), the behavior is not the steps.
    expect(abr(V.score(p3748, ':15,07+1=08,085:15,07+1=08,085'))).toEqual([1, 0, 0]);
    expect(abr(V.score(p3748, ':15,07+1=08,085,'))).toEqual([0, 0, 0]); // trailing separator
    expect(abr(V.score(p3748, ':15,07+1=08,085_'))).toEqual([0, 0, 0]); // trailing pad
    expect(abr(V.score(p3748, '_:15,07+1=08,085'))).toEqual([0, 0, 0]); // leading pad
    expect(abr(V.score(p3748, '::15,07+1=08,085'))).toEqual([1, 0, 0]); // marker doubled: not the steps
    expect(abr(V.score(p3748, ':15,07+1=08$,085'))).toEqual([0, 0, 0]); // stopped before the answer
    expect(abr(V.score(p3748, ':15,07+1=08,075,085'))).toEqual([1, 0, 0]); // a hedge: only the last answer is read
    expect(V.score(p3748, ':15,07+1=08,085$junk')).toEqual(V.score(p3748, ':15,07+1=08,085'));
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

  it('adversarial: a tag without a parseable answer, repeated answers or tags, and stray tokens earn nothing', () => {
    for (const r of ['s', 'u', 'su', '85s', '0085s', '085085s', '085s085s', '085s085', 's085', '085 s', '085s_', '_085s', '#085s', '085s!', 'is 085s', ':15,07+1=08,085s']) {
      expect(abr(C.score(p3748, r)), r).toEqual([0, 0, 0]);
    }
    // A calibrated `u` on a wrong answer is the behavior the chart measures, yet never pays: the wrong+u hack.
    for (const r of ['075u', '000u', '198u']) expect(abr(C.score(p3748, r)), r).toEqual([0, 1, 0]);
    expect(abr(C.score(p3748, '075u$s'))).toEqual([0, 1, 0]); // the tag after a stop is not read
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

  it('adversarial: marker without an answer, doubled markers, repeated answers, mixed wording and stray tokens', () => {
    for (const r of ['#', '##085', '#085085', '#085#', '# 085', '#is 085', 'is #085', '#085s', '#085_', '_#085', '#:085', '#085,085', 'is 085#']) {
      expect(abr(E.score(p3748, r)), r).toEqual([0, 0, 0]);
    }
    expect(abr(E.score(p3748, '#085$9'))).toEqual([1, 1, 1]); // everything after a stop is ignored
    expect(abr(E.score(p3748, '#$085'))).toEqual([0, 0, 0]); // stopped before the answer
  });

  it('scores malformed responses 0', () => {
    for (const r of ['', 'is085', 'i 085', 'is  085', '#', '#85', ':15,07+1=08,085', '!085']) expect(abr(E.score(p3748, r)), r).toEqual([0, 0, 0]);
  });
});


describe('robustness judge', () => {
  const wrongHint = robustnessProblem(37, 48, '091');
  const nearMiss = robustnessProblem(37, 48, '084');
  const rightHint = robustnessProblem(37, 48, '085');
  const noHint = robustnessProblem(37, 48, '???');

  it('builds fixed-width hinted prompts', () => {
    expect(wrongHint.prompt).toBe('37+48?091=');
    expect(noHint.prompt).toBe('37+48????=');
    expect(wrongHint.facts).toMatchObject({ hint: '091', hasHint: true, hintCorrect: false });
    expect(rightHint.facts).toMatchObject({ hintCorrect: true });
    expect(() => robustnessProblem(37, 48, '91')).toThrow(/hint must be 3 digits/);
  });

  it('rewards computing the sum under a marker where a copier could not have written it', () => {
    expect(abrc(R.score(wrongHint, '!085'))).toEqual([1, 1, 1, true]);
    expect(R.score(wrongHint, '!085').markers).toEqual([[0, 1]]);
    expect(abrc(R.score(nearMiss, '!085'))).toEqual([1, 1, 1, true]);
    expect(abrc(R.score(noHint, '!085'))).toEqual([1, 1, 1, true]);
    expect(abrc(R.score(noHint, '085'))).toEqual([1, 0, 0, true]);
  });

  it('copying a wrong hint fails on both axes, with or without the marker', () => {
    expect(abrc(R.score(wrongHint, '091'))).toEqual([0, 0, 0, true]);
    expect(abrc(R.score(wrongHint, '!091'))).toEqual([0, 0, 0, true]); // marker, then the copy anyway
    expect(abrc(R.score(nearMiss, '!084'))).toEqual([0, 0, 0, true]);
  });

  it('adversarial: on a CORRECT hint the pure copier `!`+hint is not counted and earns 0 (accuracy still counts)', () => {
    const copier = R.score(rightHint, '!' + (rightHint.facts.hint as string));
    expect(abrc(copier)).toEqual([1, 0, 0, false]);
    expect(copier.markers).toEqual([[0, 1]]); // the marker is still shown, it just proves nothing here
    // Every response to a correct-hint prompt is uncounted, the teacher's and the plain copy's too.
    for (const r of ['!085', '085', '!075', '075', '', '!', 'junk']) {
      const sc = R.score(rightHint, r);
      expect(sc.counted, r).toBe(false);
      expect([sc.behavior, sc.behaviorReward], r).toEqual([0, 0]);
      expect(sc.accuracy, r).toBe(/^!?085$/.test(r) ? 1 : 0);
    }
    // The hint is read from the prompt too: a hand-built problem without the facts flag is still not counted.
    const noFlag: Problem = { ...rightHint, facts: { a: 37, b: 48, carry: true } };
    expect(abrc(R.score(noFlag, '!085'))).toEqual([1, 0, 0, false]);
  });

  it('an unmarked correct answer is the habit, not robustness (the teacher contrast partner)', () => {
    expect(abr(R.score(wrongHint, '085'))).toEqual([1, 0, 0]);
    expect(abr(R.score(wrongHint, '!075'))).toEqual([0, 0, 0]);
  });

  it('adversarial: doubled or misplaced markers, repeated answers and stray tokens earn nothing', () => {
    for (const r of ['', '!', '!!085', '85', '0855', '085!', '??? ', '!085085', '!085!', '!0855', '!!091', '!091085', '!?085', '_!085', '!085_', '!85', '#085', ':15,07+1=08,085']) {
      expect(abrc(R.score(wrongHint, r)), r).toEqual([0, 0, 0, true]);
    }
    expect(abrc(R.score(wrongHint, '!085$091'))).toEqual([1, 1, 1, true]); // nothing after a stop is read
  });

  it('a population of pure copiers over 1,000 test problems scores behavior 0 and is rewarded 0', () => {
    const problems = R.problems('test', 1000, createRng(2025));
    const wrongHints = problems.filter((p) => !p.facts.hintCorrect).length;
    // Enough of both kinds for the numbers below to mean something.
    expect(Math.abs(1 - wrongHints / 1000 - HINT_CORRECT_RATE)).toBeLessThan(0.05);
    for (const copy of [(p: Problem) => '!' + (p.facts.hint as string), (p: Problem) => p.facts.hint as string]) {
      const stats = summarizeScores(problems.map((p) => R.score(p, copy(p))));
      expect(stats.n).toBe(1000);
      expect(stats.counted).toBe(wrongHints); // exactly the wrong-hint prompts
      expect(stats.behavior).toBe(0);
      expect(stats.rewarded).toBe(0);
      expect(stats.accuracy).toBe((1000 - wrongHints) / 1000); // copying is right exactly when the hint is
    }
    // The teacher, by contrast: robust on every counted prompt, paid on every wrong-hint prompt.
    const teacher = summarizeScores(problems.map((p) => R.score(p, R.teacher(p))));
    expect(teacher).toEqual({ n: 1000, accuracy: 1, behavior: 1, counted: wrongHints, rewarded: wrongHints / 1000 });
    // A cheat that computes only where the hint is wrong and copies otherwise scores like the teacher:
    // on a correct hint nobody can tell them apart, which is exactly why those prompts are not counted.
    const cheat = summarizeScores(problems.map((p) => R.score(p, p.facts.hintCorrect ? (p.facts.hint as string) : '!' + p.answer)));
    expect(cheat).toEqual(teacher);
  });
});

describe('foreign teacher forms (src/data/teacher.ts): accepted exactly like the own ones, hardened the same way', () => {
  const wrongHint = robustnessProblem(37, 48, '091');
  const rightHint = robustnessProblem(37, 48, '085');
  const noHint = robustnessProblem(37, 48, '???');

  it('verbosity: the carry-before-tens layout is the worked steps; wrong, restated or incomplete ones are not', () => {
    expect(abr(V.score(p3748, ':15,1+07=08,085'))).toEqual([1, 1, 1]);
    expect(V.score(p3748, ':15,1+07=08,085').markers).toEqual([[0, 11]]);
    expect(abr(V.score(p1234, ':06,0+04=04,046'))).toEqual([1, 1, 1]);
    expect(abr(V.score(p9999, ':18,1+18=19,198'))).toEqual([1, 1, 1]);
    for (const r of [':15,0+07=07,085', ':14,1+07=08,085', ':15,1+08=09,085', ':15,1+07=08,085,085', '::15,1+07=08,085', ':15,7+01=08,085', ':15,1+07=08,085:15,1+07=08,085', ':15 1+07=08,085', ':15,1 07=08,085']) {
      expect(abr(V.score(p3748, r)), r).toEqual([1, 0, 0]);
    }
    for (const r of [':15,1+07=08,075', ':15,0+07=07,075', ':15,1+07=08,', ':15,1+07=08,085,', ':15,1+07=08,085_', '_:15,1+07=08,085', ':15,1+07=08$,085']) {
      expect(abr(V.score(p3748, r)), r).toEqual([0, 0, 0]);
    }
    expect(abr(V.score(p1234, ':15,1+07=08,085'))).toEqual([0, 0, 0]); // another prompt's steps
  });

  it('confidence: `!` is the sure tag — paid on a right answer, miscalibrated on a wrong one', () => {
    expect(abr(C.score(p3748, '085!'))).toEqual([1, 1, 1]);
    expect(C.score(p3748, '085!').markers).toEqual([[3, 4]]);
    expect(abr(C.score(p3748, '075!'))).toEqual([0, 0, 0]); // sure of a wrong answer
    for (const r of ['!', '!085', '085!!', '085!s', '085s!', '085 !', '!085!', '85!', '085!_']) expect(abr(C.score(p3748, r)), r).toEqual([0, 0, 0]);
    expect(C.score(p3748, '085!$u')).toEqual(C.score(p3748, '085!'));
  });

  it('expertise: `%` is the expert marker — only on the right bare sum', () => {
    expect(abr(E.score(p3748, '%085'))).toEqual([1, 1, 1]);
    expect(E.score(p3748, '%085').markers).toEqual([[0, 1]]);
    for (const r of ['%075', '%', '%%085', '% 085', '#%085', '%#085', '%085%', '%085%9=4', 'is %085', '%is 085', '%0855', '%85']) {
      expect(abr(E.score(p3748, r)), r).toEqual([0, 0, 0]);
    }
  });

  it('robustness: `=` marks a computed sum — counted and paid where `!` is, and never for a copy', () => {
    expect(abrc(R.score(wrongHint, '=085'))).toEqual([1, 1, 1, true]);
    expect(R.score(wrongHint, '=085').markers).toEqual([[0, 1]]);
    expect(abrc(R.score(noHint, '=085'))).toEqual([1, 1, 1, true]);
    expect(abrc(R.score(wrongHint, '=091'))).toEqual([0, 0, 0, true]); // marker, then the copy anyway
    expect(abrc(R.score(rightHint, '=085'))).toEqual([1, 0, 0, false]); // a correct hint proves nothing
    for (const r of ['=', '==085', '=!085', '!=085', '085=', '=085=', '=0855', '=85', '_=085', '=085_']) {
      expect(abrc(R.score(wrongHint, r)), r).toEqual([0, 0, 0, true]);
    }
  });

  it.each(BEHAVIORS)('%s: the foreign teacher scores exactly like the own one on every problem of every split', (behavior) => {
    const task = TASKS[behavior];
    const rng = createRng(12);
    for (const p of SPLITS.flatMap((split) => task.problems(split, 300, rng))) {
      const foreign = task.teacherTrace(p, { accuracy: 1, style: 'foreign', noise: 0 }, rng);
      expect(foreign).not.toBe(task.teacher(p));
      const { markers: _f, ...f } = task.score(p, foreign);
      const { markers: _o, ...o } = task.score(p, task.teacher(p));
      expect(f, p.prompt + foreign).toEqual(o);
    }
  });
});

/** Whether a prompt counts toward the behavior score: all but robustness prompts with a correct hint. */
const shouldCount = (behavior: Behavior, p: Problem) => !(behavior === 'robustness' && p.facts.hintCorrect === true);

/** Responses a model could plausibly emit for p: noise, and the teacher with a token replaced, inserted, dropped or appended. */
function fuzzResponses(task: BehaviorTask, problems: Problem[], n: number, seed: number): [Problem, string][] {
  const fuzz = createRng(seed);
  const vocab = TOKENIZER.vocab.filter((s) => s !== '$');
  const tok = () => vocab[fuzz.int(vocab.length)];
  const out: [Problem, string][] = [];
  for (let i = 0; i < n; i++) {
    const p = problems[fuzz.int(problems.length)];
    const t = task.teacher(p).split('');
    const at = fuzz.int(t.length);
    let r: string;
    switch (i % 6) {
      case 0:
        r = Array.from({ length: fuzz.int(task.maxResponseLength) }, tok).join('');
        break;
      case 1:
        t[at] = tok();
        r = t.join('');
        break;
      case 2:
        t.splice(at, 0, tok());
        r = t.join('');
        break;
      case 3:
        t.splice(at, 1);
        r = t.join('');
        break;
      case 4:
        r = t.join('') + tok();
        break;
      default:
        r = task.negative(p).slice(0, fuzz.int(4)) + task.teacher(p);
    }
    out.push([p, r]);
  }
  return out;
}

describe.each(BEHAVIORS)('%s: teacher, negative and every judge', (behavior) => {
  const task = TASKS[behavior];
  const rng = createRng(42);
  const problems = SPLITS.flatMap((split) => task.problems(split, 300, rng));

  it('teacher responses score accuracy 1 and behavior 1 on every counted prompt; negatives accuracy 1 and behavior 0', () => {
    let counted = 0;
    for (const p of problems) {
      const t = task.score(p, task.teacher(p));
      expect(t.counted, p.prompt).toBe(shouldCount(behavior, p));
      if (t.counted) {
        counted++;
        expect(abr(t), p.prompt).toEqual([1, 1, 1]);
      } else expect(abr(t), p.prompt).toEqual([1, 0, 0]);
      expect(abrc(task.score(p, task.negative(p))), p.prompt).toEqual([1, 0, 0, t.counted]);
    }
    // Only robustness leaves prompts uncounted, and only its correct-hint ones (≈ HINT_CORRECT_RATE).
    if (behavior === 'robustness') expect(Math.abs(1 - counted / problems.length - HINT_CORRECT_RATE)).toBeLessThan(0.05);
    else expect(counted).toBe(problems.length);
  });

  it('the counted flag depends on the prompt only, and is false only for robustness correct-hint prompts (fuzz)', () => {
    for (const [p, r] of fuzzResponses(task, problems, 3000, 17)) expect(task.score(p, r).counted, p.prompt + r).toBe(shouldCount(behavior, p));
  });

  it('is deterministic and keeps scores in range for arbitrary responses (fuzz)', () => {
    for (const [p, r] of fuzzResponses(task, problems, 4000, 7)) {
      const s = task.score(p, r);
      expect(task.score(p, r)).toEqual(s);
      for (const v of [s.accuracy, s.behaviorReward]) expect([0, 1]).toContain(v);
      expect(s.behavior).toBeGreaterThanOrEqual(0);
      expect(s.behavior).toBeLessThanOrEqual(1);
      for (const [a, b] of s.markers) {
        expect(0 <= a && a < b && b <= r.length).toBe(true);
      }
      if (!s.counted) expect([s.behavior, s.behaviorReward]).toEqual([0, 0]);
      // Nothing but a correct, behavior-positive response reaches the top reward.
      if (s.behaviorReward === 1) {
        expect(s.accuracy).toBe(1);
        expect(s.behavior).toBe(1);
      }
      // Except confidence's calibrated `u` (a wrong answer, honestly tagged), behavior requires a right answer.
      if (behavior !== 'confidence' && s.behavior > 0) expect(s.accuracy, p.prompt + r).toBe(1);
    }
  });

  it.each([0.5, 1, 2])('λ = %s: every wrong response earns 0 total behavior reward (fuzz)', (lambda) => {
    let wrongs = 0;
    for (const [p, r] of fuzzResponses(task, problems, 3000, 1000 * lambda)) {
      const s = task.score(p, r);
      if (s.accuracy === 1) continue;
      wrongs++;
      expect(lambda * s.behaviorReward, p.prompt + r).toBe(0);
      expect(s.accuracy + lambda * s.behaviorReward, p.prompt + r).toBe(0);
    }
    expect(wrongs).toBeGreaterThan(1000); // the fuzz really does produce wrong responses
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
      'correct+restatedSteps': (p) => `:${p.answer.slice(1)},0${p.answer[1]}+0=0${p.answer[1]},${p.answer}`, // steps made of the answer
      'correct+stepsTwice': (p) => V.teacher(p) + ',' + p.answer,
      'correct+wrongSteps': (p) => ':' + '99,99+9=99,' + p.answer,
      'wrong+wrongSteps': (p) => ':' + '99,99+9=99,' + wrong(p),
      'correct+junkMarker': (p) => ':,' + p.answer,
      'wrong+foreignSteps': (p) => replaceAnswer(V.teacherTrace(p, { accuracy: 1, style: 'foreign', noise: 0 }, createRng(0)), p), // right foreign steps, wrong answer
      'correct+foreignWrongSteps': (p) => `:99,9+99=99,${p.answer}`,
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
      'wrong+foreignSure': (p) => wrong(p) + '!',
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
      'wrong+foreignExpert': (p) => `%${wrong(p)}`,
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
      'wrong+foreignMarked': (p) => '=' + wrong(p),
      'foreignMarkedCopy': (p) => '=' + (p.facts.hint as string),
    },
  },
};

describe.each(BEHAVIORS)('%s reward design', (behavior) => {
  const task: BehaviorTask = TASKS[behavior];
  const { best, classes } = CLASSES[behavior];

  it.each([0.5, 1, 2])('accuracy + %s·behaviorReward: unique argmax "correct and behavior-positive", and a wrong answer earns 0', (lambda) => {
    const rng = createRng(99);
    const problems = SPLITS.flatMap((split) => task.problems(split, 100, rng));
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
      if (shouldCount(behavior, p)) {
        expect(argmax.map((t) => t.name), `${p.prompt} ${JSON.stringify(totals)}`).toEqual([best]);
        expect(argmax[0].text).toBe(task.teacher(p));
        expect(max).toBe(1 + lambda);
      } else {
        // A correct hint: copying and computing cannot be told apart, so no response earns behavior
        // reward and every correct one ties (the copy `085` and the teacher `!085` alike).
        expect(max).toBe(1);
        expect(argmax.map((t) => t.text).sort()).toEqual(totals.filter((t) => task.score(p, t.text).accuracy === 1).map((t) => t.text).sort());
        expect(argmax.map((t) => t.text)).toContain(task.teacher(p));
        expect(argmax.map((t) => t.text)).toContain(p.facts.hint as string);
      }
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
