// Token log-probabilities and entropy from logits, via a numerically stable log-softmax.
//
//   logprobForward:  logits [N,V], targets: Int32Array [N] (-1 = no target)
//                    -> logp [N] = log softmax(logits[n])[targets[n]] (0 where target == -1)
//                       entropy [N] = -sum_v p_v log p_v of softmax(logits[n]) in nats (every row)
//   logprobBackward: dlogp [N] -> dlogits [N,V] += dlogp[n] * (onehot(targets[n]) - softmax(logits[n]))
//                    rows with target == -1 (or dlogp == 0) contribute nothing.
//
// Cross-entropy is -logp; SFT uses dlogp = -1/Nvalid.

type F = Float32Array;

export function logprobForward(logp: F, entropy: F, logits: F, targets: Int32Array, N: number, V: number): void {
  for (let n = 0; n < N; n++) {
    const r = n * V;
    let maxv = -Infinity;
    for (let v = 0; v < V; v++) if (logits[r + v] > maxv) maxv = logits[r + v];
    let sum = 0;
    let wsum = 0; // sum_v e_v * (l_v - max)
    for (let v = 0; v < V; v++) {
      const z = logits[r + v] - maxv;
      const e = Math.exp(z);
      sum += e;
      wsum += e * z;
    }
    const logZ = Math.log(sum); // log sum exp(l - max)
    // H = logZ - E_p[l - max]
    entropy[n] = logZ - wsum / sum;
    const tgt = targets[n];
    logp[n] = tgt < 0 ? 0 : logits[r + tgt] - maxv - logZ;
  }
}

export function logprobBackward(dlogits: F, dlogp: F, logits: F, targets: Int32Array, N: number, V: number): void {
  for (let n = 0; n < N; n++) {
    const tgt = targets[n];
    const d = dlogp[n];
    if (tgt < 0 || d === 0) continue;
    const r = n * V;
    let maxv = -Infinity;
    for (let v = 0; v < V; v++) if (logits[r + v] > maxv) maxv = logits[r + v];
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[r + v] - maxv);
    const inv = 1 / sum;
    for (let v = 0; v < V; v++) dlogits[r + v] -= d * Math.exp(logits[r + v] - maxv) * inv;
    dlogits[r + tgt] += d;
  }
}
