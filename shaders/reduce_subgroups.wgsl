// Subgroup versions of the workgroup reductions in reduce.wgsl, with the same functions and contract
// (every invocation of the workgroup calls each reduction, in uniform control flow; the result reaches
// every invocation). Swapped in for `// #include reduce` when Tuning.subgroups is on (shaders.ts), with
// `enable subgroups;` prepended, so the kernels that include it are the same WGSL either way.
//
// The subgroup size is whatever the adapter picks (a power of two in 4..128, not known when compiling),
// and the WGSL spec does not say how invocations map to subgroups. So nothing here assumes a layout:
//  - SG_MIN (injected: the adapter's subgroupMinSize, at least 4) decides at compile time whether the
//    whole workgroup fits in one subgroup (WG <= SG_MIN). Then one subgroup operation is the reduction:
//    no shared memory, no barrier.
//  - Otherwise each subgroup reduces its own values, the first active invocation of each subgroup leaves
//    the partial at its own slot of `red` (every other slot holds the identity), and after ONE barrier each
//    subgroup reduces the whole of `red`, striding by its active count from its dense rank. Adding the
//    identity 0.0 is exact, so the total is the sum of the partials whatever the layout; the order is
//    fixed by the adapter's subgroup layout, so results are deterministic per adapter.
// A second barrier protects `red` from the next reduction's writes. Two barriers instead of reduce.wgsl's
// log2(WG) + 2.

const SG_MIN: u32 = 4u;

var<workgroup> red: array<f32, WG>;

/** Sum of v over the workgroup, returned to every invocation. */
fn reduce_sum(v: f32, lid: u32) -> f32 {
  let t = subgroupAdd(v);
  if (WG <= SG_MIN) {
    return t;
  }
  let rank = subgroupExclusiveAdd(1u);
  let count = subgroupAdd(1u);
  red[lid] = select(0.0, t, rank == 0u);
  workgroupBarrier();
  var acc = 0.0;
  for (var j = rank; j < WG; j += count) {
    acc += red[j];
  }
  let r = subgroupAdd(acc);
  workgroupBarrier();
  return r;
}

/** Max of v over the workgroup, returned to every invocation. */
fn reduce_max(v: f32, lid: u32) -> f32 {
  let t = subgroupMax(v);
  if (WG <= SG_MIN) {
    return t;
  }
  let rank = subgroupExclusiveAdd(1u);
  let count = subgroupAdd(1u);
  red[lid] = select(-3.4e38, t, rank == 0u);
  workgroupBarrier();
  var acc = -3.4e38;
  for (var j = rank; j < WG; j += count) {
    acc = max(acc, red[j]);
  }
  let r = subgroupMax(acc);
  workgroupBarrier();
  return r;
}
