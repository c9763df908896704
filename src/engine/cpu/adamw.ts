// AdamW (decoupled weight decay, bias-corrected) and the global gradient norm used for clipping.
//
//   globalNormSq: grads [N] -> sum of squares (float64). The caller takes sqrt over all tensors and
//                 derives gradScale = min(1, clipNorm / norm).
//   adamwUpdate:  param, m, v [N] updated in place from grad [N]:
//                 g = grad * gradScale
//                 m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//                 param -= lr * ( (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + eps) + weightDecay * param )
//                 step is 1-based.

type F = Float32Array;

export function globalNormSq(grads: F): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = grads.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = grads[i], b = grads[i + 1], c = grads[i + 2], d = grads[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < n; i++) s0 += grads[i] * grads[i];
  return s0 + s1 + s2 + s3;
}

export function adamwUpdate(
  param: F,
  grad: F,
  m: F,
  v: F,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  step: number,
  gradScale: number,
  N: number,
): void {
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < N; i++) {
    const g = grad[i] * gradScale;
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const p = param[i];
    param[i] = p - lr * (mi / bc1 / (Math.sqrt(vi / bc2) + eps) + weightDecay * p);
  }
}
