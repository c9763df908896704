// The B operand of matmul_vec4.wgsl and matmul_skinny.wgsl as f16 values packed two to a u32
// (Tuning.f16Weights: the weights generation reads, written by cast_f16.wgsl). Element i is half i % 2 of word i / 2, the low half
// first (pack2x16float's order); b4 holds 4 elements in a vec2<u32>. Values become f32 on load and
// every product and sum stays f32: only the bytes read are halved. Core WGSL (unpack2x16float), so
// the `shader-f16` feature is not needed. Same bindings and functions as matmul_b.wgsl.

@group(0) @binding(3) var<storage, read> b: array<u32>;
@group(0) @binding(4) var<storage, read> b4: array<vec2<u32>>;

fn b_at(i: u32) -> f32 {
  return unpack2x16float(b[i / 2u])[i % 2u];
}

/** 4 consecutive elements of B from element i: one 8-byte load, or 4 scalar reads clamped to `last`. */
fn load_b(vec: bool, i: u32, last: u32) -> vec4<f32> {
  if (vec) {
    let w = b4[i / 4u];
    return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
  }
  return vec4<f32>(b_at(i), b_at(min(i + 1u, last)), b_at(min(i + 2u, last)), b_at(min(i + 3u, last)));
}
