// GELU, tanh approximation (GPT-2): y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
//
// Shapes: inp / out / dout / dinp [N].
// Entry points:
//   forward   out = gelu(inp)
//   backward  dinp += gelu'(inp) * dout, with sech^2 = 1 - tanh^2
// The tanh argument is clamped to +-10, where tanh is +-1 in f32 anyway: some drivers' tanh overflows
// to NaN for large arguments.
//
// Bindings: 0 params, 1 inp, 2 out, 3 dout, 4 dinp.

const WG: u32 = 256u;
const S2PI: f32 = 0.7978845608028654; // sqrt(2 / pi)

struct Params {
  N: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read_write> dinp: array<f32>;

fn safe_tanh(x: f32) -> f32 {
  return tanh(clamp(x, -10.0, 10.0));
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < p.N; i += nwg.x * WG) {
    let x = inp[i];
    let cube = 0.044715 * x * x * x;
    out[i] = 0.5 * x * (1.0 + safe_tanh(S2PI * (x + cube)));
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  for (var i = gid.x; i < p.N; i += nwg.x * WG) {
    let x = inp[i];
    let cube = 0.044715 * x * x * x;
    let th = safe_tanh(S2PI * (x + cube));
    let sech2 = 1.0 - th * th;
    let g = 0.5 * (1.0 + th) + x * 0.5 * sech2 * S2PI * (1.0 + 3.0 * 0.044715 * x * x);
    dinp[i] = dinp[i] + g * dout[i];
  }
}
