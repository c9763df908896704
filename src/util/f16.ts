// f16 rounding on the CPU: the values an f16 copy of the weights holds exactly (Tuning.f16Weights,
// DESIGN §2). The GPU's conversion may round either way and flush subnormals (WGSL allows both), so
// exact comparisons use values that are already f16 normal numbers.

/** x rounded to the nearest f16 normal number (ties to even), 0 below f16's normal range, clamped to ±65504. */
export function roundToF16Normal(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -14) return 0;
  if (a > 65504) return Math.sign(x) * 65504;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const q = a / 2 ** (e - 10); // in [1024, 2048): the 11 significant bits and the fraction to round
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 === 1) r--; // a tie: Math.round went up to an odd significand
  return Math.sign(x) * r * 2 ** (e - 10);
}
