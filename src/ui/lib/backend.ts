// Telling a real GPU from a CPU emulator, and how speeds are written in the header.

/** SwiftShader, llvmpipe / lavapipe, Microsoft's Basic Render Driver: WebGPU drawn on the CPU. */
export function isSoftwareAdapter(adapter: string | undefined | null): boolean {
  return !!adapter && /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|microsoft basic/i.test(adapter);
}

/** A short name for the adapter ("SwiftShader", "NVIDIA …"), at most `max` characters. */
export function shortAdapter(adapter: string | undefined, max = 28): string {
  if (!adapter) return '';
  if (/swiftshader/i.test(adapter)) return 'SwiftShader (software)';
  if (/llvmpipe|lavapipe/i.test(adapter)) return 'llvmpipe (software)';
  const words = adapter.replace(/\s+/g, ' ').trim();
  return words.length > max ? words.slice(0, max - 1) + '…' : words;
}

/** 312 → "312 tok/s", 2 870 → "2.9k tok/s". */
export function formatRate(tokensPerSec: number | undefined): string {
  if (tokensPerSec === undefined || !Number.isFinite(tokensPerSec) || tokensPerSec <= 0) return '';
  if (tokensPerSec >= 1000) return `${(tokensPerSec / 1000).toFixed(tokensPerSec >= 10_000 ? 0 : 1)}k tok/s`;
  return `${Math.round(tokensPerSec)} tok/s`;
}

/** "CPU is 5× faster here" when the other backend is clearly faster (by 20 % or more). */
export function speedup(fast: number | undefined, slow: number | undefined): number | null {
  if (!fast || !slow || !(fast > 0) || !(slow > 0)) return null;
  const r = fast / slow;
  return r >= 1.2 ? r : null;
}
