// safetensors encode/decode (DESIGN §6, §9). Pure: works on bytes, in Node and in the browser.
//
// Layout: 8-byte little-endian u64 header length n, then n bytes of JSON header (padded with spaces so
// that the data starts at an 8-byte boundary), then the raw little-endian tensor data.
// Header: { "__metadata__": { string: string }, "<name>": { "dtype": "F32", "shape": [...],
//           "data_offsets": [begin, end] } } with offsets relative to the start of the data.
//
// Only F32 is supported. Decoding validates everything before returning, so a malformed or hostile
// file is refused with a one-line CheckpointError and nothing downstream sees it.

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface SafetensorsTensor {
  shape: number[];
  data: Float32Array;
}

export interface Safetensors {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export const MAX_HEADER_BYTES = 1 << 20; // 1 MiB

/** Every dtype the safetensors format defines; anything else is "unknown". */
const KNOWN_DTYPES = new Set([
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
  'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64', 'C64',
]);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeSafetensors(
  tensors: Map<string, SafetensorsTensor> | Iterable<[string, SafetensorsTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const entries = [...tensors];
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new CheckpointError(`metadata "${k}" must be a string`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new CheckpointError('a tensor cannot be named "__metadata__"');
    if (seen.has(name)) throw new CheckpointError(`duplicate tensor "${name}"`);
    seen.add(name);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new CheckpointError(`tensor "${name}": shape [${t.shape.join(', ')}] needs ${n} values, got ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) throw new CheckpointError(`header is ${padded} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let p = 8 + padded;
  for (const [, t] of entries) {
    const n = t.data.length;
    if (LITTLE_ENDIAN) {
      const f = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
      out.set(new Uint8Array(f.buffer, f.byteOffset, n * 4), p);
    } else {
      for (let i = 0; i < n; i++) view.setFloat32(p + 4 * i, t.data[i], true);
    }
    p += 4 * n;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.length < 8) throw new CheckpointError(`file is ${bytes.length} bytes, too short for a safetensors header (need at least 8)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (headerLen > MAX_HEADER_BYTES) throw new CheckpointError(`header length ${headerLen} bytes is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLen > bytes.length) throw new CheckpointError(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes): truncated or not a safetensors file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new CheckpointError(`header is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CheckpointError('header must be a JSON object');

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const spans: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new CheckpointError(`__metadata__.${k} must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError(`tensor "${name}": header entry must be an object`);
    const { dtype, shape, data_offsets: offs } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string') throw new CheckpointError(`tensor "${name}": missing dtype`);
    if (dtype !== 'F32') {
      if (KNOWN_DTYPES.has(dtype)) throw new CheckpointError(`tensor "${name}": dtype ${dtype} is not supported (only F32 is supported)`);
      throw new CheckpointError(`tensor "${name}": unknown dtype "${dtype}" (only F32 is supported)`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError(`tensor "${name}": shape must be an array of non-negative integers`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError(`tensor "${name}": data_offsets must be [begin, end] non-negative integers`);
    }
    const [begin, end] = offs as number[];
    if (end < begin) throw new CheckpointError(`tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) throw new CheckpointError(`tensor "${name}": data_offsets [${begin}, ${end}] run past the data (${dataLen} bytes): truncated file`);
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== n * 4) {
      throw new CheckpointError(`tensor "${name}": data_offsets span ${end - begin} bytes but shape [${shape.join(', ')}] x 4 bytes is ${n * 4}`);
    }
    spans.push({ name, shape: shape as number[], begin, end });
  }
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw new CheckpointError(`tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap in the data`);
    }
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const s of spans) {
    const n = (s.end - s.begin) / 4;
    const data = new Float32Array(n);
    const at = dataStart + s.begin;
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(at, at + 4 * n));
    else for (let i = 0; i < n; i++) data[i] = view.getFloat32(at + 4 * i, true);
    for (let i = 0; i < n; i++) {
      const x = data[i];
      if (x - x !== 0) throw new CheckpointError(`tensor "${s.name}" contains ${Number.isNaN(x) ? 'NaN' : 'Inf'} (at index ${i})`);
    }
    tensors.set(s.name, { shape: s.shape, data });
  }
  return { tensors, metadata };
}
