// src/engine/pipelines.ts without a GPU: the WGSL binding and `struct Params` readers, the uniform
// encoder, and PipelineCache over a fake GPUDevice that records what it is asked to create (the bind
// group layout it derives from the WGSL, one module per shader and constants, one pipeline per entry).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { encodeParams, paramsBytes, parseBindings, parseParams, PipelineCache } from '../../src/engine/pipelines';
import { setShaderLoader } from '../../src/engine/shader-source';
import { SHADER_NAMES, shaderCode } from '../../src/engine/shaders';
import { MIN_STORAGE_BUFFERS_PER_STAGE } from '../../src/engine/device';

const SHADERS = join(__dirname, '../../shaders');
const useRealShaders = () => setShaderLoader((name) => readFileSync(join(SHADERS, `${name}.wgsl`), 'utf8'));

describe('parseBindings', () => {
  test('reads number, name and buffer type of every group-0 binding, sorted by number', () => {
    const code = `
      @group(0) @binding(2) var<storage, read_write> out: array<f32>;
      @group(0) @binding(0) var<uniform> p: Params;
      @group(0)   @binding(1)   var< storage , read > inp: array<f32>;
      @group(0) @binding(3) var<storage> implicit_read: array<u32>;
      @group(0) @binding(4) var<storage,read_write> counts: array<atomic<u32>>;
      var<workgroup> tile: array<f32, 64>;
      var<private> seed: u32;
    `;
    expect(parseBindings(code)).toEqual([
      { binding: 0, name: 'p', type: 'uniform' },
      { binding: 1, name: 'inp', type: 'read-only-storage' },
      { binding: 2, name: 'out', type: 'storage' },
      { binding: 3, name: 'implicit_read', type: 'read-only-storage' },
      { binding: 4, name: 'counts', type: 'storage' },
    ]);
  });

  test('commented-out declarations and other groups are not bindings of the layout', () => {
    const code = `
      @group(0) @binding(0) var<uniform> p: Params;
      // @group(0) @binding(1) var<storage, read> old: array<f32>;
      /* @group(0) @binding(2) var<storage, read_write> older: array<f32>;
         @group(0) @binding(3) var<storage, read> oldest: array<f32>; */
      @group(0) @binding(1) var<storage, read_write> h: array<f32>; // @group(0) @binding(9) var<storage> x: f32;
      @group(1) @binding(0) var<storage, read> elsewhere: array<f32>;
    `;
    expect(parseBindings(code).map((b) => b.name)).toEqual(['p', 'h']);
  });

  test('the real residual and steering kernels (hand-written expectation)', () => {
    useRealShaders();
    expect(parseBindings(shaderCode('residual'))).toEqual([
      { binding: 0, name: 'p', type: 'uniform' },
      { binding: 1, name: 'inp1', type: 'read-only-storage' },
      { binding: 2, name: 'inp2', type: 'read-only-storage' },
      { binding: 3, name: 'out', type: 'storage' },
    ]);
    expect(parseBindings(shaderCode('steering')).map((b) => `${b.binding}:${b.name}:${b.type}`)).toEqual([
      '0:p:uniform',
      '1:h:storage',
      '2:vector:read-only-storage',
      '3:alpha:read-only-storage',
      '4:start:read-only-storage',
      '5:end:read-only-storage',
      '6:state:read-only-storage',
    ]);
  });

  // the matmuls compile their shapes in (one pipeline per shape): no Params, storage from binding 1
  const COMPILED_SHAPES = ['matmul_vec4', 'matmul_skinny'];

  test('every real kernel: unique binding numbers and names, binding 0 the uniform Params', () => {
    useRealShaders();
    for (const name of SHADER_NAMES) {
      const b = parseBindings(shaderCode(name));
      expect(new Set(b.map((x) => x.binding)).size, name).toBe(b.length);
      expect(new Set(b.map((x) => x.name)).size, name).toBe(b.length);
      if (COMPILED_SHAPES.includes(name)) {
        expect(b[0].binding, name).toBe(1);
        expect(b.some((x) => x.type === 'uniform') || parseParams(shaderCode(name)).length > 0, name).toBe(false);
        continue;
      }
      expect(b[0], name).toEqual({ binding: 0, name: 'p', type: 'uniform' });
      expect(b.filter((x) => x.type === 'uniform'), name).toHaveLength(1);
      expect(parseParams(shaderCode(name)).length, `${name} Params`).toBeGreaterThan(0);
    }
  });

  test('no kernel binds more storage buffers than the adapters the engine accepts allow (the largest binds exactly that many)', () => {
    useRealShaders();
    const storage = SHADER_NAMES.map((name) => parseBindings(shaderCode(name)).filter((x) => x.type !== 'uniform').length);
    expect(Math.max(...storage)).toBe(MIN_STORAGE_BUFFERS_PER_STAGE);
  });
});

