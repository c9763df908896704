// The internalization figures on hand-worked cases: a stub model whose residual and logits at the
// decision position are known, so the projection on v̂ and the decision log-odds can be computed by hand.
import { describe, expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import type { LanguageModel, TokenBatch } from '../../src/model/types';
import { alignmentPoint, measureInternalization } from '../../src/steering/internalization';
import { evaluatePolicy } from '../../src/steering/sweep';
import type { SteeringVector } from '../../src/steering/types';
import { createCpuModel } from '../../src/model/cpu-model';
import { initParams } from '../../src/model/init';
import { createRng } from '../../src/util/rng';

const task = getTask('verbosity'); // decision offset 0: the row is the prompt alone, d = P − 1
const V = task.tokenizer.vocabSize;
const C = 2;
const colon = task.tokenizer.encode(':')[0];

/** Residual at (b, t) = [b + 1, t]; logits at the decision: 0 except ln 3 for ':' in row 0, −ln 3 in row 1. */
function stub(): LanguageModel {
  return {
    config: { vocabSize: V, contextLength: 24, dModel: C, nLayers: 2, nHeads: 1 },
    hidden: async (b: TokenBatch) => Float32Array.from({ length: b.B * b.T * C }, (_, i) => (i % C === 0 ? Math.floor(i / C / b.T) + 1 : Math.floor(i / C) % b.T)),
    logits: async (b: TokenBatch) => {
      const out = new Float32Array(b.B * b.T * V);
      out[(0 * b.T + b.T - 1) * V + colon] = Math.log(3);
      out[(1 * b.T + b.T - 1) * V + colon] = -Math.log(3);
      return out;
    },
  } as unknown as LanguageModel;
}

const vector: SteeringVector = { vector: Float32Array.from([3, 4]), meta: { behavior: 'verbosity', mode: 'random', pca: false, layer: 1, window: 'decision', norm: 5, relativeScale: 1, pairs: 0 } };

describe('internalization', () => {
  test('projection on v̂ and decision log-odds, by hand', async () => {
    const problems = task.problems('test', 2, createRng(1));
    const r = await measureInternalization(stub(), task, vector, problems, ['', '']);
    // d = 5 (prompt of 6 tokens). Row 0: h = [1, 5] → (3·1 + 4·5)/5 = 4.6; row 1: h = [2, 5] → (6 + 20)/5 = 5.2.
    expect(r.n).toBe(2);
    expect(r.projection).toBeCloseTo((4.6 + 5.2) / 2, 5);
    // Row 0: p = 3/(3 + (V − 1)), log-odds = ln 3 − ln(V − 1); row 1: −ln 3 − ln(V − 1).
    expect(r.logOdds).toBeCloseTo(-Math.log(V - 1), 5);
  });

  test('rows whose greedy response ends before the decision are left out', async () => {
    const conf = getTask('confidence'); // decision after the 3 answer digits
    const problems = conf.problems('test', 3, createRng(2));
    const model = createCpuModel({ vocabSize: V, contextLength: 24, dModel: 8, nLayers: 2, nHeads: 2 }, initParams({ vocabSize: V, contextLength: 24, dModel: 8, nLayers: 2, nHeads: 2 }, 1));
    const v8: SteeringVector = { ...vector, vector: new Float32Array(8).fill(1), meta: { ...vector.meta, behavior: 'confidence' } };
    const r = await measureInternalization(model, conf, v8, problems, ['085', '08', '123s']);
    expect(r.n).toBe(2);
  });

  test('alignment: the behavior ratio and TV to the target as the bandit defines them', () => {
    expect(alignmentPoint(3, { behavior: 0.5, rewarded: 0.4 }, 0.02)).toEqual({ alpha: 3, ratio: 25, tv: 0.6 });
    expect(alignmentPoint(3, { behavior: 0.5, rewarded: 0.4 }, 0).ratio).toBeNull();
  });

  test('the evaluation reports them only for the unsteered model with a vector, alignment on request', async () => {
    const cfg = { vocabSize: V, contextLength: 24, dModel: 8, nLayers: 2, nHeads: 2 };
    const model = createCpuModel(cfg, initParams(cfg, 3));
    const v8: SteeringVector = { ...vector, vector: new Float32Array(8).fill(1) };
    const plain = await evaluatePolicy(model, task, { split: 'test', samples: 4, seed: 1 });
    expect(plain.internalization).toBeUndefined();
    const r = await evaluatePolicy(model, task, { split: 'test', samples: 4, seed: 1, vector: v8, alignmentGrid: [0, 2, 4] });
    expect(r.internalization?.n).toBe(4);
    expect(r.alignment?.map((a) => a.alpha)).toEqual([2, 4]);
    expect(r.greedy).toEqual(plain.greedy); // measuring changes nothing else
    expect(r.sampled).toEqual(plain.sampled);
  });
});
