// What a task offers the rest of the workbench (DESIGN §5). src/steering and src/rl use tasks only
// through this interface, so a new task or behavior plugs in without touching them.
import type { Rng } from '../util/rng';

export const BEHAVIORS = ['verbosity', 'confidence', 'expertise', 'robustness'] as const;
export type Behavior = (typeof BEHAVIORS)[number];

export function isBehavior(s: string): s is Behavior {
  return (BEHAVIORS as readonly string[]).includes(s);
}

/**
 * The three disjoint problem splits (src/data/arithmetic.ts assigns them): `train` is what pretraining and
 * RL see; settings (doses, grids, budgets) are CHOSEN on `validation`; results are REPORTED on `test`, which
 * nothing was tuned on, so a reported number is not inflated by the choice of setting.
 */
export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export function isSplit(s: unknown): s is Split {
  return typeof s === 'string' && (SPLITS as readonly string[]).includes(s);
}

/**
 * How a teacher writes its traces (the distill and guide baselines train on them). A real teacher is another
 * model, with its own errors and its own style; PERFECT_TEACHER is the idealised one the baselines used until
 * now: always right, in exactly the student's own rare format. BehaviorTask.teacherTrace writes a trace under
 * these settings; src/data/teacher.ts documents the errors, styles and noise.
 */
export const TEACHER_STYLES = ['own', 'foreign'] as const;
export type TeacherStyle = (typeof TEACHER_STYLES)[number];

export interface TeacherSettings {
  /**
   * Fraction of traces whose answer is right (1 = today's perfect teacher). Wrong ones are wrong the way a
   * plausible model is, never a random string: a dropped units carry (−10), a slip in the tens sum (±10) or in
   * the units sum (±1), written in the trace's own format (verbosity's steps are the steps of that mistake).
   */
  accuracy: number;
  /**
   * own = the student's rare behavior-positive format (teacher(problem)); foreign = another behavior-positive
   * format the student never saw in pretraining, which the judge accepts equally (behavior 1 and behavior
   * reward 1 when correct). The forms are listed in src/data/teacher.ts.
   */
  style: TeacherStyle;
  /**
   * Fraction of traces with stray formatting, as a sloppy real teacher writes it. Every noisy trace still fits
   * the response window and differs from the clean one; the judge never scores it behavior-positive. Verbosity's
   * noise (a stray space for a step separator) stays PARSEABLE: the answer is read, accuracy as the clean trace.
   * The other behaviors' noise (a misplaced tag or marker, a doubled marker, a stray space) is NOT parseable:
   * the judge gives it accuracy 0 as well. Details in src/data/teacher.ts.
   */
  noise: number;
}

/** Today's teacher: always right, the student's own format, no noise (teacherTrace = teacher, no draws). */
export const PERFECT_TEACHER: Readonly<TeacherSettings> = Object.freeze({ accuracy: 1, style: 'own', noise: 0 });

export function isTeacherStyle(s: unknown): s is TeacherStyle {
  return typeof s === 'string' && (TEACHER_STYLES as readonly string[]).includes(s);
}

const shown = (v: unknown) => (v === undefined ? 'nothing' : typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)));

/**
 * What is wrong with a TeacherSettings value, as a message for the user, or null when it is valid: an object
 * with exactly the fields accuracy and noise (finite numbers in [0, 1]) and style (one of TEACHER_STYLES).
 */
export function validateTeacherSettings(s: unknown): string | null {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) {
    return `teacher settings must be an object {accuracy, style, noise} (got ${s === null ? 'null' : Array.isArray(s) ? 'an array' : typeof s})`;
  }
  const o = s as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'accuracy' && k !== 'style' && k !== 'noise') return `unknown teacher setting ${JSON.stringify(k)} (expected accuracy, style, noise)`;
  }
  for (const k of ['accuracy', 'noise'] as const) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) return `teacher ${k} must be a number in [0, 1] (got ${shown(v)})`;
  }
  if (!isTeacherStyle(o.style)) return `teacher style must be one of: ${TEACHER_STYLES.join(', ')} (got ${shown(o.style)})`;
  return null;
}

