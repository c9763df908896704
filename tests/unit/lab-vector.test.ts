// The Vector lab in the worker (src/worker/lab.ts through the Workbench), on the shipped verbosity checkpoint:
// extraction reproduces the stored vector bit for bit, the candidate steers sweeps, the random control has
// the same norm and layer, sweep points carry a Wilson interval, and saveVector round-trips through IndexedDB.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import { createCpuModel } from '../../src/model/cpu-model';
import type { GenerateRequest, LanguageModel } from '../../src/model/types';
import { randomVectorLike } from '../../src/steering/extract';
import { runSweep } from '../../src/steering/sweep';
import { decodeCheckpoint } from '../../src/store/checkpoint';
import { WorkbenchDB } from '../../src/store/db';
import { cpuBackend } from '../../src/worker/backend';
import { wilson95 } from '../../src/worker/lab';
import { Workbench, type BackendOpener, type ModelBackend } from '../../src/worker/workbench';

const shippedBytes = new Uint8Array(readFileSync('public/checkpoints/verbosity.safetensors'));
const shipped = decodeCheckpoint(shippedBytes);
const stored = shipped.steering.verbosity;

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A CPU backend whose models record the steering vector of every generate call. */
function spyBackend(seen: { vector: Float32Array; layer: number }[]): ModelBackend {
  return {
    kind: 'cpu',
    create: async (config, params) => {
      const m = createCpuModel(config, params, { kernels: 'plain' }); // the shipped vectors were extracted on the plain kernels
      const generate = (req: GenerateRequest) => {
        if (req.steering && req.steering.alpha.some((a) => a !== 0)) seen.push({ vector: Float32Array.from(req.steering.vector), layer: req.steering.layer });
        return m.generate(req);
      };
      return new Proxy(m, {
        get(target, key) {
          if (key === 'generate') return generate;
          const v = Reflect.get(target, key, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as LanguageModel;
    },
  };
}

let dbN = 0;
async function setup(seen: { vector: Float32Array; layer: number }[] = []) {
  const opener: BackendOpener = async () => ({ backend: spyBackend(seen), result: { backend: 'cpu' } });
  const name = `lab-vec-${dbN++}`;
  const wb = new Workbench(opener, () => WorkbenchDB.open(name));
  await wb.init({ backend: 'cpu' });
  await wb.loadCheckpoint(shippedBytes, { name: 'shipped:verbosity' });
  return { wb, db: () => WorkbenchDB.open(name) };
}

describe('the vector lab', () => {
  test('extractVector in unembed mode at layer 1 reproduces the shipped vector bit for bit; saveVector round-trips', async () => {
    const { wb, db } = await setup();
    expect(await wb.candidateVector()).toBeNull();
    await expect(wb.saveVector({ alpha: 3, grid: [0, 1, 2, 3] })).rejects.toMatchObject({ name: 'StateError', message: expect.stringMatching(/extractVector\(\) first/) });
    const progress: [number, number][] = [];
    const report = await wb.extractVector({ mode: 'unembed', layer: 1 }, (p) => progress.push([p.done, p.total]));
    const { grid: _g, alpha: _a, doseSplit: _d, steps: _s, lr: _l, ...extracted } = stored.meta;
    expect(report.meta).toEqual(extracted); // norm and relativeScale included, exactly
    expect(report.cosine.verbosity).toBeCloseTo(1, 6);
    expect(Object.keys(report.cosine)).toEqual(['verbosity']);
    expect(progress.at(-1)).toEqual([400, 400]);
    expect(progress.map((p) => p[0])).toEqual([...progress.map((p) => p[0])].sort((a, b) => a - b));
    expect(await wb.candidateVector()).toEqual(report);

    const info = await wb.saveVector({ alpha: 2.5, grid: [0, 1, 2] });
    expect(info.source).toMatch(/^db:/);
    expect(info.weights).toEqual({ kind: 'checkpoint' });
    expect(info.steering).toEqual({ ...extracted, alpha: 2.5, grid: [0, 1, 2], doseSplit: 'validation' });
    expect(await wb.candidateVector()).toBeNull(); // it is the checkpoint's vector now
    const rec = (await (await db()).listCheckpoints())[0];
    expect(rec).toMatchObject({ id: info.source.slice(3), kind: 'manual', behavior: 'verbosity', step: Number(shipped.metadata.step ?? 0) });
    const saved = decodeCheckpoint((await (await db()).loadCheckpoint(rec.id)).bytes);
    expect(sameBits(saved.steering.verbosity.vector, stored.vector)).toBe(true);
    expect(saved.steering.verbosity.meta).toEqual(info.steering);
    for (const [k, v] of shipped.params) expect(sameBits(saved.params.get(k)!, v), k).toBe(true);
    expect(saved.metadata.pretrain).toEqual(shipped.metadata.pretrain);
    // What is in memory is what was saved.
    const exported = decodeCheckpoint(await wb.exportCheckpoint());
    expect(sameBits(exported.steering.verbosity.vector, stored.vector)).toBe(true);
    // And it loads back.
    const again = await wb.loadStoredCheckpoint(rec.id);
    expect(again.steering).toEqual(info.steering);
  });

  test('sweeps steer with the loaded vector, the candidate or a same-norm random control, and carry Wilson intervals', async () => {
    const seen: { vector: Float32Array; layer: number }[] = [];
    const { wb } = await setup(seen);
    const o = { alphas: [0, 3], samples: 6, seed: 2 };
    await expect(wb.sweep({ ...o, vector: 'candidate' })).rejects.toMatchObject({ name: 'StateError', message: expect.stringMatching(/no candidate/) });
    await expect(wb.sweep({ ...o, vector: 'magic' as never })).rejects.toMatchObject({ name: 'RangeError' });

    const loaded = await wb.sweep(o);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => sameBits(s.vector, stored.vector) && s.layer === 1)).toBe(true);
    for (const p of loaded) expect(p.behaviorCI).toEqual(wilson95(Math.round(p.behavior * p.counted), p.counted));
    for (const p of loaded) expect(p.behaviorCI[0] <= p.behavior && p.behavior <= p.behaviorCI[1]).toBe(true);

    // The random control: the stored vector's norm and layer, a different direction, seeded.
    seen.length = 0;
    const random = await wb.sweep({ ...o, vector: 'random', vectorSeed: 4 });
    expect(seen.length).toBeGreaterThan(0);
    const v = seen[0].vector;
    expect(seen.every((s) => sameBits(s.vector, v) && s.layer === 1)).toBe(true);
    expect(norm(v)).toBeCloseTo(norm(stored.vector), 5);
    expect(sameBits(v, stored.vector)).toBe(false);
    const control = randomVectorLike(stored, 4);
    expect(sameBits(v, control.vector)).toBe(true);
    expect(control.meta).toMatchObject({ mode: 'random', layer: 1, window: 'decision', behavior: 'verbosity' });
    expect(control.meta.norm).toBeCloseTo(stored.meta.norm, 5);
    // The points are exactly runSweep's with that vector (validation split), plus the interval.
    const model = createCpuModel(shipped.config, shipped.params);
    const direct = await runSweep(model, getTask('verbosity'), control, { ...o, split: 'validation' });
    expect(random.map(({ behaviorCI: _ci, ...p }) => p)).toEqual(direct);
    seen.length = 0;
    await wb.sweep({ ...o, vector: 'random', vectorSeed: 5 });
    expect(sameBits(seen[0].vector, v)).toBe(false); // another seed, another direction

    // The candidate (caa-response at layer 2 here) steers when asked, and the random control then matches it.
    const report = await wb.extractVector({ mode: 'caa-response', layer: 2, pairs: 16 });
    expect(report.meta).toMatchObject({ mode: 'caa-response', layer: 2, pairs: 16, window: 'decision' });
    expect(Math.abs(report.cosine.verbosity!)).toBeLessThan(1);
    seen.length = 0;
    await wb.sweep({ ...o, vector: 'candidate' });
    expect(seen.every((s) => s.layer === 2)).toBe(true);
    expect(norm(seen[0].vector)).toBeCloseTo(report.meta.norm, 5);
    seen.length = 0;
    await wb.sweep({ ...o, vector: 'random' });
    expect(seen.every((s) => s.layer === 2)).toBe(true);
    expect(norm(seen[0].vector)).toBeCloseTo(report.meta.norm, 5);

    // Loading other weights drops the candidate.
    await wb.loadCheckpoint(shippedBytes, { name: 'again' });
    expect(await wb.candidateVector()).toBeNull();
  });

  test('bad extraction and save requests are one line naming the field', async () => {
    const { wb } = await setup();
    const bad: [object, RegExp][] = [
      [{ mode: 'magic', layer: 1 }, /^mode: must be one of caa-response, caa-decision, unembed, random/],
      [{ mode: 'unembed', layer: 3 }, /^layer: must be an integer in \[0, 2\] .* for this 3-layer model$/],
      [{ mode: 'unembed', layer: 1, window: 'everywhere' }, /^window: must be one of decision, response, all/],
      [{ mode: 'caa-response', layer: 1, pairs: 0 }, /^pairs: must be an integer in \[1, 10000\]/],
      [{ mode: 'unembed', layer: 1, pca: true }, /^pca: applies to the caa-response and caa-decision modes only/],
      [{ mode: 'unembed', layer: 1, alpha: 2 }, /^alpha: unknown field/],
    ];
    for (const [o, re] of bad) await expect(wb.extractVector(o as never)).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(re) });
    await wb.extractVector({ mode: 'random', layer: 0, pairs: 4, seed: 3 });
    await expect(wb.saveVector({ alpha: Number.NaN, grid: [0, 1] })).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(/^alpha: must be a finite number/) });
    await expect(wb.saveVector({ alpha: 1, grid: [] })).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(/^grid: must be a list of 1 to 256 finite numbers/) });
    await expect(wb.saveVector({ alpha: 1, grid: [0, Infinity] })).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(/^grid:/) });
  });
});
