// An f16 copy of f32 values, two to a u32: out[j] = pack2x16float(inp[2j], inp[2j + 1]) (the layout
// matmul_b_f16.wgsl reads). Values are clamped to f16's finite range first (pack2x16float is
// indeterminate outside it). WGSL lets the conversion round either way and flush f16 subnormals, so
// the copy is within one f16 step (2^-11 relative) of the input, exact where the input is an f16
// normal number or zero; the CPU twin test uses such values.
//
// Shapes: inp [2 W] (an odd count is read as if padded with 0), out [W] u32.
// Entry points:
//   main   out = pack2x16float(clamp(inp))
//
// Bindings: 0 params, 1 inp, 2 out.

const WG: u32 = 256u;
const F16_MAX: f32 = 65504.0;

struct Params {
  n: u32, // elements of inp
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let words = (p.n + 1u) / 2u;
  for (var j = gid.x; j < words; j += nwg.x * WG) {
    let lo = inp[2u * j];
    let hi = select(0.0, inp[min(2u * j + 1u, p.n - 1u)], 2u * j + 1u < p.n);
    out[j] = pack2x16float(clamp(vec2<f32>(lo, hi), vec2<f32>(-F16_MAX), vec2<f32>(F16_MAX)));
  }
}
