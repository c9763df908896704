// quick node check of vec4 matmul vs generic on SwiftShader, incl. timing of variants
import { requestNodeDevice } from '../src/engine/node-device';
import { createContext, Program, GPU_TUNING, CPU_ADAPTER_TUNING } from '../src/engine/launch';
import { gemm } from '../src/engine/kernels';
import { readF32, upload } from '../src/engine/readback';
const dev = await requestNodeDevice({ onError: (e) => console.error('ERR', e.message) });
const shapes = (process.env.SHAPES ?? '256x256x256').split(',').map((s) => s.split('x').map(Number));
for (const [M, K, N] of shapes) {
  const a = Float32Array.from({ length: M * K }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: K * N }, () => Math.random() - 0.5);
  const res: Record<string, number> = {};
  let ref: Float32Array | null = null;
  for (const [name, t] of [['reg', CPU_ADAPTER_TUNING], ['tiled', { ...GPU_TUNING, matmul: 'tiled' }], ['vec4', GPU_TUNING]] as const) {
    const ctx = createContext(dev, t as any);
    const A = upload(ctx, a), B = upload(ctx, b), O = ctx.pool.acquire(M * N * 4);
    const p = new Program(ctx);
    gemm(p, { out: O, a: A, b: B, M, N, K, sAm: K, sAk: 1, sBk: N, sBn: 1, accumulate: false });
    p.run(); await dev.queue.onSubmittedWorkDone();
    const ts: number[] = [];
    for (let i = 0; i < Number(process.env.RUNS ?? 3); i++) { const t0 = performance.now(); p.run(); await dev.queue.onSubmittedWorkDone(); ts.push(performance.now() - t0); }
    const out = await readF32(ctx, O, M * N);
    if (!ref) ref = out; else { let e = 0; for (let i = 0; i < out.length; i++) e = Math.max(e, Math.abs(out[i] - ref[i])); res[name + '_err'] = e; }
    res[name] = Math.min(...ts);
  }
  console.log(M, K, N, JSON.stringify(res));
}
process.exit(0);
