// Causal multi-head self-attention, fused (scores, softmax, weighted sum) per query row or, for GPUs, per
// block of 16 query rows; its backward; and the KV-cache decode step.
//
// Shapes: qkv [B, T, 3C] (q | k | v, head h at columns h*hs .. h*hs+hs of each, hs = C / NH)
//         att / dpre [B, NH, T, T] (post-softmax; 0 above the diagonal)   out / dout [B, T, C]
//         dqkv [B, T, 3C] (+=)
//   decode: qkv [B, 3C] (this position only), cache [B, Tmax, 2C] (k | v per position),
//           att [B, NH, Tmax] (scratch), out [B, C], state[0] = current position pos
//
// Entry points (WG invocations per workgroup):
//   forward      workgroup (t, h, b): s[t2] = scale * q_t . k_t2 for t2 <= t, softmax, out_t = sum att v
//   forward_tiled  the same for GPUs (Tuning.attention = 'tiled'), workgroup (query block, h, b): QB
//                query rows share each tile of KB keys (then values) loaded once into shared memory,
//                where the row kernel loads every key and value once per query. The same sums in the
//                same order (scores over i, softmax_row, the weighted sum over t2), so the same bits.
//                Needs hs <= HS_MAX.
//   backward     one dispatch, grid [2T, NH, B]: workgroup (t, h, b) for t < T is query row t:
//                dpre[t2] = att * (datt - delta_t) with datt[t2] = dout_t . v_t2, delta_t = dout_t . out_t,
//                dq_t += scale * sum_t2 dpre[t2] k_t2; workgroup (T + t2, h, b) is key t2: the same dpre
//                column recomputed, dk_t2 += scale * sum_{t >= t2} dpre[t, t2] q_t,
//                dv_t2 += sum_{t >= t2} att[t, t2] dout_t (gathers by column: no atomics)
//   backward_tiled  the same for GPUs, grid [2 ceil(T / QB), NH, B]: blocks of QB query rows (keys)
//                share tiles of values, then keys (dout rows, then queries); the same sums in the same
//                order as the row kernel, so the same bits.
//   decode       workgroup (h, b): stores head h's k, v of qkv[b] into cache[b, pos] (each workgroup
//                writes exactly the columns it then reads), then attention of q (position pos) over
//                cache[b, 0..pos]
//   kv_store_prefill  cache[b, t] = (k, v) of qkv[b, t] for t < T (qkv of a batched pass [B, T, 3C]),
//                grid-stride over B*T*2C
//   last_rows    out[b] = dout[b, T-1] for rows dout [B, T, C] (the prefill's last prompt position
//                into the decode state [B, C]), grid-stride over B*C
//
// Bindings: 0 params, 1 qkv, 2 att, 3 out (read by backward), 4 dout, 5 dqkv, 6 dpre, 7 cache, 8 state.

const WG: u32 = 64u;

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
@group(0) @binding(2) var<storage, read_write> att: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(6) var<storage, read_write> dpre: array<f32>;
@group(0) @binding(7) var<storage, read_write> cache: array<f32>;
@group(0) @binding(8) var<storage, read> state: array<u32>;

// #include reduce

