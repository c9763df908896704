// Compute pipelines cached by (shader, entry point, injected constants). Bind group layouts are explicit
// and derived from the WGSL declarations, so every entry point of one file shares one layout and kernels
// are bound by variable name: { a: bufA, out: bufOut }. The uniform struct `Params` (binding 0, scalars
// only) is encoded from an object by field name, with its u32/i32/f32 types read from the WGSL.
import { shaderCode, variantKey, type ShaderName, type ShaderVariant } from './shaders';

export interface BindingInfo {
  name: string;
  binding: number;
  type: 'uniform' | 'storage' | 'read-only-storage';
}

export interface ParamField {
  name: string;
  type: 'u32' | 'i32' | 'f32';
}

export interface Kernel {
  key: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  bindings: BindingInfo[];
  params: ParamField[];
}

interface Module {
  module: GPUShaderModule;
  layout: GPUBindGroupLayout;
  pipelineLayout: GPUPipelineLayout;
  bindings: BindingInfo[];
  params: ParamField[];
}

/** WGSL without its comments (line and block), so a commented-out declaration is not read as one. */
const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/** The group-0 buffer bindings declared in WGSL, by binding number: the bind group layout's entries. */
export function parseBindings(code: string): BindingInfo[] {
  const re = /@group\(0\)\s*@binding\((\d+)\)\s*var(?:<([^>]+)>)?\s+(\w+)/g;
  const out: BindingInfo[] = [];
  for (const m of stripComments(code).matchAll(re)) {
    const space = (m[2] ?? '').replace(/\s/g, '');
    const type = space === 'uniform' ? 'uniform' : space === 'storage,read_write' ? 'storage' : 'read-only-storage';
    out.push({ binding: Number(m[1]), name: m[3], type });
  }
  return out.sort((a, b) => a.binding - b.binding);
}

/** The fields of the uniform `struct Params` in declaration order ([] when the shader has none). */
export function parseParams(code: string): ParamField[] {
  const m = /struct\s+Params\s*\{([^}]*)\}/.exec(stripComments(code));
  if (!m) return [];
  const fields: ParamField[] = [];
  for (const f of m[1].split(',')) {
    const mm = /(\w+)\s*:\s*(u32|i32|f32)/.exec(f);
    if (mm) fields.push({ name: mm[1], type: mm[2] as ParamField['type'] });
    else if (f.trim()) throw new Error(`struct Params: only u32/i32/f32 fields are supported (got "${f.trim()}")`);
  }
  return fields;
}

export class PipelineCache {
  private modules = new Map<string, Module>();
  private kernels = new Map<string, Kernel>();

  constructor(readonly device: GPUDevice) {}

  get(shader: ShaderName, entry: string, constants: Record<string, number> = {}, variant: ShaderVariant = {}): Kernel {
    const ckey = JSON.stringify(Object.entries(constants).sort());
    const name = `${shader}${variantKey(variant)}`;
    const key = `${name}:${entry}:${ckey}`;
    const hit = this.kernels.get(key);
    if (hit) return hit;
    const mkey = `${name}:${ckey}`;
    let mod = this.modules.get(mkey);
    if (!mod) {
      const code = shaderCode(shader, constants, variant);
      const bindings = parseBindings(code);
      const layout = this.device.createBindGroupLayout({
        label: shader,
        entries: bindings.map((b) => ({ binding: b.binding, visibility: 0x4 /* GPUShaderStage.COMPUTE */, buffer: { type: b.type } })),
      });
      mod = {
        module: this.device.createShaderModule({ code, label: name }),
        layout,
        pipelineLayout: this.device.createPipelineLayout({ bindGroupLayouts: [layout], label: shader }),
        bindings,
        params: parseParams(code),
      };
      this.modules.set(mkey, mod);
    }
    const pipeline = this.device.createComputePipeline({
      label: `${name}.${entry}`,
      layout: mod.pipelineLayout,
      compute: { module: mod.module, entryPoint: entry },
    });
    const kernel: Kernel = { key, pipeline, layout: mod.layout, bindings: mod.bindings, params: mod.params };
    this.kernels.set(key, kernel);
    return kernel;
  }

  /** The shader modules compiled so far, by `shader[+variant]:constants` (what a test can inspect). */
  moduleKeys(): string[] {
    return [...this.modules.keys()];
  }

  /** Surfaces WGSL compile errors of every loaded module (useful in tests). */
  async compileErrors(): Promise<string[]> {
    const out: string[] = [];
    for (const [k, m] of this.modules) {
      const info = await m.module.getCompilationInfo();
      for (const msg of info.messages) if (msg.type === 'error') out.push(`${k}:${msg.lineNum}:${msg.linePos} ${msg.message}`);
    }
    return out;
  }
}

/** Bytes of a Params struct (scalars only, 16-byte rounded as uniform buffers require). */
export const paramsBytes = (fields: ParamField[]) => Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);

/** Encodes `values` into `view` at `offset` in the field order of the WGSL struct. */
export function encodeParams(fields: ParamField[], values: Record<string, number>, view: DataView, offset: number, what: string): void {
  for (const k of Object.keys(values)) {
    if (!fields.some((f) => f.name === k)) throw new Error(`${what}: unknown param "${k}"`);
  }
  fields.forEach((f, i) => {
    const v = values[f.name];
    if (v === undefined) throw new Error(`${what}: missing param "${f.name}"`);
    const o = offset + i * 4;
    if (f.type === 'f32') view.setFloat32(o, v, true);
    else if (f.type === 'i32') view.setInt32(o, v, true);
    else {
      if (!(v >= 0) || !Number.isInteger(v)) throw new Error(`${what}: param "${f.name}" must be a non-negative integer (got ${v})`);
      view.setUint32(o, v, true);
    }
  });
}
