// The one bridge between the UI and the worker that owns the device and the model (DESIGN §1); storage
// has its own module, src/store/db.ts, whose checkpoint bytes only the worker writes (DESIGN §6). The UI creates the
// worker with `connectWorkbench()` and calls these methods through comlink; callbacks (metrics,
// streamed tokens, progress, events) must be passed wrapped in `Comlink.proxy(fn)` — `connectWorkbench`
// re-exports `proxy` for that. Everything that crosses is structured-clonable plain data.
import * as Comlink from 'comlink';
import type { Behavior, Score, Split } from '../data/types';
import type { GPTConfig } from '../model/config';
import type { ConfigError, RlConfig } from '../rl/config';
import type { EvalMetrics, RolloutSample, StepMetrics } from '../rl/loop';
import type { SweepPoint } from '../steering/sweep';
import type { SteeringVectorMeta, WindowMode } from '../steering/types';
import type { CheckpointRecord } from '../store/db';

export type { Backend } from '../model/types';
import type { Backend } from '../model/types';

export interface InitOptions {
  backend: Backend;
  /** When WebGPU is asked for but unavailable (or the device cannot be had), use the CPU backend instead of failing. */
  fallbackToCpu?: boolean;
}

export interface InitResult {
  backend: Backend;
  /** Why WebGPU was not used when falling back to the CPU. */
  fallbackReason?: string;
  adapter?: { vendor: string; architecture: string; description: string };
  limits?: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  /** The kernels the model runs, in words (WebGPU: the tuning picked for this adapter). */
  kernels?: string;
}

/** Ends the source of weights the lab loaded but could not store (a pretraining or vector whose save failed). */
export const UNSAVED_SUFFIX = ' (unsaved)';

export interface ModelInfo {
  /** Where the weights came from: a stored checkpoint id (`db:<id>`), the name given with the bytes, or a name + UNSAVED_SUFFIX. */
  source: string;
  config: GPTConfig;
  paramCount: number;
  behavior: Behavior;
  /** Metadata of the checkpoint (command, seed, steps, createdAt, …) as stored. */
  metadata: Record<string, unknown>;
  /** The behavior's steering vector stored in the checkpoint, if any. */
  steering: SteeringVectorMeta | null;
  /** Behaviors that have a vector in this checkpoint. */
  vectors: Behavior[];
  /** Training steps recorded in the checkpoint (0 for a base model). */
  step: number;
  /** Which weights are in memory now: the checkpoint as loaded, or what a run left behind. */
  weights: LoadedWeights;
}

/** The Steer view says which of these it is showing, so trained weights never pass for the checkpoint. */
export type LoadedWeights = { kind: 'checkpoint' } | { kind: 'run'; runId: string; runName: string; step: number };

export interface GenerateOptions {
  /** How many held-out prompts to answer: task.problems('validation', n, createRng(seed)) (default 4; at most 256). Drawn here only. */
  n?: number;
  seed: number;
  alpha: number;
  temperature: number; // 0 = greedy
  topK?: number;
  window?: WindowMode; // default: the vector's own window
  /** Streamed updates every this many tokens (default 1). */
  streamEvery?: number;
}

/** The texts so far, judged as they grow (so the UI never draws or scores prompts itself). */
export interface GenerateUpdate {
  step: number; // tokens generated so far
  texts: GeneratedText[]; // per prompt: the response so far (cut at the stop token) and its score
}

export interface GeneratedText {
  prompt: string;
  response: string;
  score: Score; // accuracy, behavior, behaviorReward, markers (spans in `response` to highlight)
}

export interface SweepRequest {
  alphas: number[];
  samples: number; // held-out prompts per intensity (validation split: doses are chosen there)
  seed: number;
  temperature?: number; // default 1
  window?: WindowMode;
  /** The lab: which vector to steer with (default 'loaded'); see SweepVectorChoice. */
  vector?: SweepVectorChoice;
  /** The lab: the seed of the 'random' control's direction (default 0, as `vspo sweep --mode random`). */
  vectorSeed?: number;
}

