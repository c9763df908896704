// Messages between the Bandit page's store and its worker (bandit.worker.ts), and the pure helpers
// both sides share. The worker runs the same src/bandit code as the CLI; the page only draws.
import type { BanditSettings, Comparison, SweepSummary } from '../../../bandit';

export type BanditRequest =
  /** The curve: GRPO once per seed, then VSPO per seed at every alignment (the order of `sweep`). */
  | { kind: 'sweep'; settings: BanditSettings; alignments: number[] }
  /** One VSPO run and one GRPO run (seed k = 0) at the settings, per-arm masses over iterations. */
  | { kind: 'trace'; settings: BanditSettings; maxPoints: number };

export interface TracePoint {
  iteration: number;
  probs: number[];
  targetMass: number;
}

export interface Trace {
  points: TracePoint[];
  /** Iterations the run took (to τ, or the cap). */
  iterations: number;
  censored: boolean;
}

export type BanditReply =
  | { kind: 'progress'; done: number; total: number; label: string }
  | { kind: 'row'; row: Comparison }
  | { kind: 'sweep-done'; summary: SweepSummary }
  | { kind: 'trace-done'; vspo: Trace; grpo: Trace }
  | { kind: 'error'; message: string };

/** `n` alignments evenly spaced over [−1, 1], rounded to 2 decimals (odd n includes x = 0). */
export function alignmentsOf(n: number): number[] {
  if (n <= 1) return [1];
  return Array.from({ length: n }, (_, i) => Math.round((-1 + (2 * i) / (n - 1)) * 100) / 100);
}

/** At most `max` points, evenly spaced in iteration, always keeping the first and the last. */
export function downsample<T>(points: T[], max: number): T[] {
  if (points.length <= max || max < 2) return points;
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}

/** Parses "0, 1, 2, 4" (commas and/or spaces) into numbers, or says what is wrong with it. */
export function parseGrid(text: string): { grid: number[] } | { error: string } {
  const parts = text
    .split(/[\s,;]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length) return { error: 'Intensity grid: give at least one intensity, e.g. 0, 1, 2, 4' };
  const grid: number[] = [];
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isFinite(v)) return { error: `Intensity grid: “${p}” is not a number` };
    if (Math.abs(v) > 64) return { error: `Intensity grid: ${v} is outside [−64, 64]` };
    grid.push(v);
  }
  if (grid.length > 16) return { error: `Intensity grid: at most 16 intensities (got ${grid.length})` };
  return { grid };
}
