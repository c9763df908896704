// One row of the LayerNorm forward, shared by layernorm.forward and encoder_layernorm (the embedding
// with the first block's LayerNorm fused), so both give the same bits. Not a kernel family: pulled in
// with `// #include layernorm_row` after `// #include reduce`. The including shader declares `const WG`,
// Params `p` with C and eps, the storage arrays `weight`, `bias`, `out`, `mean`, `rstd`, and
// `fn ln_input(i: u32) -> f32`, element i of the input rows. Invocation lid reads only the columns
// c = lid + k WG, which lets a fused kernel read back the row elements it has just written itself.

/** out[row] = (x - mean) * rstd * weight + bias over the C columns of input row `row`; mean, rstd stored. */
fn layernorm_row(row: u32, lid: u32) {
  let base = row * p.C;
  var s = 0.0;
  for (var c = lid; c < p.C; c += WG) {
    s += ln_input(base + c);
  }
  let m = reduce_sum(s, lid) / f32(p.C);
  var v = 0.0;
  for (var c = lid; c < p.C; c += WG) {
    let d = ln_input(base + c) - m;
    v += d * d;
  }
  let variance = reduce_sum(v, lid) / f32(p.C);
  let rs = 1.0 / sqrt(variance + p.eps);
  for (var c = lid; c < p.C; c += WG) {
    out[base + c] = (rs * (ln_input(base + c) - m)) * weight[c] + bias[c];
  }
  if (lid == 0u) {
    mean[row] = m;
    rstd[row] = rs;
  }
}
