// Token log-probabilities and entropy from logits (numerically stable log-softmax), and the backward.
//
// Shapes: logits / dlogits [N, V], targets [N] i32 (-1 = no target), logp / entropy / dlogp [N].
//
// Entry points (one workgroup per row; rows = workgroup_id.x + workgroup_id.y * num_workgroups.x):
//   forward   z = l - max, logZ = log sum exp z; entropy = logZ - sum(e^z z) / sum(e^z) (every row);
//             logp = z[target] - logZ, or 0 where target = -1
//   backward  dlogits += dlogp * (onehot(target) - softmax(l)); rows with target = -1 or dlogp = 0 skip.
//             WITH_LOGP: also writes logp as the forward does (the same bits), for a supervised step,
//             whose dlogp (-1 / number of targets) is known before the forward: no forward pass of its own
//
// Bindings: 0 params, 1 logits, 2 targets, 3 logp, 4 entropy, 5 dlogp, 6 dlogits.

const WG: u32 = 64u;
const WITH_LOGP: u32 = 0u;

struct Params {
  N: u32,
  V: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
@group(0) @binding(3) var<storage, read_write> logp: array<f32>;
@group(0) @binding(4) var<storage, read_write> entropy: array<f32>;
@group(0) @binding(5) var<storage, read> dlogp: array<f32>;
@group(0) @binding(6) var<storage, read_write> dlogits: array<f32>;

// #include reduce

/** log p(target) of the row at logits offset r (max m, logZ = log sum exp(l - m)); 0 without a target. */
fn target_logp(r: u32, tgt: i32, m: f32, logZ: f32) -> f32 {
  if (tgt < 0) {
    return 0.0;
  }
  return logits[r + u32(tgt)] - m - logZ;
}

@compute @workgroup_size(WG)
fn forward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = wid.x + wid.y * nwg.x;
  if (n >= p.N) {
    return;
  }
  let lid = lidv.x;
  let r = n * p.V;
  var lmax = -3.4e38;
  for (var v = lid; v < p.V; v += WG) {
    lmax = max(lmax, logits[r + v]);
  }
  let m = reduce_max(lmax, lid);
  var s = 0.0;
  var ws = 0.0;
  for (var v = lid; v < p.V; v += WG) {
    let z = logits[r + v] - m;
    let e = exp(z);
    s += e;
    ws += e * z;
  }
  let sum = reduce_sum(s, lid);
  let wsum = reduce_sum(ws, lid);
  if (lid == 0u) {
    let logZ = log(sum);
    entropy[n] = logZ - wsum / sum;
    logp[n] = target_logp(r, targets[n], m, logZ);
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = wid.x + wid.y * nwg.x;
  if (n >= p.N) {
    return;
  }
  let lid = lidv.x;
  let tgt = targets[n];
  let d = dlogp[n];
  let r = n * p.V;
  var lmax = -3.4e38;
  for (var v = lid; v < p.V; v += WG) {
    lmax = max(lmax, logits[r + v]);
  }
  let m = reduce_max(lmax, lid);
  var s = 0.0;
  for (var v = lid; v < p.V; v += WG) {
    s += exp(logits[r + v] - m);
  }
  let sum = reduce_sum(s, lid);
  let inv = 1.0 / sum;
  if (WITH_LOGP != 0u && lid == 0u) {
    logp[n] = target_logp(r, tgt, m, log(sum));
  }
  if (tgt < 0 || d == 0.0) {
    return;
  }
  for (var v = lid; v < p.V; v += WG) {
    var g = dlogits[r + v] - d * exp(logits[r + v] - m) * inv;
    if (i32(v) == tgt) {
      g = g + d;
    }
    dlogits[r + v] = g;
  }
}
