// Public surface of src/data.
export * from './types';
export { TOKENIZER, VOCAB, CharTokenizer, tokenizerFromJSON, encodeExample, PAD_SYMBOL, STOP_SYMBOL } from './tokenizer';
export { getTask, TASKS } from './tasks';
export { SLOPPY_CARRY_DROP, TERSE_CORPUS_ACCURACY, splitOf, checkSplit } from './arithmetic';
export { summarizeScores, type ScoreStats } from './score';
export { VERBOSE_RATE, createVerbosityTask } from './behaviors/verbosity';
export { CONFIDENCE_TAG_RATE, createConfidenceTask } from './behaviors/confidence';
export { EXPERT_RATE, createExpertiseTask } from './behaviors/expertise';
export { ROBUST_RATE, NO_HINT_RATE, HINT_CORRECT_RATE, createRobustnessTask } from './behaviors/robustness';
