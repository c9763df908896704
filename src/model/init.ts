// GPT-2 parameter initialisation (DESIGN §2), seeded so a seed reproduces a model exactly.
// Matrices and embeddings: normal(0, 0.02); the residual projections (attn.c_proj and mlp.c_proj
// weights) normal(0, 0.02 / sqrt(2 L)); biases 0; LayerNorm weight 1, bias 0.
// Draws happen in paramSpecs order, element by element, from one createRng(seed) stream.
import { configError, numel, paramSpecs, type GPTConfig } from './config';
import type { Params } from './types';
import { createRng } from '../util/rng';

export function initParams(config: GPTConfig, seed: number): Params {
  const err = configError(config);
  if (err) throw new Error(err);
  const rng = createRng(seed);
  const residualStd = 0.02 / Math.sqrt(2 * config.nLayers);
  const params: Params = new Map();
  for (const spec of paramSpecs(config)) {
    const a = new Float32Array(numel(spec.shape));
    const leaf = spec.name.split('.').slice(-2).join('.'); // e.g. "ln_1.weight", "c_proj.weight"
    if (/^ln_(1|2|f)\.weight$/.test(leaf)) a.fill(1);
    else if (spec.name.endsWith('.bias')) {
      // zeros
    } else {
      const std = leaf === 'c_proj.weight' ? residualStd : 0.02;
      for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
    }
    params.set(spec.name, a);
  }
  return params;
}
