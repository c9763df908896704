// safetensors and checkpoints: round trips, and every malformed case refused with a clear message.
import { describe, expect, test } from 'vitest';
import { paramSpecs, type GPTConfig } from '../../src/model/config';
import { initParams } from '../../src/model/init';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint';
import { CheckpointError, decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES } from '../../src/store/safetensors';

const config: GPTConfig = { vocabSize: 11, contextLength: 8, dModel: 8, nLayers: 2, nHeads: 2 };

/** A safetensors file from a hand-written header and data (for malformed cases). */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f32bytes = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);

function expectRejected(bytes: Uint8Array, message: RegExp) {
  let err: unknown;
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as Error).message).toMatch(message);
  expect((err as Error).message).not.toContain('\n');
}

describe('safetensors', () => {
  test('round trip: tensors, shapes, metadata, header padding', () => {
    const tensors = new Map([
      ['a', { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, -6.5]) }],
      ['b.c', { shape: [1], data: new Float32Array([1e-30]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const bytes = encodeSafetensors(tensors, { hello: 'world', n: '{"x":1}' });
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.a).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.__metadata__).toEqual({ hello: 'world', n: '{"x":1}' });
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ hello: 'world', n: '{"x":1}' });
    for (const [k, t] of tensors) {
      expect(back.tensors.get(k)!.shape).toEqual(t.shape);
      expect(Array.from(back.tensors.get(k)!.data)).toEqual(Array.from(t.data));
    }
  });

  test('decodes from an unaligned view of a larger buffer', () => {
    const bytes = encodeSafetensors(new Map([['x', { shape: [3], data: new Float32Array([1, 2, 3]) }]]));
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    expect(Array.from(decodeSafetensors(big.subarray(1, 1 + bytes.length)).tensors.get('x')!.data)).toEqual([1, 2, 3]);
  });

  test('file shorter than 8 bytes', () => {
    expectRejected(new Uint8Array(5), /too short/);
  });

  test('header length past the end of the file (truncated)', () => {
    const bytes = encodeSafetensors(new Map([['x', { shape: [3], data: new Float32Array([1, 2, 3]) }]]));
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expectRejected(bytes.subarray(0, 8 + n - 3), /runs past the end of the file/);
  });

  test('header over 1 MiB, including a u64 length with high bits', () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true);
    expectRejected(b, /over the 1048576-byte limit/);
    const c = new Uint8Array(16);
    new DataView(c.buffer).setUint32(4, 1, true);
    expectRejected(c, /over the 1048576-byte limit/);
  });

  test('non-JSON header', () => {
    expectRejected(rawFile(null, undefined, '{"x": [1, 2'), /not valid JSON/);
    expectRejected(rawFile([1, 2]), /JSON object/);
  });

  test('unsupported and unknown dtypes say that only F32 is supported', () => {
    expectRejected(rawFile({ x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /dtype F16 is not supported \(only F32/);
    expectRejected(rawFile({ x: { dtype: 'Q4', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype "Q4" \(only F32/);
  });

  test('offsets that overlap, run past the data, or do not match the shape', () => {
    const data = f32bytes([1, 2, 3, 4]);
    expectRejected(
      rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, data),
      /"a" and "b" overlap/,
    );
    expectRejected(rawFile({ a: { dtype: 'F32', shape: [5], data_offsets: [0, 20] } }, data), /run past the data/);
    expectRejected(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data), /span 16 bytes but shape \[3\] x 4 bytes is 12/);
    expectRejected(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, data), /end before they begin/);
    expectRejected(rawFile({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, data), /shape must be/);
    expectRejected(rawFile({ a: { dtype: 'F32', shape: [2] } }, data), /data_offsets must be/);
  });

  test('NaN and Inf values', () => {
    expectRejected(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, f32bytes([1, NaN, 2])), /"a" contains NaN \(at index 1\)/);
    expectRejected(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32bytes([-Infinity, 2])), /contains Inf/);
  });

  test('metadata values must be strings', () => {
    expectRejected(rawFile({ __metadata__: { a: 1 } }), /__metadata__\.a must be a string/);
  });
});

describe('checkpoint', () => {
  const params = initParams(config, 3);
  const vector = Float32Array.from({ length: config.dModel }, (_, i) => i - 3.5);
  const meta = { behavior: 'verbosity', mode: 'caa-response', layer: 1, window: 'decision', relativeScale: 0.9, norm: 9.17, pca: false, pairs: 200 };

  test('round trip: config, params, metadata as JSON strings, steering vectors', () => {
    const bytes = encodeCheckpoint({
      config,
      params,
      metadata: { tokenizer: { kind: 'char', vocab: ['a', 'b'], stop: '$' }, task: 'verbosity', step: 3500, createdAt: '2025-01-01T00:00:00Z' },
      steering: { verbosity: { vector, meta } },
    });
    const raw = decodeSafetensors(bytes);
    expect(JSON.parse(raw.metadata.config)).toEqual(config);
    expect(raw.metadata.step).toBe('3500');
    expect(raw.metadata.createdAt).toBe('"2025-01-01T00:00:00Z"');
    expect(JSON.parse(raw.metadata.steering)).toEqual({ verbosity: meta });
    expect([...raw.tensors.keys()]).toEqual([...paramSpecs(config).map((s) => s.name), 'steering.verbosity']);

    const ck = decodeCheckpoint(bytes);
    expect(ck.config).toEqual(config);
    expect(ck.metadata.step).toBe(3500);
    expect(ck.metadata.createdAt).toBe('2025-01-01T00:00:00Z');
    expect(ck.metadata.task).toBe('verbosity');
    expect(ck.metadata.tokenizer).toEqual({ kind: 'char', vocab: ['a', 'b'], stop: '$' });
    expect(ck.steering.verbosity.meta).toEqual(meta);
    expect(Array.from(ck.steering.verbosity.vector)).toEqual(Array.from(vector));
    for (const [k, a] of params) expect(ck.params.get(k)).toEqual(a);
  });

  /** A checkpoint file whose tensors/metadata were edited after encoding. */
  function tampered(edit: (tensors: Map<string, { shape: number[]; data: Float32Array }>, meta: Record<string, string>) => void) {
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint({ config, params }));
    edit(tensors, metadata);
    return encodeSafetensors(tensors, metadata);
  }
  const rejects = (bytes: Uint8Array, message: RegExp) => {
    expect(() => decodeCheckpoint(bytes)).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(bytes)).toThrow(message);
  };

  test('invalid configs are refused with the field named', () => {
    rejects(tampered((_, m) => (m.config = JSON.stringify({ ...config, nHeads: 3 }))), /config\.dModel \(8\) must be divisible by config\.nHeads \(3\)/);
    rejects(tampered((_, m) => (m.config = JSON.stringify({ ...config, vocabSize: 0 }))), /config\.vocabSize must be a positive integer/);
    rejects(tampered((_, m) => delete m.config), /no "config"/);
    rejects(tampered((_, m) => (m.config = 'nope')), /"config" is not valid JSON/);
  });

  test('missing tensors and wrong shapes name the tensor and both shapes', () => {
    rejects(tampered((t) => t.delete('h.1.mlp.c_fc.bias')), /missing tensor "h\.1\.mlp\.c_fc\.bias" \(the config needs shape \[32\]\)/);
    rejects(
      tampered((t) => t.set('wpe.weight', { shape: [4, 16], data: new Float32Array(64) })),
      /tensor "wpe\.weight" has shape \[4, 16\] but the config needs \[8, 8\]/,
    );
    // a config that does not match the tensors
    rejects(tampered((_, m) => (m.config = JSON.stringify({ ...config, nLayers: 3 }))), /missing tensor "h\.2\.ln_1\.weight"/);
  });

  test('unknown extra tensors are refused; steering.* are allowed but must be [C] with metadata', () => {
    rejects(tampered((t) => t.set('lm_head.weight', { shape: [1], data: new Float32Array(1) })), /unexpected tensor "lm_head\.weight"/);
    rejects(
      tampered((t, m) => {
        t.set('steering.verbosity', { shape: [3], data: new Float32Array(3) });
        m.steering = JSON.stringify({ verbosity: meta });
      }),
      /"steering\.verbosity" has shape \[3\] but a steering vector needs \[8\]/,
    );
    rejects(tampered((t) => t.set('steering.verbosity', { shape: [8], data: new Float32Array(8) })), /no metadata/);
  });

  test('encode refuses incomplete or non-finite parameters', () => {
    const bad = new Map(params);
    bad.delete('ln_f.bias');
    expect(() => encodeCheckpoint({ config, params: bad })).toThrow(/missing tensor "ln_f\.bias"/);
    const nan = new Map(params);
    const w = params.get('wte.weight')!.slice();
    w[5] = NaN;
    nan.set('wte.weight', w);
    expect(() => encodeCheckpoint({ config, params: nan })).toThrow(/"wte\.weight" contains NaN/);
  });
});
