// Helpers shared by the four behavior tasks.
import type { Score } from '../types';

/** Options every behavior factory accepts, so pretraining can tune the corpus without editing a task. */
export interface CorpusOptions {
  /** Probability that a corpus response shows the behavior (defaults to the behavior's named constant). */
  rate?: number;
  /** Probability that a terse corpus answer drops the units carry (default SLOPPY_CARRY_DROP). */
  carryDrop?: number;
}

export function checkProbability(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw new Error(`${name} must be a probability in [0, 1] (got ${v})`);
  return v;
}

/**
 * Builds a Score. The behavior reward is paid ONLY for a correct answer that is fully behavior-positive
 * (`positive`), so accuracy + λ·reward has exactly one best response class for every λ > 0 on every
 * counted prompt: correct and behavior-positive. A wrong answer never earns behavior reward, whatever it
 * looks like (DESIGN §3: the calibration reward that paid for tagging wrong answers "unsure" drove accuracy
 * from 0.52 to < 0.15).
 *
 * `counted` = false marks a prompt on which the judge cannot tell the behavior from its absence (robustness
 * with a correct hint); then behavior and behaviorReward are 0 whatever the response, so neither the chart
 * nor RL can be paid for a response that only LOOKS like the behavior, and accuracy counts as usual.
 */
export function makeScore(correct: boolean, behavior: number, positive: boolean, markers: [number, number][], counted = true): Score {
  return {
    accuracy: correct ? 1 : 0,
    behavior: counted ? behavior : 0,
    behaviorReward: counted && correct && positive ? 1 : 0,
    counted,
    markers,
  };
}
