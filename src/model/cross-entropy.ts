// The supervised step's loss, one definition for the CPU and the GPU model: the mean cross-entropy over
// the positions that have a target (target -1 = none), and its gradient with respect to the log-probs.

/** dlogp of the mean cross-entropy: -1 / count where a target exists, else 0. Throws when there is none. */
export function crossEntropyGrad(targets: Int32Array): Float32Array {
  let count = 0;
  for (const t of targets) if (t >= 0) count++;
  if (count === 0) throw new RangeError('trainStep: no targets (every target is -1)');
  return Float32Array.from(targets, (t) => (t >= 0 ? -1 / count : 0));
}

/** -(mean of logp over the positions with a target), summed in double precision. */
export function meanCrossEntropy(logp: Float32Array, targets: Int32Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] >= 0) {
      sum += logp[i];
      count++;
    }
  }
  return -sum / count;
}
