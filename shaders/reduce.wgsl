// Workgroup tree reductions shared by the row kernels (layernorm, attention, logprob, adamw) and
// sample. Not a kernel family: a kernel pulls it in with the line `// #include reduce`, expanded by
// src/engine/shader-source.ts. The including shader declares `const WG: u32` (a power of two, the
// workgroup size); every invocation of the workgroup must call a reduction (each has barriers).

var<workgroup> red: array<f32, WG>;

/** Sum of v over the workgroup, returned to every invocation. */
fn reduce_sum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      red[lid] = red[lid] + red[lid + s];
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

/** Max of v over the workgroup, returned to every invocation. */
fn reduce_max(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      red[lid] = max(red[lid], red[lid + s]);
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
