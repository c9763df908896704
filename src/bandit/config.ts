// Settings for a bandit experiment, their defaults and their limits. One table serves the CLI (flags),
// a UI (slider ranges) and validation, so they cannot drift apart.
import type { Mode } from './simulator';
import type { Advantage, Importance } from './update';

export interface BanditSettings {
  arms: number;
  targets: number;
  baseRate: number;
  lambda: number;
  /** The knob x ∈ [−1, 1] (steering.ts). */
  alignment: number;
  /** Logit gain per unit α toward the target at x = 1. */
  strength: number;
  grid: number[];
  group: number;
  lr: number;
  tau: number;
  mode: Mode;
  advantage: Advantage;
  importance: Importance;
  isCap: number;
  seeds: number;
  /** First seed; run k uses seed + k. */
  seed: number;
  maxIterations: number;
}

export const DEFAULTS: BanditSettings = {
  arms: 10,
  targets: 2,
  baseRate: 1e-3,
  lambda: 1,
  alignment: 1,
  strength: 2,
  grid: [0, 1, 2, 4],
  group: 8,
  lr: 1,
  tau: 0.9,
  mode: 'sampled',
  advantage: 'group',
  importance: 'none',
  isCap: 1,
  seeds: 10,
  seed: 1,
  maxIterations: 50000,
};

/** Numeric limits: [min, max, integer?, open at min?]. */
export const LIMITS: Record<string, [number, number, boolean, boolean?]> = {
  arms: [3, 1000, true],
  targets: [1, 997, true],
  baseRate: [0, 0.5, false, true],
  lambda: [0, 100, false],
  alignment: [-1, 1, false],
  strength: [0, 100, false],
  group: [2, 4096, true],
  lr: [0, 1000, false, true],
  tau: [0, 1, false, true],
  isCap: [0, 1e6, false, true],
  seeds: [1, 1000, true],
  seed: [0, 2 ** 31, true],
  maxIterations: [1, 1e7, true],
};

/** The first problem with a settings object, naming the field, or null when it is valid. */
export function settingsError(s: BanditSettings): string | null {
  for (const [key, [lo, hi, int, openLo]] of Object.entries(LIMITS)) {
    const v = (s as unknown as Record<string, number>)[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${key} must be a number`;
    if (int && !Number.isInteger(v)) return `${key} must be an integer (got ${v})`;
    if (v > hi || (openLo ? v <= lo : v < lo)) return `${key} must be in ${openLo ? '(' : '['}${lo}, ${hi}] (got ${v})`;
  }
  if (s.targets > s.arms - 2) return `targets must be at most arms − 2 (got ${s.targets} of ${s.arms})`;
  if (s.tau >= 1) return `tau must be below 1 (got ${s.tau})`;
  if (s.baseRate >= s.tau) return `baseRate (${s.baseRate}) must be below tau (${s.tau})`;
  if (s.grid.length === 0 || s.grid.some((a) => !Number.isFinite(a) || Math.abs(a) > 64)) return 'grid must be a non-empty list of intensities in [−64, 64]';
  if (s.group < s.grid.length) return `group (${s.group}) must be at least the grid size (${s.grid.length}) so every intensity gets a slot`;
  if (!['sampled', 'exact'].includes(s.mode)) return `mode must be sampled or exact`;
  if (!['group', 'mean'].includes(s.advantage)) return `advantage must be group or mean`;
  if (!['none', 'truncated'].includes(s.importance)) return `importance must be none or truncated`;
  return null;
}
