// Hostile checkpoint files, built in the test: memory bombs through the config, safetensors headers that
// JSON.parse would silently "fix" (duplicate keys), data sections with holes, overlaps or trailing bytes,
// prototype keys, and steering metadata that would reach the model unchecked. Each is refused with one
// line naming the field, the value and the limit.
import { describe, expect, test } from 'vitest';
import { CONFIG_LIMITS, configError, MAX_PARAMS, numel, paramCount, paramSpecs, type GPTConfig } from '../../src/model/config';
import { initParams } from '../../src/model/init';
import { steeringMetaError } from '../../src/steering/types';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint';
import { CheckpointError, decodeSafetensors, duplicateJsonKey, encodeSafetensors } from '../../src/store/safetensors';

const config: GPTConfig = { vocabSize: 11, contextLength: 8, dModel: 8, nLayers: 2, nHeads: 2 };
const gpt2small: GPTConfig = { vocabSize: 50257, contextLength: 1024, dModel: 768, nLayers: 12, nHeads: 12 };

/** A safetensors file from a hand-written header text and data. */
function rawFile(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f32 = (n: number) => new Uint8Array(new Float32Array(n).fill(0.5).buffer);
const t = (begin: number, end: number, shape = [(end - begin) / 4]) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).not.toContain('\n');
    return e as Error;
  }
  throw new Error('expected a refusal, but it was accepted');
}
const refusedST = (bytes: Uint8Array) => {
  const e = refusal(() => decodeSafetensors(bytes));
  expect(e).toBeInstanceOf(CheckpointError);
  return e.message;
};

describe('config limits (memory bombs)', () => {
  test('GPT-2 small fits; the parameter count is arithmetic and equals the table', () => {
    expect(configError(gpt2small)).toBeNull();
    expect(paramCount(gpt2small)).toBe(124_439_808);
    for (const c of [config, gpt2small, { vocabSize: 3, contextLength: 5, dModel: 6, nLayers: 7, nHeads: 3 }]) {
      expect(paramCount(c)).toBe(paramSpecs(c).reduce((n, s) => n + numel(s.shape), 0));
    }
    expect(MAX_PARAMS).toBeGreaterThanOrEqual(paramCount(gpt2small));
  });

  test('each field has a maximum, named with the value and the limit', () => {
    expect(configError({ ...gpt2small, nLayers: 1e9 })).toMatch(/^config\.nLayers must be at most 48 \(got 1000000000\); the model would need [\d.]+ PB of weights .*the limit is 800 MB/);
    expect(configError({ ...gpt2small, nLayers: 2e6 })).toMatch(/config\.nLayers must be at most 48 \(got 2000000\)/);
    expect(configError({ ...gpt2small, dModel: 8192, nHeads: 8 })).toMatch(/config\.dModel must be at most 4096 \(got 8192\)/);
    expect(configError({ ...gpt2small, nHeads: 128, dModel: 1024 })).toMatch(/config\.nHeads must be at most 64 \(got 128\)/);
    expect(configError({ ...gpt2small, vocabSize: 65537 })).toMatch(/config\.vocabSize must be at most 65536 \(got 65537\)/);
    expect(configError({ ...gpt2small, contextLength: 4097 })).toMatch(/config\.contextLength must be at most 4096 \(got 4097\)/);
    expect(configError({ ...gpt2small, nHeads: 7 })).toMatch(/config\.dModel \(768\) must be divisible by config\.nHeads \(7\)/);
    expect(CONFIG_LIMITS).toEqual({ vocabSize: 65536, contextLength: 4096, dModel: 4096, nLayers: 48, nHeads: 64 });
  });

  test('the total is bounded too, reporting the memory: every field in range, the product too big', () => {
    const wide = { vocabSize: 50257, contextLength: 1024, dModel: 1024, nLayers: 48, nHeads: 16 };
    expect(configError(wide)).toBe(
      'config vocabSize=50257 contextLength=1024 dModel=1024 nLayers=48 nHeads=16 is too large: the model would need 2.6 GB of weights (657M parameters); the limit is 800 MB (200M parameters)',
    );
  });

  test('paramSpecs refuses a hostile config before building its table', () => {
    const start = performance.now();
    expect(() => paramSpecs({ ...config, nLayers: 1e9 })).toThrow("config.nLayers must be an integer in [0, 48] (got 1000000000)");
    expect(performance.now() - start).toBeLessThan(100);
  });

  /** A checkpoint whose tensors fit `config` but whose metadata claims `claimed`. */
  function claiming(claimed: Partial<GPTConfig>): Uint8Array {
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint({ config, params: initParams(config, 1) }));
    metadata.config = JSON.stringify({ ...config, ...claimed });
    return encodeSafetensors(tensors, metadata);
  }

  for (const nLayers of [1e9, 2e6]) {
    test(`a checkpoint claiming nLayers = ${nLayers} is refused in < 100 ms without allocating`, () => {
      // Guard first: if the limit regressed, fail here instead of letting decode build a huge table.
      expect(configError({ ...config, nLayers })).not.toBeNull();
      const bytes = claiming({ nLayers });
      const heap = process.memoryUsage().heapUsed;
      const start = performance.now();
      const e = refusal(() => decodeCheckpoint(bytes));
      expect(performance.now() - start).toBeLessThan(100);
      expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 << 20);
      expect(e).toBeInstanceOf(CheckpointError);
      expect(e.message).toMatch(new RegExp(`^invalid config: config\\.nLayers must be at most 48 \\(got ${nLayers}\\)`));
    });
  }

  test('a checkpoint claiming a too-large model in range per field names the memory', () => {
    const e = refusal(() => decodeCheckpoint(claiming({ vocabSize: 65536, dModel: 4096, nHeads: 64, nLayers: 12, contextLength: 1024 })));
    expect(e.message).toMatch(/would need 10\.8 GB of weights .*; the limit is 800 MB/);
  });

  test('config fields are read as own properties only', () => {
    const proto = JSON.parse('{"__proto__": {"nLayers": 2}, "vocabSize": 11, "contextLength": 8, "dModel": 8, "nHeads": 2}');
    expect(configError(proto)).toMatch(/config\.nLayers must be a positive integer \(got undefined\)/);
  });
});