describe('parseParams', () => {
  test('fields in declaration order with their scalar types; comments (even with commas and colons) ignored', () => {
    const code = `
      struct Other { a: u32, b: vec4<f32> }
      struct Params {
        B: u32,
        // old: f32, removed
        scale: f32, // scale: f32, applied last
        /* off: i32, */ shift: i32,
        T: u32
      }
    `;
    expect(parseParams(code)).toEqual([
      { name: 'B', type: 'u32' },
      { name: 'scale', type: 'f32' },
      { name: 'shift', type: 'i32' },
      { name: 'T', type: 'u32' },
    ]);
  });

  test('the real encoder Params (comments after fields, trailing comma)', () => {
    useRealShaders();
    expect(parseParams(shaderCode('encoder'))).toEqual(['B', 'T', 'C', 'NB'].map((name) => ({ name, type: 'u32' })));
    expect(parseParams(shaderCode('encoder_layernorm'))).toEqual([...['N', 'T', 'C', 'TT'].map((name) => ({ name, type: 'u32' })), { name: 'eps', type: 'f32' }]);
  });

  test('no struct Params: no fields; a non-scalar field is refused', () => {
    expect(parseParams('@compute @workgroup_size(1) fn main() {}')).toEqual([]);
    expect(() => parseParams('struct Params { a: u32, v: vec2<f32>, }')).toThrow('only u32/i32/f32 fields are supported (got "v: vec2<f32>")');
  });
});

describe('paramsBytes and encodeParams', () => {
  const fields = [
    { name: 'n', type: 'u32' as const },
    { name: 'off', type: 'i32' as const },
    { name: 'scale', type: 'f32' as const },
  ];

  test('uniform size: 4 bytes a field, rounded up to 16, at least 16', () => {
    const f = (k: number) => Array.from({ length: k }, (_, i) => ({ name: `f${i}`, type: 'u32' as const }));
    expect([0, 1, 4, 5, 8, 9].map((k) => paramsBytes(f(k)))).toEqual([16, 16, 16, 32, 32, 48]);
  });

  test('little-endian at the given offset, in the field order of the struct (not of the object)', () => {
    const view = new DataView(new ArrayBuffer(32));
    encodeParams(fields, { scale: 0.5, off: -3, n: 7 }, view, 16, 'k');
    expect(Array.from(new Uint8Array(view.buffer, 0, 16))).toEqual(new Array(16).fill(0));
    expect(view.getUint32(16, true)).toBe(7);
    expect(view.getInt32(20, true)).toBe(-3);
    expect(view.getFloat32(24, true)).toBe(0.5);
    expect(new Uint8Array(view.buffer)[16]).toBe(7); // low byte first
  });

  test('unknown, missing and non-integer / negative u32 params are refused, naming the kernel', () => {
    const view = new DataView(new ArrayBuffer(16));
    expect(() => encodeParams(fields, { n: 1, off: 0, scale: 1, extra: 2 }, view, 0, 'enc.fwd')).toThrow('enc.fwd: unknown param "extra"');
    expect(() => encodeParams(fields, { n: 1, scale: 1 }, view, 0, 'enc.fwd')).toThrow('enc.fwd: missing param "off"');
    for (const n of [-1, 1.5, NaN]) {
      expect(() => encodeParams(fields, { n, off: 0, scale: 1 }, view, 0, 'k'), String(n)).toThrow('param "n" must be a non-negative integer');
    }
    expect(() => encodeParams(fields, { n: 0, off: -5, scale: -1.5 }, view, 0, 'k')).not.toThrow();
  });
});

/** A GPUDevice stand-in: returns plain objects and records every create call. */
function fakeDevice() {
  const calls: { kind: string; desc: Record<string, unknown> }[] = [];
  const rec = (kind: string) => (desc: Record<string, unknown>) => {
    calls.push({ kind, desc });
    return { kind, desc, getCompilationInfo: async () => ({ messages: [] }) };
  };
  const device = {
    createBindGroupLayout: rec('layout'),
    createShaderModule: rec('module'),
    createPipelineLayout: rec('pipelineLayout'),
    createComputePipeline: rec('pipeline'),
  };
  const count = (kind: string) => calls.filter((c) => c.kind === kind).length;
  return { device: device as unknown as GPUDevice, calls, count };
}