// Turns the scores att[row + 0..=last] into softmax weights in place; lmax is this invocation's
// partial max of them. Shared by the full pass and the KV-cache decode step so both round alike.
fn softmax_row(row: u32, last: u32, lmax: f32, lid: u32) {
  let m = reduce_max(lmax, lid);
  var lsum = 0.0;
  for (var t2 = lid; t2 <= last; t2 += WG) {
    let e = exp(att[row + t2] - m);
    att[row + t2] = e;
    lsum += e;
  }
  let inv = 1.0 / reduce_sum(lsum, lid);
  for (var t2 = lid; t2 <= last; t2 += WG) {
    att[row + t2] = att[row + t2] * inv;
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = lidv.x;
  let t = wid.x;
  let h = wid.y;
  let b = wid.z;
  let C = p.C;
  let C3 = 3u * C;
  let hs = C / p.NH;
  let row = ((b * p.NH + h) * p.T + t) * p.T;
  let qo = (b * p.T + t) * C3 + h * hs;
  var lmax = -3.0e38;
  for (var t2 = lid; t2 <= t; t2 += WG) {
    let ko = (b * p.T + t2) * C3 + C + h * hs;
    var s = 0.0;
    for (var i = 0u; i < hs; i++) {
      s += qkv[qo + i] * qkv[ko + i];
    }
    s = s * p.scale;
    att[row + t2] = s;
    lmax = max(lmax, s);
  }
  softmax_row(row, t, lmax, lid);
  for (var t2 = t + 1u + lid; t2 < p.T; t2 += WG) {
    att[row + t2] = 0.0; // causal: no weight on the future
  }
  storageBarrier();
  for (var i = lid; i < hs; i += WG) {
    var o = 0.0;
    for (var t2 = 0u; t2 <= t; t2++) {
      o += att[row + t2] * qkv[(b * p.T + t2) * C3 + 2u * C + h * hs + i];
    }
    out[(b * p.T + t) * C + h * hs + i] = o;
  }
}

const QB: u32 = 16u; // query rows per forward_tiled workgroup
const KB: u32 = 32u; // keys (values) per shared tile
const HS_MAX: u32 = 64u; // the largest head size forward_tiled takes
const KS: u32 = HS_MAX + 1u; // row stride of kv_tile, padded: a warp reading one i across keys hits distinct banks
const ACC: u32 = (QB * HS_MAX + WG - 1u) / WG; // outputs per invocation

var<workgroup> row_tile: array<f32, QB * HS_MAX>; // [row][i], stride hs: the block's queries (forward), dout rows (query block) or values (key block)
var<workgroup> kv_tile: array<f32, KB * KS>; // [key][i], stride KS: the keys, then the values

/** kv_tile = the nk rows of head h from position k0 on: its queries (part 0), keys (1) or values (2). */
fn load_kv_tile(b: u32, h: u32, k0: u32, nk: u32, part: u32, hs: u32, lid: u32) {
  for (var e = lid; e < nk * hs; e += WG) {
    let kk = e / hs;
    let i = e % hs;
    kv_tile[kk * KS + i] = qkv[(b * p.T + k0 + kk) * 3u * p.C + part * p.C + h * hs + i];
  }
}

/** The query rows of one tiled workgroup (query block wid.x of head wid.y in sequence wid.z). */
struct Block {
  b: u32,
  h: u32,
  hs: u32,
  q0: u32, // query rows t = q0 .. q0 + nq - 1
  nq: u32,
  last: u32, // the keys any of them sees: 0 ..= last
  rows: u32, // att / dpre row of query t: (rows + t) * T
}

fn block_of(wid: vec3<u32>) -> Block {
  let q0 = wid.x * QB;
  let nq = min(QB, p.T - q0);
  return Block(wid.z, wid.y, p.C / p.NH, q0, nq, q0 + nq - 1u, (wid.z * p.NH + wid.y) * p.T);
}

/** att[r] or dpre[r]: the weights of weighted_rows (a uniform choice; callers pass a constant). */
fn weight(from_dpre: bool, r: u32) -> f32 {
  if (from_dpre) {
    return dpre[r];
  }
  return att[r];
}

/**
 * For every (row t, key t2 <= t) of the block: row_tile[t] . (row t2 of `part`), tile by tile; stored as
 * scale * s into att (the forward's scores), or as is into dpre (the query block's datt).
 */
fn row_dots(blk: Block, part: u32, into_dpre: bool, lid: u32) {
  for (var k0 = 0u; k0 <= blk.last; k0 += KB) {
    let nk = min(KB, blk.last + 1u - k0);
    workgroupBarrier(); // row_tile stored; the previous tile's readers done
    load_kv_tile(blk.b, blk.h, k0, nk, part, blk.hs, lid);
    workgroupBarrier();
    for (var e = lid; e < QB * KB; e += WG) {
      let q = e / KB;
      let kk = e % KB;
      if (q < blk.nq && kk < nk && k0 + kk <= blk.q0 + q) {
        var s = 0.0;
        for (var i = 0u; i < blk.hs; i++) {
          s += row_tile[q * blk.hs + i] * kv_tile[kk * KS + i];
        }
        let r = (blk.rows + blk.q0 + q) * p.T + k0 + kk;
        if (into_dpre) {
          dpre[r] = s;
        } else {
          att[r] = s * p.scale;
        }
      }
    }
  }
}

/**
 * sum_{t2 <= t} w[t, t2] (row t2 of `part`) for every row t of the block, with w = att or dpre, tile by
 * tile in t2 order; invocation lid's outputs are e = lid + j WG: row e / hs, column e % hs.
 */
fn weighted_rows(blk: Block, part: u32, from_dpre: bool, lid: u32) -> array<f32, ACC> {
  var acc = array<f32, ACC>();
  for (var k0 = 0u; k0 <= blk.last; k0 += KB) {
    let nk = min(KB, blk.last + 1u - k0);
    workgroupBarrier();
    load_kv_tile(blk.b, blk.h, k0, nk, part, blk.hs, lid);
    workgroupBarrier();
    for (var j = 0u; j < ACC; j++) {
      let q = (lid + j * WG) / blk.hs;
      let i = (lid + j * WG) % blk.hs;
      let t = blk.q0 + q;
      if (q < blk.nq && t >= k0) {
        let row = (blk.rows + t) * p.T + k0;
        var o = acc[j];
        for (var kk = 0u; kk < min(nk, t + 1u - k0); kk++) {
          o += weight(from_dpre, row + kk) * kv_tile[kk * KS + i];
        }
        acc[j] = o;
      }
    }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn forward_tiled(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = lidv.x;
  let blk = block_of(wid);
  let hs = blk.hs;
  for (var e = lid; e < blk.nq * hs; e += WG) {
    row_tile[e] = qkv[(blk.b * p.T + blk.q0 + e / hs) * 3u * p.C + blk.h * hs + e % hs];
  }
  row_dots(blk, 1u, false, lid); // the scores
  storageBarrier();
  for (var q = 0u; q < blk.nq; q++) {
    let t = blk.q0 + q;
    let row = (blk.rows + t) * p.T;
    var lmax = -3.0e38;
    for (var t2 = lid; t2 <= t; t2 += WG) {
      lmax = max(lmax, att[row + t2]);
    }
    softmax_row(row, t, lmax, lid);
    for (var t2 = t + 1u + lid; t2 < p.T; t2 += WG) {
      att[row + t2] = 0.0; // causal: no weight on the future
    }
  }
  storageBarrier();
  let o = weighted_rows(blk, 2u, false, lid); // out = att . v
  for (var j = 0u; j < ACC; j++) {
    let q = (lid + j * WG) / hs;
    if (q < blk.nq) {
      out[(blk.b * p.T + blk.q0 + q) * p.C + blk.h * hs + (lid + j * WG) % hs] = o[j];
    }
  }
}

// ------------------------------------------------------------------------------------------ backward
// dpre[t, t2] = att[t, t2] * (datt[t, t2] - delta_t) with datt[t, t2] = dout_t . v_t2 and
// delta_t = sum_t2 att[t, t2] datt[t, t2] = dout_t . out_t (as in FlashAttention-2): every term comes from
// row t's own inputs, so the query half (dq) and the key half (dk, dv) of one dispatch each compute the
// dpre they need, with the same functions, hence the same bits, and neither waits for the other.

/** delta_t of head h: dout_t . out_t. */
fn row_delta(b: u32, h: u32, t: u32, hs: u32) -> f32 {
  let o = (b * p.T + t) * p.C + h * hs;
  var d = 0.0;
  for (var i = 0u; i < hs; i++) {
    d += dout[o + i] * out[o + i];
  }
  return d;
}

/** dpre[t, t2] of head h (att row base `rows` as in Block) given delta_t. */
fn dpre_of(b: u32, h: u32, t: u32, t2: u32, hs: u32, rows: u32, delta: f32) -> f32 {
  let dro = (b * p.T + t) * p.C + h * hs;
  let vo = (b * p.T + t2) * 3u * p.C + 2u * p.C + h * hs;
  var d = 0.0;
  for (var i = 0u; i < hs; i++) {
    d += dout[dro + i] * qkv[vo + i];
  }
  return att[(rows + t) * p.T + t2] * (d - delta);
}

/** Query row t: dpre row t (stored in dpre's lower triangle), then dq_t += scale * sum_t2 dpre[t2] k_t2. */
fn backward_query(t: u32, h: u32, b: u32, lid: u32) {
  let hs = p.C / p.NH;
  let C3 = 3u * p.C;
  let rows = (b * p.NH + h) * p.T;
  let row = (rows + t) * p.T;
  let delta = row_delta(b, h, t, hs);
  for (var t2 = lid; t2 <= t; t2 += WG) {
    dpre[row + t2] = dpre_of(b, h, t, t2, hs, rows, delta);
  }
  storageBarrier();
  let qo = (b * p.T + t) * C3 + h * hs;
  for (var i = lid; i < hs; i += WG) {
    var acc = 0.0;
    for (var t2 = 0u; t2 <= t; t2++) {
      acc += dpre[row + t2] * qkv[(b * p.T + t2) * C3 + p.C + h * hs + i];
    }
    dqkv[qo + i] = dqkv[qo + i] + acc * p.scale;
  }
}

/**
 * Key t2: dk_t2 += scale * sum_{t >= t2} dpre[t, t2] q_t, dv_t2 += sum_{t >= t2} att[t, t2] dout_t
 * (gathers by column: no atomics). Its column dpre[t > t2, t2] is kept transposed in dpre's upper
 * triangle (row t2), which no query row writes; the diagonal term stays in a register.
 */
fn backward_key(t2: u32, h: u32, b: u32, lid: u32) {
  let hs = p.C / p.NH;
  let C3 = 3u * p.C;
  let rows = (b * p.NH + h) * p.T;
  let col = (rows + t2) * p.T; // dpre row t2: this key's column, transposed
  for (var t = t2 + 1u + lid; t < p.T; t += WG) {
    dpre[col + t] = dpre_of(b, h, t, t2, hs, rows, row_delta(b, h, t, hs));
  }
  storageBarrier();
  let diag = dpre_of(b, h, t2, t2, hs, rows, row_delta(b, h, t2, hs));
  let o2 = (b * p.T + t2) * C3 + h * hs;
  for (var i = lid; i < hs; i += WG) {
    var dk = diag * qkv[(b * p.T + t2) * C3 + h * hs + i];
    var dv = att[col + t2] * dout[(b * p.T + t2) * p.C + h * hs + i];
    for (var t = t2 + 1u; t < p.T; t++) {
      dk += dpre[col + t] * qkv[(b * p.T + t) * C3 + h * hs + i];
      dv += att[(rows + t) * p.T + t2] * dout[(b * p.T + t) * p.C + h * hs + i];
    }
    dqkv[o2 + p.C + i] = dqkv[o2 + p.C + i] + dk * p.scale;
    dqkv[o2 + 2u * p.C + i] = dqkv[o2 + 2u * p.C + i] + dv;
  }
}

/** Workgroup (x, h, b): x < T is query row x, else key x - T; grid [2T, NH, B]. */
@compute @workgroup_size(WG)
fn backward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.x < p.T) {
    backward_query(wid.x, wid.y, wid.z, lidv.x);
  } else {
    backward_key(wid.x - p.T, wid.y, wid.z, lidv.x);
  }
}

var<workgroup> w_tile: array<f32, KB * QB>; // [t][key]: dpre of a tile of KB rows t for the block's QB keys
var<workgroup> delta_tile: array<f32, KB>; // delta_t of the tile's rows

/** kv_tile = dout rows k0 .. k0 + nk - 1 of head h. */
fn load_dout_tile(b: u32, h: u32, k0: u32, nk: u32, hs: u32, lid: u32) {
  for (var e = lid; e < nk * hs; e += WG) {
    kv_tile[(e / hs) * KS + e % hs] = dout[(b * p.T + k0 + e / hs) * p.C + h * hs + e % hs];
  }
}

/** Query block: backward_query for its QB rows, sharing tiles of values (datt), then keys (dq). */
fn backward_query_block(blk: Block, lid: u32) {
  let hs = blk.hs;
  for (var e = lid; e < blk.nq * hs; e += WG) {
    row_tile[e] = dout[(blk.b * p.T + blk.q0 + e / hs) * p.C + blk.h * hs + e % hs];
  }
  row_dots(blk, 2u, true, lid); // datt = dout_t . v_t2 into dpre
  storageBarrier();
  for (var q = 0u; q < blk.nq; q++) {
    let t = blk.q0 + q;
    let row = (blk.rows + t) * p.T;
    let delta = row_delta(blk.b, blk.h, t, hs);
    for (var t2 = lid; t2 <= t; t2 += WG) {
      dpre[row + t2] = att[row + t2] * (dpre[row + t2] - delta);
    }
  }
  storageBarrier();
  let dq = weighted_rows(blk, 1u, true, lid); // dq_t += scale * sum_t2 dpre[t2] k_t2
  for (var j = 0u; j < ACC; j++) {
    let q = (lid + j * WG) / hs;
    if (q < blk.nq) {
      let o = (blk.b * p.T + blk.q0 + q) * 3u * p.C + blk.h * hs + (lid + j * WG) % hs;
      dqkv[o] = dqkv[o] + dq[j] * p.scale;
    }
  }
}

/**
 * acc[j] + sum over the tile's rows t >= t2 of w[t, t2] (tile row t of kv_tile) for the block's outputs
 * (key k0 + e / hs, column e % hs, e = lid + j WG), with w = w_tile (dk) or att (dv), in t order.
 */
fn key_sums(acc: array<f32, ACC>, from_w: bool, k0: u32, nk: u32, t0: u32, nt: u32, rows: u32, hs: u32, lid: u32) -> array<f32, ACC> {
  var a = acc;
  for (var j = 0u; j < ACC; j++) {
    let kq = (lid + j * WG) / hs;
    let i = (lid + j * WG) % hs;
    let t2 = k0 + kq;
    if (kq < nk) {
      var o = a[j];
      for (var tt = select(0u, t2 - t0, t2 > t0); tt < nt; tt++) {
        var w = 0.0;
        if (from_w) {
          w = w_tile[tt * QB + kq];
        } else {
          w = att[(rows + t0 + tt) * p.T + t2];
        }
        o += w * kv_tile[tt * KS + i];
      }
      a[j] = o;
    }
  }
  return a;
}

/** Key block k0 .. k0 + nk - 1: backward_key for its QB keys, tile by tile of KB rows t. */
fn backward_key_block(k0: u32, h: u32, b: u32, lid: u32) {
  let hs = p.C / p.NH;
  let nk = min(QB, p.T - k0);
  let rows = (b * p.NH + h) * p.T;
  for (var e = lid; e < nk * hs; e += WG) {
    row_tile[e] = qkv[(b * p.T + k0 + e / hs) * 3u * p.C + 2u * p.C + h * hs + e % hs]; // the block's values
  }
  // explicit initializers: a bare declaration was not zeroed in a loop on Dawn/SwiftShader (see forward)
  var dk = array<f32, ACC>();
  var dv = array<f32, ACC>();
  for (var t0 = k0; t0 < p.T; t0 += KB) {
    let nt = min(KB, p.T - t0);
    workgroupBarrier(); // the previous tile's readers done
    load_dout_tile(b, h, t0, nt, hs, lid);
    for (var tt = lid; tt < nt; tt += WG) {
      delta_tile[tt] = row_delta(b, h, t0 + tt, hs);
    }
    workgroupBarrier();
    for (var e = lid; e < KB * QB; e += WG) {
      let tt = e / QB;
      let kq = e % QB;
      if (tt < nt && kq < nk && t0 + tt >= k0 + kq) {
        var d = 0.0;
        for (var i = 0u; i < hs; i++) {
          d += kv_tile[tt * KS + i] * row_tile[kq * hs + i];
        }
        w_tile[e] = att[(rows + t0 + tt) * p.T + k0 + kq] * (d - delta_tile[tt]);
      }
    }
    dv = key_sums(dv, false, k0, nk, t0, nt, rows, hs, lid); // dout tile
    workgroupBarrier();
    load_kv_tile(b, h, t0, nt, 0u, hs, lid); // the queries
    workgroupBarrier();
    dk = key_sums(dk, true, k0, nk, t0, nt, rows, hs, lid);
  }
  for (var j = 0u; j < ACC; j++) {
    let kq = (lid + j * WG) / hs;
    if (kq < nk) {
      let o = (b * p.T + k0 + kq) * 3u * p.C + p.C + h * hs + (lid + j * WG) % hs;
      dqkv[o] = dqkv[o] + dk[j] * p.scale;
      dqkv[o + p.C] = dqkv[o + p.C] + dv[j];
    }
  }
}

/** backward for GPUs: workgroup (x, h, b), x < nb = ceil(T / QB) a query block, else key block x - nb. */
@compute @workgroup_size(WG)
fn backward_tiled(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let nb = (p.T + QB - 1u) / QB;
  if (wid.x < nb) {
    backward_query_block(block_of(wid), lidv.x);
  } else {
    backward_key_block((wid.x - nb) * QB, wid.y, wid.z, lidv.x);
  }
}

@compute @workgroup_size(WG)
fn decode(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = lidv.x;
  let h = wid.x;
  let b = wid.y;
  let pos = state[0];
  let C = p.C;
  let C2 = 2u * C;
  let hs = C / p.NH;
  let row = (b * p.NH + h) * p.Tmax;
  let qo = b * 3u * C + h * hs;
  let store = (b * p.Tmax + pos) * C2 + h * hs;
  for (var i = lid; i < hs; i += WG) {
    cache[store + i] = qkv[qo + C + i];
    cache[store + C + i] = qkv[qo + 2u * C + i];
  }
  storageBarrier();
  var lmax = -3.0e38;
  for (var t2 = lid; t2 <= pos; t2 += WG) {
    let ko = (b * p.Tmax + t2) * C2 + h * hs;
    var s = 0.0;
    for (var i = 0u; i < hs; i++) {
      s += qkv[qo + i] * cache[ko + i];
    }
    s = s * p.scale;
    att[row + t2] = s;
    lmax = max(lmax, s);
  }
  softmax_row(row, pos, lmax, lid);
  storageBarrier();
  for (var i = lid; i < hs; i += WG) {
    var o = 0.0;
    for (var t2 = 0u; t2 <= pos; t2++) {
      o += att[row + t2] * cache[(b * p.Tmax + t2) * C2 + C + h * hs + i];
    }
    out[b * C + h * hs + i] = o;
  }
}

@compute @workgroup_size(WG)
fn kv_store_prefill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let C2 = 2u * p.C;
  let n = p.B * p.T * C2;
  for (var i = gid.x; i < n; i += nwg.x * WG) {
    let j = i % C2;
    let bt = i / C2;
    let t = bt % p.T;
    let b = bt / p.T;
    cache[(b * p.Tmax + t) * C2 + j] = qkv[bt * 3u * p.C + p.C + j];
  }
}

@compute @workgroup_size(WG)
fn last_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = p.B * p.C;
  for (var i = gid.x; i < n; i += nwg.x * WG) {
    let b = i / p.C;
    out[i] = dout[(b * p.T + p.T - 1u) * p.C + i % p.C];
  }
}
