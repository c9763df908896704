// The WGSL kernels by name (one op family per file in shaders/). Importing this module registers the
// Vite `?raw` bundle as the shader loader; under plain Node (tsx) `import.meta.glob` does not exist and
// node-device.ts installs a filesystem loader instead (see ./shader-source.ts).
import { expandIncludes, hasShaderLoader, loadShader, setShaderLoader, withConstants } from './shader-source';

export { expandIncludes };

export const SHADER_NAMES = [
  'encoder',
  'encoder_layernorm',
  'layernorm',
  'layernorm_params',
  'matmul',
  'matmul_vec4',
  'attention',
  'attention_flash',
  'gelu',
  'residual',
  'steering',
  'logprob',
  'adamw',
  'sample',
] as const;
export type ShaderName = (typeof SHADER_NAMES)[number];

function viteSources(): Record<string, string> | null {
  try {
    // Vite rewrites this call into static imports at build/transform time. Under tsx it is undefined
    // and throws, which we treat as "not in Vite".
    const mods = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
    const out: Record<string, string> = {};
    for (const [path, text] of Object.entries(mods)) out[path.replace(/^.*\//, '').replace(/\.wgsl$/, '')] = text;
    return out;
  } catch {
    return null;
  }
}

const bundled = viteSources();
if (bundled && !hasShaderLoader()) setShaderLoader((name) => bundled[name]);

/**
 * Source variants of a kernel family that need an optional device feature.
 *  subgroups: the workgroup reductions of shaders/reduce.wgsl come from reduce_subgroups.wgsl instead
 *             (same functions, subgroup operations); needs the `subgroups` feature.
 */
export interface ShaderVariant {
  subgroups?: boolean;
}

/** The cache key of a variant ('' for the plain source). */
export const variantKey = (v: ShaderVariant) => (v.subgroups ? '+subgroups' : '');

/** WGSL text of one kernel family, with its includes expanded and compile-time constants injected. */
export function shaderCode(name: ShaderName, constants: Record<string, number> = {}, variant: ShaderVariant = {}): string {
  if (!variant.subgroups) return withConstants(expandIncludes(loadShader(name)), constants);
  // `enable` must precede every declaration, so it goes first, ahead of the file's own comments.
  return withConstants(`enable subgroups;\n${expandIncludes(loadShader(name), { reduce: 'reduce_subgroups' })}`, constants);
}
