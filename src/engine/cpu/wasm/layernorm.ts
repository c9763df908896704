// The LayerNorm pair of src/engine/cpu/layernorm.ts on WASM SIMD (layernorm.wat): same signatures and
// layouts; the operands are copied into the module's memory and the results copied back. Float64Array
// buffers go to the plain twins. f32 throughout (plain: float64 with one rounding per stored value).
import * as plain from '../layernorm';
import { wasmBase64 } from './layernorm.gen';
import { align16, kernelModule } from './module';

type F = Float32Array;

interface LayernormExports {
  memory: WebAssembly.Memory;
  forward(out: number, mean: number, rstd: number, inp: number, w: number, b: number, n: number, c: number): void;
  backward(dinp: number, dw: number, db: number, dout: number, inp: number, w: number, mean: number, rstd: number, n: number, c: number): void;
}

const mod = kernelModule<LayernormExports>(wasmBase64);

export const wasmLayernormAvailable = (): boolean => mod.available();

const isF64 = (a: F) => (a as unknown) instanceof Float64Array;

/** Byte offsets of consecutive regions of `lengths` f32 each, every one 16-byte aligned, and the end. */
function layout(lengths: number[]): { at: number[]; end: number } {
  const at: number[] = [];
  let p = 0;
  for (const n of lengths) {
    at.push(p);
    p = align16(p + 4 * n);
  }
  return { at, end: p };
}

export function layernormForwardWasm(out: F, mean: F, rstd: F, inp: F, weight: F, bias: F, N: number, C: number): void {
  if (isF64(out)) return plain.layernormForward(out, mean, rstd, inp, weight, bias, N, C);
  const { at, end } = layout([N * C, C, C, N * C, N, N]);
  const [x, w, b, y, m, s] = at;
  const h = mod.heap(end);
  h.set(inp.subarray(0, N * C), x >> 2);
  h.set(weight.subarray(0, C), w >> 2);
  h.set(bias.subarray(0, C), b >> 2);
  mod.exports().forward(y, m, s, x, w, b, N, C);
  out.set(h.subarray(y >> 2, (y >> 2) + N * C));
  mean.set(h.subarray(m >> 2, (m >> 2) + N));
  rstd.set(h.subarray(s >> 2, (s >> 2) + N));
}

export function layernormBackwardWasm(
  dinp: F,
  dweight: F,
  dbias: F,
  dout: F,
  inp: F,
  weight: F,
  mean: F,
  rstd: F,
  N: number,
  C: number,
): void {
  if (isF64(dinp)) return plain.layernormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C);
  const { at, end } = layout([N * C, C, C, N * C, N * C, C, N, N]);
  const [dx, dw, db, d, x, w, m, s] = at;
  const h = mod.heap(end);
  const put = (to: number, src: F, n: number) => h.set(src.subarray(0, n), to >> 2);
  put(dx, dinp, N * C);
  put(dw, dweight, C);
  put(db, dbias, C);
  put(d, dout, N * C);
  put(x, inp, N * C);
  put(w, weight, C);
  put(m, mean, N);
  put(s, rstd, N);
  mod.exports().backward(dx, dw, db, d, x, w, m, s, N, C);
  dinp.set(h.subarray(dx >> 2, (dx >> 2) + N * C));
  dweight.set(h.subarray(dw >> 2, (dw >> 2) + C));
  dbias.set(h.subarray(db >> 2, (db >> 2) + C));
}
