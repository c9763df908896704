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
// PAIR: two independent products in ONE dispatch (a layer's backward: dX = dout . W^T and
// dW = inp^T . dout). Product 0 is described by the constants above and uses the vec4 bindings
// (a4, b4, out4, aux4: VEC_A, VEC_B and VEC_OUT must be 1); product 1 by the *1 constants below, on the
// scalar bindings (a, b, out, aux; any shape), with ACCUMULATE1 and HAS_DBIAS1 as its only flags. The
// first TILES0 workgroups along x compute product 0's tiles, the rest product 1's (row-major tile order).
// Both products use the module's tile size (WIDE_M / WIDE_N: wide where either needs it). Each
// workgroup picks its product's description once (a workgroup-uniform choice outside the product loop;
// the products themselves, multiply(), do not depend on it).
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
// B is f32 (matmul_b.wgsl), or in the f16-weights variant packed f16, read as f32 (matmul_b_f16.wgsl;
// single products only, not PAIR, whose product 1 reads f32 through the same b binding).
// Dispatch: (ceil(N / BN), ceil(M / BM)); PAIR: (TILES0 + the tiles of product 1). Bindings: 1 a, 2 a4, 3 b, 4 b4, 5 bias, 6 bias4, 7 out, 8 out4,
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
const PAIR: u32 = 0u;
const M1: u32 = 128u;
const N1: u32 = 128u;
const K1: u32 = 128u;
const TRANS_A1: u32 = 0u;
const TRANS_B1: u32 = 0u;
const ACCUMULATE1: u32 = 0u;
const HAS_DBIAS1: u32 = 0u;
const TILES0: u32 = 1u;
// 1: 128 rows (columns) per workgroup, 8 per invocation; 0: 64 rows (columns), 4 per invocation, for
// outputs 64 or fewer rows (columns) wide, so that narrow products do not compute a half-empty tile
const WIDE_M: u32 = 1u;
const WIDE_N: u32 = 1u;

const BM: u32 = 64u * (1u + WIDE_M);
const BN: u32 = 64u * (1u + WIDE_N);
const BK: u32 = 8u;
const BM4: u32 = BM / 4u;
const BN4: u32 = BN / 4u;

/** One product: its shape, layout and epilogue (the constants above, as a value the functions take). */
struct Gemm {
  M: u32,
  N: u32,
  K: u32,
  transA: bool,
  transB: bool,
  vecA: bool, // A's loads on a4 (vec4), else on a (scalars)
  vecB: bool,
  vecOut: bool, // stores on out4 / bias4 / aux4, else out / bias / aux
  accumulate: bool,
  bias: bool,
  residual: bool,
  geluOut: bool,
  geluGrad: bool,
  dbias: bool,
}

const PRODUCT0 = Gemm(M, N, K, TRANS_A != 0u, TRANS_B != 0u, VEC_A != 0u, VEC_B != 0u, VEC_OUT != 0u,
  ACCUMULATE != 0u, HAS_BIAS != 0u, RESIDUAL != 0u, GELU_OUT != 0u, GELU_GRAD != 0u, HAS_DBIAS != 0u);
const PRODUCT1 = Gemm(M1, N1, K1, TRANS_A1 != 0u, TRANS_B1 != 0u, false, false, false,
  ACCUMULATE1 != 0u, false, false, false, false, HAS_DBIAS1 != 0u);

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
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
fn load_a(g: Gemm, i: u32, last: u32) -> vec4<f32> {
  if (g.vecA) {
    return a4[i / 4u];
  }
  return vec4<f32>(a[i], a[min(i + 1u, last)], a[min(i + 2u, last)], a[min(i + 3u, last)]);
}

// B's bindings (3 b, 4 b4) and load_b: f32, or packed f16 in the f16-weights variant
// #include matmul_b

/** v where k < K (the partial last tile), else 0 (a select, so a clamped load never leaks in). */
fn kmask(g: Gemm, v: vec4<f32>, k: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), v, vec4<u32>(k, k + 1u, k + 2u, k + 3u) < vec4<u32>(g.K));
}

