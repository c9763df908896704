// A steering vector as stored in a checkpoint (`steering.<behavior>` tensor + this metadata) — DESIGN §3, §6.
import type { Behavior, Split } from '../data/types';

export const EXTRACTION_MODES = ['caa-response', 'caa-decision', 'unembed', 'random'] as const;
export type ExtractionMode = (typeof EXTRACTION_MODES)[number];

export const WINDOW_MODES = ['decision', 'response', 'all'] as const;
export type WindowMode = (typeof WINDOW_MODES)[number];

export interface SteeringVectorMeta {
  behavior: Behavior;
  mode: ExtractionMode;
  pca: boolean; // first principal component of the differences instead of their mean
  layer: number; // added to the residual stream after this block (0-based)
  window: WindowMode;
  norm: number; // ||v||
  relativeScale: number; // ||v|| / mean residual norm at that layer over the contrast data
  pairs: number; // contrast pairs (or prompts) it was averaged over
  /** Recommended from the measured dose-response: VSPO's intensity grid and the `steer` baseline's dose. */
  grid?: number[];
  alpha?: number;
  /** The held-out split whose sweep chose grid and alpha (validation; results are reported on test). */
  doseSplit?: Split;
  /** The trainer budget measured on this checkpoint (steps, learning rate): the default for every method. */
  steps?: number;
  lr?: number;
}

export interface SteeringVector {
  vector: Float32Array; // [C]
  meta: SteeringVectorMeta;
}

/** What a stored vector's metadata is checked against: its name (the `steering.<behavior>` key) and the model. */
export interface SteeringCheckContext {
  behavior: string;
  nLayers: number;
  dModel: number;
}

/** Longest recommended intensity grid accepted in metadata. */
export const MAX_GRID_LENGTH = 256;
const DOSE_SPLITS = ['validation', 'test'] as const;

/**
 * The first problem with a stored steering vector (its metadata and, when given, its [C] values), as one
 * line naming the vector, the field, the value and what is allowed; null when it is valid. Every field a
 * consumer reads is checked, so an unknown window cannot silently steer every position and a layer that is
 * out of range or a string cannot reach the model. Unknown extra fields are kept (forward compatibility).
 */
export function steeringMetaError(meta: unknown, ctx: SteeringCheckContext, vector?: ArrayLike<number>): string | null {
  const at = `steering "${ctx.behavior}"`;
  const show = (v: unknown) => {
    const t = v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(v));
    return t.length > 60 ? t.slice(0, 57) + '...' : t;
  };
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return `${at}: metadata must be a JSON object (got ${show(meta)})`;
  const m = meta as Record<string, unknown>;
  const get = (k: string) => (Object.hasOwn(m, k) ? m[k] : undefined);
  const has = (k: string) => Object.hasOwn(m, k);
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

  const behavior = get('behavior');
  if (behavior !== ctx.behavior) return `${at}: behavior must be "${ctx.behavior}", the name the vector is stored under (got ${show(behavior)})`;
  const mode = get('mode');
  if (typeof mode !== 'string' || !(EXTRACTION_MODES as readonly string[]).includes(mode)) {
    return `${at}: mode must be one of ${EXTRACTION_MODES.join(', ')} (got ${show(mode)})`;
  }
  const layer = get('layer');
  if (typeof layer !== 'number' || !Number.isInteger(layer) || layer < 0 || layer >= ctx.nLayers) {
    return `${at}: layer must be an integer in [0, ${ctx.nLayers}) for this ${ctx.nLayers}-layer model (got ${show(layer)})`;
  }
  const window = get('window');
  if (typeof window !== 'string' || !(WINDOW_MODES as readonly string[]).includes(window)) {
    return `${at}: window must be one of ${WINDOW_MODES.join(', ')} (got ${show(window)})`;
  }
  if (typeof get('pca') !== 'boolean') return `${at}: pca must be true or false (got ${show(get('pca'))})`;
  for (const k of ['norm', 'relativeScale']) {
    const v = get(k);
    if (!finite(v) || v < 0) return `${at}: ${k} must be a finite number >= 0 (got ${show(v)})`;
  }
  const pairs = get('pairs');
  if (typeof pairs !== 'number' || !Number.isSafeInteger(pairs) || pairs < 0) return `${at}: pairs must be a non-negative integer (got ${show(pairs)})`;
  if (has('grid')) {
    const grid = get('grid');
    if (!Array.isArray(grid) || grid.length === 0 || grid.length > MAX_GRID_LENGTH || !grid.every(finite)) {
      return `${at}: grid must be a list of 1 to ${MAX_GRID_LENGTH} finite numbers (got ${show(grid)})`;
    }
  }
  if (has('alpha') && !finite(get('alpha'))) return `${at}: alpha must be a finite number (got ${show(get('alpha'))})`;
  if (has('doseSplit') && !(DOSE_SPLITS as readonly unknown[]).includes(get('doseSplit'))) {
    return `${at}: doseSplit must be one of ${DOSE_SPLITS.join(', ')} (got ${show(get('doseSplit'))})`;
  }
  if (has('steps')) {
    const steps = get('steps');
    if (typeof steps !== 'number' || !Number.isSafeInteger(steps) || steps < 1) return `${at}: steps must be a positive integer (got ${show(steps)})`;
  }
  if (has('lr')) {
    const lr = get('lr');
    if (!finite(lr) || lr <= 0) return `${at}: lr must be a finite number > 0 (got ${show(lr)})`;
  }
  if (vector !== undefined) {
    if (vector.length !== ctx.dModel) return `${at}: the vector has ${vector.length} values, expected dModel = ${ctx.dModel}`;
    for (let i = 0; i < vector.length; i++) {
      const x = vector[i];
      if (x - x !== 0) return `${at}: the vector contains ${Number.isNaN(x) ? 'NaN' : 'Inf'} (at index ${i})`;
    }
  }
  return null;
}

/** steeringMetaError as a guard: throws a plain Error with its line (callers map it), else returns the typed metadata. */
export function validateSteeringMeta(meta: unknown, ctx: SteeringCheckContext, vector?: ArrayLike<number>): SteeringVectorMeta {
  const err = steeringMetaError(meta, ctx, vector);
  if (err) throw new Error(err);
  return meta as SteeringVectorMeta;
}
