// The steering hook (DESIGN §3): h[b, t, :] += alpha[b] * vector for start[b] <= t < end[b], in place.
// Positions with alpha[b] == 0 or outside the window are not written at all, so alpha = 0 is bit-for-bit
// the unsteered pass. The backward is the identity (the hook adds a constant), so there is no kernel.
//
// Shapes: h [B, T, C] (forward) or [B, C] (forward_decode, position t = state[0]); vector [C];
//         alpha [B] f32; start, end [B] i32.
//
// Bindings: 0 params, 1 h, 2 vector, 3 alpha, 4 start, 5 end, 6 state.

const WG: u32 = 256u;

struct Params {
  B: u32,
  T: u32,
  C: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> h: array<f32>;
@group(0) @binding(2) var<storage, read> vector: array<f32>;
@group(0) @binding(3) var<storage, read> alpha: array<f32>;
@group(0) @binding(4) var<storage, read> start: array<i32>;
@group(0) @binding(5) var<storage, read> end: array<i32>;
@group(0) @binding(6) var<storage, read> state: array<u32>;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = p.B * p.T * p.C;
  for (var i = gid.x; i < n; i += nwg.x * WG) {
    let c = i % p.C;
    let bt = i / p.C;
    let t = i32(bt % p.T);
    let b = bt / p.T;
    let a = alpha[b];
    if (a != 0.0 && t >= start[b] && t < end[b]) {
      h[i] = h[i] + a * vector[c];
    }
  }
}

@compute @workgroup_size(WG)
fn forward_decode(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(state[0]);
  let n = p.B * p.C;
  for (var i = gid.x; i < n; i += nwg.x * WG) {
    let c = i % p.C;
    let b = i / p.C;
    let a = alpha[b];
    if (a != 0.0 && t >= start[b] && t < end[b]) {
      h[i] = h[i] + a * vector[c];
    }
  }
}
