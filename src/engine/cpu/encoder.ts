// Token + position embedding (DESIGN §2).
//
//   encoderForward:  out[B,T,C] = wte[tokens[b,t], :] + wpe[t, :]
//                    tokens: Int32Array [B,T], wte [V,C], wpe [Tmax,C] (T <= Tmax)
//   encoderForwardDecode (KV-cache step, encoder.wgsl forward_decode):
//                    out[B,C] = wte[tokens[b,pos], :] + wpe[pos, :]; tokens [B,TT] whole rows (pos < TT)
//   encoderBackward: dwte[V,C] += scatter-add of dout[B,T,C] by token id; dwpe[Tmax,C] += sum over b of dout
//
// Like every op in src/engine/cpu, arrays are typed Float32Array but the code is dtype-generic: the
// gradient-check tests run the same functions on Float64Array buffers.

export function encoderForward(
  out: Float32Array,
  tokens: Int32Array,
  wte: Float32Array,
  wpe: Float32Array,
  B: number,
  T: number,
  C: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const w = tokens[b * T + t] * C;
      const p = t * C;
      for (let i = 0; i < C; i++) out[o + i] = wte[w + i] + wpe[p + i];
    }
  }
}

export function encoderForwardDecode(
  out: Float32Array,
  tokens: Int32Array,
  wte: Float32Array,
  wpe: Float32Array,
  pos: number,
  B: number,
  TT: number,
  C: number,
): void {
  const p = pos * C;
  for (let b = 0; b < B; b++) {
    const o = b * C;
    const w = tokens[b * TT + pos] * C;
    for (let i = 0; i < C; i++) out[o + i] = wte[w + i] + wpe[p + i];
  }
}

export function encoderBackward(
  dwte: Float32Array,
  dwpe: Float32Array,
  dout: Float32Array,
  tokens: Int32Array,
  B: number,
  T: number,
  C: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const w = tokens[b * T + t] * C;
      const p = t * C;
      for (let i = 0; i < C; i++) {
        const d = dout[o + i];
        dwte[w + i] += d;
        dwpe[p + i] += d;
      }
    }
  }
}
