import { describe, expect, it } from 'vitest';
import { summarizeScores as fromIndex } from '../../src/data';
import { robustnessProblem } from '../../src/data/behaviors/robustness';
import { summarizeScores } from '../../src/data/score';
import { TASKS } from '../../src/data/tasks';
import type { Score } from '../../src/data/types';

const sc = (accuracy: number, behavior: number, behaviorReward: number, counted = true): Score => ({ accuracy, behavior, behaviorReward, counted, markers: [] });

describe('summarizeScores', () => {
  it('averages accuracy over all, behavior over counted only, and rewarded over all', () => {
    const scores = [
      sc(1, 1, 1), // correct and behavior-positive: paid
      sc(1, 0, 0), // correct, no behavior
      sc(0, 1, 0), // a calibrated `u` on a wrong answer: behavior, no pay
      sc(0, 0, 0),
      sc(1, 0, 0, false), // uncounted: in accuracy and the rewarded denominator only
      sc(1, 0, 0, false),
    ];
    expect(summarizeScores(scores)).toEqual({ n: 6, accuracy: 4 / 6, behavior: 2 / 4, counted: 4, rewarded: 1 / 6 });
    expect(fromIndex).toBe(summarizeScores);
  });

  it('is 0 with counted = 0 when nothing is counted, and all 0 for an empty batch', () => {
    expect(summarizeScores([sc(1, 0, 0, false), sc(0, 0, 0, false)])).toEqual({ n: 2, accuracy: 0.5, behavior: 0, counted: 0, rewarded: 0 });
    expect(summarizeScores([])).toEqual({ n: 0, accuracy: 0, behavior: 0, counted: 0, rewarded: 0 });
  });

  it('pays only for accuracy 1 with a positive behavior reward', () => {
    expect(summarizeScores([sc(0, 1, 1), sc(1, 1, 0), sc(1, 1, 1)]).rewarded).toBe(1 / 3);
  });

  it('refuses malformed scores instead of averaging them', () => {
    const { counted: _, ...legacy } = sc(1, 1, 1);
    expect(() => summarizeScores([sc(1, 1, 1), legacy as Score])).toThrow(/score 1 has no boolean `counted`/);
    expect(() => summarizeScores([sc(Number.NaN, 0, 0)])).toThrow(/accuracy outside \[0, 1\]/);
    expect(() => summarizeScores([sc(1, 2, 0)])).toThrow(/behavior outside \[0, 1\]/);
    expect(() => summarizeScores([null as unknown as Score])).toThrow(/score 0 has no fields/);
    expect(() => summarizeScores('x' as unknown as Score[])).toThrow(/expected an array/);
  });

  it('robustness: a correct-hint prompt never enters the behavior rate, whatever the response', () => {
    const R = TASKS.robustness;
    const right = robustnessProblem(37, 48, '085');
    const wrong = robustnessProblem(37, 48, '091');
    // A population that is robust on every wrong hint and writes `!`+hint on every correct one.
    const stats = summarizeScores([R.score(wrong, '!085'), R.score(wrong, '091'), R.score(right, '!085'), R.score(right, '085')]);
    expect(stats).toEqual({ n: 4, accuracy: 3 / 4, behavior: 1 / 2, counted: 2, rewarded: 1 / 4 });
  });
});
