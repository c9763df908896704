// Causal multi-head self-attention (GPT-2), scale 1/sqrt(hs), hs = C / NH.
//
//   attentionForward:  qkv [B,T,3C] (q | k | v, head h at columns h*hs .. h*hs+hs of each third)
//                      -> out [B,T,C], att [B,NH,T,T] = post-softmax weights (zeros above the diagonal)
//   attentionForwardDecode: one KV-cache step: q of qkv [B,3C] against kCache, vCache [B,cap,C] at
//                      positions 0..pos -> out [B,C] (att: pos+1 floats of scratch)
//   attentionBackward: dout [B,T,C] -> dqkv [B,T,3C] +=   (uses qkv and the saved att)
//
// attentionRow is the per-(query, head) kernel shared with the KV-cache decode in the CPU model, so the
// cached and the full pass compute bit-identical results.

type F = Float32Array;

let acc64 = new Float64Array(0);
let datt64 = new Float64Array(0);

/**
 * One query row of one head: softmax(q . k_j * scale) over keys j = 0..n-1, then the weighted sum of v_j.
 * q = qBuf[qOff .. qOff+hs); k_j = kBuf[kOff + j*kStride ..], v_j = vBuf[vOff + j*vStride ..].
 * Writes the n weights to att[attOff .. attOff+n) and the result to out[outOff .. outOff+hs).
 */
export function attentionRow(
  out: F,
  outOff: number,
  att: F,
  attOff: number,
  qBuf: F,
  qOff: number,
  kBuf: F,
  kOff: number,
  kStride: number,
  vBuf: F,
  vOff: number,
  vStride: number,
  n: number,
  hs: number,
  scale: number,
): void {
  for (let j = 0; j < n; j++) {
    const k = kOff + j * kStride;
    let dot = 0;
    for (let i = 0; i < hs; i++) dot += qBuf[qOff + i] * kBuf[k + i];
    att[attOff + j] = dot * scale;
  }
  // the scores are rounded to the buffer's precision; use the stored values from here on
  let maxv = -Infinity;
  for (let j = 0; j < n; j++) if (att[attOff + j] > maxv) maxv = att[attOff + j];
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp(att[attOff + j] - maxv);
    sum += e;
    att[attOff + j] = e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < n; j++) att[attOff + j] *= inv;
  if (acc64.length < hs) acc64 = new Float64Array(hs);
  const acc = acc64;
  for (let i = 0; i < hs; i++) acc[i] = 0;
  for (let j = 0; j < n; j++) {
    const a = att[attOff + j];
    const v = vOff + j * vStride;
    for (let i = 0; i < hs; i++) acc[i] += a * vBuf[v + i];
  }
  for (let i = 0; i < hs; i++) out[outOff + i] = acc[i];
}

export function attentionForward(out: F, att: F, qkv: F, B: number, T: number, C: number, NH: number): void {
  const hs = C / NH;
  const C3 = 3 * C;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    const base = b * T * C3;
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const attOff = ((b * NH + h) * T + t) * T;
        attentionRow(
          out,
          (b * T + t) * C + h * hs,
          att,
          attOff,
          qkv,
          base + t * C3 + h * hs,
          qkv,
          base + C + h * hs,
          C3,
          qkv,
          base + 2 * C + h * hs,
          C3,
          t + 1,
          hs,
          scale,
        );
        for (let j = t + 1; j < T; j++) att[attOff + j] = 0;
      }
    }
  }
}

export function attentionForwardDecode(
  out: F,
  att: F,
  qkv: F,
  kCache: F,
  vCache: F,
  B: number,
  cap: number,
  pos: number,
  C: number,
  NH: number,
): void {
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    const cacheBase = b * cap * C;
    for (let h = 0; h < NH; h++) {
      const off = h * hs;
      attentionRow(out, b * C + off, att, 0, qkv, b * 3 * C + off, kCache, cacheBase + off, C, vCache, cacheBase + off, C, pos + 1, hs, scale);
    }
  }
}

export function attentionBackward(dqkv: F, dout: F, qkv: F, att: F, B: number, T: number, C: number, NH: number): void {
  const hs = C / NH;
  const C3 = 3 * C;
  const scale = 1 / Math.sqrt(hs);
  if (datt64.length < T) datt64 = new Float64Array(T);
  const datt = datt64;
  for (let b = 0; b < B; b++) {
    const base = b * T * C3;
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const attOff = ((b * NH + h) * T + t) * T;
        const dOut = (b * T + t) * C + h * hs;
        const q = base + t * C3 + h * hs;
        // out = sum_j att_j v_j  ->  datt_j = dout . v_j,  dv_j += att_j dout
        let dot = 0; // sum_j att_j datt_j (softmax backward)
        for (let j = 0; j <= t; j++) {
          const v = base + j * C3 + 2 * C + h * hs;
          const a = att[attOff + j];
          let s = 0;
          for (let i = 0; i < hs; i++) {
            const d = dout[dOut + i];
            s += d * qkv[v + i];
            dqkv[v + i] += a * d;
          }
          datt[j] = s;
          dot += a * s;
        }
        // softmax: dscore_j = att_j (datt_j - sum_l att_l datt_l); score_j = scale q . k_j
        for (let j = 0; j <= t; j++) {
          const ds = att[attOff + j] * (datt[j] - dot) * scale;
          if (ds === 0) continue;
          const k = base + j * C3 + C + h * hs;
          for (let i = 0; i < hs; i++) {
            dqkv[q + i] += ds * qkv[k + i];
            dqkv[k + i] += ds * qkv[q + i];
          }
        }
      }
    }
  }
}