describe('safetensors strictness', () => {
  test('duplicate tensor keys (JSON.parse keeps the last) are refused', () => {
    const header = `{"a": ${JSON.stringify(t(0, 8))}, "a": ${JSON.stringify(t(8, 16))}}`;
    expect(refusedST(rawFile(header, f32(4)))).toBe('header has duplicate tensor "a" (each tensor name must appear once)');
    // the same key spelled with an escape is still the same key
    const escaped = `{"a": ${JSON.stringify(t(0, 8))}, "\\u0061": ${JSON.stringify(t(0, 8))}}`;
    expect(refusedST(rawFile(escaped, f32(2)))).toMatch(/duplicate tensor "a"/);
  });

  test('two __metadata__ objects are refused (a second could replace the config)', () => {
    const header = `{"__metadata__": {"config": "x"}, "a": ${JSON.stringify(t(0, 8))}, "__metadata__": {"config": "y"}}`;
    expect(refusedST(rawFile(header, f32(2)))).toBe('header has two "__metadata__" objects (only one is allowed)');
    const escaped = `{"__metadata__": {}, "\\u005f_metadata__": {}}`;
    expect(refusedST(rawFile(escaped))).toMatch(/two "__metadata__"/);
  });

  test('duplicate keys inside __metadata__ or a tensor entry are refused, naming where', () => {
    expect(refusedST(rawFile(`{"__metadata__": {"config": "x", "config": "y"}}`))).toBe(
      'header has duplicate key "config" in "__metadata__" (each key must appear once)',
    );
    const entry = `{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4], "data_offsets": [0, 8]}}`;
    expect(refusedST(rawFile(entry, f32(2)))).toMatch(/duplicate key "data_offsets" in "a"/);
  });

  test('the scanner ignores look-alikes inside strings and arrays', () => {
    expect(duplicateJsonKey('{"a": "{\\"a\\": 1, \\"a\\": 2}", "b": ["a", "a"], "c": {"a": 1}, "d": [{"a": 1}, {"a": 2}]}')).toBeNull();
    expect(duplicateJsonKey('{"x": [{"a": 1, "a": 2}]}')).toEqual({ key: 'a', parent: 'x' });
  });

  test('a hole between tensors, or before the first, is refused', () => {
    const between = JSON.stringify({ a: t(0, 8), b: t(12, 20) });
    expect(refusedST(rawFile(between, f32(5)))).toBe('hole of 4 bytes in the data between "a" (ends at 8) and "b" (begins at 12): the tensors must cover the data exactly');
    const start = JSON.stringify({ a: t(4, 12) });
    expect(refusedST(rawFile(start, f32(3)))).toMatch(/^hole of 4 bytes at the start of the data, before "a" \(begins at 4\)/);
  });

  test('overlapping tensors are refused (including one inside another)', () => {
    expect(refusedST(rawFile(JSON.stringify({ a: t(0, 16), b: t(4, 8) }), f32(4)))).toMatch(/^tensors "a" and "b" overlap in the data \(byte 4 < 16\)/);
    expect(refusedST(rawFile(JSON.stringify({ a: t(0, 8), b: t(0, 8) }), f32(2)))).toMatch(/overlap/);
  });

  test('trailing bytes after the last tensor are refused, also with no tensors at all', () => {
    expect(refusedST(rawFile(JSON.stringify({ a: t(0, 8) }), f32(3)))).toBe(
      '4 trailing bytes after the last tensor (the data section is 12 bytes, the tensors cover 8)',
    );
    expect(refusedST(rawFile('{}', new Uint8Array(5)))).toMatch(/^5 trailing bytes/);
  });

  test('prototype keys are refused, not silently dropped or used', () => {
    expect(refusedST(rawFile(`{"__proto__": ${JSON.stringify(t(0, 8))}}`, f32(2)))).toBe('header key "__proto__" is not allowed (reserved name)');
    expect(refusedST(rawFile(`{"__metadata__": {"__proto__": "{}"}}`))).toBe('__metadata__ key "__proto__" is not allowed (reserved name)');
    expect(refusedST(rawFile(`{"constructor": ${JSON.stringify(t(0, 8))}}`, f32(2)))).toMatch(/"constructor" is not allowed/);
    // a tensor entry's fields are read as own properties: an inherited data_offsets does not count
    expect(refusedST(rawFile(`{"a": {"dtype": "F32", "shape": [2], "__proto__": {"data_offsets": [0, 8]}}}`, f32(2)))).toMatch(/data_offsets must be/);
    expect(() => encodeSafetensors(new Map([['__proto__', { shape: [1], data: new Float32Array(1) }]]))).toThrow(/cannot be named "__proto__"/);
  });

  test('exact tiling, zero-size tensors and out-of-order offsets still decode', () => {
    const header = JSON.stringify({ b: t(8, 16), e: t(8, 8, [0, 3]), a: t(0, 8) });
    const back = decodeSafetensors(rawFile(header, f32(4)));
    expect([...back.tensors.keys()]).toEqual(['b', 'e', 'a']);
    expect(back.tensors.get('e')!.data.length).toBe(0);
  });

  test('the header length is bounded below and above', () => {
    const b = new Uint8Array(9);
    new DataView(b.buffer).setUint32(0, 1, true);
    expect(refusedST(b)).toMatch(/header length 1 bytes is too short/);
    const c = new Uint8Array(16);
    new DataView(c.buffer).setUint32(0, 0xffffffff, true);
    expect(refusedST(c)).toMatch(/over the 1048576-byte limit/);
  });
});