export interface SweepProgress {
  done: number;
  total: number;
}

export type RunState = 'idle' | 'running' | 'paused' | 'finished' | 'stopped' | 'halted' | 'device-lost';

export interface RunStatus {
  state: RunState;
  runId: string | null;
  method: RlConfig['method'] | null;
  stepsDone: number;
  steps: number;
  /** Why the run stopped, when it did not simply finish. */
  message?: string;
  /** The run's latest auto-save (the resume point after a device loss or a closed tab). */
  lastAutosave?: { checkpointId: string; step: number };
}

/** A run's step as it happens: its metrics and its rollouts (with their α, reward and advantage). */
export type StepListener = (metrics: StepMetrics, rollouts: RolloutSample[]) => void;

export interface StartOptions {
  name?: string;
  /** Create the run but do not step until resume() or stepOnce(). */
  paused?: boolean;
}

export interface RunInfo {
  runId: string;
  config: RlConfig;
  /** First step this run will take (> 1 when resumed from an auto-save). */
  firstStep: number;
  /** resumeRun only: the model it loaded (the run's starting checkpoint, holding the auto-save's weights). */
  model?: ModelInfo;
}

export type WorkerEvent =
  | { type: 'status'; status: RunStatus }
  | { type: 'autosaved'; checkpoint: CheckpointRecord }
  /** A save that failed (e.g. storage quota): the run goes on; the previous auto-save is intact. */
  | { type: 'save-failed'; message: string; bytesNeeded?: number }
  /** The WebGPU device is gone: the run has stopped; resumeRun(runId) continues from lastAutosave after init() again. */
  | { type: 'device-lost'; message: string; runId: string | null; lastAutosave?: { checkpointId: string; step: number } }
  | { type: 'error'; message: string }
  /** The weights in memory changed (a run started from the checkpoint, took steps, or they were reset). */
  | { type: 'weights'; weights: LoadedWeights }
  /**
   * Another model was loaded: by any call that loads one, including those that then fail (a pretraining
   * or vector whose save failed is loaded unsaved) and resumeRun (the run's starting checkpoint).
   */
  | { type: 'model'; model: ModelInfo };

export type ValidateResult = { config: RlConfig; error?: undefined } | { error: ConfigError; config?: undefined };

// --- the lab: pretraining and vectors ---
// The worker side of the Pretrain view and the Vector lab (logic in src/worker/lab.ts). Pretraining is the
// same loop as `vspo pretrain` (src/model/pretrain.ts): the same request gives the same weights and the same
// checkpoint metadata. One pretraining at a time, never beside an RL run (each refuses while the other is
// active); generate/sweep/evaluate on the loaded checkpoint interleave with its steps.

/** A pretraining, validated up front (pretrainRequestError in lab.ts): errors are one line naming the field. */
export interface PretrainRequest {
  behavior: Behavior;
  /** How often the corpus shows the behavior (default: the behavior's constant), like `--corpus-rate`. */
  corpusRate?: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  seed: number;
  steps: number;
  batch: number;
  lr: number;
  /** Validation loss and evaluation every this many steps (always after the last step). */
  evalEvery?: number;
}

/**
 * Sent after every step; at an evaluation point a second report for the same step carries valLoss and eval.
 * Times exclude pauses; tokensPerSec counts batch × (prompt + response) tokens per second of training.
 */
export interface PretrainProgress {
  step: number;
  steps: number;
  /** Running (exponentially smoothed) training loss, nats per response token. */
  loss: number;
  /** Mean cross-entropy on fixed corpus-style examples with validation operands. */
  valLoss?: number;
  /** evaluatePolicy on the validation split (greedy accuracy: eval.greedy.accuracy; sampled base rate: eval.sampled.behavior). */
  eval?: import('../steering/sweep').EvalResult;
  tokensPerSec: number;
  elapsedMs: number;
  etaMs: number;
}

