// Round axis ticks: steps of 1, 2, 2.5 or 5 × 10^k, so an axis reads 0, 0.25, 0.5 … and never −0.055,
// 0.24, 0.54 (what an auto domain padded around the data gives). Pure, so the charts and tests share it.

export interface NiceScale {
  domain: [number, number];
  ticks: number[];
  /** Decimals that show every tick exactly (0.25 → 2). */
  decimals: number;
}

const MANTISSAS = [1, 2, 2.5, 5, 10];

/** Decimals needed to write `step` (and so every multiple of it) exactly. */
export function decimalsOf(step: number): number {
  for (let d = 0; d <= 8; d++) {
    const s = step * 10 ** d;
    if (Math.abs(s - Math.round(s)) < 1e-7 * Math.max(1, Math.abs(s))) return d;
  }
  return 8;
}

/** A round step so that [lo, hi] takes about `count` intervals. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  return (MANTISSAS.find((m) => m * p >= raw - 1e-12) ?? 10) * p;
}

/**
 * The round domain that covers [min, max] and its ticks. A fixed domain (e.g. a score's [0, 1]) keeps
 * its ends and only gets round ticks inside. `integer` (training steps) never steps below 1.
 */
export function niceScale(min: number, max: number, o: { count?: number; fixed?: [number, number]; integer?: boolean } = {}): NiceScale {
  const count = o.count ?? 5;
  if (o.fixed) {
    const [lo, hi] = o.fixed;
    let step = niceStep(hi - lo, count);
    if (o.integer) step = Math.max(1, Math.round(step));
    const ticks = ticksIn(lo, hi, step);
    return { domain: [lo, hi], ticks, decimals: decimalsOf(step) };
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], decimals: 2 };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
    if (o.integer) {
      min = Math.floor(min);
      max = Math.ceil(max);
    }
  }
  let step = niceStep(max - min, count);
  if (o.integer) step = Math.max(1, Math.round(step));
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  return { domain: [clean(lo), clean(hi)], ticks: ticksIn(lo, hi, step), decimals: decimalsOf(step) };
}

function ticksIn(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  for (let v = first; v <= hi + step * 1e-9 && out.length < 100; v += step) out.push(clean(v));
  return out;
}

const clean = (v: number) => {
  const r = Number(v.toPrecision(12));
  return Object.is(r, -0) ? 0 : r;
};

/** A tick label with the scale's decimals; large values in k / M. */
export function formatTick(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return v.toFixed(Math.min(decimals, 6));
}

/** The [min, max] of the finite numbers (and [lo, hi] pairs) under `keys` in `rows`. */
export function extent(rows: Record<string, unknown>[], keys: string[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const r of rows)
    for (const k of keys) {
      const v = r[k];
      const vals = Array.isArray(v) ? v : [v];
      for (const x of vals)
        if (typeof x === 'number' && Number.isFinite(x)) {
          if (x < min) min = x;
          if (x > max) max = x;
        }
    }
  return [min, max];
}
