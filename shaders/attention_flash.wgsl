// Causal multi-head self-attention, flash-style (Tuning.attention = 'flash'; GPUs): the forward keeps a
// running max and sum per query row (online softmax, as in FlashAttention), so the [T, T] weights are
// never stored, only each row's max and sum, and the backward recomputes them from those. Memory per
// layer O(B NH T) where attention.wgsl needs O(B NH T^2) (att, and dpre in the backward). The same sums
// as attention.wgsl in another order: equal to it within rounding, not bit for bit.
//
// Shapes: qkv [B, T, 3C] (q | k | v; head h at columns h*hs .. h*hs+hs of each, hs = C / NH <= HS_MAX)
//         stats [B, NH, T, 2] = (m, 1 / l) per query row: s[t, t2] = scale * q_t . k_t2 over t2 <= t,
//                          m = max s, l = sum exp(s - m), so att[t, t2] = exp(s[t, t2] - m_t) / l_t
//                          (m and l apart, not m + log l: with scores in the hundreds, rounding the
//                          sum m + log l costs the recomputed weights digits that exp(s - m) keeps)
//         out / dout [B, T, C]    dqkv [B, T, 3C] (+=)
//
// Entry points (WG = 64 invocations per workgroup):
//   forward   workgroup (query block, h, b), QB query rows: per tile of FKB keys the scores, the running
//             max m and sum l per row, the tile's weights exp(s - m); the output, rescaled by
//             exp(m_old - m), adds the weighted tile of values; out = acc / l at the end
//   backward  one dispatch, grid [2 ceil(T / QB), NH, B], as attention.wgsl backward_tiled: query blocks
//             (x < ceil(T / QB)) do dq, key blocks dk and dv, each tile of BKB other rows at a time with
//             att recomputed from stats and dpre = att * (dout_t . v_t2 - delta_t), delta_t = dout_t . out_t;
//             a query block loads each tile of values, then keys (scores, then dq); a key block each tile
//             of queries (att), dout rows (dpre, dv), queries again (dk)
//
// Bindings: 0 params, 1 qkv, 2 stats, 3 out (read by backward), 4 dout, 5 dqkv.

const WG: u32 = 64u;
const QB: u32 = 16u; // query rows (keys) per workgroup
const FKB: u32 = 32u; // keys per forward tile
const BKB: u32 = 16u; // other rows per backward tile (two row blocks and a tile fit in 16 KB)
const HS_MAX: u32 = 64u; // the largest head size these kernels take
const KS: u32 = HS_MAX + 1u; // row stride of the tiles, padded: invocations reading one i across rows hit distinct banks
const ACC: u32 = QB * HS_MAX / WG; // outputs per invocation: e = lid + j WG is block row e / hs, column e % hs
const PW: u32 = QB * BKB / WG; // backward tile pairs per invocation: e = lid + j WG
const RP: u32 = WG / QB; // invocations per row in the row-wise steps (the online softmax, delta_t)

