// The lab in the worker (issue 13): pretraining a base model, extracting a candidate steering vector,
// sweeping it against the loaded vector or a same-norm random control, and saving it into the checkpoint.
// The Workbench's lab block (src/worker/workbench.ts) only delegates here; the API is LabApi in api.ts.
//
// Pretraining is src/model/pretrain.ts's loop — the one `vspo pretrain` runs — with the worker's hooks:
// every step and validation loss under the device lock (so generate/sweep calls interleave), a yield to the
// message queue and the pause/stop gate before each step. The hooks never change what a step computes, so
// the same request gives the CLI's weights bit for bit, and pretrainMetadata gives the CLI's metadata.
//
//   running ──pausePretrain()──▶ paused ──resumePretrain()──▶ running
//   running | paused ──stopPretrain()──▶ (save, install) stopped      the budget done ──▶ (save, install) finished
//   an error (non-finite loss, device lost) ──▶ failed (nothing saved)
import { createTask, getTask } from '../data/tasks';
import { isBehavior, BEHAVIORS, type Behavior, type BehaviorTask } from '../data/types';
import { configError, type GPTConfig } from '../model/config';
import { initParams } from '../model/init';
import { defaultPretrain, PRETRAIN_EVALUATION, pretrain, pretrainMetadata } from '../model/pretrain';
import type { LanguageModel } from '../model/types';
import { cosine, extractSteeringVector, randomVectorLike } from '../steering/extract';
import { evaluatePolicy, type EvalResult, type SweepPoint } from '../steering/sweep';
import { EXTRACTION_MODES, MAX_GRID_LENGTH, steeringMetaError, WINDOW_MODES, type SteeringVector, type SteeringVectorMeta } from '../steering/types';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../store/checkpoint';
import { StorageQuotaError, type WorkbenchDB } from '../store/db';
import type {
  ExtractProgress,
  ExtractRequest,
  LoadedWeights,
  ModelInfo,
  PretrainProgress,
  PretrainRequest,
  PretrainState,
  PretrainStatus,
  SweepPointCI,
  SweepVectorChoice,
  VectorReport,
} from './api';
import { UNSAVED_SUFFIX } from './api';
import { errorMessage, namedError, type Mutex } from './locks';
import type { ModelBackend } from './workbench';

// --- statistics ----------------------------------------------------------------------------------

const Z95 = 1.959963984540054;

/** 95% Wilson score interval of k successes in n trials ([0, 1] when n = 0). */
export function wilson95(k: number, n: number): [number, number] {
  if (!(n > 0)) return [0, 1];
  const p = Math.min(1, Math.max(0, k / n));
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At p = 0 and p = 1 the bound is exactly 0 or 1 (rounding would leave 1e-17 off it).
  return [p === 0 ? 0 : Math.max(0, centre - half), p === 1 ? 1 : Math.min(1, centre + half)];
}

/** Attaches the behavior rate's Wilson interval to each point: successes = behavior × counted (behavior is a mean over the counted responses). */
export function withBehaviorCI(points: SweepPoint[]): SweepPointCI[] {
  return points.map((p) => ({ ...p, behaviorCI: wilson95(Math.round(p.behavior * p.counted), p.counted) }));
}

// --- validation ----------------------------------------------------------------------------------

/** Bounds of a PretrainRequest (besides the model config's own, CONFIG_LIMITS). */
export const PRETRAIN_LIMITS = Object.freeze({ steps: 1_000_000, batch: 4096, lr: 1 });
const PRETRAIN_FIELDS = ['behavior', 'corpusRate', 'dModel', 'nLayers', 'nHeads', 'seed', 'steps', 'batch', 'lr', 'evalEvery'] as const;
const EXTRACT_FIELDS = ['mode', 'layer', 'window', 'pairs', 'pca', 'seed'] as const;
/** Most contrast pairs an extraction reads (the CLI default is 200). */
export const MAX_PAIRS = 10_000;
/** Sequences per generate call of an evaluation (scoreAt's default), for the fit check. */
const EVAL_BATCH = 64;