export type PretrainState = 'idle' | 'running' | 'paused' | 'finished' | 'stopped' | 'failed';

export interface PretrainStatus {
  state: PretrainState;
  behavior: Behavior | null;
  stepsDone: number;
  steps: number;
  /** Why it failed, or where its weights went. */
  message?: string;
}

export interface ExtractRequest {
  mode: import('../steering/types').ExtractionMode;
  /** Block whose output the vector is added to, in [0, nLayers). */
  layer: number;
  window?: WindowMode; // default 'decision'
  pairs?: number; // default 200
  pca?: boolean;
  seed?: number; // default 0
}

/** Sequences read so far out of the extraction's total. */
export interface ExtractProgress {
  done: number;
  total: number;
}

/** The candidate vector: its metadata (norm, relativeScale, …) and its cosine to each vector stored in the checkpoint. */
export interface VectorReport {
  meta: SteeringVectorMeta;
  cosine: Partial<Record<Behavior, number>>;
}

/**
 * 'loaded': the checkpoint's vector for its behavior; 'candidate': the last extractVector(); 'random': a seeded
 * random direction with the SAME norm, layer and window as the candidate when one is held, else as the loaded vector.
 */
export type SweepVectorChoice = 'loaded' | 'candidate' | 'random';

/** A sweep point with the 95% Wilson interval of its behavior rate (behavior × counted successes of counted). */
export interface SweepPointCI extends SweepPoint {
  behaviorCI: [number, number];
}

export interface LabApi {
  /**
   * Pretrains a fresh model (initParams(seed)) on the behavior's corpus, one step at a time under the device
   * lock; progress streams through onProgress. At the end (or after stopPretrain) the checkpoint is saved to
   * IndexedDB (kind 'pretrain', the same metadata as `vspo pretrain`) and installed as the loaded checkpoint.
   * Rejects with a ConfigError naming the field, or a StateError while an RL run or another pretraining is active.
   */
  pretrain(o: PretrainRequest, onProgress?: (p: PretrainProgress) => void): Promise<ModelInfo>;
  /** Finishes the step in flight, then waits. */
  pausePretrain(): Promise<PretrainStatus>;
  resumePretrain(): Promise<PretrainStatus>;
  /** Finishes the step in flight, then saves and installs the weights trained so far (step = the steps done); resolves once they are. */
  stopPretrain(): Promise<PretrainStatus>;
  pretrainStatus(): Promise<PretrainStatus>;
  /** Extracts a vector from the loaded checkpoint's weights for its behavior; it becomes the candidate. */
  extractVector(o: ExtractRequest, onProgress?: (p: ExtractProgress) => void): Promise<VectorReport>;
  /** The candidate of the loaded checkpoint, if any (loading other weights drops it). */
  candidateVector(): Promise<VectorReport | null>;
  /**
   * Stores the candidate as the checkpoint's vector for its behavior with these doses (doseSplit 'validation'),
   * saves the new checkpoint to IndexedDB and installs it.
   */
  saveVector(o: { alpha: number; grid: number[] }): Promise<ModelInfo>;
}
// --- end of the lab ---

export interface WorkbenchApi extends LabApi {
  /** Opens the device (WebGPU via navigator.gpu, or the CPU model). Call again after a device loss. */
  init(o: InitOptions): Promise<InitResult>;
  /** Registers the listener for run status, auto-saves, save failures and device loss (one listener; a new call replaces it). */
  onEvent(listener: (e: WorkerEvent) => void): Promise<void>;

