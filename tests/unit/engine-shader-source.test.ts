// src/engine/shader-source.ts: the loader registry, `// #include` expansion and compile-time constant
// injection, on hand-written WGSL text and a fake loader (no device). The last test reads the real
// shaders/ files: every kernel expands, and the shared reductions are defined in reduce.wgsl (and its
// drop-in subgroup twin reduce_subgroups.wgsl) only.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { expandIncludes, hasShaderLoader, loadShader, setShaderLoader, withConstants } from '../../src/engine/shader-source';

const SHADERS = join(__dirname, '../../shaders');

describe('loader registry', () => {
  // First in the file: this test file imports nothing that installs a loader.
  test('without a loader, loadShader says how to get one', () => {
    expect(hasShaderLoader()).toBe(false);
    expect(() => loadShader('matmul')).toThrow(/no WGSL loader installed \(wanted shaders\/matmul\.wgsl\).*requestNodeDevice/);
  });

  test('texts are cached per loader; a new loader clears the cache; unknown names are refused by name', () => {
    const calls: string[] = [];
    setShaderLoader((name) => (calls.push(name), name === 'a' ? 'first a' : undefined));
    expect(hasShaderLoader()).toBe(true);
    expect(loadShader('a')).toBe('first a');
    expect(loadShader('a')).toBe('first a');
    expect(calls).toEqual(['a']);
    expect(() => loadShader('nope')).toThrow('unknown shader "nope" (expected shaders/nope.wgsl)');
    setShaderLoader(() => 'second a');
    expect(loadShader('a')).toBe('second a');
  });
});

describe('expandIncludes', () => {
  const libs: Record<string, string> = {
    lib: 'fn helper() -> f32 { return 1.0; }',
    other: 'const K: u32 = 3u;',
    nested: '// #include lib\nfn outer() {}',
  };
  const install = () => setShaderLoader((name) => libs[name]);

  test('replaces each whole-line directive with the named file, in place', () => {
    install();
    const src = ['const WG: u32 = 64u;', '// #include lib', 'fn main() {}', '// #include other', ''].join('\n');
    expect(expandIncludes(src)).toBe(['const WG: u32 = 64u;', libs.lib, 'fn main() {}', libs.other, ''].join('\n'));
  });

  test('only a line that is exactly "// #include <name>" is a directive', () => {
    install();
    const notDirectives = [
      '//  #include lib', // two spaces
      '  // #include lib', // indented
      'let x = 1; // #include lib', // after code
      '// #include lib extra', // trailing words
      '// #includelib',
    ];
    for (const line of notDirectives) expect(expandIncludes(line), line).toBe(line);
  });

  test('an unknown include fails naming the file; one level only (an included directive stays text)', () => {
    install();
    expect(() => expandIncludes('// #include missing')).toThrow('unknown shader "missing"');
    expect(expandIncludes('// #include nested')).toBe(libs.nested);
  });
});

