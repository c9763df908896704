// The steering hook (DESIGN §3), applied in place to the residual stream after block `layer`.
//
//   steeringForward: h [B,T,C] (in place), vector [C], alpha [B], start/end: Int32Array [B]
//                    h[b,t,:] += alpha[b] * vector   for start[b] <= t < end[b]
//   steeringForwardDecode (KV-cache step, steering.wgsl forward_decode): the same hook on h [B,C], the
//                    one position t = pos being decoded
//   Sequences with alpha[b] == 0 are skipped entirely, so alpha = 0 is bit-for-bit the unsteered pass
//   (adding 0 * v could still turn -0 into +0 or touch NaN/Inf; skipping cannot).
//
//   Backward with respect to h is the identity (h_out = h_in + const), so the gradient flows through
//   unchanged and there is no backward function (the models pass d h straight on, as the GPU does).
//   The vector and alpha are not trained, so no gradient is produced for them.

export function steeringForward(
  h: Float32Array,
  vector: Float32Array,
  alpha: Float32Array,
  start: Int32Array,
  end: Int32Array,
  B: number,
  T: number,
  C: number,
): void {
  for (let b = 0; b < B; b++) {
    const a = alpha[b];
    if (a === 0) continue;
    const t0 = Math.max(0, start[b]);
    const t1 = Math.min(T, end[b]);
    for (let t = t0; t < t1; t++) {
      const o = (b * T + t) * C;
      for (let i = 0; i < C; i++) h[o + i] += a * vector[i];
    }
  }
}

export function steeringForwardDecode(
  h: Float32Array,
  vector: Float32Array,
  alpha: Float32Array,
  start: Int32Array,
  end: Int32Array,
  pos: number,
  B: number,
  C: number,
): void {
  for (let b = 0; b < B; b++) {
    const a = alpha[b];
    if (a === 0 || pos < start[b] || pos >= end[b]) continue;
    const o = b * C;
    for (let i = 0; i < C; i++) h[o + i] += a * vector[i];
  }
}
