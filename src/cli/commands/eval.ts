// vspo eval --checkpoint PATH --behavior B [--samples 256] [--seed S] [--split test|validation] --json
// Unsteered greedy and sampled (T = 1) accuracy and behavior score on a held-out split (default test,
// where results are reported; validation is where doses are chosen).
import { evaluatePolicy } from '../../steering/sweep';
import { CliError, type Args } from '../args';
import { loadForBehavior, parseBehavior, writeJson } from '../common';

const EVAL_SPLITS = ['test', 'validation'] as const;

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  const samples = args.int('samples', 256);
  if (samples < 1) throw new CliError('--samples must be ≥ 1');
  const seed = args.int('seed', 0);
  const split = args.str('split', 'test');
  if (!(EVAL_SPLITS as readonly string[]).includes(split)) throw new CliError(`--split must be one of ${EVAL_SPLITS.join(', ')} (got "${split}")`);
  const json = args.bool('json');
  const loaded = await loadForBehavior(args, behavior);
  try {
    const r = await evaluatePolicy(loaded.model, loaded.task, { split: split as (typeof EVAL_SPLITS)[number], samples, seed });
    await writeJson({ behavior, ...r }, !json);
  } finally {
    loaded.model.dispose();
  }
}