const shown = (v: unknown) => {
  const t = v === undefined ? 'nothing' : typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  return t.length > 60 ? t.slice(0, 57) + '...' : t;
};
const isObject = (o: unknown): o is Record<string, unknown> => typeof o === 'object' && o !== null && !Array.isArray(o);
const get = (o: Record<string, unknown>, k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
function intError(o: Record<string, unknown>, k: string, lo: number, hi: number): string | null {
  const v = get(o, k);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return `${k}: must be an integer in [${lo}, ${hi}] (got ${shown(v)})`;
  return null;
}
function unknownField(o: Record<string, unknown>, fields: readonly string[]): string | null {
  const k = Object.keys(o).find((key) => !fields.includes(key));
  return k === undefined ? null : `${k}: unknown field (expected ${fields.join(', ')})`;
}

/** The model a request describes: the behavior's vocabulary and prompt + response context. */
export function pretrainConfig(o: Pick<PretrainRequest, 'dModel' | 'nLayers' | 'nHeads'>, task: BehaviorTask): GPTConfig {
  return { vocabSize: task.tokenizer.vocabSize, contextLength: task.promptLength + task.maxResponseLength, dModel: o.dModel, nLayers: o.nLayers, nHeads: o.nHeads };
}

/** The first problem with a pretraining request as `field: message`, or null when it is valid. */
export function pretrainRequestError(o: unknown): string | null {
  if (!isObject(o)) return `request: must be an object {${PRETRAIN_FIELDS.join(', ')}} (got ${shown(o)})`;
  const unknown = unknownField(o, PRETRAIN_FIELDS);
  if (unknown) return unknown;
  const behavior = get(o, 'behavior');
  if (typeof behavior !== 'string' || !isBehavior(behavior)) return `behavior: must be one of ${BEHAVIORS.join(', ')} (got ${shown(behavior)})`;
  const rate = get(o, 'corpusRate');
  if (rate !== undefined && (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1)) return `corpusRate: must be a probability in [0, 1] (got ${shown(rate)})`;
  for (const k of ['dModel', 'nLayers', 'nHeads']) {
    const v = get(o, k);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return `${k}: must be a positive integer (got ${shown(v)})`;
  }
  const bad = configError(pretrainConfig(o as unknown as PretrainRequest, getTask(behavior)));
  if (bad) {
    const field = /^config\.(\w+) /.exec(bad)?.[1] ?? 'dModel';
    return `${field}: ${bad.replace(/config\./g, '')}`;
  }
  const e = intError(o, 'seed', 0, 2 ** 32 - 1) ?? intError(o, 'steps', 1, PRETRAIN_LIMITS.steps) ?? intError(o, 'batch', 1, PRETRAIN_LIMITS.batch);
  if (e) return e;
  const lr = get(o, 'lr');
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0 || lr > PRETRAIN_LIMITS.lr) return `lr: must be a number in (0, ${PRETRAIN_LIMITS.lr}] (got ${shown(lr)})`;
  if (get(o, 'evalEvery') !== undefined) return intError(o, 'evalEvery', 1, PRETRAIN_LIMITS.steps);
  return null;
}

/** The first problem with an extraction request for an nLayers-layer model, or null. */
export function extractRequestError(o: unknown, nLayers: number): string | null {
  if (!isObject(o)) return `request: must be an object {${EXTRACT_FIELDS.join(', ')}} (got ${shown(o)})`;
  const unknown = unknownField(o, EXTRACT_FIELDS);
  if (unknown) return unknown;
  const mode = get(o, 'mode');
  if (typeof mode !== 'string' || !(EXTRACTION_MODES as readonly string[]).includes(mode)) return `mode: must be one of ${EXTRACTION_MODES.join(', ')} (got ${shown(mode)})`;
  const layer = intError(o, 'layer', 0, nLayers - 1);
  if (layer) return `${layer} for this ${nLayers}-layer model`;
  const window = get(o, 'window');
  if (window !== undefined && (typeof window !== 'string' || !(WINDOW_MODES as readonly string[]).includes(window))) return `window: must be one of ${WINDOW_MODES.join(', ')} (got ${shown(window)})`;
  if (get(o, 'pairs') !== undefined) {
    const e = intError(o, 'pairs', 1, MAX_PAIRS);
    if (e) return e;
  }
  const pca = get(o, 'pca');
  if (pca !== undefined && typeof pca !== 'boolean') return `pca: must be true or false (got ${shown(pca)})`;
  if (pca === true && mode !== 'caa-response' && mode !== 'caa-decision') return `pca: applies to the caa-response and caa-decision modes only (mode is ${mode})`;
  if (get(o, 'seed') !== undefined) return intError(o, 'seed', 0, 2 ** 32 - 1);
  return null;
}

// --- the host ------------------------------------------------------------------------------------

