// Shared helpers for the GPU tests (Vitest browser mode, real Chromium + WebGPU).
import { expect } from 'vitest';
import { requestGpuDevice } from '../../src/engine/device';
import { Program } from '../../src/engine/launch';
import { readF32, readI32, upload } from '../../src/engine/readback';
import { createRng, type Rng } from '../../src/util/rng';
import { maxRelErr } from '../../src/model/gpu-check';

let devicePromise: Promise<GPUDevice> | null = null;

/** One device for the whole test file; validation errors fail the test that caused them. */
export function getDevice(): Promise<GPUDevice> {
  devicePromise ??= requestGpuDevice({ onError: (e) => uncaptured.push(e.message) });
  return devicePromise;
}
export const uncaptured: string[] = [];

export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

export function randTokens(rng: Rng, n: number, V: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(V));
}

export { createRng, upload, readF32, readI32, Program };

/** max |a - b| / max |b| (the error relative to the tensor's scale; NaN anywhere gives NaN). */
export function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(got.length).toBe(ref.length);
  return maxRelErr(got, ref);
}

export function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, tol = 1e-5, what = ''): void {
  const e = relErr(got, ref);
  expect(e, `${what} relative error ${e}`).toBeLessThanOrEqual(tol);
}

/** Runs a program, then checks the device reported no validation error. */
export async function runChecked(prog: Program): Promise<void> {
  const device = prog.ctx.device;
  device.pushErrorScope('validation');
  prog.run();
  const err = await device.popErrorScope();
  expect(err?.message ?? null).toBeNull();
}

/** Bit-for-bit equality of two float arrays (distinguishes -0 from +0 and compares NaN payloads). */
export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The value of f16 bits h (IEEE binary16, subnormals included), for reading back packed f16. */
export function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Words of two f16 each (low half first: pack2x16float's order) as n float values. */
export function unpackF16(words: Uint32Array | Int32Array, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => f16Value((words[i >> 1] >>> (16 * (i & 1))) & 0xffff));
}

export { roundToF16Normal } from '../../src/util/f16';