struct Params {
  B: u32,
  T: u32,
  C: u32,
  NH: u32,
  Tmax: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;

// Shared memory: 14,784 bytes per entry point (each counts only the arrays it uses), under the 16 KB
// every WebGPU device offers.
var<workgroup> own: array<f32, QB * HS_MAX>; // the block's rows, stride hs: queries (forward, query block), keys (key block)
var<workgroup> own2: array<f32, QB * HS_MAX>; // dout rows (query block), values (key block)
var<workgroup> ftile: array<f32, FKB * KS>; // forward: a tile of keys, then of their values
var<workgroup> btile: array<f32, BKB * KS>; // backward: a tile of keys, values, queries or dout rows
var<workgroup> weights: array<f32, QB * FKB>; // forward: the tile's scores, then exp(s - m), [query][key]
var<workgroup> row_parts: array<f32, WG>; // forward: the RP partial maxima, then sums, of each query row
var<workgroup> row_r: array<f32, QB>; // forward: this tile's rescale exp(m_old - m) per query row, at the end 1 / l
var<workgroup> att_tile: array<f32, QB * BKB>; // key block: att of the tile, [key][row]
var<workgroup> dpre_tile: array<f32, QB * BKB>; // backward: dpre of the tile, [own row][tile row]
var<workgroup> tile_m: array<f32, BKB>; // backward: m, 1 / l and the delta parts of the query rows in play
var<workgroup> tile_inv_l: array<f32, BKB>;
var<workgroup> delta_parts: array<f32, WG>;

/** Element i of head h's row t of part 0 (queries), 1 (keys), 2 (values) of qkv, or 3 (dout). */
fn row_elem(b: u32, h: u32, t: u32, part: u32, i: u32, hs: u32) -> f32 {
  if (part == 3u) {
    return dout[(b * p.T + t) * p.C + h * hs + i];
  }
  return qkv[(b * p.T + t) * 3u * p.C + part * p.C + h * hs + i];
}

/** The rows of one workgroup: r0 .. r0 + n - 1 of head h in sequence b (block x of the grid). */
struct Block {
  b: u32,
  h: u32,
  hs: u32,
  r0: u32,
  n: u32,
}

fn block_of(x: u32, wid: vec3<u32>) -> Block {
  let r0 = x * QB;
  return Block(wid.z, wid.y, p.C / p.NH, r0, min(QB, p.T - r0));
}

/** Index of m (then 1 / l) of query row t of head h in stats. */
fn stats_at(blk: Block, t: u32) -> u32 {
  return 2u * ((blk.b * p.NH + blk.h) * p.T + t);
}

/** tile_m, tile_inv_l of rows t0 .. t0 + n - 1. */
fn load_tile_stats(blk: Block, t0: u32, n: u32, lid: u32) {
  if (lid < n) {
    tile_m[lid] = stats[stats_at(blk, t0 + lid)];
    tile_inv_l[lid] = stats[stats_at(blk, t0 + lid) + 1u];
  }
}

/** att of tile row r with score s (scaled). */
fn att_of(s: f32, r: u32) -> f32 {
  return exp(s - tile_m[r]) * tile_inv_l[r];
}

/** How many of the keys k0 .. k0 + nk - 1 query row t sees (causal: t2 <= t). */
fn keys_seen(t: u32, k0: u32, nk: u32) -> u32 {
  if (t < k0) {
    return 0u;
  }
  return min(nk, t + 1u - k0);
}

/** The block's own rows of `part` into `own` (stride hs). */
fn load_own(blk: Block, part: u32, lid: u32) {
  for (var e = lid; e < blk.n * blk.hs; e += WG) {
    own[e] = row_elem(blk.b, blk.h, blk.r0 + e / blk.hs, part, e % blk.hs, blk.hs);
  }
}

fn load_own2(blk: Block, part: u32, lid: u32) {
  for (var e = lid; e < blk.n * blk.hs; e += WG) {
    own2[e] = row_elem(blk.b, blk.h, blk.r0 + e / blk.hs, part, e % blk.hs, blk.hs);
  }
}

/** ftile = rows k0 .. k0 + nk - 1 of `part`, stride KS. */
fn load_ftile(blk: Block, k0: u32, nk: u32, part: u32, lid: u32) {
  for (var e = lid; e < nk * blk.hs; e += WG) {
    ftile[(e / blk.hs) * KS + e % blk.hs] = row_elem(blk.b, blk.h, k0 + e / blk.hs, part, e % blk.hs, blk.hs);
  }
}

/** btile = rows k0 .. k0 + nk - 1 of `part`, stride KS. */
fn load_btile(blk: Block, k0: u32, nk: u32, part: u32, lid: u32) {
  for (var e = lid; e < nk * blk.hs; e += WG) {
    btile[(e / blk.hs) * KS + e % blk.hs] = row_elem(blk.b, blk.h, k0 + e / blk.hs, part, e % blk.hs, blk.hs);
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = lidv.x;
  let blk = block_of(wid.x, wid);
  let hs = blk.hs;
  load_own(blk, 0u, lid);
  // The online softmax step of query row r = lid / RP is shared by its RP invocations, part lid % RP
  // taking keys part, part + RP, ...; each of them keeps the row's running max m and sum l (the same
  // values: the same partials in the same order).
  let r = lid / RP;
  let part = lid % RP;
  var m = -3.0e38;
  var l = 0.0;
  // explicit initializer: a bare declaration was not zeroed in a loop on Dawn/SwiftShader (attention.wgsl)
  var acc = array<f32, ACC>();
  let last = blk.r0 + blk.n - 1u;
  for (var k0 = 0u; k0 <= last; k0 += FKB) {
    let nk = min(FKB, last + 1u - k0);
    workgroupBarrier(); // the previous tile's readers done
    load_ftile(blk, k0, nk, 1u, lid);
    workgroupBarrier();
    for (var e = lid; e < QB * FKB; e += WG) {
      let q = e / FKB;
      let kk = e % FKB;
      if (q < blk.n && kk < nk) {
        var s = 0.0;
        for (var i = 0u; i < hs; i++) {
          s += own[q * hs + i] * ftile[kk * KS + i];
        }
        weights[e] = s * p.scale;
      }
    }
    workgroupBarrier(); // scores stored; the keys' readers done
    let seen = keys_seen(blk.r0 + r, k0, nk); // r < n, or 0 keys
    var pm = -3.0e38;
    for (var kk = part; kk < select(0u, seen, r < blk.n); kk += RP) {
      pm = max(pm, weights[r * FKB + kk]);
    }
    row_parts[lid] = pm;
    load_ftile(blk, k0, nk, 2u, lid); // the values
    workgroupBarrier();
    let m_old = m;
    for (var j = 0u; j < RP; j++) {
      m = max(m, row_parts[r * RP + j]);
    }
    workgroupBarrier(); // the maxima read
    var ps = 0.0;
    if (r < blk.n) {
      for (var kk = part; kk < nk; kk += RP) {
        var w = 0.0; // causal: no weight on the future
        if (kk < seen) {
          w = exp(weights[r * FKB + kk] - m);
        }
        weights[r * FKB + kk] = w;
        ps += w;
      }
      if (part == 0u) {
        row_r[r] = exp(m_old - m); // 0 on the first tile (m_old = -3e38), which every row sees key 0 of
      }
    }
    row_parts[lid] = ps;
    workgroupBarrier();
    var ls = 0.0;
    for (var j = 0u; j < RP; j++) {
      ls += row_parts[r * RP + j];
    }
    l = l * row_r[r] + ls; // row_r[r] is stale for r >= n, whose l is never used
    for (var j = 0u; j < ACC; j++) {
      let q = (lid + j * WG) / hs;
      let i = (lid + j * WG) % hs;
      if (q < blk.n) {
        var o = acc[j] * row_r[q];
        for (var kk = 0u; kk < nk; kk++) {
          o += weights[q * FKB + kk] * ftile[kk * KS + i];
        }
        acc[j] = o;
      }
    }
  }
  workgroupBarrier(); // the last tile's readers of row_r done
  if (part == 0u && r < blk.n) {
    row_r[r] = 1.0 / l;
    stats[stats_at(blk, blk.r0 + r)] = m;
    stats[stats_at(blk, blk.r0 + r) + 1u] = 1.0 / l;
  }
  workgroupBarrier();
  for (var j = 0u; j < ACC; j++) {
    let q = (lid + j * WG) / hs;
    if (q < blk.n) {
      out[(blk.b * p.T + blk.r0 + q) * p.C + blk.h * hs + (lid + j * WG) % hs] = acc[j] * row_r[q];
    }
  }
}

// ------------------------------------------------------------------------------------------ backward

// delta_t = dout_t . out_t (= sum_t2 att[t, t2] datt[t, t2]) in RP parts, one invocation each, so that
// 64 invocations share a tile's 16 rows (BKB = QB): part j sums the columns i = j mod RP.

/** The tile rows' delta parts: row r = lid / RP, part lid % RP of rows t0 + r, r < n. */
fn load_delta_parts(blk: Block, t0: u32, n: u32, lid: u32) {
  let r = lid / RP;
  if (r < n) {
    let o = (blk.b * p.T + t0 + r) * p.C + blk.h * blk.hs;
    var d = 0.0;
    for (var i = lid % RP; i < blk.hs; i += RP) {
      d += dout[o + i] * out[o + i];
    }
    delta_parts[lid] = d;
  }
}

/** delta of tile row r from its parts (the same order for every reader). */
fn delta_of(r: u32) -> f32 {
  var d = 0.0;
  for (var j = 0u; j < RP; j++) {
    d += delta_parts[r * RP + j];
  }
  return d;
}

/** x . y for rows of the shared arrays: own or own2 row a (stride hs) and btile row c. */
fn dot_own_btile(a: u32, c: u32, hs: u32) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < hs; i++) {
    s += own[a * hs + i] * btile[c * KS + i];
  }
  return s;
}

