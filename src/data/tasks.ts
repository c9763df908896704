// The four behavior tasks of the workbench (DESIGN §5), all on one task family (2-digit addition,
// src/data/arithmetic.ts) and one shared tokenizer (src/data/tokenizer.ts).
import { BEHAVIORS, isBehavior, type Behavior, type BehaviorTask } from './types';
import { createVerbosityTask, verbosityTask } from './behaviors/verbosity';
import { confidenceTask, createConfidenceTask } from './behaviors/confidence';
import { createExpertiseTask, expertiseTask } from './behaviors/expertise';
import { createRobustnessTask, robustnessTask } from './behaviors/robustness';
import type { CorpusOptions } from './behaviors/shared';

export const TASKS: Readonly<Record<Behavior, BehaviorTask>> = Object.freeze({
  verbosity: verbosityTask,
  confidence: confidenceTask,
  expertise: expertiseTask,
  robustness: robustnessTask,
});

/** The task for a behavior. Accepts any string so callers (CLI, metadata) get one clear error. */
export function getTask(behavior: Behavior | string): BehaviorTask {
  if (!isBehavior(behavior)) throw new Error(`unknown behavior ${JSON.stringify(behavior)} (expected one of: ${BEHAVIORS.join(', ')})`);
  return TASKS[behavior];
}

/**
 * A task whose pretraining corpus differs from the default (e.g. a rarer behavior, to study how VSPO's
 * edge depends on the base rate). Prompts, judges and teachers are the same as getTask's.
 */
export function createTask(behavior: Behavior, corpus: CorpusOptions): BehaviorTask {
  const factories = { verbosity: createVerbosityTask, confidence: createConfidenceTask, expertise: createExpertiseTask, robustness: createRobustnessTask };
  return factories[behavior](corpus);
}
