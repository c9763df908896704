// The parameter gradients of ALL layernorms of a model in one dispatch, at the end of backward (they
// are needed only by AdamW): the `backward_params` pass of layernorm.wgsl for nLN layernorms at once.
//
// Layernorm j (0..nLN) reads its input from a stack of residual-stream slots: even j from
// `even` [j / 2], odd j from `odd` [(j - 1) / 2] (GpuModel: even = encoded, res3_0, res3_1, ...;
// odd = res2_0, res2_1, ...; layernorm 2l is block l's ln1, 2l + 1 its ln2, the last one ln_f).
// Every slot is `slot` elements apart and holds [N, C]; dout (the gradient at each layernorm's output) is
// a stack of nLN such slots; stats holds mean_j [N] at j * statSlot and rstd_j [N] at (nLN + j) * statSlot.
// offs [nLN][2] are the element offsets of dweight_j and dbias_j [C] in grads (the flat gradient buffer).
//
//   dbias_j[c] += sum_n dout_j[n, c];  dweight_j[c] += sum_n xhat_j[n, c] dout_j[n, c],
//   xhat = (x - mean) * rstd: one invocation per (channel, layernorm), rows in order (the same sums, in
//   the same order, as layernorm.wgsl's backward_params; no two invocations write the same element).
//
// Dispatch: (ceil(C / WG), nLN). Bindings: 0 params, 1 even, 2 odd, 3 stats, 4 dout, 5 offs, 6 grads.

const WG: u32 = 64u;

struct Params {
  N: u32,
  C: u32,
  nLN: u32,
  slot: u32,
  statSlot: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> even: array<f32>;
@group(0) @binding(2) var<storage, read> odd: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read> offs: array<u32>;
@group(0) @binding(6) var<storage, read_write> grads: array<f32>;

fn input(j: u32, i: u32) -> f32 {
  if (j % 2u == 0u) {
    return even[(j / 2u) * p.slot + i];
  }
  return odd[(j / 2u) * p.slot + i];
}

@compute @workgroup_size(WG)
fn backward_params(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = gid.x;
  let j = wid.y;
  if (c >= p.C || j >= p.nLN) {
    return;
  }
  let ow = offs[2u * j] + c;
  let ob = offs[2u * j + 1u] + c;
  let d0 = j * p.slot;
  let m0 = j * p.statSlot;
  let r0 = (p.nLN + j) * p.statSlot;
  var dw = grads[ow];
  var db = grads[ob];
  for (var n = 0u; n < p.N; n++) {
    let d = dout[d0 + n * p.C + c];
    let xhat = (input(j, n * p.C + c) - stats[m0 + n]) * stats[r0 + n];
    db += d;
    dw += xhat * d;
  }
  grads[ow] = dw;
  grads[ob] = db;
}