fn dot_own2_btile(a: u32, c: u32, hs: u32) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < hs; i++) {
    s += own2[a * hs + i] * btile[c * KS + i];
  }
  return s;
}

// The backward pairs the block's rows with a tile's: pair e = lid + j WG (j < PW) is own row e / BKB and
// tile row e % BKB, and att_tile, dpre_tile are [own row][tile row] (QB = BKB). Consecutive invocations
// take consecutive tile rows: distinct banks of btile, one broadcast row of own.

/**
 * acc[j] + sum_{c < nc} w[r, c] (btile row c) for the block's outputs e = lid + j WG (own row r = e / hs,
 * column e % hs), with w = att_tile or dpre_tile (a uniform choice; callers pass a constant).
 */
fn add_tile_products(acc: array<f32, ACC>, from_att: bool, nc: u32, blk: Block, lid: u32) -> array<f32, ACC> {
  var a = acc;
  for (var j = 0u; j < ACC; j++) {
    let r = (lid + j * WG) / blk.hs;
    let i = (lid + j * WG) % blk.hs;
    if (r < blk.n) {
      var o = a[j];
      for (var c = 0u; c < nc; c++) {
        var w = 0.0;
        if (from_att) {
          w = att_tile[r * BKB + c];
        } else {
          w = dpre_tile[r * BKB + c];
        }
        o += w * btile[c * KS + i];
      }
      a[j] = o;
    }
  }
  return a;
}