  /** Loads safetensors bytes (validated before anything changes). `behavior` defaults to the checkpoint's own task. */
  loadCheckpoint(bytes: Uint8Array, o?: { name?: string; behavior?: Behavior }): Promise<ModelInfo>;
  /** Loads a checkpoint stored in IndexedDB by id. */
  loadStoredCheckpoint(id: string, o?: { behavior?: Behavior }): Promise<ModelInfo>;
  /**
   * Stores a checkpoint file (kind 'import') after every check loading makes; refused with one line, and
   * nothing written, otherwise. Decoded here, off the UI thread. Does not need init().
   */
  importCheckpoint(bytes: Uint8Array, o: { name: string }): Promise<CheckpointRecord>;
  modelInfo(): Promise<ModelInfo | null>;

  /** Samples responses at intensity α, streaming partial texts through onTokens. Rejects with an error named 'CancelledError' after cancelGenerate(). */
  generate(o: GenerateOptions, onTokens?: (u: GenerateUpdate) => void): Promise<GeneratedText[]>;
  /**
   * Cancels every generate() called before it: a queued one rejects before it starts, a running one at
   * its next streamed update (one without onTokens runs to the end). True when one was running or queued.
   */
  cancelGenerate(): Promise<boolean>;
  /** Dose-response over the intensities (held-out prompts), with progress. Rejects with an error named 'CancelledError' after cancelSweep(). */
  sweep(o: SweepRequest, onProgress?: (p: SweepProgress) => void): Promise<SweepPointCI[]>;
  /**
   * Cancels every sweep() called before it: it rejects before its next batch of samples with an error
   * named 'CancelledError' (`sweep cancelled after k of n intensities`); the points measured so far are
   * dropped. True when a sweep was running or queued.
   */
  cancelSweep(): Promise<boolean>;
  /** Unsteered evaluation of the current weights (greedy and sampled) on a held-out split (default test). */
  evaluate(o: { samples: number; seed: number; split?: Split }): Promise<EvalMetrics>;
  /** Puts the loaded checkpoint's weights back after a run (refused while a run is active). */
  resetWeights(): Promise<ModelInfo>;

  validateConfig(config: Partial<RlConfig>): Promise<ValidateResult>;
  /**
   * Starts a run from the loaded CHECKPOINT: its weights (never what an earlier run left behind), fresh
   * AdamW state, step 0, and π_ref = the checkpoint. onStep gets step 0 (the evaluation before
   * training, no rollouts) and then every step with its rollouts. Rejects with the field named when the config is invalid.
   */
  start(config: Partial<RlConfig>, onStep: StepListener, o?: StartOptions): Promise<RunInfo>;
  /** Finishes the step in flight, then waits. */
  pause(): Promise<RunStatus>;
  resume(): Promise<RunStatus>;
  /** Finishes the step in flight, then ends the run (the weights stay loaded; saveCheckpoint still works). */
  stop(): Promise<RunStatus>;
  /** One step while paused (or before the first resume); null when there is no run to step. */
  stepOnce(): Promise<StepMetrics | null>;
  status(): Promise<RunStatus>;
  /** Continues a stored run from its last auto-save (after a device loss or a closed tab). */
  resumeRun(runId: string, onStep: StepListener): Promise<RunInfo>;

  /** Saves the current weights (with the steering vectors) to IndexedDB. Rejects with the bytes needed on a quota error. */
  saveCheckpoint(name?: string): Promise<CheckpointRecord>;
  /** The current weights as safetensors bytes (for download). */
  exportCheckpoint(): Promise<Uint8Array>;
  /** Frees the device. */
  dispose(): Promise<void>;
}

/** Starts the worker and wraps it. `proxy` must wrap every callback passed to the API. */
export function connectWorkbench(): { api: Comlink.Remote<WorkbenchApi>; worker: Worker; proxy: typeof Comlink.proxy } {
  const worker = new Worker(new URL('./workbench.worker.ts', import.meta.url), { type: 'module', name: 'vspo-workbench' });
  return { api: Comlink.wrap<WorkbenchApi>(worker), worker, proxy: Comlink.proxy };
}
