// The one metadata builder and save cadence of training runs (src/rl/checkpointing.ts), shared by the
// worker's auto-saves and `vspo train --out`.
import { describe, expect, test } from 'vitest';
import { isSavePoint, trainedMetadata } from '../../src/rl/checkpointing';
import { defaultRlConfig } from '../../src/rl/config';

describe('training checkpoints', () => {
  test('the step counts on from the base checkpoint; training says what trained it', () => {
    const config = { ...defaultRlConfig, method: 'vspo' as const, seed: 4 };
    const m = trainedMetadata({ step: 100, task: { behavior: 'verbosity' } }, { behavior: 'verbosity', config, stepsDone: 7, runId: 'run-1' });
    expect(m).toMatchObject({ step: 107, task: { behavior: 'verbosity' }, training: { runId: 'run-1', behavior: 'verbosity', method: 'vspo', seed: 4, stepsDone: 7, config } });
    expect(Date.parse(m.createdAt as string)).not.toBeNaN();
    expect(trainedMetadata({}, { behavior: 'robustness', config, stepsDone: 3 })).toMatchObject({ step: 3, training: { stepsDone: 3 } });
    expect('runId' in (trainedMetadata({}, { behavior: 'robustness', config, stepsDone: 3 }).training as object)).toBe(false);
  });

  test('saves every saveEvery steps and after the last, never after a halted step or with saveEvery 0', () => {
    const c = { saveEvery: 4, steps: 10 };
    expect([...Array(11).keys()].filter((s) => isSavePoint(c, s, false))).toEqual([4, 8, 10]);
    expect(isSavePoint(c, 8, true)).toBe(false);
    expect([...Array(11).keys()].some((s) => isSavePoint({ saveEvery: 0, steps: 10 }, s, false))).toBe(false);
  });
});
