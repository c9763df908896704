// WebGPU in Node through Dawn (the `webgpu` npm package), for the CLI and benchmarks.
// On Linux without a GPU, Dawn finds an adapter only through SwiftShader's Vulkan driver, which Debian's
// chromium package ships: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (DESIGN §7).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setShaderLoader } from './shader-source';
import { NoAdapterError, requestDeviceFrom, type DeviceOptions } from './device';

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];

const HOW_TO_FIX =
  'Dawn (the `webgpu` npm package) needs a Vulkan driver. On a machine without a GPU install Debian\'s ' +
  '`chromium` (it ships the SwiftShader Vulkan driver) and `libvulkan1` (apt-get install chromium libvulkan1), ' +
  'then run with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json';

function shadersDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../shaders'), resolve(process.cwd(), 'shaders')];
  const found = candidates.find((d) => existsSync(join(d, 'matmul.wgsl')));
  if (!found) throw new Error(`cannot find the shaders/ folder (looked in ${candidates.join(', ')})`);
  return found;
}

/** Makes loadShader() read shaders/<name>.wgsl from disk. Idempotent. */
export function installNodeShaderLoader(): void {
  const dir = shadersDir();
  setShaderLoader((name) => {
    const p = join(dir, `${name}.wgsl`);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  });
}

let webgpuModule: typeof import('webgpu') | null = null;
let gpuSingleton: GPU | null = null;

async function dawn(): Promise<typeof import('webgpu')> {
  if (!webgpuModule) {
    try {
      webgpuModule = await import('webgpu');
    } catch (e) {
      throw new NoAdapterError(`cannot load the \`webgpu\` package (${(e as Error).message}); run npm install`);
    }
    Object.assign(globalThis, webgpuModule.globals);
  }
  return webgpuModule;
}

/**
 * A GPUDevice from Dawn with the adapter's real limits. Throws a NoAdapterError that says how to fix it.
 * With no VK_ICD_FILENAMES set: on a machine without a GPU device node SwiftShader is used directly;
 * otherwise the hardware driver is tried first and SwiftShader is the fallback.
 */
export async function requestNodeDevice(opts: DeviceOptions = {}): Promise<GPUDevice> {
  installNodeShaderLoader();
  const mod = await dawn();
  const icd = SWIFTSHADER_ICDS.find((p) => existsSync(p));
  if (!process.env.VK_ICD_FILENAMES && icd && !hasGpuDeviceNode()) process.env.VK_ICD_FILENAMES = icd;
  quietXdgRuntimeDir();
  if (!gpuSingleton) gpuSingleton = mod.create([]);
  try {
    return await requestDeviceFrom(gpuSingleton, opts, HOW_TO_FIX);
  } catch (e) {
    if (!(e instanceof NoAdapterError) || process.env.VK_ICD_FILENAMES || !icd) throw e;
    process.env.VK_ICD_FILENAMES = icd; // read by the Vulkan loader when Dawn creates its next instance
    gpuSingleton = mod.create([]);
    return requestDeviceFrom(gpuSingleton, opts, HOW_TO_FIX);
  }
}

/**
 * The Vulkan stack prints "error: XDG_RUNTIME_DIR is invalid or not set" to stderr on headless machines
 * (a CLI's stderr is for its own messages). Give it a private directory (reused across runs) when unset.
 */
function quietXdgRuntimeDir(): void {
  if (process.env.XDG_RUNTIME_DIR || process.platform !== 'linux') return;
  try {
    const dir = join(tmpdir(), `vspo-xdg-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  } catch {
    // harmless: only the warning stays
  }
}

function hasGpuDeviceNode(): boolean {
  return ['/dev/nvidia0', '/dev/dri/renderD128', '/dev/kfd'].some((p) => existsSync(p));
}

export { NoAdapterError };
