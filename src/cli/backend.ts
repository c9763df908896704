// What every model-using CLI command shares: reading a checkpoint file and building a model on the
// chosen backend. Every problem becomes one CliError line (exit code 2).
import { readFile } from 'node:fs/promises';
import type { GPTConfig } from '../model/config';
import { createCpuModel } from '../model/cpu-model';
import type { LanguageModel, Params } from '../model/types';
import { CheckpointError, decodeCheckpoint, type Checkpoint } from '../store/checkpoint';
import { CliError, type Args } from './args';

export type Backend = 'cpu' | 'webgpu';

/** `--backend cpu|webgpu`, default cpu. */
export function parseBackend(args: Args): Backend {
  const b = args.str('backend', 'cpu');
  if (b !== 'cpu' && b !== 'webgpu') throw new CliError(`--backend must be cpu or webgpu (got "${b}")`);
  return b;
}

/** Reads and validates a safetensors checkpoint; missing, unreadable or malformed files are a CliError. */
export async function loadCheckpointFile(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`checkpoint not found: ${path}`);
    if (code === 'EISDIR') throw new CliError(`checkpoint path is a directory: ${path}`);
    throw new CliError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    if (e instanceof CheckpointError) throw new CliError(`bad checkpoint ${path}: ${e.message}`);
    throw new CliError(`bad checkpoint ${path}: ${(e as Error).message}`);
  }
}

interface GpuModelModule {
  createGpuModel(device: GPUDevice, config: GPTConfig, params: Params): LanguageModel | Promise<LanguageModel>;
}
interface NodeDeviceModule {
  requestNodeDevice(): Promise<GPUDevice>;
}

// Module paths held in variables: the GPU model is optional at build time, so the CPU path never
// depends on it being present.
const GPU_MODEL = '../model/gpu-model';
const NODE_DEVICE = '../engine/node-device';

export async function createModel(config: GPTConfig, params: Params, backend: Backend): Promise<LanguageModel> {
  if (backend === 'cpu') {
    try {
      return createCpuModel(config, params);
    } catch (e) {
      throw new CliError(`cannot build the model: ${(e as Error).message}`);
    }
  }
  let gpu: GpuModelModule;
  let dev: NodeDeviceModule;
  try {
    gpu = (await import(/* @vite-ignore */ GPU_MODEL)) as GpuModelModule;
    dev = (await import(/* @vite-ignore */ NODE_DEVICE)) as NodeDeviceModule;
    if (typeof gpu.createGpuModel !== 'function' || typeof dev.requestNodeDevice !== 'function') throw new Error('module exports are missing');
  } catch (e) {
    throw new CliError(`webgpu backend unavailable: ${firstLine(e)}`);
  }
  let device: GPUDevice;
  try {
    device = await dev.requestNodeDevice();
  } catch (e) {
    throw new CliError(`webgpu backend unavailable: ${firstLine(e)}`);
  }
  try {
    return await gpu.createGpuModel(device, config, params);
  } catch (e) {
    throw new CliError(`webgpu model failed to start: ${firstLine(e)}`);
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** Comma-separated token ids, each an integer in [lo, vocabSize). */
export function parseTokenList(args: Args, name: string, vocabSize: number, lo = 0): Int32Array {
  const list = args.list(name);
  list.forEach((t, i) => {
    if (!Number.isInteger(t) || t < lo || t >= vocabSize) {
      throw new CliError(`--${name}: "${t}" at position ${i} is not a token id in [${lo}, ${vocabSize})`);
    }
  });
  return Int32Array.from(list);
}