/** What the lab sees of the loaded checkpoint (the Workbench's own record, structurally). */
export interface LabLoaded {
  checkpoint: Checkpoint;
  behavior: Behavior;
  task: BehaviorTask;
  weights: LoadedWeights;
}

/** What the lab needs from the Workbench that owns the device. */
export interface LabHost {
  readonly lock: Mutex;
  db(): Promise<WorkbenchDB>;
  /** The opened backend (throws a StateError before init(), a DeviceLostError after a loss). */
  backend(): ModelBackend;
  deviceLost(): string | null;
  /** The model in memory and the loaded checkpoint (throws like the Workbench's requireModel). */
  current(): { model: LanguageModel; loaded: LabLoaded };
  /** Whether an RL run is running or paused. */
  runActive(): boolean;
  /** Validates and installs a checkpoint as the loaded one (takes the lock). */
  install(checkpoint: Checkpoint, source: string, behavior: Behavior): Promise<ModelInfo>;
}

/** A pretraining in flight. */
interface Job {
  state: PretrainState;
  behavior: Behavior;
  steps: number;
  stepsDone: number;
  pauseRequested: boolean;
  stopRequested: boolean;
  /** dispose(): stop without saving. */
  abandoned: boolean;
  /** Resolves the gate's wait while paused. */
  wake: (() => void) | null;
  /** pausePretrain() calls waiting for the loop to reach the gate. */
  pauseWaiters: (() => void)[];
  pausedMs: number;
  pausedSince: number | null;
  /** Resolves once the pretraining has ended (saved and installed, or failed) and its status is final. */
  done: Promise<void>;
}

