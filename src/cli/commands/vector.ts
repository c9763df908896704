// vspo vector --checkpoint PATH --behavior B [--mode caa-response|caa-decision|unembed|random] [--layer L]
//             [--window decision|response|all] [--pairs N] [--pca] [--grid 0,1,2,3] [--alpha 3]
//             [--dose-split validation|test] [--train-steps N --train-lr X] --out PATH
// Extracts a steering vector and writes the checkpoint back with it stored as `steering.<behavior>`.
// --grid / --alpha record, from a measured dose-response, the intensities that suit this vector's scale
// (VSPO's grid and the steer baseline's dose); --train-steps / --train-lr the trainer budget measured on
// this checkpoint; --dose-split the split whose sweep chose the dose (default validation, which is where
// `vspo sweep` measures). The trainer uses each of them when the user sets none.
import { encodeCheckpoint } from '../../store/checkpoint';
import { extractSteeringVector } from '../../steering/extract';
import { CliError, type Args } from '../args';
import { loadForBehavior, parseBehavior, parseMode, parseWindow, writeJson, writeOut } from '../common';

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  const out = args.str('out');
  const doseSplit = args.str('dose-split', 'validation');
  if (doseSplit !== 'validation' && doseSplit !== 'test') throw new CliError(`--dose-split must be validation or test (got "${doseSplit}")`);
  const loaded = await loadForBehavior(args, behavior);
  const { checkpoint, model, task } = loaded;
  const v = await extractSteeringVector(model, task, {
    mode: parseMode(args, 'caa-response')!,
    layer: args.int('layer', model.config.nLayers - 1),
    window: parseWindow(args) ?? 'decision',
    pairs: args.int('pairs', 200),
    pca: args.bool('pca'),
    seed: args.int('seed', 0),
  });
  if (args.has('grid')) v.meta.grid = args.list('grid');
  if (args.has('alpha')) v.meta.alpha = args.num('alpha');
  if (args.has('grid') || args.has('alpha')) v.meta.doseSplit = doseSplit;
  if (args.has('train-steps')) v.meta.steps = args.int('train-steps');
  if (args.has('train-lr')) v.meta.lr = args.num('train-lr');
  const steering = { ...checkpoint.steering, [behavior]: v };
  writeOut(out, encodeCheckpoint({ config: checkpoint.config, params: checkpoint.params, metadata: checkpoint.metadata, steering }));
  await writeJson({ out, ...v.meta });
  model.dispose();
}
