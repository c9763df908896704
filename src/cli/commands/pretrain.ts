// vspo pretrain --behavior B --seed S --out PATH [--backend cpu|webgpu] [--steps N] [--batch N] [--lr x]
//                [--d-model C] [--layers L] [--heads H]
// Supervised pretraining of a base model on the behavior's corpus; progress on stderr. The checkpoint's
// metadata records the command, seed, steps and wall time, so a shipped file says how it was made.
import { getTask } from '../../data/tasks';
import { configError, type GPTConfig } from '../../model/config';
import { initParams } from '../../model/init';
import { defaultPretrain, pretrain } from '../../model/pretrain';
import { encodeCheckpoint } from '../../store/checkpoint';
import { evaluateUnsteered } from '../../steering/sweep';
import { CliError, type Args } from '../args';
import { createModel, parseBackend } from '../backend';
import { parseBehavior, progress, writeOut } from '../common';

export async function run(args: Args) {
  const behavior = parseBehavior(args);
  const seed = args.int('seed', 0);
  const out = args.str('out');
  const task = getTask(behavior);
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
  const evaluation = await evaluateUnsteered(model, task, { samples: 256, seed: 12345 });
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
        command: `npm run -s vspo -- pretrain --behavior ${behavior} --seed ${seed} --steps ${steps} --batch ${batchSize} --lr ${lr} --d-model ${config.dModel} --layers ${config.nLayers} --heads ${config.nHeads} --backend ${backend} --out ${out}`,
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
  process.stdout.write(JSON.stringify({ out, config, steps, wallTimeSeconds: elapsedMs / 1000, evaluation }) + '\n');
  model.dispose();
}
