// The driver of gemm.wat: C[M,N] = init + A[M,K] · B[K,N] in f32 on WASM SIMD (DESIGN §2).
//
// Operands are read through element strides, so every layout the CPU backend needs (A or B transposed)
// is the same call with other strides; packing into micro-panels does the transposes. Operands are
// copied into the module's memory, blocked BLIS-style (NC columns, KC depth, MC rows; the 6×8 tiles and
// the panel packing are in the WAT), and C is copied back. See gemm.wat for why the result of an
// element does not depend on the sizes or the blocking.
import { wasmBase64 } from './gemm.gen';
import { align16 as align, kernelModule } from './module';

/** Element (i, p) of a matrix operand is data[i*rs + p*cs]. */
export interface Operand {
  data: Float32Array;
  rs: number;
  cs: number;
}

/** What C holds before the products are added: zeros, its current values, or a bias row per row. */
export type GemmInit = 'zero' | 'accumulate' | Float32Array;

interface GemmExports {
  memory: WebAssembly.Memory;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  SCRATCH: WebAssembly.Global;
  pack(dst: number, src: number, rows: number, depth: number, rs: number, cs: number, w: number): void;
  block(ap: number, bp: number, c: number, mc: number, nc: number, kc: number, ldc: number): void;
  col_sums(dst: number, src: number, rows: number, cols: number): void;
}

// Block sizes: a KC×8 B panel (8 KB) stays in L1 while an MC×KC A block (60 KB) streams from L2;
// the KC×NC B block (up to 1 MB) is reused by every MC block. MC = 60 rather than 120: at 1024² it ran
// ~5% faster (CPU time, side by side; 512² unchanged) on a 48 KB L1d / 2 MB L2 Xeon, the A block then
// staying closer to L1. Blocking never changes a result (see gemm.wat).
const KC = 256;
const MC = 60;
const NC = 1024;

const mod = kernelModule<GemmExports>(wasmBase64);

/** Whether this engine runs the module (WASM SIMD); the CPU backend falls back to plain TypeScript. */
export const wasmGemmAvailable = (): boolean => mod.available();

/** Elements of `op.data` that an [rows, depth] operand touches (a prefix of the array). */
function extent(op: Operand, rows: number, depth: number): number {
  return (rows - 1) * op.rs + (depth - 1) * op.cs + 1;
}

/** out [M, N] (row-major) = init + A [M, K] · B [K, N]. */
export function gemm(out: Float32Array, A: Operand, B: Operand, M: number, N: number, K: number, init: GemmInit): void {
  if (M === 0 || N === 0) return;
  const g = mod.exports();
  const mr = g.MR.value as number;
  const nr = g.NR.value as number;
  const lenA = K > 0 ? extent(A, M, K) : 0;
  const lenB = K > 0 ? extent(B, K, N) : 0;
  const c = align(g.SCRATCH.value as number);
  const a = align(c + 4 * M * N);
  const b = align(a + 4 * lenA);
  const ap = align(b + 4 * lenB);
  const bp = align(ap + 4 * Math.ceil(Math.min(M, MC) / mr) * mr * Math.min(K, KC));
  const end = bp + 4 * Math.ceil(Math.min(N, NC) / nr) * nr * Math.min(K, KC);
  const h = mod.heap(end);

  fillC(h, c >> 2, out, M, N, init);
  h.set(A.data.subarray(0, lenA), a >> 2);
  h.set(B.data.subarray(0, lenB), b >> 2);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      // B block: its rows are C's columns j (stride cs), its depth is k (stride rs)
      g.pack(bp, b + 4 * (pc * B.rs + jc * B.cs), nc, kc, B.cs, B.rs, nr);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        g.pack(ap, a + 4 * (ic * A.rs + pc * A.cs), mc, kc, A.rs, A.cs, mr);
        g.block(ap, bp, c + 4 * (ic * N + jc), mc, nc, kc, N);
      }
    }
  }
  out.set(h.subarray(c >> 2, (c >> 2) + M * N));
}

function fillC(h: Float32Array, at: number, out: Float32Array, M: number, N: number, init: GemmInit): void {
  if (init === 'zero') h.fill(0, at, at + M * N);
  else if (init === 'accumulate') h.set(out.subarray(0, M * N), at);
  else for (let m = 0; m < M; m++) h.set(init.subarray(0, N), at + m * N);
}

/** dst [cols] += the column sums of src [rows, cols], each summed in float64 in row order. */
export function addColumnSums(dst: Float32Array, src: Float32Array, rows: number, cols: number): void {
  if (cols === 0) return;
  const g = mod.exports();
  const acc = align(g.SCRATCH.value as number);
  const s = align(acc + 8 * cols);
  const h = mod.heap(s + 4 * rows * cols);
  const sums = new Float64Array(h.buffer, acc, cols);
  sums.fill(0);
  h.set(src.subarray(0, rows * cols), s >> 2);
  g.col_sums(acc, s, rows, cols);
  for (let j = 0; j < cols; j++) dst[j] += sums[j];
}
