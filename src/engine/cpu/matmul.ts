// Matrix products with bias, Hugging Face GPT-2 layout (weights stored [in, out]).
//
//   matmulForward:            out [N,OC] = inp [N,C] @ weight [C,OC] + bias [OC] (bias may be null)
//   matmulBackward:           dinp [N,C] += dout @ weight^T;  dweight [C,OC] += inp^T @ dout;
//                             dbias [OC] += sum_n dout  (dbias may be null)
//   matmulForwardTransposed:  out [N,OC] = inp [N,C] @ weightT^T, weightT stored [OC,C]
//                             (the tied LM head: weightT = wte [V,C])
//   matmulBackwardTransposed: dinp [N,C] += dout @ weightT;  dweightT [OC,C] += dout^T @ inp
//
// Everything reduces to one kernel, gemmNT: out[m,n] (+)= sum_k A[m,k] * B[n,k], with both operands
// read along contiguous rows, 4x4 register blocking and float64 accumulators. Operands that are not
// already in that form are transposed once per call into a module-level scratch buffer (O(N*C) work
// against O(N*C*OC) for the product). Each output element is summed over k in increasing order in every
// code path, so a row's result does not depend on N (the KV-cache decode matches the full pass exactly).
//
// The functions are dtype-generic (scratch follows the input's element type), so tests can run them on
// Float64Array buffers for finite-difference checks.

type F = Float32Array;

let scratch32: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
let scratch64: Float64Array[] = [new Float64Array(0), new Float64Array(0)];

function scratch(like: F, slot: 0 | 1, n: number): F {
  if ((like as unknown) instanceof Float64Array) {
    if (scratch64[slot].length < n) scratch64[slot] = new Float64Array(n);
    return scratch64[slot] as unknown as F;
  }
  if (scratch32[slot].length < n) scratch32[slot] = new Float32Array(n);
  return scratch32[slot];
}

/** dst [cols, rows] = src [rows, cols]^T */
function transpose(dst: F, src: F, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[s + c];
  }
}

/**
 * out[m*N + n] = (accumulate ? out : 0) + (bias ? bias[n] : 0) + sum_k A[m*K + k] * Bm[n*K + k]
 * A [M,K], Bm [N,K] row-major.
 */
function gemmNT(out: F, A: F, Bm: F, M: number, N: number, K: number, accumulate: boolean, bias: F | null): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const a0 = m * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = n * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        const y0 = Bm[b0 + k], y1 = Bm[b1 + k], y2 = Bm[b2 + k], y3 = Bm[b3 + k];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const o0 = m * N + n;
      const o1 = o0 + N;
      const o2 = o1 + N;
      const o3 = o2 + N;
      if (accumulate) {
        out[o0] += c00; out[o0 + 1] += c01; out[o0 + 2] += c02; out[o0 + 3] += c03;
        out[o1] += c10; out[o1 + 1] += c11; out[o1 + 2] += c12; out[o1 + 3] += c13;
        out[o2] += c20; out[o2 + 1] += c21; out[o2 + 2] += c22; out[o2 + 3] += c23;
        out[o3] += c30; out[o3 + 1] += c31; out[o3 + 2] += c32; out[o3 + 3] += c33;
      } else if (bias) {
        const d0 = bias[n], d1 = bias[n + 1], d2 = bias[n + 2], d3 = bias[n + 3];
        out[o0] = c00 + d0; out[o0 + 1] = c01 + d1; out[o0 + 2] = c02 + d2; out[o0 + 3] = c03 + d3;
        out[o1] = c10 + d0; out[o1 + 1] = c11 + d1; out[o1 + 2] = c12 + d2; out[o1 + 3] = c13 + d3;
        out[o2] = c20 + d0; out[o2 + 1] = c21 + d1; out[o2 + 2] = c22 + d2; out[o2 + 3] = c23 + d3;
        out[o3] = c30 + d0; out[o3 + 1] = c31 + d1; out[o3 + 2] = c32 + d2; out[o3 + 3] = c33 + d3;
      } else {
        out[o0] = c00; out[o0 + 1] = c01; out[o0 + 2] = c02; out[o0 + 3] = c03;
        out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
        out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22; out[o2 + 3] = c23;
        out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32; out[o3 + 3] = c33;
      }
    }
    for (; n < N; n++) {
      const b0 = n * K;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0; k < K; k++) {
        const y = Bm[b0 + k];
        c0 += A[a0 + k] * y;
        c1 += A[a1 + k] * y;
        c2 += A[a2 + k] * y;
        c3 += A[a3 + k] * y;
      }
      const o0 = m * N + n;
      store(out, o0, c0, accumulate, bias, n);
      store(out, o0 + N, c1, accumulate, bias, n);
      store(out, o0 + 2 * N, c2, accumulate, bias, n);
      store(out, o0 + 3 * N, c3, accumulate, bias, n);
    }
  }
  for (; m < M; m++) {
    const a0 = m * K;
    for (let n = 0; n < N; n++) {
      const b0 = n * K;
      let c = 0;
      for (let k = 0; k < K; k++) c += A[a0 + k] * Bm[b0 + k];
      store(out, m * N + n, c, accumulate, bias, n);
    }
  }
}

function store(out: F, i: number, c: number, accumulate: boolean, bias: F | null, n: number): void {
  if (accumulate) out[i] += c;
  else out[i] = bias ? c + bias[n] : c;
}

export function matmulForward(out: F, inp: F, weight: F, bias: F | null, N: number, C: number, OC: number): void {
  const wT = scratch(weight, 0, C * OC);
  transpose(wT, weight, C, OC); // [OC, C]
  gemmNT(out, inp, wT, N, OC, C, false, bias);
}

export function matmulBackward(
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
  // dinp[n,c] += sum_o dout[n,o] * weight[c,o]
  gemmNT(dinp, dout, weight, N, C, OC, true, null);
  // dweight[c,o] += sum_n inp[n,c] * dout[n,o]
  const inpT = scratch(inp, 0, N * C);
  const doutT = scratch(dout, 1, N * OC);
  transpose(inpT, inp, N, C); // [C, N]
  transpose(doutT, dout, N, OC); // [OC, N]
  gemmNT(dweight, inpT, doutT, C, OC, N, true, null);
  if (dbias) {
    for (let o = 0; o < OC; o++) {
      const r = o * N;
      let s = 0;
      for (let n = 0; n < N; n++) s += doutT[r + n];
      dbias[o] += s;
    }
  }
}

export function matmulForwardTransposed(out: F, inp: F, weightT: F, N: number, C: number, OC: number): void {
  gemmNT(out, inp, weightT, N, OC, C, false, null);
}

export function matmulBackwardTransposed(
  dinp: F,
  dweightT: F,
  dout: F,
  inp: F,
  weightT: F,
  N: number,
  C: number,
  OC: number,
): void {
  // dinp[n,c] += sum_o dout[n,o] * weightT[o,c]
  const w = scratch(weightT, 0, OC * C);
  transpose(w, weightT, OC, C); // [C, OC]
  gemmNT(dinp, dout, w, N, C, OC, true, null);
  // dweightT[o,c] += sum_n dout[n,o] * inp[n,c]
  const doutT = scratch(dout, 0, N * OC);
  const inpT = scratch(inp, 1, N * C);
  transpose(doutT, dout, N, OC); // [OC, N]
  transpose(inpT, inp, N, C); // [C, N]
  gemmNT(dweightT, doutT, inpT, OC, C, N, true, null);
}
