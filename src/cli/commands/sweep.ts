// vspo sweep --checkpoint PATH --behavior B --intensities -2,0,1,2,4 [--samples 128] [--seed S] --json
//            [--mode M --layer L]  (extract a fresh vector instead of the stored one, e.g. the random control)
//            [--window decision|response|all] [--temperature 1] [--split validation|test]
// One JSON object per intensity: {"alpha","split","n","accuracy","behavior","counted","rewarded","samples"}.
// The split defaults to validation: doses and grids are chosen there; results are reported on test.
import { runSweep } from '../../steering/sweep';
import { CliError, type Args } from '../args';
import { loadForBehavior, parseBehavior, progress, steeringVectorFor, writeLine } from '../common';

const SWEEP_SPLITS = ['validation', 'test'] as const;

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  const alphas = args.list('intensities');
  const samples = args.int('samples', 128);
  if (samples < 1) throw new CliError('--samples must be ≥ 1');
  const split = args.str('split', 'validation');
  if (!(SWEEP_SPLITS as readonly string[]).includes(split)) throw new CliError(`--split must be one of ${SWEEP_SPLITS.join(', ')} (got "${split}")`);
  const temperature = args.num('temperature', 1);
  if (!(temperature >= 0)) throw new CliError(`--temperature must be ≥ 0 (got ${temperature})`);
  const loaded = await loadForBehavior(args, behavior);
  const vector = await steeringVectorFor(args, loaded, behavior);
  const points = await runSweep(loaded.model, loaded.task, vector, {
    alphas,
    samples,
    seed: args.int('seed', 0),
    split: split as (typeof SWEEP_SPLITS)[number],
    temperature,
    window: vector.meta.window,
    onProgress: (done, total) => {
      if (done % 256 === 0 || done === total) progress(`sweep ${done}/${total}`);
    },
  });
  for (const p of points) {
    if (args.bool('json')) await writeLine(JSON.stringify(p));
    else await writeLine(`α=${p.alpha}\tbehavior ${p.behavior.toFixed(3)}\trewarded ${p.rewarded.toFixed(3)}\taccuracy ${p.accuracy.toFixed(3)}\t${p.samples[0] ?? ''}`);
  }
  loaded.model.dispose();
}
