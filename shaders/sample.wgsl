// Sampling the next token of every sequence on the GPU (KV-cache generation), given uniform numbers
// drawn on the CPU from the seeded rng, so no readback is needed per token.
//
// Shapes: logits [B, V] (this position), tokens [B, TT] i32 (prompt, then generated tokens),
//         logprobs [B, M] (log p of each sampled token under the distribution it was drawn from),
//         uniforms [M, B] (step-major),
//         state [1] u32: state[0] = pos, the position whose logits these are.
//
// Entry points:
//   sample   one workgroup per sequence b. Does nothing while pos + 1 < P (prefill of the prompt).
//            Otherwise step s = pos + 1 - P, u = uniforms[s * B + b], and the token written to
//            tokens[b, pos + 1] is, exactly as sampleToken() of the CPU twin:
//              temperature <= 0: argmax (lowest index among ties);
//              else the tokens kept by top-k (topK in (0, V): the topK largest logits, ties at the
//              threshold going to the lowest indices; the threshold is found by a 4 x 8-bit radix
//              select), weights exp((l - max) / temperature), and the first token in index order
//              whose cumulative weight exceeds u * total (the last kept token if rounding leaves none).
//            logprobs[b, s], as sampleWithLogprob() of the CPU twin: 0 for greedy (a point mass), else
//              (l[tok] - max) / temperature - log(total), total = the kept weights' sum (the same sum
//              the token was drawn against), i.e. log p under the tempered top-k distribution.
//   advance  state[0] += 1 (the last dispatch of each token step).
//
// Each invocation owns a contiguous chunk of the vocabulary; chunk sums are combined with a sequential
// exclusive scan by invocation 0, so "first in index order" is preserved. The f32 sum is reduce_sum from
// reduce.wgsl, whose workgroup array `red` also serves the argmax combine and the f32 scan here; the u32
// count and scan use this file's `redi`.
//
// Bindings: 0 params, 1 logits, 2 tokens, 3 logprobs, 4 uniforms, 5 state.

const WG: u32 = 256u;

struct Params {
  B: u32,
  V: u32,
  TT: u32,
  P: u32,
  M: u32,
  topK: u32,
  temperature: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> tokens: array<i32>;
@group(0) @binding(3) var<storage, read_write> logprobs: array<f32>;
@group(0) @binding(4) var<storage, read> uniforms: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<u32>;

// #include reduce

var<workgroup> wpos: u32;
var<workgroup> redi: array<u32, WG>;
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> wrank: u32;
var<workgroup> wprefix: u32;
var<workgroup> found: atomic<u32>;
var<workgroup> lastKept: atomic<u32>;

fn key_of(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x80000000u) != 0u) {
    return ~b;
  }
  return b | 0x80000000u;
}

fn float_of(k: u32) -> f32 {
  if ((k & 0x80000000u) != 0u) {
    return bitcast<f32>(k & 0x7fffffffu);
  }
  return bitcast<f32>(~k);
}

fn reduce_count(x: u32, lid: u32) -> u32 {
  redi[lid] = x;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      redi[lid] = redi[lid] + redi[lid + s];
    }
    workgroupBarrier();
  }
  let r = redi[0];
  workgroupBarrier();
  return r;
}

// Exclusive prefix over invocations (in place in red), sequential so the order is the index order.
fn scan_f(x: f32, lid: u32) -> f32 {
  red[lid] = x;
  workgroupBarrier();
  if (lid == 0u) {
    var acc = 0.0;
    for (var i = 0u; i < WG; i++) {
      let t = red[i];
      red[i] = acc;
      acc += t;
    }
  }
  workgroupBarrier();
  let r = red[lid];
  workgroupBarrier();
  return r;
}