export interface Tokenizer {
  readonly vocab: string[]; // id -> symbol (single characters; special tokens are single characters too)
  readonly vocabSize: number;
  readonly stopToken: number; // ends every response
  encode(text: string): number[]; // throws on a character outside the vocabulary
  decode(ids: ArrayLike<number>): string; // stops at nothing; callers cut at the stop token
  /** The JSON stored in checkpoint metadata (`tokenizer`), enough to rebuild it. */
  toJSON(): { kind: 'char'; vocab: string[]; stop: string };
}

/** One prompt with everything the judges need to score a response to it. */
export interface Problem {
  prompt: string; // fixed length for a given task (promptLength characters == tokens)
  answer: string; // the correct final answer as it must be written
  /** Task-specific facts for judges (operands, the hint, whether the hint is wrong, ...). */
  facts: Record<string, number | string | boolean>;
}

export interface Score {
  accuracy: number; // 1 if the final answer is correct, else 0
  /** Behavior score in [0, 1] (what charts show). 0 when `counted` is false. */
  behavior: number;
  /**
   * Behavior reward in [0, 1] used by RL; designed so "correct and behavior-positive" is the only best
   * response. 0 when `counted` is false.
   */
  behaviorReward: number;
  /**
   * Whether this response's PROMPT counts toward the behavior score. False where the judge cannot tell the
   * behavior from its absence (robustness with a correct hint: copying the hint and computing the sum write
   * the same answer), so behavior and behaviorReward are 0 there and a behavior rate averages over counted
   * responses only (summarizeScores in src/data/score.ts). Accuracy counts on every prompt.
   */
  counted: boolean;
  /** Character spans the UI highlights as the judge's markers: [start, end) in the response text. */
  markers: [number, number][];
}

export interface BehaviorTask {
  readonly behavior: Behavior;
  readonly description: string;
  readonly tokenizer: Tokenizer;
  readonly promptLength: number; // tokens
  readonly maxResponseLength: number; // tokens, including the stop token
  /**
   * Steering window default (DESIGN §3): the position whose output decides the behavior, as an offset
   * from the last prompt position. 0 = the position that outputs the first response token.
   */
  readonly decisionOffset: number;
  /** Token that opens the behavior-positive branch at the decision, and the competing tokens (for `unembed`). */
  readonly decisionToken: { positive: string; negatives: string[] };

  /** Seeded prompts from one split (train, validation and test are disjoint); throws on an unknown split. */
  problems(split: Split, n: number, rng: Rng): Problem[];
  /** Deterministic judge of a response (text after the prompt, up to and excluding the stop token). */
  score(problem: Problem, response: string): Score;
  /** A correct, behavior-positive response (teacher trace): accuracy 1, and behavior 1 wherever the prompt is counted. */
  teacher(problem: Problem): string;
  /**
   * A teacher trace under the given settings (src/data/teacher.ts); with PERFECT_TEACHER (indeed with any
   * accuracy 1, style own, noise 0) exactly teacher(problem), drawing nothing from rng. Otherwise it draws
   * from rng deterministically: one draw for correctness when accuracy < 1 (two more for the mistake when
   * wrong), one for noise when noise > 0 (one more for the slip when noisy); the count never depends on the
   * problem, behavior or style. Throws on invalid settings.
   * Every trace fits the response window (length + stop <= maxResponseLength) and the tokenizer.
   */
  teacherTrace(problem: Problem, settings: TeacherSettings, rng: Rng): string;
  /** A correct, behavior-negative response to the same prompt (the other side of a contrast pair). */
  negative(problem: Problem): string;
  /** For `caa-decision`: prompts of the behavior-positive kind and of the negative kind. */
  contrastProblems(n: number, rng: Rng): { positive: Problem[]; negative: Problem[] };
  /**
   * One pretraining example drawn from the corpus distribution, where the behavior is rare (DESIGN §5), on
   * operands of `split` (default train: the corpus itself, unchanged draw for draw). Another split gives
   * corpus-style examples on held-out operands: pretraining's validation loss uses 'validation'.
   */
  corpusExample(rng: Rng, split?: Split): { prompt: string; response: string };
}
