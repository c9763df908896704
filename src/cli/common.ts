// Pieces the model-lab commands share: behavior and option parsing, and loading a checkpoint together
// with its task and steering vector, turning every problem into one CliError line.
import { closeSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BEHAVIORS, isBehavior, type Behavior, type BehaviorTask } from '../data/types';
import { getTask } from '../data/tasks';
import { EXTRACTION_MODES, MAX_GRID_LENGTH, WINDOW_MODES, type ExtractionMode, type SteeringVector, type WindowMode } from '../steering/types';
import { extractSteeringVector } from '../steering/extract';
import type { LanguageModel } from '../model/types';
import { CliError, type Args } from './args';
import { createModel, loadCheckpointFile, loadedCheckpointFiles, parseBackend } from './backend';
import type { GPTConfig } from '../model/config';
import { taskMismatch, type DecodedCheckpoint } from '../store/checkpoint';

export function parseBehavior(args: Args): Behavior {
  const b = args.str('behavior');
  if (!isBehavior(b)) throw new CliError(`unknown behavior "${b}" (expected one of: ${BEHAVIORS.join(', ')})`);
  return b;
}

export function parseMode(args: Args, fallback?: ExtractionMode): ExtractionMode | undefined {
  if (!args.has('mode')) return fallback;
  const m = args.str('mode');
  if (!(EXTRACTION_MODES as readonly string[]).includes(m)) throw new CliError(`unknown --mode "${m}" (expected one of: ${EXTRACTION_MODES.join(', ')})`);
  return m as ExtractionMode;
}

export function parseWindow(args: Args): WindowMode | undefined {
  if (!args.has('window')) return undefined;
  const w = args.str('window');
  if (!(WINDOW_MODES as readonly string[]).includes(w)) throw new CliError(`unknown --window "${w}" (expected one of: ${WINDOW_MODES.join(', ')})`);
  return w as WindowMode;
}

export interface Loaded {
  checkpoint: DecodedCheckpoint;
  model: LanguageModel;
  task: BehaviorTask;
}

/** Reads a checkpoint for a behavior: the same task checks as the worker's (taskMismatch, DESIGN §6); no model yet. */
export async function readForBehavior(args: Args, behavior: Behavior): Promise<Omit<Loaded, 'model'>> {
  const path = args.str('checkpoint');
  const checkpoint = await loadCheckpointFile(path);
  const task = getTask(behavior);
  const mismatch = taskMismatch(checkpoint, behavior);
  if (mismatch) throw new CliError(`${path}: ${mismatch}`);
  checkSteeringFlags(args, checkpoint.config);
  return { checkpoint, task };
}

/** Builds the model of a checkpoint read by readForBehavior (so a command can check its input in between). */
export async function withModel(args: Args, read: Omit<Loaded, 'model'>): Promise<Loaded> {
  const model = await createModel(read.checkpoint.config, read.checkpoint.params, parseBackend(args));
  return { ...read, model };
}

/** Loads a checkpoint for a behavior and builds its model. */
export async function loadForBehavior(args: Args, behavior: Behavior): Promise<Loaded> {
  return withModel(args, await readForBehavior(args, behavior));
}

/** `--layer L`: the block whose output a vector is added to, an integer in [0, nLayers) of this model. */
export function parseLayer(args: Args, nLayers: number): number {
  const layer = args.int('layer', nLayers - 1);
  if (layer < 0 || layer >= nLayers) throw new CliError(`--layer must be an integer in [0, ${nLayers}) for this ${nLayers}-layer checkpoint (got ${layer})`);
  return layer;
}

/**
 * The flags that end up in a steering vector (or its stored metadata), checked once the checkpoint is
 * known and before any model is built, so a bad one is one line instead of a failure deep in extraction
 * or in encoding the output checkpoint. Flags a command does not accept never reach here (checkFlags).
 */
