// Matrix product for real GPUs (Tuning.matmul = 'vec4', DESIGN §8); the same product as matmul.wgsl's
// `main`, restricted to dense layouts:
//
//   out[m, n] = (ACCUMULATE ? out[m, n] : 0) + sum_k A(m, k) B(k, n) + (HAS_BIAS ? bias[n] : 0)
//               + (RESIDUAL ? aux[m, n] : 0)      (the residual add fused into the epilogue)
// Fused epilogues and reductions, each using the one auxiliary binding aux (at most one flag of the four):
//   RESIDUAL   aux [M, N] is added (above);
//   GELU_OUT   aux [M, N] = gelu(out[m, n]) as well (the fc layer: out keeps the pre-activation);
//   GELU_GRAD  the product is multiplied by gelu'(aux[m, n]) before the accumulate (the backward of
//              gelu(pre) through the next product: dpre = (dout . W^T) * gelu'(pre));
//   HAS_DBIAS  aux [N] += sum_k B(k, n) (B [K, N], not TRANS_B): the bias gradient of a dW = inp^T . dout
//              product, summed from the B tiles every workgroup loads anyway: each loading invocation
//              adds its vec4 (4 columns at one k) per tile, then the first M tile's workgroups add up the
//              BK k-residues of each column group in order through shared memory and store.
// GELU is shaders/gelu_math.wgsl, the formula of gelu.wgsl.
//   A is [M, K] row-major, or [K, M] when TRANS_A;  B is [K, N] row-major, or [N, K] when TRANS_B;
//   out is [M, N] row-major.
//
// Shapes, layouts and flags are compile-time constants (one pipeline per shape, injected by
// src/engine/kernels.ts), so the hot loop has no uniform strides and no layout branches.
//
// Tiling: a 16x16 workgroup computes a 128x128 block of out; each invocation owns 8x8 outputs, as rows
// 4 (ty + 16 h) + i and columns 4 (tx + 16 h) + j (h in 0..1, i, j in 0..3), held in 16 vec4
// accumulators. K is walked in tiles of BK = 8 through shared tiles As [BK][128] and Bs [BK][128]
// (k-major, vec4 elements), double-buffered: the global loads of tile t+1 are issued before the
// products of tile t and stored into the other buffer, one barrier per tile. Per k an invocation reads
// 2 vec4 of A and 2 vec4 of B from shared memory for 64 FMAs.
//
// Loads: each of the 256 invocations loads one vec4 of A and one of B per tile. Along a contiguous
// dimension that is a multiple of 4 (VEC_A / VEC_B) that is one vec4 load (bindings a4 / b4), else 4
// scalar loads (a / b). Shared stores are conflict-free: consecutive invocations write consecutive
// words (k-major tiles from a k-contiguous source are filled column by column).
// Edges: rows and columns past M and N are clamped for loading (their results are never stored), so the
// products have no bounds checks; a partial last K tile (K % BK != 0) is loaded with a mask (one select
// per loaded vec4).
// Stores are vec4 when N % 4 == 0 (VEC_OUT: out4, bias4, aux4), else scalar.
// Dispatch: (ceil(N / BN), ceil(M / BM)). Bindings: 1 a, 2 a4, 3 b, 4 b4, 5 bias, 6 bias4, 7 out, 8 out4,
// 9 aux, 10 aux4 (the ones a variant does not use get a placeholder buffer; 10 storage buffers, as many as
// layernorm.wgsl already needs).

const M: u32 = 128u;
const N: u32 = 128u;
const K: u32 = 128u;
const TRANS_A: u32 = 0u;
const TRANS_B: u32 = 0u;
const VEC_A: u32 = 1u;
const VEC_B: u32 = 1u;
const VEC_OUT: u32 = 1u;
const ACCUMULATE: u32 = 0u;
const HAS_BIAS: u32 = 0u;
const RESIDUAL: u32 = 0u;
const GELU_OUT: u32 = 0u;
const GELU_GRAD: u32 = 0u;
const HAS_DBIAS: u32 = 0u;
// 1: 128 rows (columns) per workgroup, 8 per invocation; 0: 64 rows (columns), 4 per invocation, for
// outputs 64 or fewer rows (columns) wide, so that narrow products do not compute a half-empty tile
const WIDE_M: u32 = 1u;
const WIDE_N: u32 = 1u;

