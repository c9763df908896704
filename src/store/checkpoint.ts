// Checkpoints: a GPT's parameters, its config, run metadata and steering vectors in one safetensors
// file (DESIGN §6). The same bytes are exported, imported, stored in IndexedDB and shipped in public/.
// Pure (no IndexedDB, no fs): works in Node and in the browser.
//
// File layout:
//   tensors        every paramSpecs(config) tensor under its Hugging Face name, in paramSpecs order,
//                  then `steering.<behavior>` [C] for each steering vector
//   __metadata__   string -> string; every value is a JSON string:
//                  config   {"vocabSize","contextLength","dModel","nLayers","nHeads"}
//                  steering {"<behavior>": {mode, layer, window, relativeScale, norm, ...}}
//                  tokenizer, task, step, createdAt and any other keys the caller passes
//
// decodeCheckpoint validates everything (config fields and size limits, checked before any parameter table
// is built; every tensor present with the right shape, no unknown tensors, finite values; each steering
// vector's metadata via steeringMetaError) and throws a one-line CheckpointError otherwise. encodeCheckpoint
// applies the same checks, so what it writes always decodes.
import { BEHAVIORS, isBehavior, type Behavior } from '../data/types';
import { getTask } from '../data/tasks';
import { configError, numel, paramSpecs, type GPTConfig } from '../model/config';
import type { Params } from '../model/types';
import { steeringMetaError, type SteeringVector, type SteeringVectorMeta } from '../steering/types';
import { CheckpointError, decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors';

export { CheckpointError } from './safetensors';
export type { SteeringVector, SteeringVectorMeta } from '../steering/types';

/** A steering vector to store: the [C] tensor and its metadata (mode, layer, window, relativeScale, norm, ...). */
export interface SteeringEntry {
  vector: Float32Array; // [C]
  meta: object;
}

export interface CheckpointMetadata {
  config: GPTConfig;
  tokenizer?: unknown;
  task?: unknown;
  step?: number;
  createdAt?: string;
  steering?: Record<string, SteeringVectorMeta>;
  [key: string]: unknown;
}

export interface CheckpointInput {
  config: GPTConfig;
  params: Params;
  /** tokenizer, task, step, createdAt, ...: each stored as a JSON string (config and steering are set here). */
  metadata?: Record<string, unknown>;
  steering?: Record<string, SteeringEntry>;
}

export interface Checkpoint {
  config: GPTConfig;
  params: Params;
  metadata: CheckpointMetadata;
  /** Keyed by behavior. The metadata is checked by steeringMetaError (unknown extra fields are kept). */
  steering: Record<string, SteeringVector>;
}
export type DecodedCheckpoint = Checkpoint;

const STEERING_PREFIX = 'steering.';

function pickConfig(c: GPTConfig): GPTConfig {
  return { vocabSize: c.vocabSize, contextLength: c.contextLength, dModel: c.dModel, nLayers: c.nLayers, nHeads: c.nHeads };
}

function checkFinite(name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x - x !== 0) throw new CheckpointError(`tensor "${name}" contains ${Number.isNaN(x) ? 'NaN' : 'Inf'} (at index ${i})`);
  }
}

