// A first look at a dropped file before the checkpoint decoder: a file that is not safetensors at all
// gets a sentence a person can read instead of the decoder's raw 19-digit "header length".

const MAX_HEADER = 1 << 20; // the decoder's limit (src/store/safetensors.ts)

const printable = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·'))
    .join('')
    .replace(/"/g, "'");

/** null when the file may be a safetensors checkpoint (the decoder then checks it fully), else why not. */
export function notSafetensors(bytes: Uint8Array): string | null {
  if (bytes.length < 10) return `not a safetensors checkpoint: the file has only ${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
  const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const start = `it starts with "${printable(bytes.subarray(0, 16))}"`;
  if (len > BigInt(MAX_HEADER) && len > BigInt(bytes.length)) return `not a safetensors checkpoint: a safetensors file begins with the size of its header, and these first bytes do not read as one (${start})`;
  if (bytes[8] !== 0x7b) return `not a safetensors checkpoint: no JSON header after the first 8 bytes (${start})`;
  if (len + 8n > BigInt(bytes.length)) return `the file is cut short: its header alone needs ${len} bytes, and the file has ${bytes.length - 8} after the size field`;
  return null;
}