const BM: u32 = 64u * (1u + WIDE_M);
const BN: u32 = 64u * (1u + WIDE_N);
const BK: u32 = 8u;
const BM4: u32 = BM / 4u;
const BN4: u32 = BN / 4u;
const NFULL: u32 = K / BK;
const NTILES: u32 = (K + BK - 1u) / BK;

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> aux: array<f32>;
@group(0) @binding(10) var<storage, read_write> aux4: array<vec4<f32>>;

// #include gelu_math

var<workgroup> As: array<vec4<f32>, 2u * BK * BM4>; // [buffer][k][m / 4]
var<workgroup> Bs: array<vec4<f32>, 2u * BK * BN4>; // [buffer][k][n / 4]

/** 4 consecutive elements of a contiguous dimension: one vec4 load, or 4 scalar loads clamped to `last`. */
fn load_a(i: u32, last: u32) -> vec4<f32> {
  if (VEC_A != 0u) {
    return a4[i / 4u];
  }
  return vec4<f32>(a[i], a[min(i + 1u, last)], a[min(i + 2u, last)], a[min(i + 3u, last)]);
}

fn load_b(i: u32, last: u32) -> vec4<f32> {
  if (VEC_B != 0u) {
    return b4[i / 4u];
  }
  return vec4<f32>(b[i], b[min(i + 1u, last)], b[min(i + 2u, last)], b[min(i + 3u, last)]);
}

/** v where k < K (the partial last tile), else 0 (a select, so a clamped load never leaks in). */
fn kmask(v: vec4<f32>, k: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), v, vec4<u32>(k, k + 1u, k + 2u, k + 3u) < vec4<u32>(K));
}

/**
 * This invocation's vec4 of the A tile at k0. TRANS_A (A [K, M]): 4 consecutive rows m at one k;
 * else (A [M, K]): 4 consecutive k at one row m. Out-of-range rows are clamped; k past K reads 0 when
 * `masked` (k is clamped so the load stays in bounds).
 */
fn fetch_a(tid: u32, m0: u32, k0: u32, masked: bool) -> vec4<f32> {
  if (TRANS_A != 0u) {
    let k = k0 + tid / BM4;
    let m = min(m0 + (tid % BM4) * 4u, select(M - 1u, M - 4u, VEC_A != 0u));
    let v = load_a(min(k, K - 1u) * M + m, M * K - 1u);
    return select(v, vec4<f32>(0.0), masked && k >= K);
  }
  let k = k0 + (tid / BM) * 4u;
  let m = min(m0 + tid % BM, M - 1u);
  let kc = select(k, min(k, K - 4u), masked && VEC_A != 0u);
  let v = load_a(m * K + min(kc, K - 1u), m * K + K - 1u);
  return select(v, kmask(v, k), masked);
}

fn fetch_b(tid: u32, n0: u32, k0: u32, masked: bool) -> vec4<f32> {
  if (TRANS_B == 0u) {
    let k = k0 + tid / BN4;
    let n = min(n0 + (tid % BN4) * 4u, select(N - 1u, N - 4u, VEC_B != 0u));
    let v = load_b(min(k, K - 1u) * N + n, N * K - 1u);
    return select(v, vec4<f32>(0.0), masked && k >= K);
  }
  let k = k0 + (tid / BN) * 4u;
  let n = min(n0 + tid % BN, N - 1u);
  let kc = select(k, min(k, K - 4u), masked && VEC_B != 0u);
  let v = load_b(n * K + min(kc, K - 1u), n * K + K - 1u);
  return select(v, kmask(v, k), masked);
}