/**
 * This invocation's vec4 of the A tile at k0. transA (A [K, M]): 4 consecutive rows m at one k;
 * else (A [M, K]): 4 consecutive k at one row m. Out-of-range rows are clamped; k past K reads 0 when
 * `masked` (k is clamped so the load stays in bounds).
 */
fn fetch_a(g: Gemm, tid: u32, m0: u32, k0: u32, masked: bool) -> vec4<f32> {
  if (g.transA) {
    let k = k0 + tid / BM4;
    let m = min(m0 + (tid % BM4) * 4u, select(g.M - 1u, g.M - 4u, g.vecA));
    let v = load_a(g, min(k, g.K - 1u) * g.M + m, g.M * g.K - 1u);
    return select(v, vec4<f32>(0.0), masked && k >= g.K);
  }
  let k = k0 + (tid / BM) * 4u;
  let m = min(m0 + tid % BM, g.M - 1u);
  let kc = select(k, min(k, g.K - 4u), masked && g.vecA);
  let v = load_a(g, m * g.K + min(kc, g.K - 1u), m * g.K + g.K - 1u);
  return select(v, kmask(g, v, k), masked);
}

fn fetch_b(g: Gemm, tid: u32, n0: u32, k0: u32, masked: bool) -> vec4<f32> {
  if (!g.transB) {
    let k = k0 + tid / BN4;
    let n = min(n0 + (tid % BN4) * 4u, select(g.N - 1u, g.N - 4u, g.vecB));
    let v = load_b(g.vecB, min(k, g.K - 1u) * g.N + n, g.N * g.K - 1u);
    return select(v, vec4<f32>(0.0), masked && k >= g.K);
  }
  let k = k0 + (tid / BN) * 4u;
  let n = min(n0 + tid % BN, g.N - 1u);
  let kc = select(k, min(k, g.K - 4u), masked && g.vecB);
  let v = load_b(g.vecB, n * g.K + min(kc, g.K - 1u), n * g.K + g.K - 1u);
  return select(v, kmask(g, v, k), masked);
}

/**
 * Stores the fetched vec4s into shared buffer `buf` (k-major); a 64-wide tile needs half the invocations.
 * From a k-contiguous source, 4 invocations write the 4 components of one shared vec4 (As[..][m % 4]).
 * WGSL lets a backend widen a component store to the whole vector, which would make that a race; Tint
 * emits scalar stores (SPIR-V OpAccessChain to the float + OpStore), so on Dawn it is not one.
 */
