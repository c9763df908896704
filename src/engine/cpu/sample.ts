// Sampling one token from one row of logits (generation), and the log-prob of the sampled token under
// the distribution it was actually drawn from.
//
//   sampleWithLogprob: logits [V] (may be a subarray), temperature >= 0, topK >= 0, u uniform in [0,1)
//                      -> { token, logprob }
//   sampleToken:       the token of sampleWithLogprob()
//   sampleLogprob:     the logprob sampleWithLogprob() reports, for a given token (-Infinity if not kept)
//
//   temperature 0: argmax (the lowest index among ties); u is ignored; logprob 0 (greedy is a point mass).
//   topK 0 (or >= V): the full vocabulary; otherwise the topK largest logits (ties at the threshold go to
//   the lower indices), renormalised.
//   Otherwise p_v ∝ exp((l_v - max) / temperature) over the kept tokens, and the token is the first v (in
//   index order) whose cumulative mass exceeds u * total. Deterministic given u.
//   logprob = (l_tok - max) / temperature - log(total), total = sum over the kept tokens of
//   exp((l_v - max) / temperature): log p of the token under that renormalised, tempered distribution.

let sorted32 = new Float32Array(0);
let sorted64 = new Float64Array(0); // for float64 logits (gradient-check runs), so ties compare exactly

export interface SampledToken {
  token: number;
  logprob: number;
}

interface Kept {
  maxv: number;
  arg: number;
  thr: number; // keep logits > thr, plus logits === thr up to `ties` of them (lowest indices first)
  ties: number;
  invT: number;
  total: number; // sum over the kept tokens of exp((l - max) * invT)
}

function argmax(logits: Float32Array): { maxv: number; arg: number } {
  let maxv = -Infinity;
  let arg = 0;
  for (let v = 0; v < logits.length; v++) {
    if (logits[v] > maxv) {
      maxv = logits[v];
      arg = v;
    }
  }
  return { maxv, arg };
}

/** The kept set and its tempered mass; temperature must be > 0. */
function keptSet(logits: Float32Array, temperature: number, topK: number, maxv: number, arg: number): Kept {
  const V = logits.length;
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
  return { maxv, arg, thr, ties, invT, total };
}

export function sampleWithLogprob(logits: Float32Array, temperature: number, topK: number, u: number): SampledToken {
  const { maxv, arg } = argmax(logits);
  if (!(temperature > 0)) return { token: arg, logprob: 0 };
  const k = keptSet(logits, temperature, topK, maxv, arg);
  const { thr, ties, invT, total } = k;
  const logZ = Math.log(total);
  const target = u * total;
  let cum = 0;
  let last = arg;
  let seen = 0;
  for (let v = 0; v < logits.length; v++) {
    const l = logits[v];
    if (l < thr) continue;
    if (l === thr && seen++ >= ties) continue;
    cum += Math.exp((l - maxv) * invT);
    last = v;
    if (cum > target) return { token: v, logprob: (l - maxv) * invT - logZ };
  }
  // u * total rounded up to the total
  return { token: last, logprob: (logits[last] - maxv) * invT - logZ };
}

export function sampleToken(logits: Float32Array, temperature: number, topK: number, u: number): number {
  return sampleWithLogprob(logits, temperature, topK, u).token;
}

/** log p of `token` under the distribution sampleWithLogprob() draws from (0 for the greedy argmax, -Infinity if not kept). */
export function sampleLogprob(logits: Float32Array, temperature: number, topK: number, token: number): number {
  const { maxv, arg } = argmax(logits);
  if (!(temperature > 0)) return token === arg ? 0 : -Infinity;
  const { thr, ties, invT, total } = keptSet(logits, temperature, topK, maxv, arg);
  const l = logits[token];
  if (l < thr) return -Infinity;
  if (l === thr) {
    let seen = 0;
    for (let v = 0; v < token; v++) if (logits[v] === thr) seen++;
    if (seen >= ties) return -Infinity;
  }
  return (l - maxv) * invT - Math.log(total);
}