fn scan_u(x: u32, lid: u32) -> u32 {
  redi[lid] = x;
  workgroupBarrier();
  if (lid == 0u) {
    var acc = 0u;
    for (var i = 0u; i < WG; i++) {
      let t = redi[i];
      redi[i] = acc;
      acc += t;
    }
  }
  workgroupBarrier();
  let r = redi[lid];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn sample(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = lidv.x;
  let b = wid.x;
  if (lid == 0u) {
    wpos = state[0];
  }
  let pos = workgroupUniformLoad(&wpos);
  if (pos + 1u < p.P) {
    return;
  }
  let s = pos + 1u - p.P;
  let V = p.V;
  let r = b * V;
  let chunk = (V + WG - 1u) / WG;
  let lo = min(V, lid * chunk);
  let hi = min(V, lo + chunk);

  // max and argmax (lowest index among ties): each chunk's first maximum, then the lowest chunk wins.
  var lmax = -3.4e38;
  var larg = 0xffffffffu;
  for (var v = lo; v < hi; v++) {
    let l = logits[r + v];
    if (larg == 0xffffffffu || l > lmax) {
      lmax = l;
      larg = v;
    }
  }
  red[lid] = lmax;
  redi[lid] = larg;
  workgroupBarrier();
  if (lid == 0u) {
    var bm = red[0];
    var ba = redi[0];
    for (var i = 1u; i < WG; i++) {
      if (redi[i] != 0xffffffffu && (ba == 0xffffffffu || red[i] > bm)) {
        bm = red[i];
        ba = redi[i];
      }
    }
    red[0] = bm;
    redi[0] = ba;
  }
  workgroupBarrier();
  let maxv = red[0];
  let arg = redi[0];
  workgroupBarrier();

  var tok = arg;
  var lp = 0.0; // greedy: log 1
  if (p.temperature > 0.0) {
    var useThr = false;
    var thr = 0.0;
    var ties = 0xffffffffu;
    if (p.topK > 0u && p.topK < V) {
      useThr = true;
      // radix select of the element of ascending rank V - topK
      if (lid == 0u) {
        wrank = V - p.topK;
        wprefix = 0u;
      }
      for (var rpass = 0u; rpass < 4u; rpass++) {
        let shift = 24u - 8u * rpass;
        for (var i = lid; i < 256u; i += WG) {
          atomicStore(&hist[i], 0u);
        }
        workgroupBarrier();
        let prefix = wprefix;
        for (var v = lo; v < hi; v++) {
          let k = key_of(logits[r + v]);
          if (rpass == 0u || (k >> (shift + 8u)) == (prefix >> (shift + 8u))) {
            atomicAdd(&hist[(k >> shift) & 255u], 1u);
          }
        }
        workgroupBarrier();
        if (lid == 0u) {
          var cum = 0u;
          var sel = 255u;
          for (var d = 0u; d < 256u; d++) {
            let c = atomicLoad(&hist[d]);
            if (cum + c > wrank) {
              sel = d;
              break;
            }
            cum += c;
          }
          wrank = wrank - cum;
          wprefix = wprefix | (sel << shift);
        }
        workgroupBarrier();
      }
      thr = float_of(workgroupUniformLoad(&wprefix));
      var above = 0u;
      for (var v = lo; v < hi; v++) {
        if (logits[r + v] > thr) {
          above++;
        }
      }
      ties = p.topK - reduce_count(above, lid);
    }
    // ties at the threshold before this chunk (kept in index order)
    var myTies = 0u;
    if (useThr) {
      for (var v = lo; v < hi; v++) {
        if (logits[r + v] == thr) {
          myTies++;
        }
      }
    }
    let tiesBefore = scan_u(myTies, lid);
    let invT = 1.0 / p.temperature;
    var w = 0.0;
    var seen = tiesBefore;
    for (var v = lo; v < hi; v++) {
      let l = logits[r + v];
      if (useThr) {
        if (l < thr) {
          continue;
        }
        if (l == thr) {
          let keep = seen < ties;
          seen++;
          if (!keep) {
            continue;
          }
        }
      }
      w += exp((l - maxv) * invT);
    }
    let before = scan_f(w, lid);
    let total = reduce_sum(w, lid);
    let goal = uniforms[s * p.B + b] * total;
    if (lid == 0u) {
      atomicStore(&found, 0xffffffffu);
      atomicStore(&lastKept, 0u);
    }
    workgroupBarrier();
    var cum = before;
    seen = tiesBefore;
    var last = 0xffffffffu;
    for (var v = lo; v < hi; v++) {
      let l = logits[r + v];
      if (useThr) {
        if (l < thr) {
          continue;
        }
        if (l == thr) {
          let keep = seen < ties;
          seen++;
          if (!keep) {
            continue;
          }
        }
      }
      cum += exp((l - maxv) * invT);
      last = v;
      if (cum > goal) {
        atomicMin(&found, v);
        break;
      }
    }
    if (last != 0xffffffffu) {
      atomicMax(&lastKept, last + 1u);
    }
    workgroupBarrier();
    let f = atomicLoad(&found);
    let lk = atomicLoad(&lastKept);
    if (f != 0xffffffffu) {
      tok = f;
    } else if (lk > 0u) {
      tok = lk - 1u;
    }
    lp = (logits[r + tok] - maxv) * invT - log(total);
  }
  if (lid == 0u) {
    tokens[b * p.TT + pos + 1u] = i32(tok);
    logprobs[b * p.M + s] = lp;
  }
}

@compute @workgroup_size(1)
fn advance() {
  state[0] = state[0] + 1u;
}
