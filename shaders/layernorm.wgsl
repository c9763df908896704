// LayerNorm over the last dimension (eps from params, 1e-5 in the model), forward and backward.
//
// Shapes: inp / out / dout / dinp [N, C], weight / bias / dweight / dbias [C], mean / rstd [N].
//
// Entry points:
//   forward          one workgroup per row: mean, rstd = 1/sqrt(var + eps), out = (x - mean) * rstd * w + b
//                    (layernorm_row.wgsl, shared with encoder_layernorm.wgsl)
//   backward         one workgroup per row: with xhat = (x - mean) * rstd and g = w * dout,
//                    dinp += rstd * (g - mean(g) - xhat * mean(g * xhat))
//   backward_params  one invocation per channel, rows in order: dbias += dout, dweight += xhat * dout
//                    (a separate pass so that no two invocations write the same element: no atomics)
//
// Rows are indexed as workgroup_id.x + workgroup_id.y * num_workgroups.x (N may exceed 65535).
// Bindings: 0 params, 1 inp, 2 weight, 3 bias, 4 out, 5 mean, 6 rstd, 7 dout, 8 dinp, 9 dweight, 10 dbias.

const WG: u32 = 64u;

struct Params {
  N: u32,
  C: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(7) var<storage, read> dout: array<f32>;
@group(0) @binding(8) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(9) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(10) var<storage, read_write> dbias: array<f32>;

// #include reduce
// #include layernorm_row

fn ln_input(i: u32) -> f32 {
  return inp[i];
}

@compute @workgroup_size(WG)
fn forward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.N) {
    return;
  }
  layernorm_row(row, lidv.x);
}

@compute @workgroup_size(WG)
fn backward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.N) {
    return;
  }
  let lid = lidv.x;
  let base = row * p.C;
  let m = mean[row];
  let rs = rstd[row];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var c = lid; c < p.C; c += WG) {
    let xhat = (inp[base + c] - m) * rs;
    let g = weight[c] * dout[base + c];
    s1 += g;
    s2 += g * xhat;
  }
  let gmean = reduce_sum(s1, lid) / f32(p.C);
  let gxmean = reduce_sum(s2, lid) / f32(p.C);
  for (var c = lid; c < p.C; c += WG) {
    let xhat = (inp[base + c] - m) * rs;
    let g = weight[c] * dout[base + c];
    dinp[base + c] = dinp[base + c] + rs * (g - gmean - xhat * gxmean);
  }
}

@compute @workgroup_size(WG)
fn backward_params(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.C) {
    return;
  }
  var dw = dweight[c];
  var db = dbias[c];
  for (var n = 0u; n < p.N; n++) {
    let d = dout[n * p.C + c];
    let xhat = (inp[n * p.C + c] - mean[n]) * rstd[n];
    db += d;
    dw += xhat * d;
  }
  dweight[c] = dw;
  dbias[c] = db;
}
