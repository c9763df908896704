// Sampling one token from one row of logits (generation).
//
//   sampleToken: logits [V] (may be a subarray), temperature >= 0, topK >= 0, u uniform in [0,1) -> token id
//   temperature 0: argmax (the lowest index among ties); u is ignored.
//   topK 0 (or >= V): the full vocabulary; otherwise the topK largest logits (ties at the threshold go to
//   the lower indices), renormalised.
//   Otherwise p_v ∝ exp((l_v - max) / temperature) over the kept tokens, and the token is the first v (in
//   index order) whose cumulative mass exceeds u * total. Deterministic given u.

let sorted32 = new Float32Array(0);
let sorted64 = new Float64Array(0); // for float64 logits (gradient-check runs), so ties compare exactly

export function sampleToken(logits: Float32Array, temperature: number, topK: number, u: number): number {
  const V = logits.length;
  let maxv = -Infinity;
  let arg = 0;
  for (let v = 0; v < V; v++) {
    if (logits[v] > maxv) {
      maxv = logits[v];
      arg = v;
    }
  }
  if (!(temperature > 0)) return arg;
  // threshold for top-k: keep logits > thr, plus logits == thr up to `ties` of them (lowest indices first)
  let thr = -Infinity;
  let ties = Infinity;
  if (topK > 0 && topK < V) {
    let s: Float32Array | Float64Array;
    if ((logits as unknown) instanceof Float64Array) {
      if (sorted64.length < V) sorted64 = new Float64Array(V);
      s = sorted64.subarray(0, V);
    } else {
      if (sorted32.length < V) sorted32 = new Float32Array(V);
      s = sorted32.subarray(0, V);
    }
    s.set(logits);
    s.sort(); // ascending; NaN sorts last
    thr = s[V - topK];
    let above = 0;
    for (let v = 0; v < V; v++) if (logits[v] > thr) above++;
    ties = topK - above;
  }
  const invT = 1 / temperature;
  let total = 0;
  let seen = 0;
  for (let v = 0; v < V; v++) {
    const l = logits[v];
    if (l < thr) continue;
    if (l === thr && seen++ >= ties) continue;
    total += Math.exp((l - maxv) * invT);
  }
  const target = u * total;
  let cum = 0;
  let last = arg;
  seen = 0;
  for (let v = 0; v < V; v++) {
    const l = logits[v];
    if (l < thr) continue;
    if (l === thr && seen++ >= ties) continue;
    cum += Math.exp((l - maxv) * invT);
    last = v;
    if (cum > target) return v;
  }
  return last; // u * total rounded up to the total
}
