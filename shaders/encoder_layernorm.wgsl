// The token + position embedding with the first block's LayerNorm fused (one dispatch instead of two):
// each workgroup embeds one row into the residual stream x and normalizes it: out, mean, rstd have the
// bits of layernorm.forward on that x (both are layernorm_row.wgsl).
//
// Shapes: tokens [B, T] i32    wte [V, C]    wpe [Tmax, C]    weight / bias [C]
//         x / out [B, T, C] (x = wte[token] + wpe[t], out = ln_1(x))    mean / rstd [B, T]
//   decode: tokens [B, TT] i32 (whole rows incl. generated tokens), state[0] = current position pos,
//           x / out [B, C], mean / rstd [B]
//
// Entry points (one workgroup per row; rows = workgroup_id.x + workgroup_id.y * num_workgroups.x):
//   forward         row (b, t): x = wte[tokens[b, t]] + wpe[t], out = layernorm(x)
//   forward_decode  row b at pos: x = wte[tokens[b, pos]] + wpe[pos], out = layernorm(x)
//
// Bindings: 0 params, 1 tokens, 2 wte, 3 wpe, 4 x, 5 weight, 6 bias, 7 out, 8 mean, 9 rstd, 10 state.

const WG: u32 = 64u;

struct Params {
  N: u32, // rows: B T (forward) or B (decode)
  T: u32,
  C: u32,
  TT: u32, // decode: row length of tokens
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;
@group(0) @binding(2) var<storage, read> wte: array<f32>;
@group(0) @binding(3) var<storage, read> wpe: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read> weight: array<f32>;
@group(0) @binding(6) var<storage, read> bias: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<storage, read_write> mean: array<f32>;
@group(0) @binding(9) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(10) var<storage, read> state: array<u32>;

// #include reduce
// #include layernorm_row

fn ln_input(i: u32) -> f32 {
  return x[i];
}

/** x[row] = wte[tok] + wpe[t]; invocation lid writes the columns layernorm_row then reads back in it. */
fn embed_row(row: u32, tok: u32, t: u32, lid: u32) {
  for (var c = lid; c < p.C; c += WG) {
    x[row * p.C + c] = wte[tok * p.C + c] + wpe[t * p.C + c];
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.N) {
    return;
  }
  embed_row(row, u32(tokens[row]), row % p.T, lidv.x);
  layernorm_row(row, lidv.x);
}

@compute @workgroup_size(WG)
fn forward_decode(@builtin(local_invocation_id) lidv: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = wid.x + wid.y * nwg.x;
  if (b >= p.N) {
    return;
  }
  let pos = state[0];
  embed_row(b, u32(tokens[b * p.TT + pos]), pos, lidv.x);
  layernorm_row(b, lidv.x);
}
