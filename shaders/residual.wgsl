// Residual connection: out = inp1 + inp2, and its backward (the gradient passes to both inputs).
//
// Shapes: all [N].
// Entry points:
//   forward   out = inp1 + inp2
//   backward  dinp1 += dout; dinp2 += dout
//
// Bindings: 0 params, 1 inp1, 2 inp2, 3 out, 4 dout, 5 dinp1, 6 dinp2.

const WG: u32 = 256u;

struct Params {
  N: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> inp1: array<f32>;
@group(0) @binding(2) var<storage, read> inp2: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read_write> dinp1: array<f32>;
@group(0) @binding(6) var<storage, read_write> dinp2: array<f32>;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < p.N; i += nwg.x * WG) {
    out[i] = inp1[i] + inp2[i];
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < p.N; i += nwg.x * WG) {
    let d = dout[i];
    dinp1[i] = dinp1[i] + d;
    dinp2[i] = dinp2[i] + d;
  }
}
