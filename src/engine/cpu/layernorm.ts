// LayerNorm over the last dimension, eps 1e-5 (GPT-2).
//
//   layernormForward:  inp [N,C], weight [C], bias [C] -> out [N,C], mean [N], rstd [N]
//                      out = (inp - mean) * rstd * weight + bias,  rstd = 1 / sqrt(var + eps)
//   layernormBackward: dout [N,C] -> dinp [N,C] += , dweight [C] += , dbias [C] +=
//                      (uses the mean and rstd saved by the forward pass)

/** GPT-2's eps; the GPU launchers (kernels.ts) pass this same constant to layernorm.wgsl. */
export const LAYERNORM_EPS = 1e-5;

export function layernormForward(
  out: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    let m = 0;
    for (let i = 0; i < C; i++) m += inp[x + i];
    m /= C;
    let v = 0;
    for (let i = 0; i < C; i++) {
      const d = inp[x + i] - m;
      v += d * d;
    }
    v /= C;
    const s = 1 / Math.sqrt(v + LAYERNORM_EPS);
    for (let i = 0; i < C; i++) out[x + i] = (inp[x + i] - m) * s * weight[i] + bias[i];
    mean[n] = m;
    rstd[n] = s;
  }
}

export function layernormBackward(
  dinp: Float32Array,
  dweight: Float32Array,
  dbias: Float32Array,
  dout: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    const m = mean[n];
    const s = rstd[n];
    // two reductions: mean(weight * dout) and mean(weight * dout * norm)
    let dnormMean = 0;
    let dnormNormMean = 0;
    for (let i = 0; i < C; i++) {
      const norm = (inp[x + i] - m) * s;
      const dnorm = weight[i] * dout[x + i];
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let i = 0; i < C; i++) {
      const d = dout[x + i];
      const norm = (inp[x + i] - m) * s;
      const dnorm = weight[i] * d;
      dbias[i] += d;
      dweight[i] += norm * d;
      dinp[x + i] += (dnorm - dnormMean - norm * dnormNormMean) * s;
    }
  }
}
