// The subgroup row reductions (Tuning.subgroups, shaders/reduce_subgroups.wgsl) against the CPU twins:
// layernorm forward/backward, log-prob forward/backward (writing the log-probs too), on sizes that are not multiples of
// anything, for row workgroups from 1 (one partial subgroup) to 256 (many subgroups, the shared-memory
// step across them). Also: the feature is optional (a device without it gets today's kernels and refuses
// subgroups), forcing it off compiles no subgroup code, and results are deterministic. (The whole model
// with subgroups on against the CPU model is in model.test.ts, with the other tunings; every kernel twin
// test runs with them too, in kernels.test.ts.) Skipped, saying why, only where the adapter lacks `subgroups`.
import { describe, expect, test } from 'vitest';
import * as cpu from '../../src/engine/cpu';
import * as K from '../../src/engine/kernels';
import { createContext, CPU_ADAPTER_TUNING, defaultTuning, GPU_TUNING, SUBGROUPS_BY_DEFAULT, type GpuContext } from '../../src/engine/launch';
import { isCpuAdapter } from '../../src/engine/device';
import { bitEqual, createRng, expectClose, getDevice, Program, randn, randTokens, readF32, runChecked, upload } from './helpers';

const device = await getDevice();
const HAS_SUBGROUPS = device.features.has('subgroups');
if (!HAS_SUBGROUPS) console.warn('tests/gpu/subgroups.test.ts: this adapter lacks the `subgroups` feature; the subgroup kernel tests are skipped');

const rng = createRng(20261201);
const ROW_WGS = [1, 2, 4, 8, 64, 256];
const LN_SIZES: [number, number][] = [[1, 1], [3, 3], [17, 63], [65, 65], [1, 129], [3, 257], [63, 17], [129, 1]];
const LP_SIZES: [number, number][] = [[1, 1], [3, 3], [17, 17], [2, 63], [5, 65], [3, 129], [2, 257], [3, 50257]];

async function run(ctx: GpuContext, build: (p: Program) => void): Promise<void> {
  const p = new Program(ctx, 'test');
  build(p);
  await runChecked(p);
  p.dispose();
}

interface LnCase {
  N: number;
  C: number;
  inp: Float32Array;
  w: Float32Array;
  b: Float32Array;
  dout: Float32Array;
  dinp0: Float32Array;
  dw0: Float32Array;
  db0: Float32Array;
}

function lnCase(N: number, C: number): LnCase {
  const inp = randn(rng, N * C, 2).map((x, i) => x + (i % 3));
  return { N, C, inp, w: randn(rng, C), b: randn(rng, C), dout: randn(rng, N * C), dinp0: randn(rng, N * C), dw0: randn(rng, C), db0: randn(rng, C) };
}

/** Layernorm forward then backward on the GPU; every output read back. */
async function lnGpu(ctx: GpuContext, c: LnCase) {
  const { N, C } = c;
  const up = (a: Float32Array) => upload(ctx, a);
  const g = { out: up(new Float32Array(N * C)), mean: up(new Float32Array(N)), rstd: up(new Float32Array(N)), dinp: up(c.dinp0), dw: up(c.dw0), db: up(c.db0) };
  const gi = up(c.inp), gw = up(c.w);
  await run(ctx, (p) => {
    K.layernormForward(p, g.out, g.mean, g.rstd, gi, gw, up(c.b), N, C);
    K.layernormBackward(p, g.dinp, g.dw, g.db, up(c.dout), gi, gw, g.mean, g.rstd, N, C);
  });
  return {
    out: await readF32(ctx, g.out, N * C),
    mean: await readF32(ctx, g.mean, N),
    rstd: await readF32(ctx, g.rstd, N),
    dinp: await readF32(ctx, g.dinp, N * C),
    dw: await readF32(ctx, g.dw, C),
    db: await readF32(ctx, g.db, C),
  };
}

function lnCpu(c: LnCase) {
  const { N, C } = c;
  const out = new Float32Array(N * C), mean = new Float32Array(N), rstd = new Float32Array(N);
  cpu.layernormForward(out, mean, rstd, c.inp, c.w, c.b, N, C);
  const dinp = c.dinp0.slice(), dw = c.dw0.slice(), db = c.db0.slice();
  cpu.layernormBackward(dinp, dw, db, c.dout, c.inp, c.w, mean, rstd, N, C);
  return { out, mean, rstd, dinp, dw, db };
}

interface LpCase {
  N: number;
  V: number;
  logits: Float32Array;
  targets: Int32Array;
  dlogp: Float32Array;
  dl0: Float32Array;
}

/** Random logits with one large logit (stability), rows without a target and a zero dlogp (skips). */
function lpCase(N: number, V: number): LpCase {
  const logits = randn(rng, N * V, 4);
  logits[Math.min(3, N * V - 1)] = 80;
  const targets = randTokens(rng, N, V);
  targets[N - 1] = N > 1 ? -1 : targets[N - 1];
  const dlogp = randn(rng, N);
  if (N > 2) dlogp[1] = 0;
  return { N, V, logits, targets, dlogp, dl0: randn(rng, N * V) };
}

