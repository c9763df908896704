// attentionBackward of src/engine/cpu/attention.ts on WASM SIMD (attention.wat): same signature; the
// buffers are copied into the module's memory and dqkv copied back. Heads whose size is not a multiple of
// 4, and Float64Array buffers, go to the plain twin. The forward stays plain: it shares attentionRow with
// the KV-cache decode, which must match the full pass bit for bit.
import * as plain from '../attention';
import { wasmBase64 } from './attention.gen';
import { align16, kernelModule } from './module';

interface AttentionExports {
  memory: WebAssembly.Memory;
  backward(dqkv: number, dout: number, qkv: number, att: number, datt: number, B: number, T: number, C: number, NH: number, scale: number): void;
}

const mod = kernelModule<AttentionExports>(wasmBase64);

export const wasmAttentionAvailable = (): boolean => mod.available();

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
  const hs = C / NH;
  if ((dqkv as unknown) instanceof Float64Array || hs % 4 !== 0) return plain.attentionBackward(dqkv, dout, qkv, att, B, T, C, NH);
  const nQkv = B * T * 3 * C;
  const nOut = B * T * C;
  const nAtt = B * NH * T * T;
  const at = { dqkv: 0, qkv: align16(4 * nQkv) };
  const dOut = at.qkv + align16(4 * nQkv);
  const attAt = dOut + align16(4 * nOut);
  const datt = attAt + align16(4 * nAtt);
  const h = mod.heap(datt + 4 * T);
  h.set(dqkv.subarray(0, nQkv), at.dqkv >> 2);
  h.set(qkv.subarray(0, nQkv), at.qkv >> 2);
  h.set(dout.subarray(0, nOut), dOut >> 2);
  h.set(att.subarray(0, nAtt), attAt >> 2);
  mod.exports().backward(at.dqkv, dOut, at.qkv, attAt, datt, B, T, C, NH, 1 / Math.sqrt(hs));
  dqkv.set(h.subarray(at.dqkv >> 2, (at.dqkv >> 2) + nQkv));
}