fn stash(g: Gemm, tid: u32, buf: u32, va: vec4<f32>, vb: vec4<f32>) {
  let oa = buf * BK * BM4;
  if (tid < BK * BM4) {
    if (g.transA) {
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
    if (!g.transB) {
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

fn store(g: Gemm, m: u32, n: u32, c: vec4<f32>) {
  if (m >= g.M || n >= g.N) {
    return;
  }
  if (g.vecOut) {
    let o = (m * g.N + n) / 4u;
    var v = c;
    if (g.bias) {
      v += bias4[n / 4u];
    }
    if (g.residual) {
      v += aux4[o];
    }
    if (g.geluGrad) {
      v *= gelu_grad4(aux4[o]);
    }
    if (g.accumulate) {
      v += out4[o];
    }
    out4[o] = v;
    if (g.geluOut) {
      aux4[o] = gelu_fwd4(v);
    }
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    if (n + j < g.N) {
      var v = c[j];
      if (g.bias) {
        v += bias[n + j];
      }
      let o = m * g.N + n + j;
      if (g.residual) {
        v += aux[o];
      }
      if (g.geluGrad) {
        v *= gelu_grad(aux[o]);
      }
      if (g.accumulate) {
        v += out[o];
      }
      out[o] = v;
      if (g.geluOut) {
        aux[o] = gelu_fwd(v);
      }
    }
  }
}

/** dbias: aux[n + j] += s[j] (columns past N dropped). */
fn store_dbias(g: Gemm, n: u32, s: vec4<f32>) {
  if (n >= g.N) {
    return;
  }
  if (g.vecOut) {
    aux4[n / 4u] += s;
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    if (n + j < g.N) {
      aux[n + j] += s[j];
    }
  }
}

/** One output row: columns na.. (and nb.. on wide tiles). */
fn store_row(g: Gemm, m: u32, na: u32, nb: u32, ca: vec4<f32>, cb: vec4<f32>) {
  store(g, m, na, ca);
  if (WIDE_N != 0u) {
    store(g, m, nb, cb);
  }
}

/** The product this workgroup computes and the tile of it: (product, n tile, m tile). */
fn tile_of(wid: vec3<u32>) -> vec3<u32> {
  if (PAIR == 0u || wid.x < TILES0) {
    if (PAIR == 0u) {
      return vec3<u32>(0u, wid.x, wid.y);
    }
    let tn = (N + BN - 1u) / BN;
    return vec3<u32>(0u, wid.x % tn, wid.x / tn);
  }
  let tn = (N1 + BN - 1u) / BN;
  let t = wid.x - TILES0;
  return vec3<u32>(1u, t % tn, t / tn);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile = tile_of(wid);
  var g = PRODUCT0;
  if (tile.x == 1u) {
    g = PRODUCT1;
  }
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * 16u + tx;
  let m0 = tile.z * BM;
  let n0 = tile.y * BN;
  let nfull = g.K / BK;
  let ntiles = (g.K + BK - 1u) / BK;
  let vb0 = fetch_b(g, tid, n0, 0u, nfull == 0u);
  if (g.dbias) {
    dbs = vb0;
  }
  stash(g, tid, 0u, fetch_a(g, tid, m0, 0u, nfull == 0u), vb0);
  workgroupBarrier();
  for (var t = 0u; t < ntiles; t++) {
    // the next tile's global loads are in flight during this tile's products; only a partial last
    // tile is masked (a select per loaded vec4, never per product)
    let more = t + 1u < ntiles;
    let masked = t + 1u >= nfull;
    var va = vec4<f32>(0.0);
    var vb = vec4<f32>(0.0);
    if (more) {
      va = fetch_a(g, tid, m0, (t + 1u) * BK, masked);
      vb = fetch_b(g, tid, n0, (t + 1u) * BK, masked);
      if (g.dbias) {
        dbs += vb;
      }
    }
    multiply(t % 2u, tx, ty);
    if (more) {
      stash(g, tid, (t + 1u) % 2u, va, vb);
    }
    workgroupBarrier();
  }
  let na = n0 + tx * 4u;
  let nb = n0 + (tx + 16u) * 4u;
  let ma = m0 + ty * 4u;
  let mb = m0 + (ty + 16u) * 4u;
  store_row(g, ma + 0u, na, nb, c0a, c0b);
  store_row(g, ma + 1u, na, nb, c1a, c1b);
  store_row(g, ma + 2u, na, nb, c2a, c2b);
  store_row(g, ma + 3u, na, nb, c3a, c3b);
  if (WIDE_M != 0u) {
    store_row(g, mb + 0u, na, nb, c4a, c4b);
    store_row(g, mb + 1u, na, nb, c5a, c5b);
    store_row(g, mb + 2u, na, nb, c6a, c6b);
    store_row(g, mb + 3u, na, nb, c7a, c7b);
  }
  if (g.dbias) {
    // the B tiles are no longer read (the loop ended on a barrier): Bs holds the BK partial sums of
    // each column group, [k residue][column group]; the first M tile adds them up in k order
    if (tid < BK * BN4) {
      Bs[tid] = dbs;
    }
    workgroupBarrier();
    if (tile.z == 0u && tid < BN4) {
      var s = Bs[tid];
      for (var r = 1u; r < BK; r++) {
        s += Bs[r * BN4 + tid];
      }
      store_dbias(g, n0 + tid * 4u, s);
    }
  }
}
