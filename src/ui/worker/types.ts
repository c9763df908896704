// What the UI's stores need from the worker, in the UI's own words. client.ts implements it on top of
// the worker's one comlink API (src/worker/api.ts); nothing else in src/ui knows the worker exists.
import type { Behavior } from '../../data/types';
import type { GPTConfig } from '../../model/config';
import type { RlConfig } from '../../rl/config';
import type { RolloutSample, StepMetrics } from '../../rl/loop';
import type { SteeringVectorMeta } from '../../steering/types';
import type {
  Backend,
  ExtractProgress,
  ExtractRequest,
  LoadedWeights,
  PretrainProgress,
  PretrainRequest,
  PretrainStatus,
  SweepPointCI,
  SweepRequest,
  SweepVectorChoice,
  VectorReport,
} from '../../worker/api';

export type { Backend, ExtractProgress, ExtractRequest, LoadedWeights, PretrainProgress, PretrainRequest, PretrainStatus, SweepPointCI, SweepRequest, SweepVectorChoice, VectorReport };


/** A checkpoint load skipped because a later pick replaced it before its turn. */
export class SupersededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SupersededError';
  }
}

/** The ref prefix of weights the worker loaded but could not store (a pretraining or vector whose save failed). */
export const UNSAVED = 'unsaved:';

export interface ModelInfo {
  /** 'shipped:<behavior>' or 'db:<id>'; UNSAVED + the worker's name for weights in memory only (they cannot be loaded again). */
  ref: string;
  name: string;
  behavior: Behavior;
  config: GPTConfig;
  step?: number;
  /** The steering vector for `behavior`, if the checkpoint carries one. */
  vector?: SteeringVectorMeta;
  metadata?: Record<string, unknown>;
  /** Which weights were in memory when this was loaded (later changes come as weights events). */
  weights: LoadedWeights;
}

export interface GenerateRequest {
  alpha: number;
  /** How many held-out prompts (validation split, drawn in the worker from n and seed). */
  n: number;
  temperature: number;
  seed: number;
}

export interface Generated {
  prompt: string;
  response: string;
  markers: [number, number][];
  accuracy: number;
  behavior: number;
}

export type RunEvent =
  | { kind: 'metrics'; runId: string; metrics: StepMetrics }
  | { kind: 'samples'; runId: string; samples: RolloutSample[] }
  | { kind: 'status'; runId: string; status: 'running' | 'paused' | 'stopped' | 'finished' | 'halted' | 'device-lost' | 'failed'; message?: string; autosaveId?: string; autosaveStep?: number };

/** A run starts from the loaded checkpoint (the worker's), never from a reference passed here. */
export interface StartRunRequest {
  config: RlConfig;
  /** The run's name (stored with it; renamed later in the run list). The worker names an unnamed run. */
  name?: string;
}

export class NoWebGpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoWebGpuError';
  }
}

/** A call that was in flight when the client was disposed (a backend switch or another restart): it will not settle otherwise. */
export class WorkerRestartedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerRestartedError';
  }
}

export const isRestarted = (e: unknown): boolean => (e as { name?: unknown } | null)?.name === 'WorkerRestartedError';

/** A call stopped by cancelSweep() / cancelGenerate(): the worker names its error 'CancelledError'. Not a failure. */
export function isCancelled(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === 'CancelledError';
}

export interface WorkbenchClient {
  init(backend: Backend): Promise<{ backend: Backend; adapter?: string; kernels?: string; note?: string }>;
  /** Loads run in the order asked; one whose `superseded()` says true when its turn comes is skipped (SupersededError). */
  loadCheckpoint(ref: string, behavior: Behavior, superseded?: () => boolean): Promise<ModelInfo>;
  /** Streams the texts so far, judged in the worker. */
  generate(req: GenerateRequest, onTokens: (partial: Generated[]) => void): Promise<Generated[]>;
  /** Stops the generations asked for so far (they reject with a cancelled error); true when one was in flight. */
  cancelGenerate(): Promise<boolean>;
  /** Each point carries the 95% Wilson interval of its behavior rate (behaviorCI). */
  sweep(req: SweepRequest, onProgress: (done: number, total: number) => void): Promise<SweepPointCI[]>;
  /** Stops the running sweep between batches (it rejects with a cancelled error, no points); true when one was running. */
  cancelSweep(): Promise<boolean>;
  startRun(req: StartRunRequest, onEvent: (e: RunEvent) => void): Promise<{ runId: string }>;
  /**
   * Continues a stored run from its last auto-save (after a device loss or a closed tab): its first step,
   * and the model the worker loaded for it (the run's starting checkpoint, holding the auto-save's weights).
   */
  resumeRun(runId: string, onEvent: (e: RunEvent) => void): Promise<{ runId: string; firstStep: number; model?: ModelInfo }>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** Puts the loaded checkpoint's weights back after a run (refused while a run is active). */
  resetWeights(): Promise<LoadedWeights>;
  /** Stores a checkpoint file after the loader's every check (in the worker); rejects with one line, nothing written. */
  importCheckpoint(bytes: Uint8Array, fileName: string): Promise<{ id: string; name: string }>;
  /** Saves the current model (trained or loaded) to IndexedDB. */
  saveCheckpoint(name: string): Promise<{ id: string; name: string }>;
  /** The current weights as safetensors bytes. */
  exportCheckpoint(): Promise<Uint8Array>;
  /** Times a fixed generation (`prompts` held-out prompts, `tokens` tokens each, unsteered, T = 1): tokens per second. */
  probe(prompts: number, tokens: number): Promise<number>;
  // --- the lab (src/worker/lab.ts): pretraining and vectors ---
  /** Pretrains a fresh model; on the end (or after stopPretrain) the checkpoint is stored (kind 'pretrain') and is the loaded one. */
  pretrain(req: PretrainRequest, onProgress: (p: PretrainProgress) => void): Promise<ModelInfo>;
  pausePretrain(): Promise<PretrainStatus>;
  resumePretrain(): Promise<PretrainStatus>;
  /** Resolves once the weights trained so far are saved and installed (pretrain() then resolves too). */
  stopPretrain(): Promise<PretrainStatus>;
  pretrainStatus(): Promise<PretrainStatus>;
  /** A candidate vector from the loaded checkpoint's weights (it replaces the previous candidate). */
  extractVector(req: ExtractRequest, onProgress: (done: number, total: number) => void): Promise<VectorReport>;
  candidateVector(): Promise<VectorReport | null>;
  /** Stores the candidate in the checkpoint with these doses; the new checkpoint is saved and loaded. */
  saveVector(o: { alpha: number; grid: number[] }): Promise<ModelInfo>;
  /** Ends the worker; calls in flight reject with a WorkerRestartedError (`reason`; run it again). */
  dispose(reason?: string): void;
}
