// The four behavior tasks of the workbench (DESIGN §5), all on one task family (2-digit addition,
// src/data/arithmetic.ts) and one shared tokenizer (src/data/tokenizer.ts).
import { BEHAVIORS, isBehavior, type Behavior, type BehaviorTask } from './types';
import { verbosityTask } from './behaviors/verbosity';
import { confidenceTask } from './behaviors/confidence';
import { expertiseTask } from './behaviors/expertise';
import { robustnessTask } from './behaviors/robustness';

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