const send = <T>(cb: ((p: T) => void) | undefined, p: T) => {
  if (!cb) return;
  try {
    void Promise.resolve(cb(p) as unknown).catch(() => undefined);
  } catch {
    /* the UI went away: the work goes on */
  }
};
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export class Lab {
  private job: Job | null = null;
  private last: PretrainStatus = { state: 'idle', behavior: null, stepsDone: 0, steps: 0 };
  private candidate: { checkpoint: Checkpoint; behavior: Behavior; vector: SteeringVector } | null = null;

  constructor(private readonly host: LabHost) {}

  // --- guards --------------------------------------------------------------------------------------

  get pretraining(): boolean {
    return this.job !== null;
  }

  /** For the Workbench's run and device calls: refuses while a pretraining is in flight. */
  refuseWhilePretraining(what: string): void {
    if (this.job) throw namedError('StateError', `pretraining is in progress: stop it before ${what}`);
  }

  // --- pretraining ---------------------------------------------------------------------------------

  status(): PretrainStatus {
    const j = this.job;
    return j ? { state: j.state, behavior: j.behavior, stepsDone: j.stepsDone, steps: j.steps } : { ...this.last };
  }

  async pretrain(o: PretrainRequest, onProgress?: (p: PretrainProgress) => void): Promise<ModelInfo> {
    const err = pretrainRequestError(o);
    if (err) throw namedError('ConfigError', err);
    if (this.job) throw namedError('StateError', 'a pretraining is already in progress: stop it first');
    const backend = this.host.backend();
    const task = o.corpusRate === undefined ? getTask(o.behavior) : createTask(o.behavior, { rate: o.corpusRate });
    const config = pretrainConfig(o, task);
    const fits = (field: string, sequences: number) => {
      try {
        backend.checkFits?.(config, sequences, config.contextLength);
      } catch (e) {
        throw namedError('ConfigError', `${field}: ${errorMessage(e)}`);
      }
    };
    fits('dModel', 1);
    fits('batch', Math.max(o.batch, EVAL_BATCH));
    const job: Job = {
      state: 'running',
      behavior: o.behavior,
      steps: o.steps,
      stepsDone: 0,
      pauseRequested: false,
      stopRequested: false,
      abandoned: false,
      wake: null,
      pauseWaiters: [],
      pausedMs: 0,
      pausedSince: null,
      done: Promise.resolve(),
    };
    let ended = () => {};
    job.done = new Promise<void>((r) => (ended = r));
    // Claimed under the lock, where start() checks for a pretraining: the two can never both begin.
    const model = await this.host.lock.run(async () => {
      if (this.job) throw namedError('StateError', 'a pretraining is already in progress: stop it first');
      if (this.host.runActive()) throw namedError('StateError', 'a run is in progress: stop it before pretraining');
      const m = await backend.create(config, initParams(config, o.seed));
      this.job = job;
      return m;
    });
    try {
      const info = await this.runPretrain(job, model, o, task, config, backend, onProgress);
      this.last = { state: job.stopRequested ? 'stopped' : 'finished', behavior: o.behavior, stepsDone: job.stepsDone, steps: o.steps, message: `saved and loaded as ${info.source}` };
      return info;
    } catch (e) {
      this.last = { state: 'failed', behavior: o.behavior, stepsDone: job.stepsDone, steps: o.steps, message: errorMessage(e) };
      throw e;
    } finally {
      this.job = null;
      for (const w of job.pauseWaiters.splice(0)) w();
      ended();
    }
  }

  private async runPretrain(job: Job, model: LanguageModel, o: PretrainRequest, task: BehaviorTask, config: GPTConfig, backend: ModelBackend, onProgress?: (p: PretrainProgress) => void): Promise<ModelInfo> {
    const { lock } = this.host;
    const t0 = performance.now();
    let evalMs = 0;
    let evals = 0;
    let loss = NaN;
    let last: { step: number; valLoss: number | null; evaluation: EvalResult } | null = null;
    const activeMs = () => performance.now() - t0 - job.pausedMs - (job.pausedSince === null ? 0 : performance.now() - job.pausedSince);
    const tokensPerStep = o.batch * config.contextLength;
    const progress = (step: number, extra: Partial<PretrainProgress> = {}): PretrainProgress => {
      const elapsedMs = activeMs();
      const trainMs = Math.max(elapsedMs - evalMs, 1e-3);
      // Evaluations still to come: the evalEvery points after this step, and the final one unless it is done.
      const evalsLeft = (o.evalEvery ? Math.max(0, Math.floor((o.steps - 1) / o.evalEvery) - Math.floor(step / o.evalEvery)) : 0) + (last !== null && last.step >= o.steps ? 0 : 1);
      const etaMs = step > 0 && !job.stopRequested ? ((o.steps - step) * trainMs) / step + (evals > 0 ? (evalsLeft * evalMs) / evals : 0) : 0;
      return { step, steps: o.steps, loss, tokensPerSec: (step * tokensPerStep * 1000) / trainMs, elapsedMs, etaMs, ...extra };
    };
    try {
      const result = await pretrain(model, task, {
        ...defaultPretrain,
        steps: o.steps,
        batchSize: o.batch,
        lr: o.lr,
        seed: o.seed,
        progressEvery: 1,
        evalEvery: o.evalEvery,
        exclusive: (w) => lock.run(w),
        beforeStep: (stepsDone) => this.gate(job, stepsDone),
        onProgress: (p) => {
          loss = p.loss;
          job.stepsDone = p.step;
          send(onProgress, progress(p.step));
        },
        onEval: async (step, valLoss) => {
          if (job.abandoned) return;
          const e0 = performance.now();
          const evaluation = await lock.run(() => evaluatePolicy(model, task, PRETRAIN_EVALUATION));
          evalMs += performance.now() - e0;
          evals++;
          last = { step, valLoss, evaluation };
          send(onProgress, progress(step, { ...(valLoss === null ? {} : { valLoss }), eval: evaluation }));
        },
      });
      if (job.abandoned) throw namedError('StateError', 'pretraining abandoned: the workbench was disposed');
      const final = last as { step: number; valLoss: number | null; evaluation: EvalResult } | null;
      if (!final || final.step !== result.stepsDone) throw new Error('pretraining ended without its final evaluation');
      const metadata = pretrainMetadata({
        task,
        corpusRate: o.corpusRate,
        config,
        seed: o.seed,
        steps: o.steps,
        batchSize: o.batch,
        lr: o.lr,
        backend: backend.kind,
        stepsDone: result.stepsDone,
        elapsedMs: result.elapsedMs - job.pausedMs, // as the CLI's: the steps (and evaluations between them), not the pauses
        validationLoss: result.valLoss,
        evaluation: final.evaluation,
        out: 'base.safetensors',
      });
      const bytes = await lock.run(async () => encodeCheckpoint({ config, params: await model.getParams(), metadata }));
      return await this.storeAndInstall(bytes, o.behavior, {
        name: `${o.behavior} base d${o.dModel}×${o.nLayers} seed ${o.seed}${result.stopped ? ` (stopped at step ${result.stepsDone} of ${o.steps})` : ''}`,
        kind: 'pretrain',
        step: result.stepsDone,
      });
    } finally {
      model.dispose();
    }
  }

  /** Before each step: yield to the message queue, wait while paused, and say whether to go on. */
  private async gate(job: Job, stepsDone: number): Promise<boolean> {
    job.stepsDone = stepsDone;
    await tick();
    const lost = this.host.deviceLost();
    if (lost) throw namedError('DeviceLostError', `the device was lost (${lost}); the pretraining stopped and nothing was saved`);
    while (job.pauseRequested && !job.stopRequested && !job.abandoned) {
      if (job.state !== 'paused') {
        job.state = 'paused';
        job.pausedSince = performance.now();
        for (const w of job.pauseWaiters.splice(0)) w();
      }
      await new Promise<void>((r) => (job.wake = r));
      job.wake = null;
    }
    if (job.pausedSince !== null) {
      job.pausedMs += performance.now() - job.pausedSince;
      job.pausedSince = null;
    }
    job.state = 'running';
    for (const w of job.pauseWaiters.splice(0)) w(); // a pause called off (resume or stop) before it began
    return !job.stopRequested && !job.abandoned;
  }

  async pause(): Promise<PretrainStatus> {
    const j = this.job;
    if (j && j.state === 'running' && !j.stopRequested) {
      j.pauseRequested = true;
      await new Promise<void>((r) => j.pauseWaiters.push(r));
    }
    return this.status();
  }

  async resume(): Promise<PretrainStatus> {
    const j = this.job;
    if (j && j.pauseRequested) {
      j.pauseRequested = false;
      if (j.state === 'paused') j.state = 'running';
      j.wake?.();
      for (const w of j.pauseWaiters.splice(0)) w();
    }
    return this.status();
  }

  /** Stops after the step in flight; resolves once the weights so far are saved and installed. */
  async stop(): Promise<PretrainStatus> {
    const j = this.job;
    if (j) {
      j.stopRequested = true;
      j.wake?.();
      await j.done;
    }
    return this.status();
  }

  /** Ends a pretraining without saving it (the workbench is going away). */
  async dispose(): Promise<void> {
    const j = this.job;
    if (!j) return;
    j.abandoned = true;
    j.wake?.();
    await j.done;
  }

  /** Saves checkpoint bytes to IndexedDB and installs them; after a failed save the weights are still installed (unsaved) and the error names it. */
  private async storeAndInstall(bytes: Uint8Array, behavior: Behavior, o: { name: string; kind: 'pretrain' | 'manual'; step: number }): Promise<ModelInfo> {
    let id: string;
    try {
      id = (await (await this.host.db()).saveCheckpoint(bytes, { name: o.name, kind: o.kind, behavior, step: o.step })).id;
    } catch (e) {
      await this.host.install(decodeCheckpoint(bytes), o.name + UNSAVED_SUFFIX, behavior);
      const what = `${errorMessage(e)}; the weights are loaded but not stored: export them or free space and save`;
      throw namedError(e instanceof StorageQuotaError ? 'StorageQuotaError' : 'SaveError', what);
    }
    return this.host.install(decodeCheckpoint(bytes), `db:${id}`, behavior);
  }

  // --- vectors -------------------------------------------------------------------------------------

  private candidateOf(loaded: LabLoaded): SteeringVector | null {
    const c = this.candidate;
    return c && c.checkpoint === loaded.checkpoint && c.behavior === loaded.behavior ? c.vector : null;
  }

  private report(v: SteeringVector, loaded: LabLoaded): VectorReport {
    const cos: Partial<Record<Behavior, number>> = {};
    for (const [b, s] of Object.entries(loaded.checkpoint.steering)) if (isBehavior(b) && s.vector.length === v.vector.length) cos[b] = cosine(v.vector, s.vector);
    return { meta: { ...v.meta }, cosine: cos };
  }

  /** Extracts from the CHECKPOINT's weights (a temporary model when a run's weights are in memory); the result is the candidate. */
  async extractVector(o: ExtractRequest, onProgress?: (p: ExtractProgress) => void): Promise<VectorReport> {
    return this.host.lock.run(async () => {
      const { model, loaded } = this.host.current();
      const err = extractRequestError(o, loaded.checkpoint.config.nLayers);
      if (err) throw namedError('ConfigError', err);
      const temp = loaded.weights.kind === 'checkpoint' ? null : await this.host.backend().create(loaded.checkpoint.config, loaded.checkpoint.params);
      let v: SteeringVector;
      try {
        v = await extractSteeringVector(temp ?? model, loaded.task, { ...o, onProgress: onProgress ? (done, total) => send(onProgress, { done, total }) : undefined });
      } finally {
        temp?.dispose();
      }
      this.candidate = { checkpoint: loaded.checkpoint, behavior: loaded.behavior, vector: v };
      return this.report(v, loaded);
    });
  }

  candidateReport(): VectorReport | null {
    let loaded: LabLoaded;
    try {
      loaded = this.host.current().loaded;
    } catch {
      return null;
    }
    const c = this.candidateOf(loaded);
    return c ? this.report(c, loaded) : null;
  }

  /** The vector a sweep steers with (SweepVectorChoice). */
  sweepVector(o: { vector?: SweepVectorChoice; vectorSeed?: number }): SteeringVector {
    const { loaded } = this.host.current();
    const choice = o.vector ?? 'loaded';
    if (choice !== 'loaded' && choice !== 'candidate' && choice !== 'random') throw namedError('RangeError', `vector must be one of loaded, candidate, random (got ${shown(choice)})`);
    const seed = o.vectorSeed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) throw namedError('RangeError', `vectorSeed must be an integer in [0, ${2 ** 32 - 1}] (got ${shown(seed)})`);
    const stored = loaded.checkpoint.steering[loaded.behavior];
    const candidate = this.candidateOf(loaded);
    if (choice === 'candidate') {
      if (!candidate) throw namedError('StateError', 'there is no candidate vector for this checkpoint: call extractVector() first');
      return candidate;
    }
    if (choice === 'random') {
      const like = candidate ?? stored;
      if (!like) throw namedError('StateError', `a random control needs a vector to match: extract a candidate or load a checkpoint with a ${loaded.behavior} vector`);
      return randomVectorLike(like, seed);
    }
    if (!stored) throw namedError('StateError', `the checkpoint has no steering vector for ${loaded.behavior}`);
    return stored;
  }

  /** Writes the candidate into the loaded checkpoint with these doses, stores the result and installs it. */
  async saveVector(o: { alpha: number; grid: number[] }): Promise<ModelInfo> {
    if (this.host.runActive()) throw namedError('StateError', 'a run is in progress: stop it before saving a vector into the checkpoint');
    const { bytes, loaded, meta } = await this.host.lock.run(async () => {
      const { loaded } = this.host.current();
      const candidate = this.candidateOf(loaded);
      if (!candidate) throw namedError('StateError', 'there is no candidate vector for this checkpoint: call extractVector() first');
      if (!isObject(o)) throw namedError('ConfigError', `request: must be an object {alpha, grid} (got ${shown(o)})`);
      const unknown = unknownField(o, ['alpha', 'grid']);
      if (unknown) throw namedError('ConfigError', unknown);
      if (typeof o.alpha !== 'number' || !Number.isFinite(o.alpha)) throw namedError('ConfigError', `alpha: must be a finite number (got ${shown(o.alpha)})`);
      if (!Array.isArray(o.grid) || o.grid.length === 0 || o.grid.length > MAX_GRID_LENGTH || !o.grid.every((x) => typeof x === 'number' && Number.isFinite(x)))
        throw namedError('ConfigError', `grid: must be a list of 1 to ${MAX_GRID_LENGTH} finite numbers (got ${shown(o.grid)})`);
      const { config } = loaded.checkpoint;
      const meta: SteeringVectorMeta = { ...candidate.meta, grid: [...o.grid], alpha: o.alpha, doseSplit: 'validation' };
      const bad = steeringMetaError(meta, { behavior: loaded.behavior, nLayers: config.nLayers, dModel: config.dModel }, candidate.vector);
      if (bad) throw namedError('ConfigError', bad);
      const steering = { ...loaded.checkpoint.steering, [loaded.behavior]: { vector: candidate.vector, meta } };
      const bytes = encodeCheckpoint({ config, params: loaded.checkpoint.params, metadata: { ...loaded.checkpoint.metadata, createdAt: new Date().toISOString() }, steering });
      return { bytes, loaded, meta };
    });
    const step = Number(loaded.checkpoint.metadata.step ?? 0);
    const info = await this.storeAndInstall(bytes, loaded.behavior, {
      name: `${loaded.behavior} + ${meta.mode} vector (layer ${meta.layer}, α ${meta.alpha})`,
      kind: 'manual',
      step: Number.isFinite(step) ? step : 0,
    });
    this.candidate = null;
    return info;
  }
}
