// The matmul family of src/engine/cpu/matmul.ts on WASM SIMD (gemm.wat through gemm.ts): the same four
// functions with the same shape contracts and layouts, each product one strided gemm call (no transposes).
// Float64Array buffers (CpuModel's 'f64' finite-difference mode) go to the plain twins.
//
// Numerics differ from the plain twins in the last bits: f32 accumulation in k order, starting from the
// bias or the accumulated value (plain: float64 sums, added at the end). Relative error ~1e-6 on the
// shipped shapes; tests/unit/cpu-wasm.test.ts holds both to each other.
import * as plain from '../matmul';
import { addColumnSums, gemm } from './gemm';

type F = Float32Array;

const isF64 = (a: F) => (a as unknown) instanceof Float64Array;

export function matmulForwardWasm(out: F, inp: F, weight: F, bias: F | null, N: number, C: number, OC: number): void {
  if (isF64(out)) return plain.matmulForward(out, inp, weight, bias, N, C, OC);
  gemm(out, { data: inp, rs: C, cs: 1 }, { data: weight, rs: OC, cs: 1 }, N, OC, C, bias ?? 'zero');
}

export function matmulBackwardWasm(
  dinp: F,
  dweight: F,
  dbias: F | null,
  dout: F,
  inp: F,
  weight: F,
  N: number,
  C: number,
  OC: number,
): void {
  if (isF64(dinp)) return plain.matmulBackward(dinp, dweight, dbias, dout, inp, weight, N, C, OC);
  // dinp [N,C] += dout [N,OC] · weight^T
  gemm(dinp, { data: dout, rs: OC, cs: 1 }, { data: weight, rs: 1, cs: OC }, N, C, OC, 'accumulate');
  // dweight [C,OC] += inp^T · dout
  gemm(dweight, { data: inp, rs: 1, cs: C }, { data: dout, rs: OC, cs: 1 }, C, OC, N, 'accumulate');
  if (dbias) addColumnSums(dbias, dout, N, OC); // float64 in n order: the plain twin's bits
}

export function matmulForwardTransposedWasm(out: F, inp: F, weightT: F, N: number, C: number, OC: number): void {
  if (isF64(out)) return plain.matmulForwardTransposed(out, inp, weightT, N, C, OC);
  gemm(out, { data: inp, rs: C, cs: 1 }, { data: weightT, rs: 1, cs: C }, N, OC, C, 'zero');
}

export function matmulBackwardTransposedWasm(
  dinp: F,
  dweightT: F,
  dout: F,
  inp: F,
  weightT: F,
  N: number,
  C: number,
  OC: number,
): void {
  if (isF64(dinp)) return plain.matmulBackwardTransposed(dinp, dweightT, dout, inp, weightT, N, C, OC);
  // dinp [N,C] += dout [N,OC] · weightT [OC,C]
  gemm(dinp, { data: dout, rs: OC, cs: 1 }, { data: weightT, rs: C, cs: 1 }, N, C, OC, 'accumulate');
  // dweightT [OC,C] += dout^T · inp
  gemm(dweightT, { data: dout, rs: 1, cs: OC }, { data: inp, rs: C, cs: 1 }, OC, C, N, 'accumulate');
}