describe('steering metadata is validated when a checkpoint is decoded', () => {
  const params = initParams(config, 2);
  const vector = Float32Array.from({ length: config.dModel }, (_, i) => i / 10);
  const good = { behavior: 'verbosity', mode: 'unembed', pca: false, layer: 1, window: 'decision', norm: 1, relativeScale: 0.5, pairs: 200, grid: [0, 1, 2], alpha: 2, doseSplit: 'validation', steps: 60, lr: 3e-4 };

  /** A checkpoint whose stored steering metadata was edited after encoding (or whose vector was replaced). */
  function withMeta(meta: Record<string, unknown>, vec: Float32Array = vector): Uint8Array {
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint({ config, params, steering: { verbosity: { vector, meta: good } } }));
    metadata.steering = JSON.stringify({ verbosity: meta });
    tensors.set('steering.verbosity', { shape: [vec.length], data: vec });
    return encodeSafetensors(tensors, metadata);
  }
  const refusedCk = (bytes: Uint8Array) => {
    const e = refusal(() => decodeCheckpoint(bytes));
    expect(e).toBeInstanceOf(CheckpointError);
    return e.message;
  };

  test('the good metadata round-trips (and the shipped fields are all accepted)', () => {
    expect(decodeCheckpoint(withMeta(good)).steering.verbosity.meta).toEqual(good);
    const { doseSplit: _d, grid: _g, alpha: _a, steps: _s, lr: _l, ...bare } = good;
    expect(decodeCheckpoint(withMeta(bare)).steering.verbosity.meta).toEqual(bare);
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['layer out of range', { layer: 99 }, /^steering "verbosity": layer must be an integer in \[0, 2\) for this 2-layer model \(got 99\)$/],
    ['layer as a string', { layer: '1' }, /layer must be an integer in \[0, 2\) .*\(got "1"\)$/],
    ['layer negative', { layer: -1 }, /layer must be an integer .*\(got -1\)/],
    ['layer fractional', { layer: 0.5 }, /layer must be an integer .*\(got 0\.5\)/],
    ['unknown window', { window: 'bogus' }, /^steering "verbosity": window must be one of decision, response, all \(got "bogus"\)$/],
    ['missing window', { window: undefined }, /window must be one of .*\(got nothing\)/],
    ['unknown mode', { mode: 'magic' }, /mode must be one of caa-response, caa-decision, unembed, random \(got "magic"\)/],
    ['grid not a list', { grid: '0,1,2' }, /grid must be a list of 1 to 256 finite numbers \(got "0,1,2"\)/],
    ['grid with a non-number', { grid: [0, 'x', 2] }, /grid must be a list .*\(got \[0,"x",2\]\)/],
    ['grid with null (JSON for NaN)', { grid: [0, null] }, /grid must be a list/],
    ['empty grid', { grid: [] }, /grid must be a list/],
    ['alpha not finite', { alpha: null }, /alpha must be a finite number \(got null\)/],
    ['alpha a string', { alpha: '3' }, /alpha must be a finite number \(got "3"\)/],
    ['steps zero', { steps: 0 }, /steps must be a positive integer \(got 0\)/],
    ['steps fractional', { steps: 2.5 }, /steps must be a positive integer \(got 2\.5\)/],
    ['lr zero', { lr: 0 }, /lr must be a finite number > 0 \(got 0\)/],
    ['lr negative', { lr: -1e-3 }, /lr must be a finite number > 0 \(got -0\.001\)/],
    ['doseSplit train', { doseSplit: 'train' }, /doseSplit must be one of validation, test \(got "train"\)/],
    ['behavior mismatch', { behavior: 'confidence' }, /behavior must be "verbosity", the name the vector is stored under \(got "confidence"\)/],
    ['pca not boolean', { pca: 'no' }, /pca must be true or false \(got "no"\)/],
    ['norm negative', { norm: -1 }, /norm must be a finite number >= 0 \(got -1\)/],
    ['pairs fractional', { pairs: 1.5 }, /pairs must be a non-negative integer \(got 1\.5\)/],
  ];
  for (const [name, edit, message] of cases) {
    test(`refused: ${name}`, () => {
      expect(refusedCk(withMeta({ ...good, ...edit }))).toMatch(message);
    });
  }

  test('metadata that is not an object, or reached only through the prototype, is refused', () => {
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint({ config, params }));
    tensors.set('steering.constructor', { shape: [8], data: vector });
    expect(refusedCk(encodeSafetensors(tensors, metadata))).toMatch(/steering vector "constructor" has no metadata object/);
    metadata.steering = '{"__proto__": {}}';
    tensors.delete('steering.constructor');
    tensors.set('steering.__proto__', { shape: [8], data: vector });
    expect(refusedCk(encodeSafetensors(tensors, metadata))).toMatch(/"__proto__" is not allowed/);
  });

  test('the vector must be [dModel] and finite (validator)', () => {
    const ctx = { behavior: 'verbosity', nLayers: 2, dModel: 8 };
    expect(steeringMetaError(good, ctx, vector)).toBeNull();
    expect(steeringMetaError(good, ctx, new Float32Array(7))).toBe('steering "verbosity": the vector has 7 values, expected dModel = 8');
    const nan = vector.slice();
    nan[3] = NaN;
    expect(steeringMetaError(good, ctx, nan)).toBe('steering "verbosity": the vector contains NaN (at index 3)');
    expect(refusedCk(withMeta(good, new Float32Array(7)))).toMatch(/"steering\.verbosity" has shape \[7\] but a steering vector needs \[8\]/);
  });

  test('encode refuses what decode would refuse, so nothing unloadable is written', () => {
    expect(() => encodeCheckpoint({ config, params, steering: { verbosity: { vector, meta: { ...good, window: 'bogus' } } } })).toThrow(/window must be one of/);
    expect(() => encodeCheckpoint({ config, params, steering: { verbosity: { vector, meta: { ...good, layer: 2 } } } })).toThrow(/layer must be an integer in \[0, 2\)/);
  });
});