describe('withConstants', () => {
  const src = [
    'const WG: u32 = 64u;',
    'const WGX: u32 = 8u;', // a longer name starting with WG: must not be touched when WG is set
    'const RWG: u32 = 4u;',
    'const OFF: i32 = -1i;',
    'const SCALE : f32 = 0.5f;',
    'const N: u32 = WG * 2u;', // an expression as the default is replaced too
  ].join('\n');

  test('rewrites the declared value with the literal suffix of its type, and nothing else', () => {
    const out = withConstants(src, { WG: 256, OFF: -7, SCALE: 2, N: 9 });
    expect(out.split('\n')).toEqual([
      'const WG: u32 = 256u;',
      'const WGX: u32 = 8u;',
      'const RWG: u32 = 4u;',
      'const OFF: i32 = -7i;',
      'const SCALE: f32 = 2.0f;',
      'const N: u32 = 9u;',
    ]);
    expect(withConstants(src, { SCALE: 0.125 })).toContain('const SCALE: f32 = 0.125f;');
    expect(withConstants(src, {})).toBe(src);
  });

  test('an undeclared name fails, so a typo cannot silently keep the default', () => {
    expect(() => withConstants(src, { W: 1 })).toThrow('shader constant W is not declared');
    expect(() => withConstants(src, { wg: 1 })).toThrow('shader constant wg is not declared');
  });

  test('values the type cannot hold are refused', () => {
    for (const v of [-1, 1.5, NaN, Infinity, 2 ** 32]) expect(() => withConstants(src, { WG: v }), `u32 ${v}`).toThrow('u32 cannot hold');
    for (const v of [0.5, 2 ** 31, -(2 ** 31) - 1, NaN]) expect(() => withConstants(src, { OFF: v }), `i32 ${v}`).toThrow('i32 cannot hold');
    for (const v of [NaN, Infinity, -Infinity]) expect(() => withConstants(src, { SCALE: v }), `f32 ${v}`).toThrow('f32 cannot hold');
    expect(withConstants(src, { WG: 0xffffffff, OFF: -(2 ** 31) })).toContain('const OFF: i32 = -2147483648i;');
  });
});

describe('the real shaders/ files', () => {
  const files = readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl')).map((f) => f.slice(0, -5));
  const read = (name: string) => readFileSync(join(SHADERS, `${name}.wgsl`), 'utf8');

  test('every kernel expands fully; the reductions live in reduce.wgsl (or its subgroup twin) and are included, never copied', () => {
    setShaderLoader((name) => (files.includes(name) ? read(name) : undefined));
    expect(files).toContain('reduce');
    const reductions = [...read('reduce').matchAll(/^fn (\w+)\(/gm)].map((m) => m[1]);
    expect(reductions).toEqual(['reduce_sum', 'reduce_max']);
    // the subgroup library is a drop-in: the same functions with the same signatures
    const sig = (name: string) => [...read(name).matchAll(/^fn .*$/gm)].map((m) => m[0]);
    expect(sig('reduce_subgroups')).toEqual(sig('reduce'));
    // so is the matmuls' f16 B operand: the same functions, the same bindings (their element types differ)
    const bindings = (name: string) => [...read(name).matchAll(/@binding\((\d+)\) var<([^>]+)> (\w+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(sig('matmul_b_f16')).toEqual(sig('matmul_b'));
    expect(bindings('matmul_b_f16')).toEqual(bindings('matmul_b'));
    // libraries (included by other files, e.g. layernorm_row) are checked through the kernels that include them
    const libraries = new Set(files.flatMap((f) => [...read(f).matchAll(/^\/\/ #include (\w+)$/gm)].map((m) => m[1])));
    const includers: string[] = [];
    const swapIns = ['reduce_subgroups', 'matmul_b_f16'];
    for (const name of files.filter((f) => f !== 'reduce' && !swapIns.includes(f))) {
      const raw = read(name);
      for (const r of reductions) expect(raw, `${name}.wgsl defines its own ${r}`).not.toMatch(new RegExp(`fn ${r}\\(`));
      if (libraries.has(name)) continue;
      const code = expandIncludes(raw);
      expect(code, name).not.toMatch(/^\/\/ #include /m);
      if (raw.includes('// #include reduce')) includers.push(name);
      // a kernel that calls a shared reduction (itself or through a library) must have included it, once
      for (const r of reductions) {
        if (new RegExp(`\\b${r}\\(`).test(code)) expect(code.match(new RegExp(`fn ${r}\\(`, 'g')), `${name}: ${r}`).toHaveLength(1);
      }
    }
    expect([...libraries].sort()).toEqual(['gelu_math', 'layernorm_row', 'matmul_b', 'reduce']);
    expect(includers.sort()).toEqual(['adamw', 'attention', 'encoder_layernorm', 'layernorm', 'logprob', 'sample']);
  });

});
