// The Vector lab's pure half: the sweep's intensities as typed, the layer an extraction uses, and the
// dose-response chart's rows (the candidate and the random control on one α axis, each behavior point
// with its 95% interval). The dose rule itself is lib/dose.ts.
import type { Row } from '../components/charts';
import { decodeValue } from './hash';
import type { SweepPointCI } from '../worker/types';

export interface VectorCurves {
  candidate: SweepPointCI[];
  random: SweepPointCI[];
  /** What they were measured with. */
  alphas: number[];
  samples: number;
  seed: number;
  randomSeed: number;
}

export const LAB_DEFAULT_ALPHAS = '0,1,2,3,4,6';

/** The sweep's intensities from the text (null when it does not parse: 1 to 32 finite numbers). */
export function parseAlphas(text: string): number[] | null {
  const v = decodeValue(text.trim(), [] as number[]);
  if (!Array.isArray(v) || v.length < 1 || v.length > 32 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  return [...new Set(v.map((x) => Math.round(x * 1000) / 1000))].sort((a, b) => a - b);
}

/** The layer an extraction uses: the one asked for, else the loaded vector's, else the middle block. */
export function effectiveLayer(layer: number | null, nLayers: number, vectorLayer: number | undefined): number {
  if (layer !== null && layer >= 0 && layer < nLayers) return layer;
  if (vectorLayer !== undefined && vectorLayer >= 0 && vectorLayer < nLayers) return vectorLayer;
  return Math.floor((nLayers - 1) / 2);
}

/** The chart's rows: per α, each vector's behavior (with its 95% interval) and accuracy. */
export function labRows(c: VectorCurves): Row[] {
  const byAlpha = new Map<number, Row>();
  const put = (which: 'cand' | 'rand', pts: VectorCurves['candidate']) => {
    for (const p of pts) {
      const row = byAlpha.get(p.alpha) ?? byAlpha.set(p.alpha, { x: p.alpha }).get(p.alpha)!;
      row[`${which}_beh`] = p.behavior;
      row[`${which}_ci`] = [p.behaviorCI[0], p.behaviorCI[1]];
      row[`${which}_acc`] = p.accuracy;
    }
  };
  put('cand', c.candidate);
  put('rand', c.random);
  return [...byAlpha.values()].sort((a, b) => (a.x as number) - (b.x as number));
}
