/**
 * Realistic teachers (issue "Baselines that mean something"). The distill and guide baselines train on teacher
 * traces; `teacher(problem)` is a PERFECT one: always right, in exactly the student's own rare format. A real
 * teacher is another model, with its own errors and its own style. `BehaviorTask.teacherTrace(problem,
 * settings, rng)` writes a trace under TeacherSettings (src/data/types.ts): accuracy, style and noise.
 *
 * Errors (accuracy < 1). A wrong trace is wrong the way a plausible model is, never a random string: the
 * teacher makes one slip in its computation and writes that computation in its usual format (slippedWorking):
 *   carry  (problems with a units carry, 60% of their slips): the carry is dropped: 37+48 → 075 (−10)
 *   tens   (20%; 50% without a carry): the tens sum is off by one: 37+48 → 095 or 075 (±10)
 *   units  (20%; 50% without a carry): the units sum is off by one, on the same side of 10 (the carry is
 *          unchanged): 37+48 → 084 or 086 (±1)
 * So a wrong answer differs from the sum by 10 or by 1, stays in 000–198, and verbosity's steps are the steps
 * of that mistake (`:15,07+0=07,075`), not right steps glued to a wrong answer. A wrong confidence trace is
 * still tagged sure (the teacher does not know it is wrong): miscalibrated, behavior 0.
 *
 * Styles. `own` is the student's format, teacher(problem). `foreign` is another behavior-positive format,
 * written with characters already in the (fixed) vocabulary, that no pretraining corpus example contains
 * and that the judge accepts exactly as it accepts the own one (behavior 1, behavior reward 1 when correct):
 *   behavior     own                foreign            what differs
 *   verbosity    `:15,07+1=08,085`  `:15,1+07=08,085`  the carry is written before the tens digits
 *   confidence   `085s`             `085!`             the sure tag is `!`
 *   expertise    `#085`             `%085`             the expert marker is `%`
 *   robustness   `!085`             `=085`             the "computed, not copied" marker is `=`
 * The foreign forms have the own forms' length, so they fit the response window, and they put a different
 * token at the decision position (except verbosity, whose marker `:` is shared): a student distilled from a
 * foreign teacher must learn a format its pretraining never showed it.
 *
 * Noise (noise > 0). A sloppy teacher's stray formatting, one slip per noisy trace. The own traces already
 * fill the response window of verbosity, confidence and robustness (length + stop = maxResponseLength), so
 * there a slip replaces or moves a character instead of adding one; a trace never outgrows the window.
 * Every noisy trace differs from the clean one and is never behavior-positive; whether the judge can still
 * read its answer depends on the behavior:
 *   verbosity    PARSEABLE: one step separator (the `,` after the units sum, the `+` or the `=`) is written as
 *                a stray space: `:15 07+1=08,085`, `:15,07+1 08,085` (foreign `:15,1 07=08,085`). The final
 *                answer is read as usual: accuracy as the clean trace, behavior 0.
 *   confidence   NOT parseable: the tag is written before the answer: `s085` (foreign `!085`). Accuracy 0.
 *   expertise    NOT parseable: the marker repeated, `##085`, or a stray space after it, `# 085` (foreign
 *                `%%085`, `% 085`). Accuracy 0.
 *   robustness   NOT parseable: the marker is written after the answer: `085!` (foreign `085=`). Accuracy 0.
 * So for every behavior but verbosity the judged accuracy of a teacher's traces is accuracy × (1 − noise).
 *
 * Randomness. With accuracy 1, style own and noise 0 (PERFECT_TEACHER) the trace is exactly teacher(problem)
 * and nothing is drawn, so runs that used teacher() reproduce bit for bit. Otherwise the draws are, in order:
 * one `next()` for correctness when accuracy < 1 (right iff < accuracy) and, for a wrong trace, two more
 * (the slip's kind and direction); then one `next()` for noise when noise > 0 (noisy iff < noise) and, for a
 * noisy trace, one more `next()` that picks the slip (formats with a single slip ignore it). The style draws
 * nothing, and the number of draws never depends on the problem, the behavior or the style: one seed gives
 * every task and style the same pattern of right/wrong and clean/noisy traces, so they compare on equal footing.
 */
import type { Rng } from '../util/rng';
import { ANSWER_WIDTH, hasCarry, operandsOf, pad } from './arithmetic';
import { validateTeacherSettings, type Problem, type TeacherSettings, type TeacherStyle } from './types';