export function encodeCheckpoint(input: CheckpointInput): Uint8Array {
  const err = configError(input.config);
  if (err) throw new CheckpointError(`invalid config: ${err}`);
  const config = pickConfig(input.config);
  const tensors: [string, SafetensorsTensor][] = [];
  for (const spec of paramSpecs(config)) {
    const a = input.params.get(spec.name);
    if (!a) throw new CheckpointError(`missing tensor "${spec.name}" (shape [${spec.shape.join(', ')}])`);
    if (a.length !== numel(spec.shape)) {
      throw new CheckpointError(`tensor "${spec.name}" has ${a.length} values, the config needs shape [${spec.shape.join(', ')}] = ${numel(spec.shape)}`);
    }
    checkFinite(spec.name, a);
    tensors.push([spec.name, { shape: spec.shape, data: a }]);
  }
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.metadata ?? {})) {
    if (k === 'config' || k === 'steering' || v === undefined) continue;
    meta[k] = JSON.stringify(v);
  }
  meta.config = JSON.stringify(config);
  const steering = input.steering ?? {};
  const steeringMeta: Record<string, object> = Object.create(null);
  for (const [behavior, entry] of Object.entries(steering)) {
    const name = STEERING_PREFIX + behavior;
    if (entry.vector.length !== config.dModel) {
      throw new CheckpointError(`steering vector "${behavior}" has ${entry.vector.length} values, expected dModel = ${config.dModel}`);
    }
    if (behavior === '' || behavior === '__proto__') throw new CheckpointError(`steering vector name ${JSON.stringify(behavior)} is not allowed`);
    const bad = steeringMetaError(entry.meta, { behavior, nLayers: config.nLayers, dModel: config.dModel }, entry.vector);
    if (bad) throw new CheckpointError(bad);
    tensors.push([name, { shape: [config.dModel], data: entry.vector }]);
    steeringMeta[behavior] = entry.meta;
  }
  if (Object.keys(steeringMeta).length > 0) meta.steering = JSON.stringify(steeringMeta);
  return encodeSafetensors(tensors, meta);
}

/** The config stored in checkpoint metadata, validated (field limits and total size, arithmetically). */
function configFromMetadata(raw: Record<string, string>): GPTConfig {
  if (raw.config === undefined) throw new CheckpointError('checkpoint metadata has no "config"');
  let parsedConfig: unknown;
  try {
    parsedConfig = JSON.parse(raw.config);
  } catch {
    throw new CheckpointError('checkpoint metadata "config" is not valid JSON');
  }
  if (typeof parsedConfig !== 'object' || parsedConfig === null || Array.isArray(parsedConfig)) {
    throw new CheckpointError('checkpoint metadata "config" must be a JSON object');
  }
  const err = configError(parsedConfig as Partial<GPTConfig>);
  if (err) throw new CheckpointError(`invalid config: ${err}`);
  return pickConfig(parsedConfig as GPTConfig);
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  // The config is checked on the header alone, before any tensor data is copied and before paramSpecs
  // builds a table: a hostile nLayers = 1e9 is refused in microseconds.
  const { tensors, metadata: raw } = decodeSafetensors(bytes, configFromMetadata);
  const config = configFromMetadata(raw);

  const metadata: CheckpointMetadata = { config };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'config') continue;
    try {
      metadata[k] = JSON.parse(v);
    } catch {
      metadata[k] = v; // a plain string written by another tool
    }
  }
  const steeringMeta = metadata.steering;
  if (steeringMeta !== undefined && (typeof steeringMeta !== 'object' || steeringMeta === null || Array.isArray(steeringMeta))) {
    throw new CheckpointError('checkpoint metadata "steering" must be a JSON object keyed by behavior');
  }

  const specs = paramSpecs(config);
  const params: Params = new Map();
  const expected = new Set<string>();
  for (const spec of specs) {
    expected.add(spec.name);
    const t = tensors.get(spec.name);
    if (!t) throw new CheckpointError(`missing tensor "${spec.name}" (the config needs shape [${spec.shape.join(', ')}])`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new CheckpointError(`tensor "${spec.name}" has shape [${t.shape.join(', ')}] but the config needs [${spec.shape.join(', ')}]`);
    }
    params.set(spec.name, t.data);
  }

  const steering: Record<string, SteeringVector> = {};
  for (const [name, t] of tensors) {
    if (expected.has(name)) continue;
    if (!name.startsWith(STEERING_PREFIX) || name.length === STEERING_PREFIX.length) {
      throw new CheckpointError(`unexpected tensor "${name}" (not a parameter of this config and not steering.<behavior>)`);
    }
    const behavior = name.slice(STEERING_PREFIX.length);
    if (t.shape.length !== 1 || t.shape[0] !== config.dModel) {
      throw new CheckpointError(`tensor "${name}" has shape [${t.shape.join(', ')}] but a steering vector needs [${config.dModel}]`);
    }
    const table = steeringMeta as Record<string, unknown> | undefined;
    const meta = table !== undefined && Object.hasOwn(table, behavior) ? table[behavior] : undefined;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      throw new CheckpointError(`steering vector "${behavior}" has no metadata object under the "steering" metadata key`);
    }
    if (behavior === '__proto__') throw new CheckpointError(`steering vector name "__proto__" is not allowed`);
    const bad = steeringMetaError(meta, { behavior, nLayers: config.nLayers, dModel: config.dModel }, t.data);
    if (bad) throw new CheckpointError(bad);
    steering[behavior] = { vector: t.data, meta: meta as SteeringVectorMeta };
  }
  return { config, params, metadata, steering };
}

