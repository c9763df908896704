// Residual add.
//
//   residualForward:  out [N] = inp1 [N] + inp2 [N]
//   residualBackward: dinp1 [N] += dout, dinp2 [N] += dout

export function residualForward(out: Float32Array, inp1: Float32Array, inp2: Float32Array, N: number): void {
  for (let i = 0; i < N; i++) out[i] = inp1[i] + inp2[i];
}

export function residualBackward(dinp1: Float32Array, dinp2: Float32Array, dout: Float32Array, N: number): void {
  for (let i = 0; i < N; i++) {
    const d = dout[i];
    dinp1[i] += d;
    dinp2[i] += d;
  }
}