/**
 * One computation of a + b as a teacher writes it: the units sum, the carry it wrote, the tens digits' sum,
 * and the answer those give, (tens + carry)·10 + units mod 10.
 */
export interface Working {
  units: number;
  carry: 0 | 1;
  tens: number;
  answer: number;
}

/** The kinds of mistake a wrong trace makes (see the header). */
export const SLIPS = ['carry', 'tens', 'units'] as const;
export type Slip = (typeof SLIPS)[number];

/** On a problem with a units carry, the share of slips that drop it; the rest are tens and units slips equally. */
export const CARRY_SLIP_SHARE = 0.6;

const answerOf = (units: number, carry: 0 | 1, tens: number) => (tens + carry) * 10 + (units % 10);

/** The right computation of a + b. */
export function rightWorking(a: number, b: number): Working {
  const units = (a % 10) + (b % 10);
  const carry = units >= 10 ? 1 : 0;
  const tens = Math.floor(a / 10) + Math.floor(b / 10);
  return { units, carry, tens, answer: answerOf(units, carry, tens) };
}

/** A plausible wrong computation of a + b (one slip, see the header). Draws exactly two `next()`. */
export function slippedWorking(a: number, b: number, rng: Rng): { working: Working; slip: Slip } {
  const w = rightWorking(a, b);
  const k = rng.next();
  const up = rng.next() < 0.5;
  const carry = hasCarry(a, b);
  if (carry && k < CARRY_SLIP_SHARE) return { slip: 'carry', working: { ...w, carry: 0, answer: answerOf(w.units, 0, w.tens) } };
  const tensShare = carry ? (1 + CARRY_SLIP_SHARE) / 2 : 0.5;
  if (k < tensShare) {
    // Tens digits sum 0–18; off by one in the direction drawn, or the other one at the edge.
    const tens = w.tens + (up ? (w.tens < 18 ? 1 : -1) : w.tens > 0 ? -1 : 1);
    return { slip: 'tens', working: { ...w, tens, answer: answerOf(w.units, w.carry, tens) } };
  }
  // Units sum 0–18; off by one without crossing 10 (the carry it wrote stays the right one).
  const fits = (u: number) => u >= 0 && u <= 18 && (u >= 10) === (w.units >= 10);
  const units = fits(w.units + (up ? 1 : -1)) ? w.units + (up ? 1 : -1) : w.units - (up ? 1 : -1);
  return { slip: 'units', working: { ...w, units, answer: answerOf(units, w.carry, w.tens) } };
}

/** What a behavior contributes to its teacher: how it writes a computation, and how a sloppy teacher slips. */
export interface TraceFormat {
  /** The trace of a computation in a style; `write(rightWorking(a, b), 'own')` must be teacher(problem). */
  write(w: Working, style: TeacherStyle): string;
  /**
   * The same trace with one stray-formatting slip: different from `trace`, never behavior-positive, and no
   * longer than the task's response window allows. `pick` (uniform in [0, 1)) chooses among several slips.
   */
  noisy(trace: string, style: TeacherStyle, pick: number): string;
}

/** Throws the validateTeacherSettings message for invalid settings. */
export function checkTeacherSettings(settings: TeacherSettings): TeacherSettings {
  const err = validateTeacherSettings(settings);
  if (err) throw new Error(`invalid teacher settings: ${err}`);
  return settings;
}

/**
 * The shared body of every task's teacherTrace: the task's `teacher(problem)`, returned as is (no draws) for
 * the perfect teacher; otherwise the draws of the header's "Randomness" paragraph, in that order, on the
 * problem's operands (facts a, b).
 */
export function writeTeacherTrace(problem: Problem, teacher: (p: Problem) => string, format: TraceFormat, settings: TeacherSettings, rng: Rng): string {
  checkTeacherSettings(settings);
  const { accuracy, style, noise } = settings;
  if (accuracy === 1 && noise === 0 && style === 'own') return teacher(problem);
  const [a, b] = operandsOf(problem);
  const right = accuracy === 1 || rng.next() < accuracy;
  const trace = format.write(right ? rightWorking(a, b) : slippedWorking(a, b, rng).working, style);
  return noise > 0 && rng.next() < noise ? format.noisy(trace, style, rng.next()) : trace;
}

/** The answer of a computation as the 3 fixed-width digits every format writes. */
export const answerDigits = (w: Working) => pad(w.answer, ANSWER_WIDTH);