/** dqkv[the block's rows, part 0 (q), 1 (k) or 2 (v)] += factor * acc (outputs as in add_tile_products). */
fn add_to_dqkv(blk: Block, part: u32, acc: array<f32, ACC>, factor: f32, lid: u32) {
  for (var j = 0u; j < ACC; j++) {
    let r = (lid + j * WG) / blk.hs;
    if (r < blk.n) {
      let o = (blk.b * p.T + blk.r0 + r) * 3u * p.C + part * p.C + blk.h * blk.hs + (lid + j * WG) % blk.hs;
      dqkv[o] = dqkv[o] + acc[j] * factor;
    }
  }
}

/** Query block: dq_t += scale * sum_t2 dpre[t, t2] k_t2 over tiles of keys (values, then keys). */
fn backward_query_block(blk: Block, lid: u32) {
  let hs = blk.hs;
  load_own(blk, 0u, lid); // queries
  load_own2(blk, 3u, lid); // dout rows
  load_tile_stats(blk, blk.r0, blk.n, lid);
  load_delta_parts(blk, blk.r0, blk.n, lid);
  var dq = array<f32, ACC>();
  let last = blk.r0 + blk.n - 1u;
  for (var k0 = 0u; k0 <= last; k0 += BKB) {
    let nk = min(BKB, last + 1u - k0);
    workgroupBarrier();
    load_btile(blk, k0, nk, 2u, lid); // values
    workgroupBarrier();
    var datt = array<f32, PW>(); // dout_t . v_t2 of each pair (query t, key t2)
    for (var j = 0u; j < PW; j++) {
      let r = (lid + j * WG) / BKB;
      let c = (lid + j * WG) % BKB;
      if (r < blk.n && c < keys_seen(blk.r0 + r, k0, nk)) {
        datt[j] = dot_own2_btile(r, c, hs);
      }
    }
    workgroupBarrier();
    load_btile(blk, k0, nk, 1u, lid); // keys: the scores now, dq after
    workgroupBarrier();
    for (var j = 0u; j < PW; j++) {
      let e = lid + j * WG;
      let r = e / BKB;
      var d = 0.0;
      if (r < blk.n && e % BKB < keys_seen(blk.r0 + r, k0, nk)) {
        d = att_of(dot_own_btile(r, e % BKB, hs) * p.scale, r) * (datt[j] - delta_of(r));
      }
      dpre_tile[e] = d;
    }
    workgroupBarrier();
    dq = add_tile_products(dq, false, nk, blk, lid);
  }
  add_to_dqkv(blk, 0u, dq, p.scale, lid);
}