/** Stores the fetched vec4s into shared buffer `buf` (k-major); a 64-wide tile needs half the invocations. */
fn stash(tid: u32, buf: u32, va: vec4<f32>, vb: vec4<f32>) {
  let oa = buf * BK * BM4;
  if (tid < BK * BM4) {
    if (TRANS_A != 0u) {
      As[oa + tid] = va; // [k = tid / BM4][m4 = tid % BM4]
    } else {
      let m = tid % BM;
      let k = (tid / BM) * 4u;
      for (var j = 0u; j < 4u; j++) {
        As[oa + (k + j) * BM4 + m / 4u][m % 4u] = va[j];
      }
    }
  }
  let ob = buf * BK * BN4;
  if (tid < BK * BN4) {
    if (TRANS_B == 0u) {
      Bs[ob + tid] = vb;
    } else {
      let n = tid % BN;
      let k = (tid / BN) * 4u;
      for (var j = 0u; j < 4u; j++) {
        Bs[ob + (k + j) * BN4 + n / 4u][n % 4u] = vb[j];
      }
    }
  }
}

// The 8x8 outputs of this invocation: c<row><column group>, row 0..7 (rows 4 ty + r, r < 4, and
// 64 + 4 ty + r - 4), group a = columns 4 tx + j, b = 64 + 4 tx + j. Written out (no arrays, no loops)
// so that no compiler has to unroll or scalarize anything to keep them in registers.
var<private> c0a: vec4<f32>;
var<private> c0b: vec4<f32>;
var<private> c1a: vec4<f32>;
var<private> c1b: vec4<f32>;
var<private> c2a: vec4<f32>;
var<private> c2b: vec4<f32>;
var<private> c3a: vec4<f32>;
var<private> c3b: vec4<f32>;
var<private> c4a: vec4<f32>;
var<private> c4b: vec4<f32>;
var<private> c5a: vec4<f32>;
var<private> c5b: vec4<f32>;
var<private> c6a: vec4<f32>;
var<private> c6b: vec4<f32>;
var<private> c7a: vec4<f32>;
var<private> c7b: vec4<f32>;
// HAS_DBIAS: this invocation's sum of the B vec4s it loaded (columns 4 (tid % BN4) + j, k = tid / BN4 mod BK)
var<private> dbs: vec4<f32>;

/** c.. += the products of shared buffer `buf` (BK steps of k); the b / 4..7 halves only on wide tiles. */
fn multiply(buf: u32, tx: u32, ty: u32) {
  let oa = buf * BK * BM4;
  let ob = buf * BK * BN4;
  for (var kk = 0u; kk < BK; kk++) {
    let a0 = As[oa + kk * BM4 + ty];
    let b0 = Bs[ob + kk * BN4 + tx];
    c0a = fma(vec4<f32>(a0.x), b0, c0a);
    c1a = fma(vec4<f32>(a0.y), b0, c1a);
    c2a = fma(vec4<f32>(a0.z), b0, c2a);
    c3a = fma(vec4<f32>(a0.w), b0, c3a);
    if (WIDE_N != 0u) {
      let b1 = Bs[ob + kk * BN4 + tx + 16u];
      c0b = fma(vec4<f32>(a0.x), b1, c0b);
      c1b = fma(vec4<f32>(a0.y), b1, c1b);
      c2b = fma(vec4<f32>(a0.z), b1, c2b);
      c3b = fma(vec4<f32>(a0.w), b1, c3b);
    }
    if (WIDE_M != 0u) {
      let a1 = As[oa + kk * BM4 + ty + 16u];
      c4a = fma(vec4<f32>(a1.x), b0, c4a);
      c5a = fma(vec4<f32>(a1.y), b0, c5a);
      c6a = fma(vec4<f32>(a1.z), b0, c6a);
      c7a = fma(vec4<f32>(a1.w), b0, c7a);
      if (WIDE_N != 0u) {
        let b1 = Bs[ob + kk * BN4 + tx + 16u];
        c4b = fma(vec4<f32>(a1.x), b1, c4b);
        c5b = fma(vec4<f32>(a1.y), b1, c5b);
        c6b = fma(vec4<f32>(a1.z), b1, c6b);
        c7b = fma(vec4<f32>(a1.w), b1, c7b);
      }
    }
  }
}

