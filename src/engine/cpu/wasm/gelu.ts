// The GELU family of src/engine/cpu/gelu.ts on WASM SIMD (gelu.wat): same signatures; the buffers are
// copied into the module's memory, padded to whole vectors, and the result copied back. Float64Array
// buffers go to the plain twins. f32 throughout (plain: float64 with one rounding at the end).
import * as plain from '../gelu';
import { wasmBase64 } from './gelu.gen';
import { align16, kernelModule } from './module';

interface GeluExports {
  memory: WebAssembly.Memory;
  forward(out: number, inp: number, n: number): void;
  backward(dinp: number, inp: number, dout: number, n: number): void;
}

const mod = kernelModule<GeluExports>(wasmBase64);

export const wasmGeluAvailable = (): boolean => mod.available();

const isF64 = (a: Float32Array) => (a as unknown) instanceof Float64Array;

/** Copies src[0..N) to the heap at byte `at` and zeroes the padding up to a whole vector. */
function put(h: Float32Array, at: number, src: Float32Array, N: number, padded: number): void {
  h.set(src.subarray(0, N), at >> 2);
  h.fill(0, (at >> 2) + N, (at >> 2) + padded);
}

export function geluForwardWasm(out: Float32Array, inp: Float32Array, N: number): void {
  if (isF64(out)) return plain.geluForward(out, inp, N);
  const padded = (N + 3) & ~3;
  const x = 0;
  const y = align16(4 * padded);
  const h = mod.heap(y + 4 * padded);
  put(h, x, inp, N, padded);
  mod.exports().forward(y, x, padded);
  out.set(h.subarray(y >> 2, (y >> 2) + N));
}

export function geluBackwardWasm(dinp: Float32Array, inp: Float32Array, dout: Float32Array, N: number): void {
  if (isF64(dinp)) return plain.geluBackward(dinp, inp, dout, N);
  const padded = (N + 3) & ~3;
  const x = 0;
  const d = align16(4 * padded);
  const g = d + align16(4 * padded);
  const h = mod.heap(g + 4 * padded);
  put(h, x, inp, N, padded);
  put(h, d, dout, N, padded);
  put(h, g, dinp, N, padded);
  mod.exports().backward(g, x, d, padded);
  dinp.set(h.subarray(g >> 2, (g >> 2) + N));
}