/**
 * Key block (keys t2 = r0 ..): dv_t2 += sum_{t >= t2} att[t, t2] dout_t, dk_t2 += scale * sum dpre[t, t2] q_t,
 * over tiles of query rows t from r0 on (queries, dout rows, queries again).
 */
fn backward_key_block(blk: Block, lid: u32) {
  let hs = blk.hs;
  load_own(blk, 1u, lid); // keys
  load_own2(blk, 2u, lid); // values
  var dk = array<f32, ACC>();
  var dv = array<f32, ACC>();
  for (var t0 = blk.r0; t0 < p.T; t0 += BKB) {
    let nt = min(BKB, p.T - t0);
    workgroupBarrier();
    load_btile(blk, t0, nt, 0u, lid); // queries
    load_tile_stats(blk, t0, nt, lid);
    load_delta_parts(blk, t0, nt, lid);
    workgroupBarrier();
    var att = array<f32, PW>(); // att[t, t2] of each pair (key t2, query t); 0 where t < t2
    for (var j = 0u; j < PW; j++) {
      let e = lid + j * WG;
      let r = e / BKB;
      let c = e % BKB;
      if (r < blk.n && c < nt && t0 + c >= blk.r0 + r) {
        att[j] = att_of(dot_own_btile(r, c, hs) * p.scale, c);
      }
      att_tile[e] = att[j];
    }
    workgroupBarrier();
    load_btile(blk, t0, nt, 3u, lid); // dout rows
    workgroupBarrier();
    for (var j = 0u; j < PW; j++) {
      let e = lid + j * WG;
      var d = 0.0;
      if (att[j] != 0.0) {
        d = att[j] * (dot_own2_btile(e / BKB, e % BKB, hs) - delta_of(e % BKB));
      }
      dpre_tile[e] = d;
    }
    dv = add_tile_products(dv, true, nt, blk, lid);
    workgroupBarrier();
    load_btile(blk, t0, nt, 0u, lid); // queries again
    workgroupBarrier();
    dk = add_tile_products(dk, false, nt, blk, lid);
  }
  add_to_dqkv(blk, 1u, dk, p.scale, lid);
  add_to_dqkv(blk, 2u, dv, 1.0, lid);
}

/** Workgroup (x, h, b): x < nb = ceil(T / QB) is query block x, else key block x - nb. */
@compute @workgroup_size(WG)
fn backward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let nb = (p.T + QB - 1u) / QB;
  if (wid.x < nb) {
    backward_query_block(block_of(wid.x, wid), lidv.x);
  } else {
    backward_key_block(block_of(wid.x - nb, wid), lidv.x);
  }
}
