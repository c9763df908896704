// Which attention kernels a tuning runs for a given head size, and what they keep between the forward
// and the backward: the one place both the kernels (kernels.ts) and the memory check (model/gpu-layout.ts)
// read it from. No device code here, so the app's main chunk can import it without the engine.
import type { Tuning } from './launch';

/** The largest head (C / NH) the tiled and flash kernels take (HS_MAX in their WGSL). */
export const ATTENTION_HS_MAX = 64;

/** The attention kernels a tuning gets for heads of C / NH: wider heads than ATTENTION_HS_MAX take 'rows'. */
export function attentionKind(tuning: Pick<Tuning, 'attention'>, C: number, NH: number): Tuning['attention'] {
  return C / NH <= ATTENTION_HS_MAX ? tuning.attention : 'rows';
}

/**
 * Floats of what the forward keeps for the backward (`att`) and of the backward's scratch (`dpre`), per
 * layer: the softmax weights [B,NH,T,T] and their gradient, or, for the flash kernels, each query row's
 * softmax max and inverse sum [B,NH,T,2] and no scratch (shaders/attention_flash.wgsl).
 */
export function attentionStateFloats(tuning: Pick<Tuning, 'attention'>, B: number, T: number, C: number, NH: number): { att: number; dpre: number } {
  if (attentionKind(tuning, C, NH) === 'flash') return { att: B * NH * T * 2, dpre: 0 };
  return { att: B * NH * T * T, dpre: B * NH * T * T };
}
