// GELU, tanh approximation (GPT-2), shared by gelu.wgsl and the fused epilogues of matmul_vec4.wgsl (one
// formula for every GPU path, the twin of src/engine/cpu/gelu.ts). Not a kernel family: a kernel pulls it
// in with the line `// #include gelu_math`, expanded by src/engine/shader-source.ts.
//   gelu(x)  = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//   gelu'(x) = 0.5 (1 + th) + 0.5 x sech^2 sqrt(2/pi) (1 + 3 0.044715 x^2), sech^2 = 1 - th^2
// The tanh argument is clamped to +-10, where tanh is +-1 in f32 anyway: some drivers' tanh overflows to
// NaN for large arguments.

const GELU_S2PI: f32 = 0.7978845608028654; // sqrt(2 / pi)

fn gelu_tanh(x: f32) -> f32 {
  return tanh(clamp(x, -10.0, 10.0));
}

fn gelu_fwd(x: f32) -> f32 {
  let cube = 0.044715 * x * x * x;
  return 0.5 * x * (1.0 + gelu_tanh(GELU_S2PI * (x + cube)));
}

/** d gelu / dx at x. */
fn gelu_grad(x: f32) -> f32 {
  let cube = 0.044715 * x * x * x;
  let th = gelu_tanh(GELU_S2PI * (x + cube));
  let sech2 = 1.0 - th * th;
  return 0.5 * (1.0 + th) + x * 0.5 * sech2 * GELU_S2PI * (1.0 + 3.0 * 0.044715 * x * x);
}

fn gelu_fwd4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(gelu_fwd(v.x), gelu_fwd(v.y), gelu_fwd(v.z), gelu_fwd(v.w));
}

fn gelu_grad4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(gelu_grad(v.x), gelu_grad(v.y), gelu_grad(v.z), gelu_grad(v.w));
}
