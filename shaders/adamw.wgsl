// AdamW with global-norm gradient clipping, entirely on the GPU (no readback between norm and update).
//
// Shapes: param / grad / m / v: the flat parameter buffer [P] (each tensor at a 256-byte boundary,
//         padding is zero); partials [nPartials]; stats [1]: stats[0] = global gradient norm (written here);
//         hyper [8] = lr, beta1, beta2, eps, weightDecay, bc1, bc2, clipNorm — a storage buffer rewritten
//         before each submit, so recorded programs never change (bc1 = 1 - beta1^step, bc2 = 1 - beta2^step).
//
// Entry points:
//   norm_partial  grid-stride over grad[start, end): partials[workgroup] = sum of g^2
//   norm_final    stats[0] = sqrt(sum of partials[0, nPartials)), summed in index order (norm_sum)
//   update        over [start, end): the norm is norm_final's, computed once per workgroup from
//                 partials[0, nPartials) (norm_sum: the same index-order sum everywhere, so all agree bit
//                 for bit with norm_final; one barrier; workgroup 0 stores it in stats[0]);
//                 nPartials = 0 reads stats[0] from norm_final instead.
//                 If the norm is not finite the update is skipped (params and moments
//                 untouched); otherwise with s = clipNorm / norm when 0 < clipNorm < norm else 1,
//                 g = grad * s;  m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;
//                 param -= lr * ((m / bc1) / (sqrt(v / bc2) + eps) + wd * param)
//                 with bc1 = 1 - beta1^step, bc2 = 1 - beta2^step, wd = weightDecay for i < decayEnd
//                 (decayed tensors are laid out first) else 0. The gradient is zeroed in every case.
// Non-finite values are detected from the bits (WGSL has no isnan, and fast-math may fold x != x).
//
// Bindings: 0 params, 1 param, 2 grad, 3 m, 4 v, 5 partials, 6 stats, 7 hyper.

const WG: u32 = 256u;

struct Params {
  start: u32,
  end: u32,
  nPartials: u32,
  decayEnd: u32,
}

struct Hyper {
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  bc1: f32,
  bc2: f32,
  clipNorm: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;
@group(0) @binding(6) var<storage, read_write> stats: array<f32>;
@group(0) @binding(7) var<storage, read> hyper: Hyper;

// #include reduce

fn is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(WG)
fn norm_partial(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  var s = 0.0;
  for (var i = p.start + wid.x * WG + lid; i < p.end; i += nwg.x * WG) {
    let g = grad[i];
    s += g * g;
  }
  let total = reduce_sum(s, lid);
  if (lid == 0u) {
    partials[wid.x] = total;
  }
}

/** sqrt of the sum of partials[0, nPartials) in index order (at most NORM_PARTIALS = 256 loads). */
fn norm_sum() -> f32 {
  var s = 0.0;
  for (var i = 0u; i < p.nPartials; i++) {
    s += partials[i];
  }
  return sqrt(s);
}

@compute @workgroup_size(WG)
fn norm_final(@builtin(local_invocation_id) lidv: vec3<u32>) {
  if (lidv.x == 0u) {
    stats[0] = norm_sum();
  }
}

var<workgroup> wg_norm: f32;

@compute @workgroup_size(WG)
fn update(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = lidv.x;
  var norm = 0.0;
  if (p.nPartials == 0u) {
    norm = stats[0];
  } else {
    // norm_final, by one invocation per workgroup (not all: up to 256 loads each), shared after the barrier
    if (lid == 0u) {
      wg_norm = norm_sum();
      if (wid.x == 0u) {
        stats[0] = wg_norm;
      }
    }
    workgroupBarrier(); // uniform: p is a uniform buffer
    norm = wg_norm;
  }
  // a supervised step's non-finite loss needs no check of its own: the rows it comes from have
  // non-finite dlogits, so the norm is not finite either
  let skip = !is_finite(norm);
  let h = hyper;
  var scale = 1.0;
  if (h.clipNorm > 0.0 && norm > h.clipNorm) {
    scale = h.clipNorm / norm;
  }
  for (var i = p.start + wid.x * WG + lid; i < p.end; i += nwg.x * WG) {
    if (!skip) {
      let wd = select(0.0, h.weightDecay, i < p.decayEnd);
      let g = grad[i] * scale;
      let mi = h.beta1 * m[i] + (1.0 - h.beta1) * g;
      let vi = h.beta2 * v[i] + (1.0 - h.beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      let w = param[i];
      param[i] = w - h.lr * (mi / h.bc1 / (sqrt(vi / h.bc2) + h.eps) + wd * w);
    }
    grad[i] = 0.0;
  }
}
