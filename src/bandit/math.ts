// Small vector helpers for the bandit lab. Plain number[] keeps everything serialisable for the UI
// (structured clone, JSON) at no real cost: K is tiny.

/** softmax(z) with the max subtracted, so large logits (θ grows during training) never overflow. */
export function softmax(z: readonly number[]): number[] {
  let m = -Infinity;
  for (const v of z) if (v > m) m = v;
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** z + a·s (the steered logits θ + α·s). */
export const axpy = (z: readonly number[], a: number, s: readonly number[]) => z.map((v, i) => v + a * s[i]);

export const dot = (a: readonly number[], b: readonly number[]) => a.reduce((acc, v, i) => acc + v * b[i], 0);

export const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));

/** Subtract the mean: softmax ignores constant shifts, so directions live in the centered subspace. */
export function center(a: readonly number[]): number[] {
  const m = a.reduce((x, y) => x + y, 0) / a.length;
  return a.map((v) => v - m);
}

/** a / ‖a‖; the zero vector stays zero (callers decide what a degenerate direction means). */
export function unit(a: readonly number[]): number[] {
  const n = norm(a);
  return n > 0 ? a.map((v) => v / n) : a.map(() => 0);
}

/** a − (a·b̂) b̂ for a unit b̂ (one Gram–Schmidt step). */
export function removeComponent(a: readonly number[], bHat: readonly number[]): number[] {
  const c = dot(a, bHat);
  return a.map((v, i) => v - c * bHat[i]);
}

/** Draw an index from a probability vector with one uniform number u ∈ [0, 1). */
export function sampleIndex(p: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < p.length; i++) {
    acc += p[i];
    if (u < acc) return i;
  }
  // Rounding can leave Σp slightly below 1: fall back to the last arm with mass.
  for (let i = p.length - 1; i >= 0; i--) if (p[i] > 0) return i;
  return p.length - 1;
}
