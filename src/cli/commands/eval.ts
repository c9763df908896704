// vspo eval --checkpoint PATH --behavior B [--samples 256] [--seed S] --json
// Unsteered greedy and sampled accuracy and behavior score on the held-out split.
import { evaluateUnsteered } from '../../steering/sweep';
import { CliError, type Args } from '../args';
import { loadForBehavior, parseBehavior } from '../common';

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  const samples = args.int('samples', 256);
  if (samples < 1) throw new CliError('--samples must be ≥ 1');
  const loaded = await loadForBehavior(args, behavior);
  const r = await evaluateUnsteered(loaded.model, loaded.task, { samples, seed: args.int('seed', 0) });
  const out = { behavior, ...r };
  process.stdout.write((args.bool('json') ? JSON.stringify(out) : JSON.stringify(out, null, 2)) + '\n');
  loaded.model.dispose();
}
