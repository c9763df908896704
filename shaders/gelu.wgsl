// GELU, tanh approximation (GPT-2): y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
//
// Shapes: inp / out / dout / dinp [N].
// Entry points:
//   forward   out = gelu(inp)
//   backward  dinp += gelu'(inp) * dout, with sech^2 = 1 - tanh^2
// The formula (and its clamp of the tanh argument) is shaders/gelu_math.wgsl, shared with the fused
// epilogues of matmul_vec4.wgsl.
//
// Bindings: 0 params, 1 inp, 2 out, 3 dout, 4 dinp.

const WG: u32 = 256u;

struct Params {
  N: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read_write> dinp: array<f32>;

// #include gelu_math

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < p.N; i += nwg.x * WG) {
    out[i] = gelu_fwd(inp[i]);
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < p.N; i += nwg.x * WG) {
    dinp[i] = dinp[i] + gelu_grad(inp[i]) * dout[i];
  }
}
