// GELU, tanh approximation (GPT-2):  gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//
//   geluForward:  inp [N] -> out [N]
//   geluBackward: dout [N] -> dinp [N] +=  (recomputes from inp)

const S = Math.sqrt(2 / Math.PI);
const K = 0.044715;

/** tanh(u) = 1 - 2 / (exp(2u) + 1): one exp, faster than Math.tanh in V8; exact limits at +-Infinity. */
function tanh(u: number): number {
  return 1 - 2 / (Math.exp(2 * u) + 1);
}

export function geluForward(out: Float32Array, inp: Float32Array, N: number): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i];
    out[i] = 0.5 * x * (1 + tanh(S * (x + K * x * x * x)));
  }
}

export function geluBackward(dinp: Float32Array, inp: Float32Array, dout: Float32Array, N: number): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i];
    const u = S * (x + K * x * x * x);
    const th = tanh(u);
    const sech2 = 1 - th * th;
    const local = 0.5 * (1 + th) + 0.5 * x * sech2 * S * (1 + 3 * K * x * x);
    dinp[i] += local * dout[i];
  }
}
