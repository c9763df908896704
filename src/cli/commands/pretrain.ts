// vspo pretrain --behavior B --seed S --out PATH [--backend cpu|webgpu] [--steps N] [--batch N] [--lr x]
//                [--d-model C] [--layers L] [--heads H] [--corpus-rate p]
// Supervised pretraining of a base model on the behavior's corpus; progress on stderr. The checkpoint's
// metadata records the command, seed, steps and wall time, so a shipped file says how it was made.
import { createTask, getTask } from '../../data/tasks';
import { configError, type GPTConfig } from '../../model/config';
import { initParams } from '../../model/init';
import { defaultPretrain, pretrain } from '../../model/pretrain';
import { encodeCheckpoint } from '../../store/checkpoint';
import { evaluatePolicy } from '../../steering/sweep';
import { CliError, type Args } from '../args';
import { createModel, parseBackend } from '../backend';
import { parseBehavior, progress, writeJson, writeOut } from '../common';

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  const seed = args.int('seed', 0);
  const out = args.str('out');
  // --corpus-rate: how often the corpus shows the behavior (default: the behavior's named constant).
  const corpusRate = args.has('corpus-rate') ? args.num('corpus-rate') : undefined;
  if (corpusRate !== undefined && !(corpusRate >= 0 && corpusRate <= 1)) throw new CliError('--corpus-rate must be a probability in [0, 1]');
  const task = corpusRate === undefined ? getTask(behavior) : createTask(behavior, { rate: corpusRate });
  const config: GPTConfig = {
    vocabSize: task.tokenizer.vocabSize,
    contextLength: task.promptLength + task.maxResponseLength,
    dModel: args.int('d-model', 64),
    nLayers: args.int('layers', 3),
    nHeads: args.int('heads', 4),
  };
  const bad = configError(config);
  if (bad) throw new CliError(bad);
  const steps = args.int('steps', defaultPretrain.steps);
  const batchSize = args.int('batch', defaultPretrain.batchSize);
  const lr = args.num('lr', defaultPretrain.lr);
  if (steps < 1 || batchSize < 1 || !(lr > 0)) throw new CliError('--steps and --batch must be ≥ 1 and --lr > 0');

  const backend = parseBackend(args);
  const model = await createModel(config, initParams(config, seed), backend);
  progress(`pretrain ${behavior}: ${JSON.stringify(config)} on ${backend}, ${steps} steps × ${batchSize}`);
  const { elapsedMs } = await pretrain(model, task, {
    ...defaultPretrain,
    steps,
    batchSize,
    lr,
    seed,
    onProgress: (p) => progress(`step ${p.step}/${steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${(p.elapsedMs / 1000).toFixed(0)}s`),
  });
  const evaluation = await evaluatePolicy(model, task, { split: 'validation', samples: 256, seed: 12345 });
  progress(`eval: ${JSON.stringify(evaluation)}`);
  const bytes = encodeCheckpoint({
    config,
    params: await model.getParams(),
    metadata: {
      tokenizer: task.tokenizer.toJSON(),
      task: { behavior, description: task.description },
      step: steps,
      createdAt: new Date().toISOString(),
      pretrain: {
        command: `npm run -s vspo -- pretrain --behavior ${behavior} --seed ${seed} --steps ${steps} --batch ${batchSize} --lr ${lr} --d-model ${config.dModel} --layers ${config.nLayers} --heads ${config.nHeads}${corpusRate === undefined ? '' : ` --corpus-rate ${corpusRate}`} --backend ${backend} --out ${out}`,
        corpusRate: corpusRate ?? null,
        seed,
        steps,
        batchSize,
        lr,
        backend,
        wallTimeSeconds: Math.round(elapsedMs / 100) / 10,
        evaluation,
      },
    },
  });
  writeOut(out, bytes);
  await writeJson({ out, config, steps, wallTimeSeconds: elapsedMs / 1000, evaluation });
  model.dispose();
}
