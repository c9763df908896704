import { describe, expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import { createCpuModel } from '../../src/model/cpu-model';
import { initParams } from '../../src/model/init';
import type { GPTConfig } from '../../src/model/config';
import { extractSteeringVector, principalComponent } from '../../src/steering/extract';
import { buildSteering, decisionPosition, sampleResponses, windowRange } from '../../src/steering/generate';
import { CancelledError, evaluatePolicy, runSweep } from '../../src/steering/sweep';
import { createRng } from '../../src/util/rng';

const task = getTask('verbosity');
const config: GPTConfig = { vocabSize: task.tokenizer.vocabSize, contextLength: 22, dModel: 16, nLayers: 2, nHeads: 2 };
const model = createCpuModel(config, initParams(config, 3));
const norm = (v: Float32Array) => Math.hypot(...v);

describe('steering vector extraction', () => {
  test('caa-response is the mean over pairs of the response-position mean difference', async () => {
    const v = await extractSteeringVector(model, task, { mode: 'caa-response', layer: 1, pairs: 3, seed: 5 });
    // Independent recomputation, one sequence at a time.
    const problems = task.problems('train', 3, createRng(5));
    const C = config.dModel;
    const expected = new Float64Array(C);
    for (const p of problems) {
      for (const [response, sign] of [[task.teacher(p), 1], [task.negative(p), -1]] as const) {
        const ids = task.tokenizer.encode(p.prompt + response + '$');
        const h = await model.hidden({ tokens: Int32Array.from(ids), B: 1, T: ids.length }, 1);
        const positions = Array.from({ length: response.length + 1 }, (_, i) => p.prompt.length - 1 + i);
        for (const t of positions) for (let c = 0; c < C; c++) expected[c] += (sign * h[t * C + c]) / positions.length / problems.length;
      }
    }
    for (let c = 0; c < C; c++) expect(v.vector[c]).toBeCloseTo(expected[c], 5);
    expect(v.meta).toMatchObject({ mode: 'caa-response', layer: 1, window: 'decision', pairs: 3 });
    expect(v.meta.relativeScale).toBeGreaterThan(0);
  });

  test('random and unembed vectors have the caa-response norm; random differs by seed', async () => {
    const caa = await extractSteeringVector(model, task, { mode: 'caa-response', layer: 1, pairs: 8 });
    const rnd = await extractSteeringVector(model, task, { mode: 'random', layer: 1, pairs: 8 });
    const rnd2 = await extractSteeringVector(model, task, { mode: 'random', layer: 1, pairs: 8, seed: 1 });
    const un = await extractSteeringVector(model, task, { mode: 'unembed', layer: 1, pairs: 8 });
    expect(norm(rnd.vector)).toBeCloseTo(norm(caa.vector), 4);
    expect(norm(un.vector)).toBeCloseTo(norm(caa.vector), 4);
    expect(Array.from(rnd.vector)).not.toEqual(Array.from(rnd2.vector));
    // unembed points from the mean competing token row to the marker's row.
    const wte = (await model.getParams()).get('wte.weight')!;
    const C = config.dModel;
    const row = (s: string) => wte.subarray(task.tokenizer.encode(s)[0] * C, (task.tokenizer.encode(s)[0] + 1) * C);
    const dir = row(':').map((x, c) => x - (row('0')[c] + row('1')[c]) / 2);
    const cos = dir.reduce((s, x, c) => s + x * un.vector[c], 0) / norm(dir) / norm(un.vector);
    expect(cos).toBeCloseTo(1, 5);
  });

  test('caa-decision reads the decision position of the two prompt kinds', async () => {
    const rob = getTask('robustness');
    const cfg = { ...config, contextLength: rob.promptLength + rob.maxResponseLength };
    const m = createCpuModel(cfg, initParams(cfg, 4));
    const v = await extractSteeringVector(m, rob, { mode: 'caa-decision', layer: 0, pairs: 4, seed: 2 });
    const { positive, negative } = rob.contrastProblems(4, createRng(3));
    const d = decisionPosition(rob);
    const mean = async (ps: typeof positive) => {
      const acc = new Float64Array(cfg.dModel);
      for (const p of ps) {
        const ids = rob.tokenizer.encode(p.prompt + '$');
        const h = await m.hidden({ tokens: Int32Array.from(ids), B: 1, T: ids.length }, 0);
        for (let c = 0; c < cfg.dModel; c++) acc[c] += h[d * cfg.dModel + c] / ps.length;
      }
      return acc;
    };
    const [mp, mn] = [await mean(positive), await mean(negative)];
    for (let c = 0; c < cfg.dModel; c++) expect(v.vector[c]).toBeCloseTo(mp[c] - mn[c], 5);
  });

  test('PCA finds the dominant direction of the differences', () => {
    const rng = createRng(1);
    const axis = Float32Array.from([3, 4, 0, 0]).map((x) => x / 5);
    const rows = Array.from({ length: 50 }, () => {
      const s = rng.normal() * 10;
      return axis.map((a) => a * s + rng.normal() * 0.1);
    });
    const pc = principalComponent(rows);
    expect(Math.abs(pc.reduce((s, x, i) => s + x * axis[i], 0))).toBeGreaterThan(0.999);
  });

  test('bad layer is refused', async () => {
    await expect(extractSteeringVector(model, task, { mode: 'caa-response', layer: 2 })).rejects.toThrow(/layer/);
  });
});

describe('steered sampling and sweeps', () => {
  test('the decision window is the position that outputs the first response token (plus the task offset)', () => {
    expect(windowRange(task, 'decision')).toEqual([5, 6]);
    const conf = getTask('confidence');
    expect(windowRange(conf, 'decision')).toEqual([5 + 3, 9]);
    expect(windowRange(task, 'response')).toEqual([5, 22]);
  });

  test('α = 0 for every sequence samples exactly the unsteered responses; a large α changes them', async () => {
    const v = await extractSteeringVector(model, task, { mode: 'unembed', layer: 1, pairs: 4 });
    const problems = task.problems('validation', 8, createRng(9));
    const plain = await sampleResponses(model, task, problems, { temperature: 1, seed: 4 });
    const zero = await sampleResponses(model, task, problems, { temperature: 1, seed: 4, vector: v, alphas: new Float32Array(8) });
    expect(zero.responses).toEqual(plain.responses);
    const steering = buildSteering(task, v, new Float32Array(8).fill(50));
    const steered = await model.logits({ tokens: Int32Array.from(task.tokenizer.encode(problems[0].prompt)), B: 1, T: 6 }, { ...steering, alpha: new Float32Array([50]), start: new Int32Array([5]), end: new Int32Array([6]) });
    const unsteered = await model.logits({ tokens: Int32Array.from(task.tokenizer.encode(problems[0].prompt)), B: 1, T: 6 });
    expect(Array.from(steered.subarray(0, 5 * 24))).toEqual(Array.from(unsteered.subarray(0, 5 * 24)));
    expect(Array.from(steered.subarray(5 * 24))).not.toEqual(Array.from(unsteered.subarray(5 * 24)));
  });

  test('sweep and eval report one point per intensity with scores in [0, 1]', async () => {
    const v = await extractSteeringVector(model, task, { mode: 'caa-response', layer: 1, pairs: 4 });
    const seen: number[] = [];
    const points = await runSweep(model, task, v, { alphas: [0, 2], samples: 6, seed: 1, onProgress: (d) => seen.push(d) });
    expect(points.map((p) => p.alpha)).toEqual([0, 2]);
    for (const p of points) {
      expect(p.behavior).toBeGreaterThanOrEqual(0);
      expect(p.behavior).toBeLessThanOrEqual(1);
      expect(p.samples.length).toBe(4);
    }
    expect(seen.at(-1)).toBe(12);
    const ev = await evaluatePolicy(model, task, { split: 'test', samples: 5, seed: 0 });
    expect(ev.samples).toBe(5);
    expect(ev.greedy.accuracy).toBeGreaterThanOrEqual(0);
  });

  test('a sweep stops before the next batch once shouldStop says so, and rejects instead of returning partial points', async () => {
    const v = await extractSteeringVector(model, task, { mode: 'unembed', layer: 1, pairs: 4 });
    const seen: number[] = [];
    // 3 intensities × 2 batches of 4: stop after the third batch (the first of the second intensity).
    const sweep = runSweep(model, task, v, { alphas: [0, 2, 4], samples: 8, seed: 1, batchSize: 4, onProgress: (d) => seen.push(d), shouldStop: () => seen.length >= 3 });
    await expect(sweep).rejects.toThrow(CancelledError);
    await expect(sweep).rejects.toMatchObject({ name: 'CancelledError', message: 'sweep cancelled after 1 of 3 intensities' });
    expect(seen).toEqual([4, 8, 12]);
    // Stopped before it starts: no batch runs at all.
    const early: number[] = [];
    await expect(runSweep(model, task, v, { alphas: [0], samples: 4, seed: 1, onProgress: (d) => early.push(d), shouldStop: () => true })).rejects.toThrow('sweep cancelled after 0 of 1 intensities');
    expect(early).toEqual([]);
  });
});