fn store(m: u32, n: u32, c: vec4<f32>) {
  if (m >= M || n >= N) {
    return;
  }
  if (VEC_OUT != 0u) {
    let o = (m * N + n) / 4u;
    var v = c;
    if (HAS_BIAS != 0u) {
      v += bias4[n / 4u];
    }
    if (RESIDUAL != 0u) {
      v += aux4[o];
    }
    if (GELU_GRAD != 0u) {
      v *= gelu_grad4(aux4[o]);
    }
    if (ACCUMULATE != 0u) {
      v += out4[o];
    }
    out4[o] = v;
    if (GELU_OUT != 0u) {
      aux4[o] = gelu_fwd4(v);
    }
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    if (n + j < N) {
      var v = c[j];
      if (HAS_BIAS != 0u) {
        v += bias[n + j];
      }
      let o = m * N + n + j;
      if (RESIDUAL != 0u) {
        v += aux[o];
      }
      if (GELU_GRAD != 0u) {
        v *= gelu_grad(aux[o]);
      }
      if (ACCUMULATE != 0u) {
        v += out[o];
      }
      out[o] = v;
      if (GELU_OUT != 0u) {
        aux[o] = gelu_fwd(v);
      }
    }
  }
}

/** HAS_DBIAS: aux[n + j] += s[j] (columns past N dropped). */
fn store_dbias(n: u32, s: vec4<f32>) {
  if (n >= N) {
    return;
  }
  if (VEC_OUT != 0u) {
    aux4[n / 4u] += s;
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    if (n + j < N) {
      aux[n + j] += s[j];
    }
  }
}

/** One output row: columns na.. (and nb.. on wide tiles). */
fn store_row(m: u32, na: u32, nb: u32, ca: vec4<f32>, cb: vec4<f32>) {
  store(m, na, ca);
  if (WIDE_N != 0u) {
    store(m, nb, cb);
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * 16u + tx;
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  let vb0 = fetch_b(tid, n0, 0u, NFULL == 0u);
  if (HAS_DBIAS != 0u) {
    dbs = vb0;
  }
  stash(tid, 0u, fetch_a(tid, m0, 0u, NFULL == 0u), vb0);
  workgroupBarrier();
  for (var t = 0u; t < NTILES; t++) {
    // the next tile's global loads are in flight during this tile's products; only a partial last
    // tile is masked (a select per loaded vec4, never per product)
    let more = t + 1u < NTILES;
    let masked = t + 1u >= NFULL;
    var va = vec4<f32>(0.0);
    var vb = vec4<f32>(0.0);
    if (more) {
      va = fetch_a(tid, m0, (t + 1u) * BK, masked);
      vb = fetch_b(tid, n0, (t + 1u) * BK, masked);
      if (HAS_DBIAS != 0u) {
        dbs += vb;
      }
    }
    multiply(t % 2u, tx, ty);
    if (more) {
      stash(tid, (t + 1u) % 2u, va, vb);
    }
    workgroupBarrier();
  }
  let na = n0 + tx * 4u;
  let nb = n0 + (tx + 16u) * 4u;
  let ma = m0 + ty * 4u;
  let mb = m0 + (ty + 16u) * 4u;
  store_row(ma + 0u, na, nb, c0a, c0b);
  store_row(ma + 1u, na, nb, c1a, c1b);
  store_row(ma + 2u, na, nb, c2a, c2b);
  store_row(ma + 3u, na, nb, c3a, c3b);
  if (WIDE_M != 0u) {
    store_row(mb + 0u, na, nb, c4a, c4b);
    store_row(mb + 1u, na, nb, c5a, c5b);
    store_row(mb + 2u, na, nb, c6a, c6b);
    store_row(mb + 3u, na, nb, c7a, c7b);
  }
  if (HAS_DBIAS != 0u) {
    // the B tiles are no longer read (the loop ended on a barrier): Bs holds the BK partial sums of
    // each column group, [k residue][column group]; the first M tile adds them up in k order
    if (tid < BK * BN4) {
      Bs[tid] = dbs;
    }
    workgroupBarrier();
    if (wid.y == 0u && tid < BN4) {
      var s = Bs[tid];
      for (var r = 1u; r < BK; r++) {
        s += Bs[r * BN4 + tid];
      }
      store_dbias(n0 + tid * 4u, s);
    }
  }
}
