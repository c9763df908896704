// What every model-using CLI command shares: reading a checkpoint file and building a model on the
// chosen backend. Every problem becomes one CliError line (exit code 2).
import { constants, statSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { GPTConfig } from '../model/config';
import { formatBytes } from '../util/format';
import { createCpuModel } from '../model/cpu-model';
import type { LanguageModel, Params } from '../model/types';
import { CheckpointError, decodeCheckpoint, type Checkpoint } from '../store/checkpoint';
import { CliError, type Args } from './args';

export type { Backend } from '../model/types';
import type { Backend } from '../model/types';

/** `--backend cpu|webgpu`, default cpu. */
export function parseBackend(args: Args): Backend {
  const b = args.str('backend', 'cpu');
  if (b !== 'cpu' && b !== 'webgpu') throw new CliError(`--backend must be cpu or webgpu (got "${b}")`);
  return b;
}

/** The largest checkpoint file the CLI reads: 1 GiB (a model at the 200M-parameter limit is 800 MB). */
export const MAX_CHECKPOINT_FILE_BYTES = 2 ** 30;

/** Paths (resolved) and device:inode of every checkpoint read in this process: writeOut refuses to replace them. */
export const loadedCheckpointFiles: { path: string; dev: number; ino: number }[] = [];

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a checkpoint file's bytes: only a regular file of at most MAX_CHECKPOINT_FILE_BYTES, refused
 * before it is opened otherwise (so /dev/zero cannot fill memory and a FIFO cannot hang the command).
 * The file is then opened non-blocking and checked again on the open descriptor (it is the same file and
 * still regular), and at most the size stat reported is read.
 */
export async function readCheckpointBytes(path: string): Promise<Uint8Array> {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CliError(`checkpoint not found: ${path}`);
    throw new CliError(`cannot read checkpoint ${path}: ${firstLine(e)}`);
  }
  if (st.isDirectory()) throw new CliError(`checkpoint path is a directory: ${path}`);
  if (!st.isFile()) throw new CliError(`checkpoint ${path} is ${kindOf(st)}, not a regular file; give the path of a .safetensors file`);
  if (st.size > MAX_CHECKPOINT_FILE_BYTES) {
    throw new CliError(`checkpoint ${path} is ${st.size} bytes (${formatBytes(st.size)}); the limit is ${MAX_CHECKPOINT_FILE_BYTES} bytes (1 GiB)`);
  }
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const now = await fh.stat();
    if (!now.isFile() || now.dev !== st.dev || now.ino !== st.ino) throw new CliError(`checkpoint ${path} changed while it was being opened; try again`);
    const size = Math.min(now.size, MAX_CHECKPOINT_FILE_BYTES);
    const buf = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    loadedCheckpointFiles.push({ path: resolve(path), dev: st.dev, ino: st.ino });
    return got === size ? buf : buf.subarray(0, got);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read checkpoint ${path}: ${firstLine(e)}`);
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Reads and validates a safetensors checkpoint; missing, unreadable, non-regular, oversized or malformed files are a CliError. */
export async function loadCheckpointFile(path: string): Promise<Checkpoint> {
  const bytes = await readCheckpointBytes(path);
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    if (e instanceof CheckpointError) throw new CliError(`bad checkpoint ${path}: ${e.message}`);
    throw new CliError(`bad checkpoint ${path}: ${firstLine(e)}`);
  }
}

export async function createModel(config: GPTConfig, params: Params, backend: Backend): Promise<LanguageModel> {
  if (backend === 'cpu') {
    try {
      return createCpuModel(config, params);
    } catch (e) {
      throw new CliError(`cannot build the model: ${(e as Error).message}`);
    }
  }
  // Loaded on first use: the CPU path never loads Dawn or the WGSL engine.
  let gpu: typeof import('../model/gpu-model');
  let dev: typeof import('../engine/node-device');
  let check: typeof import('../model/gpu-check');
  let launch: typeof import('../engine/launch');
  try {
    [gpu, dev, check, launch] = await Promise.all([import('../model/gpu-model'), import('../engine/node-device'), import('../model/gpu-check'), import('../engine/launch')]);
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
    await check.checkDevice(device, launch.defaultTuning(device)); // once per device (DESIGN §9)
  } catch (e) {
    throw new CliError(`webgpu backend refused: ${firstLine(e)} (use --backend cpu)`);
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