export function checkSteeringFlags(args: Args, config: GPTConfig): void {
  if (args.has('layer')) parseLayer(args, config.nLayers);
  parseMode(args);
  parseWindow(args);
  if (args.has('pairs')) {
    const pairs = args.int('pairs');
    if (pairs < 1) throw new CliError(`--pairs must be a positive integer (got ${pairs})`);
  }
  if (args.has('grid') && args.list('grid').length > MAX_GRID_LENGTH) throw new CliError(`--grid has ${args.list('grid').length} values; the limit is ${MAX_GRID_LENGTH}`);
  if (args.has('train-steps')) {
    const steps = args.int('train-steps');
    if (steps < 1) throw new CliError(`--train-steps must be a positive integer (got ${steps})`);
  }
  if (args.has('train-lr')) {
    const lr = args.num('train-lr');
    if (!(lr > 0)) throw new CliError(`--train-lr must be a number > 0 (got ${lr})`);
  }
}

/**
 * The vector to steer with: extracted afresh when --mode is given (e.g. the `random` control),
 * otherwise the one stored in the checkpoint for this behavior.
 */
export async function steeringVectorFor(args: Args, loaded: Loaded, behavior: Behavior): Promise<SteeringVector> {
  const mode = parseMode(args);
  if (mode) {
    return extractSteeringVector(loaded.model, loaded.task, {
      mode,
      layer: parseLayer(args, loaded.model.config.nLayers),
      window: parseWindow(args),
      pairs: args.int('pairs', 200),
      pca: args.bool('pca'),
      seed: args.int('vector-seed', 0),
    });
  }
  const stored = loaded.checkpoint.steering[behavior];
  if (!stored) throw new CliError(`${args.str('checkpoint')}: no steering vector for "${behavior}" in this checkpoint (make one with: vspo vector --checkpoint ... --behavior ${behavior} --out ...)`);
  const window = parseWindow(args);
  return window ? { vector: stored.vector, meta: { ...stored.meta, window } } : stored;
}

/**
 * Writes an output file atomically: the bytes go to a temporary file in the same directory, are flushed
 * to disk, and the temporary file is renamed over the target, so a crash or a full disk never leaves a
 * half-written checkpoint (the old file stays whole until the rename). Refuses a target that is not a
 * regular file (a directory, /dev/null, a FIFO) and the checkpoint this process read as its input
 * (--checkpoint): overwriting the input is refused; choose another --out path.
 */
export function writeOut(path: string, bytes: Uint8Array) {
  let target = resolve(path);
  try {
    const l = lstatSync(target);
    if (l.isSymbolicLink()) target = realpathSync(target); // replace the file the link points at, keep the link
    const st = statSync(target);
    if (st.isDirectory()) throw new CliError(`cannot write ${path}: it is a directory`);
    if (!st.isFile()) throw new CliError(`cannot write ${path}: it exists and is not a regular file`);
    if (loadedCheckpointFiles.some((f) => f.dev === st.dev && f.ino === st.ino)) {
      throw new CliError(`--out ${path} is the input checkpoint (--checkpoint); refusing to overwrite it, choose another --out path`);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`cannot write ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    throw new CliError(`cannot write ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    // Make the rename itself durable (best effort: not every platform can fsync a directory).
    const dfd = openSync(dirname(target), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* best effort */
  }
}

export const progress = (msg: string) => process.stderr.write(msg + '\n');

/**
 * Everything a command prints on stdout goes through these. Each resolves once the stream has handed the
 * text to the OS (the write callback), so a command that awaits it never runs ahead of a slow pipe; main.ts
 * additionally waits for stdout and stderr to drain before the process exits, so output arrives whole
 * through a pipe (`vspo grads … | wc -c`). A closed reader (EPIPE) resolves too: main.ts ends the process.
 */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.destroyed) return resolve();
    process.stdout.write(text, () => resolve());
  });
}

/** One line of text on stdout. */
export const writeLine = (text: string): Promise<void> => writeStdout(text + '\n');

/** One JSON value on stdout: on one line, or indented over several with `pretty` (for people, not pipes). */
export const writeJson = (value: unknown, pretty = false): Promise<void> => writeLine(pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value));
