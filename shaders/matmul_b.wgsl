// The B operand of matmul_vec4.wgsl and matmul_skinny.wgsl as f32 (bindings 3 b, 4 b4): element i is
// b_at(i), 4 from i load_b. matmul_b_f16.wgsl declares the same bindings and functions over packed f16
// values; ShaderVariant.f16B swaps it in (src/engine/shaders.ts).

@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> b4: array<vec4<f32>>;

fn b_at(i: u32) -> f32 {
  return b[i];
}

/** 4 consecutive elements of B from element i: one vec4 load, or 4 scalar loads clamped to `last`. */
fn load_b(vec: bool, i: u32, last: u32) -> vec4<f32> {
  if (vec) {
    return b4[i / 4u];
  }
  return vec4<f32>(b_at(i), b_at(min(i + 1u, last)), b_at(min(i + 2u, last)), b_at(min(i + 3u, last)));
}
