// The attention family of src/engine/cpu/attention.ts on WASM SIMD (attention.wat): forward, the KV-cache
// decode step and backward, same signatures; the buffers are copied into the module's memory and the
// results copied back. The forward and the decode share one row kernel, so decoding matches the full
// pass bit for bit (as the plain twins do through attentionRow). Heads whose size is not a multiple of 4,
// and Float64Array buffers, go to the plain twins — for all three, so the pairing holds there too.
import * as plain from '../attention';
import { wasmBase64 } from './attention.gen';
import { align16, kernelModule } from './module';

interface AttentionExports {
  memory: WebAssembly.Memory;
  forward(out: number, att: number, qkv: number, B: number, T: number, C: number, NH: number, scale: number): void;
  decode(out: number, att: number, qkv: number, k: number, v: number, B: number, cap: number, n: number, C: number, NH: number, scale: number): void;
  backward(dqkv: number, dout: number, qkv: number, att: number, datt: number, B: number, T: number, C: number, NH: number, scale: number): void;
}

const mod = kernelModule<AttentionExports>(wasmBase64);

export const wasmAttentionAvailable = (): boolean => mod.available();

const plainOnly = (a: Float32Array, C: number, NH: number) => (a as unknown) instanceof Float64Array || (C / NH) % 4 !== 0;

/** Bytes offsets of consecutive f32 regions of the given lengths (16-byte aligned) and the end. */
function layout(...lengths: number[]): { at: number[]; end: number } {
  const at: number[] = [];
  let end = 0;
  for (const n of lengths) {
    at.push(end);
    end += align16(4 * n);
  }
  return { at, end };
}

export function attentionForwardWasm(out: Float32Array, att: Float32Array, qkv: Float32Array, B: number, T: number, C: number, NH: number): void {
  if (plainOnly(out, C, NH)) return plain.attentionForward(out, att, qkv, B, T, C, NH);
  const [nQkv, nOut, nAtt] = [B * T * 3 * C, B * T * C, B * NH * T * T];
  const { at: [o, a, q], end } = layout(nOut, nAtt, nQkv);
  const h = mod.heap(end);
  h.set(qkv.subarray(0, nQkv), q >> 2);
  mod.exports().forward(o, a, q, B, T, C, NH, 1 / Math.sqrt(C / NH));
  out.set(h.subarray(o >> 2, (o >> 2) + nOut));
  att.set(h.subarray(a >> 2, (a >> 2) + nAtt));
}

export function attentionForwardDecodeWasm(
  out: Float32Array,
  att: Float32Array,
  qkv: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  B: number,
  cap: number,
  pos: number,
  C: number,
  NH: number,
): void {
  if (plainOnly(out, C, NH)) return plain.attentionForwardDecode(out, att, qkv, kCache, vCache, B, cap, pos, C, NH);
  const nCache = B * cap * C;
  const { at: [o, a, q, k, v], end } = layout(B * C, pos + 1, B * 3 * C, nCache, nCache);
  const h = mod.heap(end);
  h.set(qkv.subarray(0, B * 3 * C), q >> 2);
  h.set(kCache.subarray(0, nCache), k >> 2);
  h.set(vCache.subarray(0, nCache), v >> 2);
  mod.exports().decode(o, a, q, k, v, B, cap, pos + 1, C, NH, 1 / Math.sqrt(C / NH));
  out.set(h.subarray(o >> 2, (o >> 2) + B * C));
}

export function attentionBackwardWasm(
  dqkv: Float32Array,
  dout: Float32Array,
  qkv: Float32Array,
  att: Float32Array,
  B: number,
  T: number,
  C: number,
  NH: number,
): void {
  if (plainOnly(dqkv, C, NH)) return plain.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH);
  const [nQkv, nOut, nAtt] = [B * T * 3 * C, B * T * C, B * NH * T * T];
  const { at: [g, q, d, a, datt], end } = layout(nQkv, nQkv, nOut, nAtt, T);
  const h = mod.heap(end);
  h.set(dqkv.subarray(0, nQkv), g >> 2);
  h.set(qkv.subarray(0, nQkv), q >> 2);
  h.set(dout.subarray(0, nOut), d >> 2);
  h.set(att.subarray(0, nAtt), a >> 2);
  mod.exports().backward(g, d, q, a, datt, B, T, C, NH, 1 / Math.sqrt(C / NH));
  dqkv.set(h.subarray(g >> 2, (g >> 2) + nQkv));
}
