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
