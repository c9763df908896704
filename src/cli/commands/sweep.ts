// vspo sweep --checkpoint PATH --behavior B --intensities -2,0,1,2,4 [--samples 128] [--seed S] --json
//            [--mode M --layer L]  (extract a fresh vector instead of the stored one, e.g. the random control)
//            [--window decision|response|all] [--temperature 1]
// One JSON object per intensity: {"alpha","behavior","accuracy","samples"}.
import { runSweep } from '../../steering/sweep';
import { CliError, type Args } from '../args';
import { loadForBehavior, parseBehavior, progress, steeringVectorFor } from '../common';

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  const alphas = args.list('intensities');
  const samples = args.int('samples', 128);
  if (samples < 1) throw new CliError('--samples must be ≥ 1');
  const loaded = await loadForBehavior(args, behavior);
  const vector = await steeringVectorFor(args, loaded, behavior);
  const points = await runSweep(loaded.model, loaded.task, vector, {
    alphas,
    samples,
    seed: args.int('seed', 0),
    temperature: args.num('temperature', 1),
    window: vector.meta.window,
    onProgress: (done, total) => {
      if (done % 256 === 0 || done === total) progress(`sweep ${done}/${total}`);
    },
  });
  for (const p of points) {
    if (args.bool('json')) process.stdout.write(JSON.stringify(p) + '\n');
    else process.stdout.write(`α=${p.alpha}\tbehavior ${p.behavior.toFixed(3)}\taccuracy ${p.accuracy.toFixed(3)}\t${p.samples[0] ?? ''}\n`);
  }
  loaded.model.dispose();
}