describe('PipelineCache (fake device)', () => {
  test('the bind group layout is the WGSL declarations, compute-visible, one entry per binding', () => {
    useRealShaders();
    const { device, calls } = fakeDevice();
    const k = new PipelineCache(device).get('steering', 'forward');
    const layout = calls.find((c) => c.kind === 'layout')!.desc as unknown as GPUBindGroupLayoutDescriptor;
    expect(layout.label).toBe('steering');
    expect([...layout.entries].map((e) => [e.binding, e.visibility, e.buffer?.type])).toEqual([
      [0, 4, 'uniform'],
      [1, 4, 'storage'],
      [2, 4, 'read-only-storage'],
      [3, 4, 'read-only-storage'],
      [4, 4, 'read-only-storage'],
      [5, 4, 'read-only-storage'],
      [6, 4, 'read-only-storage'],
    ]);
    expect(k.bindings.map((b) => b.name)).toEqual(['p', 'h', 'vector', 'alpha', 'start', 'end', 'state']);
    expect(k.params.map((f) => f.name)).toEqual(['B', 'T', 'C']);
    const pipe = calls.find((c) => c.kind === 'pipeline')!.desc as unknown as GPUComputePipelineDescriptor;
    expect(pipe.compute.entryPoint).toBe('forward');
    expect(pipe.label).toBe('steering.forward');
  });

  test('one module and layout per (shader, constants), shared by its entry points; one pipeline per entry', () => {
    useRealShaders();
    const { device, calls, count } = fakeDevice();
    const cache = new PipelineCache(device);
    const a = cache.get('steering', 'forward');
    const b = cache.get('steering', 'forward_decode');
    expect(cache.get('steering', 'forward')).toBe(a); // hit: nothing new
    expect([count('module'), count('layout'), count('pipelineLayout'), count('pipeline')]).toEqual([1, 1, 1, 2]);
    expect(b.layout).toBe(a.layout);
    expect(b.pipeline).not.toBe(a.pipeline);
    expect(a.key).toBe('steering:forward:[]');

    // constants: order-insensitive key, a different value is a different module, injected into its code
    const l1 = cache.get('layernorm', 'forward', { WG: 4 });
    expect(cache.get('layernorm', 'forward', { WG: 4 })).toBe(l1);
    const l2 = cache.get('layernorm', 'forward', { WG: 64 });
    expect(l2).not.toBe(l1);
    expect(count('module')).toBe(3);
    const codes = calls.filter((c) => c.kind === 'module').map((c) => c.desc.code as string);
    expect(codes[1]).toContain('const WG: u32 = 4u;');
    expect(codes[2]).toContain('const WG: u32 = 64u;');
    expect(codes[1]).toContain('fn reduce_sum('); // includes expanded before compiling
    expect(codes[1]).not.toMatch(/^\/\/ #include/m);
    const m1 = cache.get('matmul', 'main_reg', { RWG: 4, BK: 8 });
    expect(cache.get('matmul', 'main_reg', { BK: 8, RWG: 4 })).toBe(m1);
    expect(count('module')).toBe(4);
    expect(() => cache.get('matmul', 'main', { TILE: 8 })).toThrow('shader constant TILE is not declared');
  });

  test('the subgroup variant swaps the reduction library, enables the extension first, and refuses a shader without the include', () => {
    useRealShaders();
    const code = shaderCode('layernorm', { WG: 64, SG_MIN: 32 }, { subgroups: true });
    expect(code.startsWith('enable subgroups;\n')).toBe(true);
    expect(code).toContain('subgroupAdd(');
    expect(code).toContain('const SG_MIN: u32 = 32u;');
    expect(code.match(/fn reduce_sum\(/g)).toHaveLength(1);
    expect(shaderCode('layernorm', { WG: 64 })).not.toMatch(/subgroup/);
    expect(() => shaderCode('gelu', {}, { subgroups: true })).toThrow('the shader has no "// #include reduce"');
  });

  test('a source variant is its own module and pipeline, labelled with the variant', () => {
    useRealShaders();
    const { device, calls, count } = fakeDevice();
    const cache = new PipelineCache(device);
    const plain = cache.get('logprob', 'forward', { WG: 4 });
    const sg = cache.get('logprob', 'forward', { WG: 4, SG_MIN: 4 }, { subgroups: true });
    expect(sg).not.toBe(plain);
    expect(cache.get('logprob', 'forward', { WG: 4, SG_MIN: 4 }, { subgroups: true })).toBe(sg);
    expect(count('module')).toBe(2);
    expect(sg.key).toBe('logprob+subgroups:forward:[["SG_MIN",4],["WG",4]]');
    const codes = calls.filter((c) => c.kind === 'module').map((c) => c.desc.code as string);
    expect(codes[0]).not.toContain('subgroup');
    expect(codes[1]).toContain('subgroupMax(');
    expect(sg.bindings).toEqual(plain.bindings);
    expect(sg.params).toEqual(plain.params);
  });
});