// --- the checks beyond the file format: can this checkpoint serve a behavior's task? ---------------
// One function for every door (the worker's load and import, the CLI's --checkpoint): DESIGN §6.

/** The behavior a checkpoint is for: metadata.task (a name or {behavior}), else its only steering vector. */
export function checkpointBehavior(checkpoint: Pick<Checkpoint, 'metadata' | 'steering'>): Behavior | undefined {
  const task = checkpoint.metadata.task as { behavior?: unknown } | string | undefined;
  const named = typeof task === 'string' ? task : typeof task?.behavior === 'string' ? task.behavior : undefined;
  if (named !== undefined && isBehavior(named)) return named;
  const vectors = Object.keys(checkpoint.steering);
  return vectors.length === 1 && isBehavior(vectors[0]) ? vectors[0] : undefined;
}

/** Why `checkpoint` cannot run `behavior`'s task (its tokenizer, vocabulary and context), or null when it can. */
export function taskMismatch(checkpoint: Pick<Checkpoint, 'config' | 'metadata'>, behavior: Behavior): string | null {
  const task = getTask(behavior);
  const vocab = (checkpoint.metadata.tokenizer as { vocab?: unknown } | undefined)?.vocab;
  if (!Array.isArray(vocab)) return 'the checkpoint has no tokenizer in its metadata, so its token ids cannot be read as text';
  if (vocab.join('\u0000') !== task.tokenizer.vocab.join('\u0000')) return `the checkpoint's tokenizer differs from the ${behavior} task's vocabulary`;
  if (checkpoint.config.vocabSize !== task.tokenizer.vocabSize) return `config.vocabSize ${checkpoint.config.vocabSize} differs from the tokenizer's ${task.tokenizer.vocabSize}`;
  const needed = task.promptLength + task.maxResponseLength;
  if (checkpoint.config.contextLength < needed) return `contextLength ${checkpoint.config.contextLength} is shorter than a ${behavior} prompt + response (${needed})`;
  return null;
}

/**
 * The behavior to load a checkpoint for (`chosen`, else its own) and the task, after taskMismatch; throws a
 * one-line CheckpointError. With no behavior at all (an import of a file that names none), every task is
 * tried and the checkpoint passes when one accepts it (`behavior` is then undefined).
 */
export function checkTaskFit(checkpoint: Pick<Checkpoint, 'config' | 'metadata' | 'steering'>, chosen?: Behavior): { behavior?: Behavior } {
  const behavior = chosen ?? checkpointBehavior(checkpoint);
  if (behavior !== undefined) {
    const why = taskMismatch(checkpoint, behavior);
    if (why) throw new CheckpointError(why);
    return { behavior };
  }
  const reasons = BEHAVIORS.map((b) => taskMismatch(checkpoint, b));
  if (reasons.every(Boolean)) throw new CheckpointError(reasons[0]!);
  return {};
}
