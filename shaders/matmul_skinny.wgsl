// Matrix product with few rows (Tuning.skinnyMatmul: a decode step's products, one row per sequence),
// forward only, on the same epilogues as matmul_vec4.wgsl:
//
//   out[m, n] = sum_k A[m, k] B(k, n) + (HAS_BIAS ? bias[n] : 0) + (RESIDUAL ? aux[m, n] : 0)
//   GELU_OUT: aux[m, n] = gelu(out[m, n]) as well (out keeps the pre-activation)
//
//   A [M, K] row-major, M <= 64;  B [K, N] row-major, or [N, K] when TRANS_B (the LM head's wte);
//   out [M, N] row-major.  B is f32 or packed f16 (// #include matmul_b, ShaderVariant.f16B).
//
// Why: the tiled kernel computes 64 or 128 rows per workgroup whatever M is, on ceil(N / 128)
// workgroups for M <= 64. For GPT-2 small's decode products that is 6-24 workgroups (a few of a large
// GPU's compute units), each doing up to 64x the arithmetic a small batch needs. Here a workgroup
// computes 16 columns for every row, its 16 * SLICES invocations splitting K SLICES ways: ceil(N / 16)
// workgroups (48-192 for those products), no arithmetic on absent rows, and B is read once, which is
// what bounds a decode step. SLICES (a power of two, 16 for M <= 16, down to 4 for M <= 64) keeps the
// shared partial sums SLICES * M * 16 floats within 16 KB (kernels.ts skinnySlices).
//
// Invocation tid is column c and k slice s: c = tid % 16 (16 consecutive invocations read 16
// consecutive columns of one row of B [K, N]: 64 contiguous bytes), or when TRANS_B s = tid % SLICES
// (SLICES consecutive k of one row of B [N, K]). Slice s sums k = s, s + SLICES, ... for every row; the
// partial sums of an output meet in shared memory and are added in slice order (deterministic), then
// one invocation per output adds the epilogue and stores. Columns past N are clamped for loading and
// not stored.
//
// Dispatch: ceil(N / 16) workgroups, as (x, y) with group = x + y * num_workgroups.x past 65535.
// Bindings: 1 a, 3 b, 4 b4 (unused: the include declares it), 5 bias, 7 out, 9 aux (matmul_vec4's numbers).

const M: u32 = 8u;
const N: u32 = 64u;
const K: u32 = 64u;
const TRANS_B: u32 = 0u;
const HAS_BIAS: u32 = 0u;
const RESIDUAL: u32 = 0u;
const GELU_OUT: u32 = 0u;

const SLICES: u32 = 16u; // k slices
const COLS: u32 = 16u; // columns per workgroup
const WG: u32 = COLS * SLICES;

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(9) var<storage, read_write> aux: array<f32>;

// #include matmul_b
// #include gelu_math

var<workgroup> partial: array<f32, SLICES * M * COLS>; // [slice][m][column]: at most 16 KB

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let group = wid.x + wid.y * nwg.x;
  let c = select(tid % COLS, tid / SLICES, TRANS_B != 0u);
  let s = select(tid / COLS, tid % SLICES, TRANS_B != 0u);
  let n = min(group * COLS + c, N - 1u);
  var acc: array<f32, M>;
  for (var k = s; k < K; k += SLICES) {
    let bk = b_at(select(k * N + n, n * K + k, TRANS_B != 0u));
    for (var m = 0u; m < M; m++) {
      acc[m] += a[m * K + k] * bk;
    }
  }
  for (var m = 0u; m < M; m++) {
    partial[(s * M + m) * COLS + c] = acc[m];
  }
  workgroupBarrier();
  for (var o = tid; o < M * COLS; o += WG) {
    let m = o / COLS;
    let col = group * COLS + o % COLS;
    if (col < N) {
      var v = 0.0;
      for (var sl = 0u; sl < SLICES; sl++) {
        v += partial[(sl * M + m) * COLS + o % COLS];
      }
      if (HAS_BIAS != 0u) {
        v += bias[col];
      }
      let i = m * N + col;
      if (RESIDUAL != 0u) {
        v += aux[i];
      }
      out[i] = v;
      if (GELU_OUT != 0u) {
        aux[i] = gelu_fwd(v);
      }
    }
  }
}