async function lpGpu(ctx: GpuContext, c: LpCase) {
  const { N, V } = c;
  const up = (a: Float32Array | Int32Array) => upload(ctx, a);
  const g = { logp: up(new Float32Array(N)), ent: up(new Float32Array(N)), dl: up(c.dl0), logpBwd: up(new Float32Array(N)) };
  const gl = up(c.logits), gt = up(c.targets);
  await run(ctx, (p) => {
    K.logprobForward(p, g.logp, g.ent, gl, gt, N, V);
    K.logprobBackward(p, g.dl, up(c.dlogp), gl, gt, N, V, g.logpBwd);
  });
  return { logp: await readF32(ctx, g.logp, N), ent: await readF32(ctx, g.ent, N), dl: await readF32(ctx, g.dl, N * V), logpBwd: await readF32(ctx, g.logpBwd, N) };
}

function lpCpu(c: LpCase) {
  const { N, V } = c;
  const logp = new Float32Array(N), ent = new Float32Array(N);
  cpu.logprobForward(logp, ent, c.logits, c.targets, N, V);
  const dl = c.dl0.slice();
  cpu.logprobBackward(dl, c.dlogp, c.logits, c.targets, N, V);
  return { logp, ent, dl };
}

describe('subgroups is optional', () => {
  test('a device without the feature gets the plain kernels by default and refuses subgroups', async () => {
    const adapter = await navigator.gpu.requestAdapter();
    const bare = await adapter!.requestDevice(); // no optional feature requested
    expect(bare.features.has('subgroups')).toBe(false);
    expect(defaultTuning(bare).subgroups).toBe(false);
    expect(() => createContext(bare, { subgroups: true })).toThrow('tuning.subgroups needs the device feature "subgroups"');
    bare.destroy();
  });

  test('the engine requests it when the adapter has it, and the default follows SUBGROUPS_BY_DEFAULT', async () => {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    expect(device.features.has('subgroups')).toBe(adapter!.features.has('subgroups'));
    const want = HAS_SUBGROUPS && SUBGROUPS_BY_DEFAULT[isCpuAdapter(device) ? 'cpu' : 'gpu'];
    expect(createContext(device).tuning.subgroups).toBe(want);
  });
});

describe.skipIf(!HAS_SUBGROUPS)('subgroup row reductions vs CPU twins (needs the adapter feature `subgroups`)', () => {
  test.each(ROW_WGS)('layernorm forward and backward, rowWG %i', async (rowWG) => {
    const ctx = createContext(device, { ...CPU_ADAPTER_TUNING, rowWG, subgroups: true });
    for (const [N, C] of LN_SIZES) {
      const c = lnCase(N, C);
      const got = await lnGpu(ctx, c);
      const ref = lnCpu(c);
      for (const k of ['out', 'mean', 'rstd', 'dinp', 'dw', 'db'] as const) expectClose(got[k], ref[k], 1e-5, `N=${N} C=${C} ${k}`);
    }
    expect(ctx.pipelines.moduleKeys().every((k) => k.startsWith('layernorm+subgroups:'))).toBe(true);
  });

  test.each(ROW_WGS)('log-prob, entropy and backward, rowWG %i', async (rowWG) => {
    const ctx = createContext(device, { ...CPU_ADAPTER_TUNING, rowWG, subgroups: true });
    for (const [N, V] of LP_SIZES) {
      const c = lpCase(N, V);
      const got = await lpGpu(ctx, c);
      const ref = lpCpu(c);
      // V = 50257 over few invocations: each sums thousands of f32 terms in order, as the plain kernel does
      const tol = V > 1000 ? 5e-5 : 1e-5;
      expectClose(got.logp, ref.logp, tol, `N=${N} V=${V} logp`);
      expectClose(got.ent, ref.ent, tol, `N=${N} V=${V} entropy`);
      expectClose(got.dl, ref.dl, 1e-5, `N=${N} V=${V} dlogits`);
      expect(bitEqual(got.logpBwd, got.logp), `N=${N} V=${V} the backward's logp`).toBe(true);
    }
    expect(ctx.pipelines.moduleKeys().every((k) => k.startsWith('logprob+subgroups:'))).toBe(true);
  });

  test('deterministic: the same inputs give the same bits, run after run (rowWG 64, many subgroups)', async () => {
    const ctx = createContext(device, { ...GPU_TUNING, subgroups: true });
    const ln = lnCase(17, 257), lp = lpCase(3, 4099);
    const [a, b] = [await lnGpu(ctx, ln), await lnGpu(ctx, ln)];
    for (const k of ['out', 'mean', 'rstd', 'dinp'] as const) expect(bitEqual(a[k], b[k]), k).toBe(true);
    const [x, y] = [await lpGpu(ctx, lp), await lpGpu(ctx, lp)];
    for (const k of ['logp', 'ent', 'dl'] as const) expect(bitEqual(x[k], y[k]), k).toBe(true);
  });

  test('forced off: no subgroup code is compiled, and the results are those of the portable tuning', async () => {
    const off = createContext(device, { ...CPU_ADAPTER_TUNING, subgroups: false });
    const plain = createContext(device, CPU_ADAPTER_TUNING);
    const ln = lnCase(5, 131), lp = lpCase(4, 300);
    const [a, b] = [await lnGpu(off, ln), await lnGpu(plain, ln)];
    const [x, y] = [await lpGpu(off, lp), await lpGpu(plain, lp)];
    expect(bitEqual(a.out, b.out) && bitEqual(a.dinp, b.dinp) && bitEqual(x.logp, y.logp) && bitEqual(x.dl, y.dl)).toBe(true);
    const keys = off.pipelines.moduleKeys();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((k) => k.includes('subgroups'))).toBe(false);
  });
});
