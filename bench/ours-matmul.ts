// Our matmul for the benchmark, through the engine's public pieces only: a GpuContext (buffer pool +
// pipeline cache), a recorded Program and kernels.gemm (shaders/matmul.wgsl). The Program is recorded
// once (bind groups and uniforms made once, as in the model) and re-encoded for every timed product.
import { createContext, Program, type GpuContext, type Tuning } from '../src/engine/launch';
import { gemm } from '../src/engine/kernels';
import { readF32, upload } from '../src/engine/readback';

export interface MatmulCase {
  /** out [M, N] = A [M, K] . B, with B stored [K, N], or [N, K] when transposeB (the tied LM head) */
  M: number;
  K: number;
  N: number;
  transposeB: boolean;
}

export interface OursMatmul {
  /** The kernel variant the engine picked for this adapter (src/engine/launch.ts Tuning.matmul). */
  readonly variant: string;
  /** Encodes `reps` products into one command encoder, submits once and waits for the GPU to finish. */
  run(reps: number): Promise<void>;
  /** The product [M, N]. */
  read(): Promise<Float32Array>;
  dispose(): void;
}

const contexts = new Map<string, { device: GPUDevice; ctx: GpuContext }>();

/** One context (pool + pipeline cache) per device and tuning, kept across cases. */
function context(device: GPUDevice, tuning: Tuning): GpuContext {
  const key = JSON.stringify(tuning);
  let hit = contexts.get(key);
  if (!hit || hit.device !== device) {
    hit = { device, ctx: createContext(device, tuning) };
    contexts.set(key, hit);
  }
  return hit.ctx;
}

export function oursMatmul(device: GPUDevice, c: MatmulCase, a: Float32Array, b: Float32Array, tuning: Tuning): OursMatmul {
  const ctx = context(device, tuning);
  const { M, K, N, transposeB } = c;
  const bufA = upload(ctx, a, 'bench.a');
  const bufB = upload(ctx, b, 'bench.b');
  const out = ctx.pool.acquire(M * N * 4, undefined, 'bench.out');
  const prog = new Program(ctx, `bench.matmul ${M}x${K}x${N}`);
  gemm(prog, {
    out,
    a: bufA,
    b: bufB,
    M,
    N,
    K,
    sAm: K,
    sAk: 1,
    sBk: transposeB ? 1 : N,
    sBn: transposeB ? K : 1,
    accumulate: false,
  });
  return {
    variant: ctx.tuning.matmul,
    async run(reps: number) {
      const enc = device.createCommandEncoder({ label: prog.label });
      for (let i = 0; i < reps; i++) prog.encode(enc);
      ctx.submit(enc.finish());
      await device.queue.onSubmittedWorkDone();
    },
    read: () => readF32(ctx, out, M * N),
    dispose() {
      prog.dispose();
      for (const buf of [bufA, bufB, out]) ctx.pool.release(buf);
      ctx.pool.trim();
    },
  };
}
