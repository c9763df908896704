// vspo pretrain --behavior B --seed S --out PATH [--backend cpu|webgpu] [--steps N] [--batch N] [--lr x]
//                [--d-model C] [--layers L] [--heads H] [--corpus-rate p]
// Supervised pretraining of a base model on the behavior's corpus; progress on stderr. The checkpoint's
// metadata (pretrainMetadata, shared with the worker's Pretrain view) records the command, seed, steps,
// wall time, validation loss and evaluation, so a shipped file says how it was made.
import { createTask, getTask } from '../../data/tasks';
import { configError, type GPTConfig } from '../../model/config';
import { initParams } from '../../model/init';
import { defaultPretrain, PRETRAIN_EVALUATION, pretrain, pretrainMetadata } from '../../model/pretrain';
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
  const { elapsedMs, stepsDone, valLoss } = await pretrain(model, task, {
    ...defaultPretrain,
    steps,
    batchSize,
    lr,
    seed,
    onProgress: (p) => progress(`step ${p.step}/${steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${(p.elapsedMs / 1000).toFixed(0)}s`),
  });
  const evaluation = await evaluatePolicy(model, task, PRETRAIN_EVALUATION);
  progress(`eval: ${JSON.stringify(evaluation)}${valLoss === null ? '' : ` validation loss ${valLoss.toFixed(4)}`}`);
  const bytes = encodeCheckpoint({
    config,
    params: await model.getParams(),
    metadata: pretrainMetadata({ task, corpusRate, config, seed, steps, batchSize, lr, backend, stepsDone, elapsedMs, validationLoss: valLoss, evaluation, out }),
  });
  writeOut(out, bytes);
  await writeJson({ out, config, steps, wallTimeSeconds: elapsedMs / 1000, validationLoss: valLoss, evaluation });
  model.dispose();
}
