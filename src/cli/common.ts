// Pieces the model-lab commands share: behavior and option parsing, and loading a checkpoint together
// with its task and steering vector, turning every problem into one CliError line.
import { writeFileSync } from 'node:fs';
import { BEHAVIORS, isBehavior, type Behavior, type BehaviorTask } from '../data/types';
import { getTask } from '../data/tasks';
import { EXTRACTION_MODES, WINDOW_MODES, type ExtractionMode, type SteeringVector, type WindowMode } from '../steering/types';
import { extractSteeringVector } from '../steering/extract';
import type { LanguageModel } from '../model/types';
import { CliError, type Args } from './args';
import { createModel, loadCheckpointFile, parseBackend } from './backend';
import type { DecodedCheckpoint } from '../store/checkpoint';

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

/** Loads a checkpoint for a behavior: it must carry a tokenizer that matches the task's vocabulary. */
export async function loadForBehavior(args: Args, behavior: Behavior): Promise<Loaded> {
  const path = args.str('checkpoint');
  const checkpoint = await loadCheckpointFile(path);
  const task = getTask(behavior);
  const tok = checkpoint.metadata.tokenizer as { vocab?: string[] } | undefined;
  if (!tok || !Array.isArray(tok.vocab)) throw new CliError(`${path}: the checkpoint has no tokenizer in its metadata, so its token ids cannot be read as text`);
  if (tok.vocab.join('\u0000') !== task.tokenizer.vocab.join('\u0000'))
    throw new CliError(`${path}: the checkpoint's tokenizer differs from the ${behavior} task's vocabulary`);
  if (checkpoint.config.vocabSize !== task.tokenizer.vocabSize) throw new CliError(`${path}: config.vocabSize ${checkpoint.config.vocabSize} != tokenizer size ${task.tokenizer.vocabSize}`);
  if (checkpoint.config.contextLength < task.promptLength + task.maxResponseLength)
    throw new CliError(`${path}: contextLength ${checkpoint.config.contextLength} is shorter than a ${behavior} prompt + response (${task.promptLength + task.maxResponseLength})`);
  const model = await createModel(checkpoint.config, checkpoint.params, parseBackend(args));
  return { checkpoint, model, task };
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
      layer: args.int('layer', loaded.model.config.nLayers - 1),
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

export function writeOut(path: string, bytes: Uint8Array) {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
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
