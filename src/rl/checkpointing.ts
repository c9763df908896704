// What a training run writes into a checkpoint, and when (DESIGN §6): one metadata builder and one save
// cadence for the worker's auto-saves and `vspo train --out`.
import type { Behavior } from '../data/types';
import type { RlConfig } from './config';

export interface TrainedBy {
  behavior: Behavior;
  config: RlConfig;
  stepsDone: number;
  /** The stored run (the worker's); the CLI has none. */
  runId?: string;
}

/**
 * The metadata of a checkpoint trained from `base`: its step counts on from the base's, and `training`
 * says by what (method, seed, steps done, the whole config).
 */
export function trainedMetadata(base: Record<string, unknown>, by: TrainedBy): Record<string, unknown> {
  const baseStep = Number(base.step ?? 0) || 0;
  const { behavior, config, stepsDone, runId } = by;
  return {
    ...base,
    step: baseStep + stepsDone,
    createdAt: new Date().toISOString(),
    training: { ...(runId ? { runId } : {}), behavior, method: config.method, seed: config.seed, stepsDone, config },
  };
}

/** Whether the weights are saved after `step`: every saveEvery steps and after the last (never after a halted step). */
export function isSavePoint(config: Pick<RlConfig, 'saveEvery' | 'steps'>, step: number, halted: boolean): boolean {
  const K = config.saveEvery;
  return K > 0 && step > 0 && !halted && (step % K === 0 || step === config.steps);
}
