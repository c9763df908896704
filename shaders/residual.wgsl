// Residual connection: out = inp1 + inp2. There is no backward kernel: d out passes unchanged to both
// inputs, so the models keep one residual-gradient buffer; the branch's backward reads it as its output
// gradient and accumulates its input gradient into it, which already holds the skip path's share.
//
// Shapes: all [N].
// Entry points:
//   forward   out = inp1 + inp2
//
// Bindings: 0 params, 1 inp1, 2 inp2, 3 out.

const WG: u32 = 256u;

struct Params {
  N: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> inp1: array<f32>;
@group(0) @binding(2) var<storage, read> inp2: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < p.N; i += nwg.x * WG) {
    out[i] = inp1[i] + inp2[i];
  }
}
