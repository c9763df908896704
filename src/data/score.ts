// Aggregating judge scores into the numbers a report shows. One definition for every caller (charts, RL
// summaries, sweeps, the CLI), so "behavior" means the same thing everywhere.
import type { Score } from './types';

export interface ScoreStats {
  /** Number of responses. */
  n: number;
  /** Mean accuracy over all n responses. */
  accuracy: number;
  /**
   * Mean behavior over the COUNTED responses only (Score.counted): on an uncounted prompt the judge cannot
   * tell the behavior from its absence (robustness with a correct hint), so it says nothing about it.
   * 0 when none is counted; `counted` = 0 tells the reader the number is empty, not a measured zero.
   */
  behavior: number;
  /** Number of counted responses (the denominator of `behavior`). */
  counted: number;
  /**
   * Fraction of ALL n responses that are correct AND behavior-positive (accuracy 1 and behaviorReward > 0):
   * what the behavior reward pays for. Uncounted prompts are in the denominator and never in the numerator.
   */
  rewarded: number;
}

/** Summary of a batch of scores; throws on a malformed score instead of averaging it. 0s for an empty batch. */
export function summarizeScores(scores: readonly Score[]): ScoreStats {
  if (!Array.isArray(scores)) throw new Error(`summarizeScores: expected an array of scores (got ${typeof scores})`);
  let accuracy = 0;
  let behavior = 0;
  let counted = 0;
  let rewarded = 0;
  scores.forEach((s, i) => {
    const bad = (what: string) => new Error(`summarizeScores: score ${i} has ${what} (got ${JSON.stringify(s)})`);
    if (s === null || typeof s !== 'object') throw bad('no fields');
    for (const k of ['accuracy', 'behavior', 'behaviorReward'] as const) {
      if (typeof s[k] !== 'number' || !Number.isFinite(s[k]) || s[k] < 0 || s[k] > 1) throw bad(`${k} outside [0, 1]`);
    }
    if (typeof s.counted !== 'boolean') throw bad('no boolean `counted`');
    accuracy += s.accuracy;
    if (s.counted) {
      counted++;
      behavior += s.behavior;
    }
    if (s.accuracy === 1 && s.behaviorReward > 0) rewarded++;
  });
  const n = scores.length;
  return {
    n,
    accuracy: n > 0 ? accuracy / n : 0,
    behavior: counted > 0 ? behavior / counted : 0,
    counted,
    rewarded: n > 0 ? rewarded / n : 0,
  };
}
