// The dose-response sweep's intensities.

/** The swept intensities: the grid asked for, plus the loaded vector's recommended dose (so the curve shows it), sorted, once each. */
export function sweepAlphasOf(grid: number[], vectorAlpha: number | undefined): number[] {
  const all = vectorAlpha !== undefined && Number.isFinite(vectorAlpha) ? [...grid, vectorAlpha] : [...grid];
  return [...new Set(all.map((a) => Math.round(a * 1000) / 1000))].sort((a, b) => a - b);
}
