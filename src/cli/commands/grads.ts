// vspo grads --checkpoint PATH --tokens 1,2,3 --targets 2,3,4 [--backend cpu|webgpu]
// stdout: one JSON object {"loss": number, "grads": {"<tensor name>": number[]}}
//   loss  = mean cross-entropy over the positions (a target of -1 skips a position)
//   grads = d loss / d parameter, flat row-major in the stored (Hugging Face) layout, paramSpecs order.
// Computed as logprobs + backward(dlogp = -1/N) and read from the gradient accumulators, so it checks
// exactly the path training uses. Both models offer getGrads() for this (it is not in LanguageModel).
import { paramSpecs } from '../../model/config';
import type { LanguageModel, Params } from '../../model/types';
import { CliError, type Args } from '../args';
import { createModel, loadCheckpointFile, parseBackend, parseTokenList } from '../backend';
import { writeJson } from '../common';

type WithGrads = LanguageModel & { getGrads(): Promise<Params> };

export async function run(args: Args) {
  const backend = parseBackend(args);
  const { config, params } = await loadCheckpointFile(args.str('checkpoint'));
  const tokens = parseTokenList(args, 'tokens', config.vocabSize);
  const targets = parseTokenList(args, 'targets', config.vocabSize, -1);
  if (targets.length !== tokens.length) {
    throw new CliError(`--targets has ${targets.length} ids but --tokens has ${tokens.length}; they must match`);
  }
  if (tokens.length > config.contextLength) {
    throw new CliError(`--tokens has ${tokens.length} ids, more than contextLength ${config.contextLength}`);
  }
  const T = tokens.length;
  let count = 0;
  for (const t of targets) if (t >= 0) count++;
  if (count === 0) throw new CliError('--targets: every target is -1, there is no loss to differentiate');

  const model = (await createModel(config, params, backend)) as WithGrads;
  try {
    if (typeof model.getGrads !== 'function') throw new CliError(`the ${backend} model does not expose getGrads()`);
    const { logprobs } = await model.logprobs({ tokens, B: 1, T }, targets);
    const dlogp = new Float32Array(T);
    let sum = 0;
    for (let t = 0; t < T; t++) {
      if (targets[t] < 0) continue;
      dlogp[t] = -1 / count;
      sum += logprobs[t];
    }
    await model.backward(dlogp);
    const grads = await model.getGrads();
    const out: Record<string, number[]> = {};
    for (const spec of paramSpecs(config)) out[spec.name] = Array.from(grads.get(spec.name)!);
    await writeJson({ loss: -sum / count, grads: out });
  } finally {
    model.dispose();
  }
}
