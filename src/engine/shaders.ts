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
  'matmul_skinny',
  'cast_f16',
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
 * Source variants of a kernel family.
 *  subgroups: the workgroup reductions of shaders/reduce.wgsl come from reduce_subgroups.wgsl instead
 *             (same functions, subgroup operations); needs the `subgroups` feature.
 *  f16B:      matmul_vec4's and matmul_skinny's B operand is packed f16 (matmul_b_f16.wgsl for matmul_b.wgsl; core WGSL,
 *             no feature needed): the f16 weights of Tuning.f16Weights.
 */
export interface ShaderVariant {
  subgroups?: boolean;
  f16B?: boolean;
}

/** The cache key of a variant ('' for the plain source). */
export const variantKey = (v: ShaderVariant) => `${v.subgroups ? '+subgroups' : ''}${v.f16B ? '+f16B' : ''}`;

/** WGSL text of one kernel family, with its includes expanded and compile-time constants injected. */
export function shaderCode(name: ShaderName, constants: Record<string, number> = {}, variant: ShaderVariant = {}): string {
  const swap: Record<string, string> = {};
  if (variant.subgroups) swap.reduce = 'reduce_subgroups';
  if (variant.f16B) swap.matmul_b = 'matmul_b_f16';
  const code = expandIncludes(loadShader(name), swap);
  // `enable` must precede every declaration, so it goes first, ahead of the file's own comments.
  return withConstants(variant.subgroups ? `enable subgroups;\n${code}` : code, constants);
}
