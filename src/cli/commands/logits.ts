// vspo logits --checkpoint PATH --tokens 1,2,3 [--backend cpu|webgpu]
// stdout: one JSON object {"logits": number[][]} — one row of vocabSize logits per input position.
// Used to compare backends (and other implementations) on the same checkpoint.
import { CliError, type Args } from '../args';
import { createModel, loadCheckpointFile, parseBackend, parseTokenList } from '../backend';
import { writeJson } from '../common';

export async function run(args: Args) {
  const backend = parseBackend(args);
  const { config, params } = await loadCheckpointFile(args.str('checkpoint'));
  const tokens = parseTokenList(args, 'tokens', config.vocabSize);
  if (tokens.length > config.contextLength) {
    throw new CliError(`--tokens has ${tokens.length} ids, more than contextLength ${config.contextLength}`);
  }
  const model = await createModel(config, params, backend);
  try {
    const T = tokens.length;
    const V = config.vocabSize;
    const flat = await model.logits({ tokens, B: 1, T });
    const rows: number[][] = [];
    for (let t = 0; t < T; t++) rows.push(Array.from(flat.subarray(t * V, (t + 1) * V)));
    await writeJson({ logits: rows });
  } finally {
    model.dispose();
  }
}
