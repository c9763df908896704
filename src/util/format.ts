// Numbers as people read them, one way everywhere (CLI messages, the UI, storage errors).

/** Bytes as people read them: 800 MB, 3.2 GB (decimal units). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  let x = n;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  if (i === 0) return `${n} B`;
  const digits = x >= 100 ? 0 : 1;
  return `${Number(x.toFixed(digits))} ${units[i]}`;
}
