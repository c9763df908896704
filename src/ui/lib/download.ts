// Saves bytes or text as a file through an object URL (no network, CSP-safe).
export function downloadBlob(data: BlobPart, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A filename from a user-supplied name: letters, digits, '-', '_', '.' only. */
export function safeFilename(name: string, ext: string): string {
  const base = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'checkpoint';
  return base.endsWith(ext) ? base : base + ext;
}
