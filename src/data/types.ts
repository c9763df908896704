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
  /** A correct, behavior-negative response to the same prompt (the other side of a contrast pair). */
  negative(problem: Problem): string;
  /** For `caa-decision`: prompts of the behavior-positive kind and of the negative kind. */
  contrastProblems(n: number, rng: Rng): { positive: Problem[]; negative: Problem[] };
  /** One pretraining example drawn from the corpus distribution, where the behavior is rare (DESIGN §5). */
  corpusExample(rng: Rng): { prompt: string; response: string };
}
