// The backward of the token + position embedding (GPT-2 "encoder"); its forward comes fused with the
// first block's LayerNorm (encoder_layernorm.wgsl).
//
// Shapes (row-major f32 unless noted):
//   tokens [B, T] i32      dout [B, T, C]      dwte [V, C] (+=)       dwpe [Tmax, C] (+=)
//
// Entry point:
//   backward       both halves of the encoder's backward in one dispatch, by workgroup range: the first
//                  ceil(C NB / WG) workgroups do the wte part, the rest (at least one) the wpe part:
//     wte          dwte[v,c] += sum over (b,t) with tokens[b,t] = v of dout[b,t,c]
//                  Scatter-add without float atomics: one invocation per (channel c, vocab bucket j)
//                  walks every position in order and adds the ones whose token v has v % NB == j.
//                  Each dwte element has exactly one writer, and positions are added in (b,t) order.
//     wpe          dwpe[t,c] += sum_b dout[b,t,c] (grid-stride over the wpe workgroups)
//
// Bindings: 0 params, 1 tokens, 2 dout, 3 dwte, 4 dwpe.

const WG: u32 = 64u;

struct Params {
  B: u32,
  T: u32,
  C: u32,
  NB: u32, // vocab buckets for backward_wte
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read_write> dwte: array<f32>;
@group(0) @binding(4) var<storage, read_write> dwpe: array<f32>;

fn backward_wte(i: u32) {
  if (i >= p.C * p.NB) {
    return;
  }
  let c = i % p.C;
  let j = i / p.C;
  let n = p.B * p.T;
  for (var bt = 0u; bt < n; bt++) {
    let tok = u32(tokens[bt]);
    if (tok % p.NB == j) {
      let k = tok * p.C + c;
      dwte[k] = dwte[k] + dout[bt * p.C + c];
    }
  }
}

/** Invocation `first` of `count` (grid stride). */
fn backward_wpe(first: u32, count: u32) {
  let n = p.T * p.C;
  for (var i = first; i < n; i += count) {
    let c = i % p.C;
    let t = i / p.C;
    var acc = dwpe[i];
    for (var b = 0u; b < p.B; b++) {
      acc += dout[(b * p.T + t) * p.C + c];
    }
    dwpe[i] = acc;
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let nwte = (p.C * p.NB + WG - 1u) / WG;
  if (wid.x < nwte) {
    backward_wte(wid.x * WG + lid.x);
  } else {
    backward_wpe((wid.x - nwte) * WG + lid.x, (nwg.x - nwte) * WG);
  }
}
