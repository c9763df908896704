// Matrix products for the linear layers, tiled in workgroup memory.
//
//   main:          out[m, n] = (accumulate ? out[m, n] : 0) + sum_k A(m, k) * B(k, n) + (hasBias ? bias[n] : 0)
//                  A(m, k) = a[m * sAm + k * sAk],  B(k, n) = b[k * sBk + n * sBn]  (any transposition by strides)
//                  out is row-major [M, N].
//   bias_backward: dbias[n] += sum_m dout[m, n]   (one invocation per column, rows in order; no atomics)
//
// How the model uses it (GPT-2 weights are [in, out]):
//   forward       out[N,OC]  = inp[N,C] . W[C,OC] + bias          sAm=C  sAk=1  sBk=OC sBn=1
//   forward tied  out[N,V]   = inp[N,C] . wte[V,C]^T               sAm=C  sAk=1  sBk=1  sBn=C
//   dInp         dinp[N,C] += dout[N,OC] . W^T                     sAm=OC sAk=1  sBk=1  sBn=OC
//   dW           dW[C,OC]  += inp^T . dout                         sAm=1  sAk=C  sBk=OC sBn=1
//
// Tiling: a 16x16 workgroup computes a 64x64 block of out; each invocation owns a 4x4 register block
// (rows ty + 16 i, columns tx + 16 j). K is walked in steps of BK through shared tiles As[BK][64] and
// Bs[BK][64]. Sizes need not be multiples of the tile: out-of-range loads read 0, stores are skipped.
// Dispatch: (ceil(N / 64), ceil(M / 64)).
//
//   main_reg:      the same product without workgroup memory or barriers: each invocation keeps a 4x4
//                  block in four vec4 registers and reads A and B straight from storage. On CPU-backed
//                  adapters (SwiftShader) barriers are expensive and this runs ~10x faster than `main`;
//                  GPUs with real shared memory use `main`. Workgroup RWG x RWG, block 4*RWG square.
//                  Dispatch: (ceil(N / (4 RWG)), ceil(M / (4 RWG))).
//
// Bindings: 0 params, 1 a, 2 b, 3 bias, 4 out, 5 dout, 6 dbias.

const BK: u32 = 16u;
const WG: u32 = 64u; // bias_backward
const BM: u32 = 64u;
const BN: u32 = 64u;
const RWG: u32 = 8u; // main_reg workgroup side

struct Params {
  M: u32,
  N: u32,
  K: u32,
  sAm: u32,
  sAk: u32,
  sBk: u32,
  sBn: u32,
  accumulate: u32,
  hasBias: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbias: array<f32>;

var<workgroup> As: array<f32, BK * BM>; // [k][m]
var<workgroup> Bs: array<f32, BK * BN>; // [k][n]

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * 16u + tx;
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) {
    acc[i] = 0.0;
  }
  let aRowMajor = p.sAk == 1u;
  let bRowMajor = p.sBn == 1u;
  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    // Load the A tile (BM x BK) and the B tile (BK x BN): BK*64 elements each, 256 invocations.
    for (var r = 0u; r < BK * BM; r += 256u) {
      let idx = r + tid;
      var mm: u32;
      var kk: u32;
      if (aRowMajor) {
        kk = idx % BK;
        mm = idx / BK;
      } else {
        mm = idx % BM;
        kk = idx / BM;
      }
      let m = m0 + mm;
      let k = k0 + kk;
      var v = 0.0;
      if (m < p.M && k < p.K) {
        v = a[m * p.sAm + k * p.sAk];
      }
      As[kk * BM + mm] = v;
    }
    for (var r = 0u; r < BK * BN; r += 256u) {
      let idx = r + tid;
      var nn: u32;
      var kk: u32;
      if (bRowMajor) {
        nn = idx % BN;
        kk = idx / BN;
      } else {
        kk = idx % BK;
        nn = idx / BK;
      }
      let n = n0 + nn;
      let k = k0 + kk;
      var v = 0.0;
      if (n < p.N && k < p.K) {
        v = b[k * p.sBk + n * p.sBn];
      }
      Bs[kk * BN + nn] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      var ar: array<f32, 4>;
      var br: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        ar[i] = As[kk * BM + ty + 16u * i];
        br[i] = Bs[kk * BN + tx + 16u * i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i * 4u + j] = fma(ar[i], br[j], acc[i * 4u + j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + ty + 16u * i;
    if (m >= p.M) {
      continue;
    }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + tx + 16u * j;
      if (n >= p.N) {
        continue;
      }
      var v = acc[i * 4u + j];
      if (p.hasBias != 0u) {
        v = v + bias[n];
      }
      let o = m * p.N + n;
      if (p.accumulate != 0u) {
        v = out[o] + v;
      }
      out[o] = v;
    }
  }
}

@compute @workgroup_size(RWG, RWG)
fn main_reg(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= p.M || n0 >= p.N) {
    return;
  }
  // rows / columns past the edge are clamped for loading (their results are never stored)
  let ma = array<u32, 4>(m0, min(m0 + 1u, p.M - 1u), min(m0 + 2u, p.M - 1u), min(m0 + 3u, p.M - 1u));
  let a0 = ma[0] * p.sAm;
  let a1 = ma[1] * p.sAm;
  let a2 = ma[2] * p.sAm;
  let a3 = ma[3] * p.sAm;
  let b0 = n0 * p.sBn;
  let b1 = min(n0 + 1u, p.N - 1u) * p.sBn;
  let b2 = min(n0 + 2u, p.N - 1u) * p.sBn;
  let b3 = min(n0 + 3u, p.N - 1u) * p.sBn;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < p.K; k++) {
    let ka = k * p.sAk;
    let kb = k * p.sBk;
    let bv = vec4<f32>(b[kb + b0], b[kb + b1], b[kb + b2], b[kb + b3]);
    c0 = fma(vec4<f32>(a[a0 + ka]), bv, c0);
    c1 = fma(vec4<f32>(a[a1 + ka]), bv, c1);
    c2 = fma(vec4<f32>(a[a2 + ka]), bv, c2);
    c3 = fma(vec4<f32>(a[a3 + ka]), bv, c3);
  }
  store_row(m0, n0, c0);
  store_row(m0 + 1u, n0, c1);
  store_row(m0 + 2u, n0, c2);
  store_row(m0 + 3u, n0, c3);
}

fn store_row(m: u32, n0: u32, c: vec4<f32>) {
  if (m >= p.M) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n < p.N) {
      var v = c[j];
      if (p.hasBias != 0u) {
        v = v + bias[n];
      }
      let o = m * p.N + n;
      if (p.accumulate != 0u) {
        v = out[o] + v;
      }
      out[o] = v;
    }
  }
}

@compute @workgroup_size(WG)
fn bias_backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  if (n >= p.N) {
    return;
  }
  var acc = dbias[n];
  for (var m = 0u; m < p.M; m++) {
    acc += dout[m * p.N + n];
  }
  dbias[n] = acc;
}
