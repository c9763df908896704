// `npm run bench -- --node`: the suite of bench/suite.ts headless in Node, ours and TF.js's WebGPU backend
// both on Dawn (the `webgpu` package) in this one process: on Vulkan with the machine's driver, or on
// SwiftShader where there is no GPU (src/engine/node-device.ts). TF.js finds WebGPU through
// globalThis.navigator.gpu, which is set here to a Dawn GPU object before TF.js is imported.
import { requestNodeDevice, NoAdapterError } from '../src/engine/node-device';
import { deviceAdapterInfo } from '../src/engine/device';
import type { TuningName } from '../src/engine/launch';
import type { Result } from './suite';
import { pathToFileURL } from 'node:url';
import { parseArgs, type Options } from './options';

export interface NodeBenchOptions {
  full: boolean;
  quick: boolean;
  only: string[];
  tunings: TuningName[];
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** Exit code: 0 all ran, 1 a benchmark failed, 2 no WebGPU adapter. */
export async function runNodeBench(opts: NodeBenchOptions): Promise<number> {
  const uncaptured: string[] = [];
  let device: GPUDevice;
  try {
    device = await requestNodeDevice({ onError: (e) => uncaptured.push(e.message) });
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    log(`no WebGPU adapter was found: ${e.message}`);
    process.stdout.write(JSON.stringify({ bench: 'adapter', found: false, error: e.message }) + '\n');
    return 2;
  }
  const info = deviceAdapterInfo(device);
  const { create } = await import('webgpu');
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: `node ${process.version}` }, configurable: true, writable: true });
  const { adapterName, isSwiftShader, runSuite } = await import('./suite'); // after navigator.gpu exists: TF.js registers its backend on import
  const desc = { vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', device: info?.device ?? '', description: info?.description ?? '' };
  const name = adapterName(desc);
  log(`adapter: ${name}${isSwiftShader(desc) ? ' (SwiftShader: CPU emulation, no GPU adapter was found)' : ''}`);
  let errors = 0;
  const emit = async (r: Result) => {
    if (r.bench === 'error') errors++;
    process.stdout.write(JSON.stringify({ ...r, adapter: name }) + '\n');
  };
  await runSuite({ device, info: desc, runtime: `node ${process.version} + dawn (webgpu package)`, ...opts, emit, progress: async (m) => { log(m); } }, uncaptured);
  device.destroy();
  return errors ? 1 : 0;
}

/** The suite with the --timeout stop; what `npm run bench -- --node` and the GPU kit's bundle run. */
export async function mainNode(opts: Options): Promise<number> {
  const timer = setTimeout(() => {
    log(`gave up after ${opts.timeoutS} s (use --timeout, or --quick)`);
    process.exit(1);
  }, opts.timeoutS * 1000);
  const t0 = Date.now();
  const code = await runNodeBench(opts);
  clearTimeout(timer);
  log(`finished in ${((Date.now() - t0) / 1000).toFixed(1)} s${code === 1 ? ', a benchmark failed' : ''}`);
  return code;
}

// Run directly as the bundle (`node node-bench.mjs --json …`, bench/gpu-kit.sh) rather than imported by bench/run.ts.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  mainNode(parseArgs(process.argv.slice(2))).then(
    (code) => process.exit(code),
    (e) => {
      log(`failed: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
