// Residual add.
//
//   residualForward: out [N] = inp1 [N] + inp2 [N]
//   No backward function: d out passes unchanged to both inputs, so the models keep one residual-gradient
//   buffer (g.dres); the branch's backward reads it as its output gradient and accumulates its input
//   gradient into it, which already holds the skip path's share (CpuModel.backward, as on the GPU).

export function residualForward(out: Float32Array, inp1: Float32Array, inp2: Float32Array, N: number): void {
  for (let i = 0; i < N; i++) out[i] = inp1[i] + inp2[i];
}
