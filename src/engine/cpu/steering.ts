// The steering hook (DESIGN §3), applied in place to the residual stream after block `layer`.
//
//   steeringForward: h [B,T,C] (in place), vector [C], alpha [B], start/end: Int32Array [B]
//                    h[b,t,:] += alpha[b] * vector   for start[b] <= t < end[b]
//   Sequences with alpha[b] == 0 are skipped entirely, so alpha = 0 is bit-for-bit the unsteered pass
//   (adding 0 * v could still turn -0 into +0 or touch NaN/Inf; skipping cannot).
//
//   Backward with respect to h is the identity (h_out = h_in + const), so the gradient flows through
//   unchanged; steeringBackward is a documented no-op kept for symmetry with the GPU twin.
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

/** Identity: d(h + alpha v)/dh = I, so dh passes through unchanged. Nothing to do. */
export function steeringBackward(): void {}
