// safetensors encode/decode (DESIGN §6, §9). Pure: works on bytes, in Node and in the browser.
//
// Layout: 8-byte little-endian u64 header length n, then n bytes of JSON header (padded with spaces so
// that the data starts at an 8-byte boundary), then the raw little-endian tensor data.
// Header: { "__metadata__": { string: string }, "<name>": { "dtype": "F32", "shape": [...],
//           "data_offsets": [begin, end] } } with offsets relative to the start of the data.
//
// Only F32 is supported. Decoding validates everything before returning, so a malformed or hostile
// file is refused with a one-line CheckpointError and nothing downstream sees it. Strict per the format:
// the header length is bounded (MAX_HEADER_BYTES); no key appears twice in any header object (JSON.parse
// would silently keep the last, so the header text is scanned); one __metadata__ at most; no reserved
// keys (__proto__, constructor, prototype); and the tensors tile the data section exactly (no overlap,
// no hole, no trailing bytes).

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

/** Keys that would reach an object's prototype machinery instead of naming an own property. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeSafetensors(
  tensors: Map<string, SafetensorsTensor> | Iterable<[string, SafetensorsTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const entries = [...tensors];
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (RESERVED_KEYS.has(k)) throw new CheckpointError(`metadata key "${k}" is not allowed (reserved name)`);
    if (typeof v !== 'string') throw new CheckpointError(`metadata "${k}" must be a string`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new CheckpointError('a tensor cannot be named "__metadata__"');
    if (RESERVED_KEYS.has(name)) throw new CheckpointError(`a tensor cannot be named "${name}" (reserved name)`);
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

/**
 * The first key that appears twice in one object of a JSON text (JSON.parse silently keeps the last), with
 * the key of the object it is in (null at the top level). The text must already be valid JSON: this only
 * walks strings and brackets. Keys are compared decoded, so "\u005f_metadata__" is "__metadata__".
 */
export function duplicateJsonKey(text: string): { key: string; parent: string | null } | null {
  interface Frame {
    keys: Set<string> | null; // null for an array
    expectKey: boolean;
    lastKey: string | null;
    name: string | null; // the key this object is the value of
  }
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      let j = i + 1;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 0x5c /* \ */) j += 2;
        else if (c === 0x22) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (top && top.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, parent: top.name };
        top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const name = parent ? (parent.keys ? parent.lastKey : parent.name) : null;
      stack.push({ keys: ch === 0x7b ? new Set() : null, expectKey: ch === 0x7b, lastKey: null, name });
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
    } else if (ch === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top && top.keys) top.expectKey = true;
    }
    i++;
  }
  return null;
}

/**
 * Decodes and validates a safetensors file. `checkMetadata`, when given, runs on the validated header's
 * metadata before any tensor data is copied (checkpoints check their config there), and may throw.
 */
export function decodeSafetensors(bytes: Uint8Array, checkMetadata?: (metadata: Record<string, string>) => void): Safetensors {
  if (bytes.length < 8) throw new CheckpointError(`file is ${bytes.length} bytes, too short for a safetensors header (need at least 8)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (headerLen > MAX_HEADER_BYTES) throw new CheckpointError(`header length ${headerLen} bytes is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLen < 2) throw new CheckpointError(`header length ${headerLen} bytes is too short for a JSON object (need at least 2)`);
  if (8 + headerLen > bytes.length) throw new CheckpointError(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes): truncated or not a safetensors file`);
  let header: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
    header = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`header is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CheckpointError('header must be a JSON object');
  const dup = duplicateJsonKey(text);
  if (dup) {
    if (dup.parent === null && dup.key === '__metadata__') throw new CheckpointError('header has two "__metadata__" objects (only one is allowed)');
    if (dup.parent === null) throw new CheckpointError(`header has duplicate tensor "${dup.key}" (each tensor name must appear once)`);
    throw new CheckpointError(`header has duplicate key "${dup.key}" in "${dup.parent}" (each key must appear once)`);
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const spans: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const name of Object.keys(header)) {
    if (RESERVED_KEYS.has(name)) throw new CheckpointError(`header key "${name}" is not allowed (reserved name)`);
    const raw = (header as Record<string, unknown>)[name];
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError('__metadata__ must be an object of strings');
      for (const k of Object.keys(raw)) {
        if (RESERVED_KEYS.has(k)) throw new CheckpointError(`__metadata__ key "${k}" is not allowed (reserved name)`);
        const v = (raw as Record<string, unknown>)[k];
        if (typeof v !== 'string') throw new CheckpointError(`__metadata__.${k} must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError(`tensor "${name}": header entry must be an object`);
    const entry = raw as Record<string, unknown>;
    const own = (k: string) => (Object.hasOwn(entry, k) ? entry[k] : undefined);
    const dtype = own('dtype');
    const shape = own('shape');
    const offs = own('data_offsets');
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
  // The tensors must tile the data section exactly: no overlap, no hole, nothing after the last one.
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: string | null = null;
  for (const s of sorted) {
    if (s.begin < covered) throw new CheckpointError(`tensors "${prev}" and "${s.name}" overlap in the data (byte ${s.begin} < ${covered})`);
    if (s.begin > covered) {
      const where = prev === null ? 'at the start of the data, before' : `in the data between "${prev}" (ends at ${covered}) and`;
      throw new CheckpointError(`hole of ${s.begin - covered} bytes ${where} "${s.name}" (begins at ${s.begin}): the tensors must cover the data exactly`);
    }
    covered = s.end;
    prev = s.name;
  }
  if (covered !== dataLen) {
    throw new CheckpointError(`${dataLen - covered} trailing bytes after the last tensor (the data section is ${dataLen} bytes, the tensors cover ${covered})`);
  }

  checkMetadata?.(metadata);
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

// A first look at a file before the decoder: a file that is not safetensors at all gets a sentence a person
// can read instead of the decoder's raw 19-digit "header length".

const printable = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·'))
    .join('')
    .replace(/"/g, "'");

/** null when the file may be a safetensors checkpoint (the decoder then checks it fully), else why not. */
export function notSafetensors(bytes: Uint8Array): string | null {
  if (bytes.length < 10) return `not a safetensors checkpoint: the file has only ${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
  const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const start = `it starts with "${printable(bytes.subarray(0, 16))}"`;
  if (len > BigInt(MAX_HEADER_BYTES) && len > BigInt(bytes.length)) return `not a safetensors checkpoint: a safetensors file begins with the size of its header, and these first bytes do not read as one (${start})`;
  if (bytes[8] !== 0x7b) return `not a safetensors checkpoint: no JSON header after the first 8 bytes (${start})`;
  if (len + 8n > BigInt(bytes.length)) return `the file is cut short: its header alone needs ${len} bytes, and the file has ${bytes.length - 8} after the size field`;
  return null;
}
