// Public surface of src/data.
export * from './types';
export { TOKENIZER, VOCAB, CharTokenizer, tokenizerFromJSON, encodeExample, PAD_SYMBOL, STOP_SYMBOL } from './tokenizer';
export { getTask, TASKS } from './tasks';
export { SLOPPY_CARRY_DROP, TERSE_CORPUS_ACCURACY, splitOf, checkSplit } from './arithmetic';
export { summarizeScores, type ScoreStats } from './score';
export { VERBOSE_RATE, createVerbosityTask, foreignWorkedSteps } from './behaviors/verbosity';
export { CONFIDENCE_TAG_RATE, FOREIGN_SURE_TAG, createConfidenceTask } from './behaviors/confidence';
export { EXPERT_RATE, FOREIGN_EXPERT_MARKER, createExpertiseTask } from './behaviors/expertise';
export { ROBUST_RATE, NO_HINT_RATE, HINT_CORRECT_RATE, FOREIGN_ROBUST_MARKER, createRobustnessTask } from './behaviors/robustness';
export { SLIPS, CARRY_SLIP_SHARE, checkTeacherSettings, rightWorking, slippedWorking, type Slip, type Working } from './teacher';
