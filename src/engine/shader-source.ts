// Where WGSL source text comes from, and the two text transforms applied to it before compiling:
// `// #include` expansion and compile-time constants. The WGSL lives in shaders/*.wgsl (DESIGN §1), never
// in TypeScript.
//  - In the browser (and anything built or run by Vite/Vitest) the files are bundled with
//    `import.meta.glob(..., { query: '?raw' })` in ./shaders.ts, which registers them here.
//  - Under Node/tsx (the CLI) `?raw` does not exist: src/engine/node-device.ts installs a loader that
//    reads shaders/<name>.wgsl from disk with fs.readFileSync.

export type ShaderLoader = (name: string) => string | undefined;

let loader: ShaderLoader | null = null;
const cache = new Map<string, string>();

/** Installs the function that returns the text of shaders/<name>.wgsl. The last call wins. */
export function setShaderLoader(fn: ShaderLoader): void {
  loader = fn;
  cache.clear();
}

export function hasShaderLoader(): boolean {
  return loader !== null;
}

/** The WGSL text of shaders/<name>.wgsl. */
export function loadShader(name: string): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  if (!loader) {
    throw new Error(
      `no WGSL loader installed (wanted shaders/${name}.wgsl): in Node call requestNodeDevice() from src/engine/node-device.ts first`,
    );
  }
  const text = loader(name);
  if (text === undefined) throw new Error(`unknown shader "${name}" (expected shaders/${name}.wgsl)`);
  cache.set(name, text);
  return text;
}

/**
 * Expands each line that is exactly `// #include <name>` into the text of shaders/<name>.wgsl (shared WGSL
 * helpers, e.g. reduce). One level: included files are not expanded again. `swap` replaces a library by
 * another with the same functions (e.g. reduce -> reduce_subgroups); each swap must be used, so a variant
 * cannot silently compile to the plain kernel.
 */
export function expandIncludes(source: string, swap: Record<string, string> = {}): string {
  const used = new Set<string>();
  const out = source.replace(/^\/\/ #include (\w+)$/gm, (_, lib: string) => {
    if (!(lib in swap)) return loadShader(lib);
    used.add(lib);
    return loadShader(swap[lib]);
  });
  for (const lib of Object.keys(swap)) {
    if (!used.has(lib)) throw new Error(`cannot swap "${lib}" for "${swap[lib]}": the shader has no "// #include ${lib}"`);
  }
  return out;
}

/**
 * Injects small compile-time constants. A shader declares each injectable constant with a default,
 * e.g. `const WG: u32 = 64u;`, so the file stays valid WGSL on its own; this rewrites the value.
 * Throws when a constant is not declared, so a typo cannot silently keep the default.
 */
export function withConstants(source: string, constants: Record<string, number>): string {
  let out = source;
  for (const [name, value] of Object.entries(constants)) {
    const re = new RegExp(`const\\s+${name}\\s*:\\s*(u32|i32|f32)\\s*=\\s*[^;]+;`);
    const m = re.exec(out);
    if (!m) throw new Error(`shader constant ${name} is not declared (expected "const ${name}: u32 = ...;")`);
    const ty = m[1];
    const fits =
      ty === 'u32' ? Number.isInteger(value) && value >= 0 && value <= 0xffffffff
      : ty === 'i32' ? Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31
      : Number.isFinite(value);
    if (!fits) throw new Error(`shader constant ${name}: ${ty} cannot hold ${value}`);
    const lit = ty === 'u32' ? `${value}u` : ty === 'i32' ? `${value}i` : `${Number.isInteger(value) ? value.toFixed(1) : value}f`;
    out = out.replace(re, `const ${name}: ${ty} = ${lit};`);
  }
  return out;
}
