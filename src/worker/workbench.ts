// The implementation behind the worker's comlink API (src/worker/api.ts). It holds the device-backed
// model, the trainer and the run loop; it does not know whether it runs in a Web Worker (the worker
// file exposes it) or under Node (the tests drive it directly with the CPU backend and fake-indexeddb).
import { isBehavior, type Behavior, type BehaviorTask, type Split } from '../data/types';
import { getTask } from '../data/tasks';
import { paramCount, type GPTConfig } from '../model/config';
import type { LanguageModel, Params } from '../model/types';
import { methodUsesSteering, needsReference, validateRlConfig, withVectorDefaults, type RlConfig } from '../rl/config';
import { trainedMetadata } from '../rl/checkpointing';
import { createTrainer, type EvalMetrics, type StepMetrics, type Trainer } from '../rl/loop';
import { sampleResponses } from '../steering/generate';
import { CancelledError, evaluatePolicy, runSweep } from '../steering/sweep';
import type { SteeringVector } from '../steering/types';
import { checkpointBehavior, checkTaskFit, decodeCheckpoint, encodeCheckpoint, taskMismatch, type Checkpoint } from '../store/checkpoint';
import { notSafetensors } from '../store/safetensors';
import { newId, StorageQuotaError, WorkbenchDB, type CheckpointRecord, type RunRecord } from '../store/db';
import { createRng } from '../util/rng';
import type {
  Backend,
  GenerateOptions,
  GenerateUpdate,
  GeneratedText,
  InitOptions,
  InitResult,
  LoadedWeights,
  ModelInfo,
  RunInfo,
  RunStatus,
  StartOptions,
  SweepRequest,
  SweepProgress,
  ValidateResult,
  // the lab
  ExtractProgress,
  ExtractRequest,
  PretrainProgress,
  PretrainRequest,
  PretrainStatus,
  SweepPointCI,
  VectorReport,
  WorkbenchApi,
  WorkerEvent,
  StepListener,
} from './api';
import { UNSAVED_SUFFIX } from './api';
import { Cancels, errorMessage, Mutex, namedError } from './locks';
import { Run, type RunHost } from './run';
import { acquireRunLock, type RunLease } from './runLocks';
import { Lab, withBehaviorCI } from './lab'; // the lab: pretraining and vectors

/** What a backend offers the workbench: model instances on one device. */
export interface ModelBackend {
  readonly kind: Backend;
  create(config: GPTConfig, params: Params): Promise<LanguageModel>;
  /** Refuses (throws, naming the limit) a model or batch the device cannot hold. */
  checkFits?(config: GPTConfig, sequences: number, positions: number): void;
  dispose?(): void;
}

/** Opens a backend; `onLost` is called once if its device goes away. */
export type BackendOpener = (o: InitOptions, onLost: (message: string) => void) => Promise<{ backend: ModelBackend; result: InitResult }>;

interface Loaded {
  checkpoint: Checkpoint; // the weights as loaded (config, metadata, steering vectors): every run starts here
  behavior: Behavior;
  task: BehaviorTask;
  source: string;
  /** What the model in memory holds now: the checkpoint, or a run's weights. */
  weights: LoadedWeights;
}

/** Held-out prompts of the Steer view (live text, sweeps): validation, where doses are chosen. */
const EXPLORE_SPLIT = 'validation';

/** The step listener fed by a Run: each step's metrics with the rollouts that made it (none for step 0). */
const withRollouts = (onStep: StepListener, trainer: Trainer) => (m: StepMetrics) => onStep(m, m.step > 0 ? trainer.samples() : []);

export class Workbench implements WorkbenchApi {
  private backend: ModelBackend | null = null;
  private model: LanguageModel | null = null;
  private loaded: Loaded | null = null;
  private run: Run | null = null;
  private listener: ((e: WorkerEvent) => void) | null = null;
  private deviceLost: string | null = null;
  private dbPromise: Promise<WorkbenchDB> | null = null;
  private readonly lock = new Mutex();
  private readonly sweeps = new Cancels();
  private readonly generations = new Cancels();

  constructor(
    private readonly openBackend: BackendOpener,
    private readonly openDb: () => Promise<WorkbenchDB> = () => WorkbenchDB.open(),
  ) {}

  // --- plumbing ----------------------------------------------------------------------------------

  private db(): Promise<WorkbenchDB> {
    return (this.dbPromise ??= this.openDb());
  }

  private emit(e: WorkerEvent) {
    try {
      const r = this.listener?.(e) as unknown;
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(() => undefined);
    } catch {
      /* a listener that went away must not break the run */
    }
  }

  private requireModel(): { model: LanguageModel; loaded: Loaded } {
    if (this.deviceLost) throw namedError('DeviceLostError', `the device was lost (${this.deviceLost}); call init() again`);
    if (!this.backend) throw namedError('StateError', 'call init() first');
    if (!this.model || !this.loaded) throw namedError('StateError', 'no model loaded: load a checkpoint first');
    return { model: this.model, loaded: this.loaded };
  }

  private activeRun(): Run | null {
    return this.run?.active ? this.run : null;
  }

  private statusOf(): RunStatus {
    return this.run ? this.run.status() : { state: 'idle', runId: null, method: null, stepsDone: 0, steps: 0 };
  }

  /** What a Run needs from here: the lock, storage, events and the weights. */
  private readonly host: RunHost = {
    lock: this.lock,
    db: () => this.db(),
    emit: (e) => this.emit(e),
    encodeCurrent: () => this.encodeCurrent(),
    behavior: () => this.loaded?.behavior,
    deviceLost: () => this.deviceLost,
    stepped: (run) => this.setWeights({ kind: 'run', runId: run.id, runName: run.name, step: run.trainer.stepsDone }),
  };

  private steeringOf(l: Loaded): SteeringVector | undefined {
    return l.checkpoint.steering[l.behavior];
  }

  private info(l: Loaded): ModelInfo {
    const step = Number(l.checkpoint.metadata.step ?? 0);
    return {
      source: l.source,
      config: l.checkpoint.config,
      paramCount: paramCount(l.checkpoint.config),
      behavior: l.behavior,
      metadata: JSON.parse(JSON.stringify({ ...l.checkpoint.metadata })),
      steering: this.steeringOf(l)?.meta ?? null,
      vectors: Object.keys(l.checkpoint.steering).filter(isBehavior),
      step: Number.isFinite(step) ? step : 0,
      weights: { ...l.weights },
    };
  }

  private setWeights(w: LoadedWeights) {
    if (!this.loaded) return;
    this.loaded.weights = w;
    this.emit({ type: 'weights', weights: { ...w } });
  }

  /** A new model instance holding the loaded checkpoint's weights (and so fresh optimizer state). */
  private async freshFromCheckpoint(): Promise<LanguageModel> {
    const { loaded } = this.requireModel();
    const model = await this.backend!.create(loaded.checkpoint.config, loaded.checkpoint.params);
    this.model?.dispose();
    this.model = model;
    return model;
  }

  /**
   * The run whose weights are in memory, if any: not merely the last run started, which stays in
   * `this.run` after it ends, while a reset or another checkpoint may have replaced its weights.
   */
  private runOfWeights(): Run | null {
    const w = this.loaded?.weights;
    return w?.kind === 'run' && this.run?.id === w.runId ? this.run : null;
  }

  /** The current weights as checkpoint bytes, with the loaded checkpoint's vectors and metadata (and the run's, if they are its weights). */
  private async encodeCurrent(): Promise<Uint8Array> {
    const { model, loaded } = this.requireModel();
    const r = this.runOfWeights();
    const base = { ...loaded.checkpoint.metadata };
    const metadata = r ? trainedMetadata(base, { behavior: loaded.behavior, config: r.config, stepsDone: r.trainer.stepsDone, runId: r.id }) : { ...base, createdAt: new Date().toISOString() };
    return encodeCheckpoint({ config: loaded.checkpoint.config, params: await model.getParams(), metadata, steering: loaded.checkpoint.steering });
  }

  // --- device and weights ------------------------------------------------------------------------

  async init(o: InitOptions): Promise<InitResult> {
    if (this.activeRun()) throw namedError('StateError', 'a run is in progress: stop it before switching the backend');
    this.lab.refuseWhilePretraining('switching the backend'); // the lab
    this.model?.dispose();
    this.model = null;
    this.backend?.dispose?.();
    this.backend = null;
    this.deviceLost = null;
    const { backend, result } = await this.openBackend(o, (message) => this.onDeviceLost(message));
    this.backend = backend;
    // Weights loaded before (e.g. before a device loss) come back as they were loaded.
    if (this.loaded) {
      this.model = await backend.create(this.loaded.checkpoint.config, this.loaded.checkpoint.params);
      this.setWeights({ kind: 'checkpoint' });
    }
    return result;
  }

  private onDeviceLost(message: string) {
    this.deviceLost = message || 'unknown reason';
    const r = this.run;
    const cause = this.deviceLost;
    // After the run's record and lock (Run.deviceLost): the page offers a resume when told.
    void (r?.deviceLost(cause) ?? Promise.resolve()).then(() =>
      this.emit({ type: 'device-lost', message: cause, runId: r?.id ?? null, ...(r?.lastAutosave ? { lastAutosave: r.lastAutosave } : {}) }),
    );
  }

  async onEvent(listener: (e: WorkerEvent) => void): Promise<void> {
    this.listener = listener;
  }

  private async install(checkpoint: Checkpoint, source: string, behavior?: Behavior): Promise<ModelInfo> {
    if (this.activeRun()) throw namedError('StateError', 'a run is in progress: stop it before loading other weights');
    if (!this.backend) throw namedError('StateError', 'call init() first');
    const b = behavior ?? checkpointBehavior(checkpoint);
    if (b === undefined) throw namedError('CheckpointError', `the checkpoint names no known behavior (metadata.task = ${JSON.stringify(checkpoint.metadata.task)}); choose one`);
    const mismatch = taskMismatch(checkpoint, b);
    if (mismatch) throw namedError('CheckpointError', mismatch);
    const task = getTask(b);
    this.backend.checkFits?.(checkpoint.config, 1, checkpoint.config.contextLength);
    const model = await this.backend.create(checkpoint.config, checkpoint.params);
    this.model?.dispose();
    this.model = model;
    this.loaded = { checkpoint, behavior: b, task, source, weights: { kind: 'checkpoint' } };
    const info = this.info(this.loaded);
    this.emit({ type: 'model', model: info });
    return info;
  }

  async loadCheckpoint(bytes: Uint8Array, o: { name?: string; behavior?: Behavior } = {}): Promise<ModelInfo> {
    return this.lock.run(async () => {
      let checkpoint: Checkpoint;
      try {
        checkpoint = decodeCheckpoint(bytes);
      } catch (e) {
        throw namedError('CheckpointError', errorMessage(e));
      }
      return this.install(checkpoint, o.name ?? 'imported', o.behavior);
    });
  }

  async loadStoredCheckpoint(id: string, o: { behavior?: Behavior } = {}): Promise<ModelInfo> {
    return this.lock.run(async () => {
      const { bytes } = await (await this.db()).loadCheckpoint(id);
      return this.install(decodeCheckpoint(bytes), `db:${id}`, o.behavior);
    });
  }

  /**
   * A checkpoint file into storage, after every check a load makes (the format, the config's bounds, the
   * steering metadata, the task fit: DESIGN §6), here in the worker so no file can freeze or crash the tab.
   * Nothing is written when any check fails. Needs no device (init() is not required).
   */
  async importCheckpoint(bytes: Uint8Array, o: { name: string }): Promise<CheckpointRecord> {
    const notOne = notSafetensors(bytes);
    if (notOne) throw namedError('CheckpointError', notOne);
    let checkpoint: Checkpoint;
    try {
      checkpoint = decodeCheckpoint(bytes);
    } catch (e) {
      throw namedError('CheckpointError', errorMessage(e));
    }
    const { behavior } = checkTaskFit(checkpoint);
    const step = typeof checkpoint.metadata.step === 'number' ? checkpoint.metadata.step : undefined;
    const name = o.name.replace(/\.safetensors$/i, '').trim().slice(0, 120) || 'imported';
    return (await this.db()).saveCheckpoint(bytes, { name, kind: 'import', behavior, step });
  }

  async modelInfo(): Promise<ModelInfo | null> {
    return this.loaded ? this.info(this.loaded) : null;
  }

  // --- inference ---------------------------------------------------------------------------------

  async generate(o: GenerateOptions, onTokens?: (u: GenerateUpdate) => void): Promise<GeneratedText[]> {
    const { model, loaded } = this.requireModel();
    const n = o.n ?? 4;
    if (!Number.isInteger(n) || n < 1 || n > 256) throw namedError('RangeError', `n must be an integer in 1…256 (got ${n})`);
    if (!Number.isFinite(o.alpha)) throw namedError('RangeError', `alpha must be a finite number (got ${o.alpha})`);
    if (!(o.temperature >= 0)) throw namedError('RangeError', `temperature must be ≥ 0 (got ${o.temperature})`);
    const vector = this.steeringOf(loaded);
    if (o.alpha !== 0 && !vector) throw namedError('StateError', `the checkpoint has no steering vector for ${loaded.behavior}`);
    const problems = loaded.task.problems(EXPLORE_SPLIT, n, createRng(o.seed));
    const judged = (responses: string[]): GeneratedText[] => problems.map((p, i) => ({ prompt: p.prompt, response: responses[i], score: loaded.task.score(p, responses[i]) }));
    return this.generations.run((cancelled) =>
      this.lock.run(async () => {
        // Checked before the start and between streamed updates (the model has no other pause point).
        const check = () => {
          if (cancelled()) throw new CancelledError('generation cancelled');
        };
        check();
        const s = await sampleResponses(model, loaded.task, problems, {
          temperature: o.temperature,
          topK: o.topK ?? 0,
          seed: o.seed,
          alphas: new Float32Array(n).fill(o.alpha),
          vector,
          window: o.window,
          streamEvery: o.streamEvery ?? 1,
          onTokens: onTokens
            ? (responses, step) => {
                check();
                void Promise.resolve(onTokens({ step, texts: judged(responses) })).catch(() => undefined);
              }
            : undefined,
        });
        return judged(s.responses);
      }),
    );
  }

  async sweep(o: SweepRequest, onProgress?: (p: SweepProgress) => void): Promise<SweepPointCI[]> {
    const { model, loaded } = this.requireModel();
    const vector = this.lab.sweepVector(o); // the lab: the loaded vector, the candidate, or a same-norm random control
    if (!Array.isArray(o.alphas) || o.alphas.length === 0 || !o.alphas.every(Number.isFinite)) throw namedError('RangeError', 'alphas must be a non-empty list of finite numbers');
    if (!Number.isInteger(o.samples) || o.samples < 1) throw namedError('RangeError', `samples must be an integer ≥ 1 (got ${o.samples})`);
    return this.sweeps.run((cancelled) =>
      this.lock.run(async () =>
        withBehaviorCI(await runSweep(model, loaded.task, vector, {
          alphas: o.alphas,
          samples: o.samples,
          seed: o.seed,
          split: EXPLORE_SPLIT,
          temperature: o.temperature,
          window: o.window,
          onProgress: onProgress ? (done, total) => void Promise.resolve(onProgress({ done, total })).catch(() => undefined) : undefined,
          shouldStop: cancelled,
        })),
      ),
    );
  }

  async cancelSweep(): Promise<boolean> {
    return this.sweeps.cancel();
  }

  async cancelGenerate(): Promise<boolean> {
    return this.generations.cancel();
  }

  async evaluate(o: { samples: number; seed: number; split?: Split }): Promise<EvalMetrics> {
    const { model, loaded } = this.requireModel();
    return this.lock.run(async () => {
      const t0 = performance.now();
      const r = await evaluatePolicy(model, loaded.task, { split: o.split ?? 'test', samples: o.samples, seed: o.seed });
      return { step: this.runOfWeights()?.trainer.stepsDone ?? 0, ...r, ms: performance.now() - t0 };
    });
  }

  async resetWeights(): Promise<ModelInfo> {
    return this.lock.run(async () => {
      if (this.activeRun()) throw namedError('StateError', 'a run is in progress: stop it before resetting the weights');
      await this.freshFromCheckpoint();
      this.setWeights({ kind: 'checkpoint' });
      return this.info(this.loaded!);
    });
  }

  // --- training ----------------------------------------------------------------------------------

  /** Validates as start() would: with the loaded vector's recommended grid / dose filling unset fields. */
  async validateConfig(config: Partial<RlConfig>): Promise<ValidateResult> {
    return validateRlConfig(this.loaded ? withVectorDefaults(config, this.steeringOf(this.loaded)?.meta) : config);
  }

  private validated(config: Partial<RlConfig>): RlConfig {
    const { loaded } = this.requireModel();
    const v = validateRlConfig(withVectorDefaults(config, this.steeringOf(loaded)?.meta));
    if (v.error) throw namedError('ConfigError', `${v.error.field}: ${v.error.message}`);
    if (methodUsesSteering(v.config.method) && !this.steeringOf(loaded))
      throw namedError('ConfigError', `method: ${v.config.method} needs a steering vector for ${loaded.behavior}, and this checkpoint has none`);
    const T = loaded.task.promptLength + loaded.task.maxResponseLength;
    try {
      this.backend!.checkFits?.(loaded.checkpoint.config, v.config.batchPrompts * v.config.groupSize, T);
    } catch (e) {
      throw namedError('ConfigError', `batchPrompts: ${errorMessage(e)}`);
    }
    return v.config;
  }

  async start(config: Partial<RlConfig>, onStep: StepListener, o: StartOptions = {}): Promise<RunInfo> {
    return this.lock.run(async () => {
      if (this.activeRun()) throw namedError('StateError', 'a run is in progress: stop it first');
      this.lab.refuseWhilePretraining('starting a run'); // the lab
      const cfg = this.validated(config);
      const { loaded } = this.requireModel();
      const db = await this.db();
      // Every run starts from the checkpoint: its weights, fresh AdamW state, step 0, π_ref = the checkpoint.
      const model = await this.freshFromCheckpoint();
      this.setWeights({ kind: 'checkpoint' });
      const refModel = needsReference(cfg) ? await this.backend!.create(loaded.checkpoint.config, loaded.checkpoint.params) : undefined;
      let trainer: Trainer;
      try {
        trainer = createTrainer({ model, refModel, task: loaded.task, steering: this.steeringOf(loaded), config: cfg });
      } catch (e) {
        refModel?.dispose();
        throw namedError('ConfigError', errorMessage(e));
      }
      const name = o.name?.trim() || `${cfg.method} ${loaded.behavior} seed ${cfg.seed}`;
      // The lock first: no other tab may see the stored record as running without it (and mark it interrupted).
      const id = newId('run');
      let lease: RunLease | undefined;
      try {
        lease = await this.claimRun(id, name);
        await db.createRun({ id, name, behavior: loaded.behavior, method: cfg.method, config: { ...cfg }, source: loaded.source, status: o.paused ? 'paused' : 'running' });
      } catch (e) {
        void lease?.release();
        trainer.dispose();
        refModel?.dispose();
        throw e;
      }
      const run = new Run({ id, name, config: cfg, trainer, refModel, onMetrics: withRollouts(onStep, trainer), state: o.paused ? 'paused' : 'running', baselineDone: false, lease }, this.host);
      this.run = run;
      // The starting weights (π_ref), so the run can be resumed with the right reference after a loss.
      try {
        const bytes = await this.encodeCurrent();
        await db.saveCheckpoint(bytes, { name: `${name} — start`, kind: 'run-start', runId: run.id, behavior: loaded.behavior, step: 0 });
      } catch (e) {
        this.emit({ type: 'save-failed', message: errorMessage(e), ...(e instanceof StorageQuotaError ? { bytesNeeded: e.bytesNeeded } : {}) });
      }
      this.emit({ type: 'status', status: this.statusOf() });
      if (!o.paused) run.go();
      return { runId: run.id, config: cfg, firstStep: 1 };
    });
  }

  async resumeRun(runId: string, onStep: StepListener): Promise<RunInfo> {
    return this.lock.run(async () => {
      if (this.activeRun()) throw namedError('StateError', 'a run is in progress: stop it first');
      this.lab.refuseWhilePretraining('resuming a run'); // the lab
      if (!this.backend || this.deviceLost) throw namedError('StateError', 'call init() first');
      const db = await this.db();
      const rec = await db.getRun(runId);
      if (!rec) throw namedError('NotFoundError', `run ${runId} not found`);
      if (!rec.autosaveId) throw namedError('StateError', `run "${rec.name}" has no auto-save to resume from`);
      const lease = await this.claimRun(rec.id, rec.name);
      try {
        return await this.resumeClaimed(rec, rec.autosaveId, onStep, lease);
      } catch (e) {
        void lease.release();
        throw e;
      }
    });
  }

  /** resumeRun once this worker holds the run's lock: installs its start and auto-save, and goes on. */
  private async resumeClaimed(rec: RunRecord, autosaveId: string, onStep: StepListener, lease: RunLease): Promise<RunInfo> {
    const db = await this.db();
    const auto = await db.loadCheckpoint(autosaveId);
    const ckpt = decodeCheckpoint(auto.bytes);
    const training = ckpt.metadata.training as { stepsDone?: number } | undefined;
    const startStep = Number(training?.stepsDone ?? auto.record.step ?? 0);
    const behavior = rec.behavior as Behavior;
    const cfg = validateRlConfig(rec.config);
    if (cfg.error) throw namedError('ConfigError', `${cfg.error.field}: ${cfg.error.message}`);
    if (startStep >= cfg.config.steps) throw namedError('StateError', `run "${rec.name}" has done all its ${cfg.config.steps} steps: there is nothing to resume (start a new run to train further)`);
    // The run's starting weights become the loaded checkpoint (later runs start there, and they are
    // π_ref); the model takes the auto-save's weights. Without a stored start (β = 0 only) the
    // auto-save stands in for it, with its step count put back to the run's start.
    const start = (await db.listCheckpoints()).find((c) => c.runId === rec.id && c.kind === 'run-start');
    if (!start && needsReference(cfg.config)) throw namedError('StateError', `run "${rec.name}" lost its starting weights (the KL reference); it cannot be resumed with beta > 0`);
    const startCkpt = start ? decodeCheckpoint((await db.loadCheckpoint(start.id)).bytes) : { ...ckpt, metadata: { ...ckpt.metadata, step: Math.max(0, Number(ckpt.metadata.step ?? 0) - startStep) } };
    const startMeta = { ...startCkpt.metadata };
    delete (startMeta as Record<string, unknown>).training;
    // Its source, unless that was never stored (a run of unsaved weights): then its stored start is.
    const source = start && (!rec.source || rec.source.endsWith(UNSAVED_SUFFIX)) ? `db:${start.id}` : (rec.source ?? `db:${autosaveId}`);
    await this.install({ ...startCkpt, metadata: startMeta }, source, behavior);
    const { model, loaded } = this.requireModel();
    await model.setParams(ckpt.params);
    this.setWeights({ kind: 'run', runId: rec.id, runName: rec.name, step: startStep });
    const refModel = needsReference(cfg.config) ? await this.backend!.create(startCkpt.config, startCkpt.params) : undefined;
    let trainer: Trainer | undefined;
    try {
      trainer = createTrainer({ model, refModel, task: loaded.task, steering: this.steeringOf(loaded), config: cfg.config, startStep });
      await db.rewindRun(rec.id, startStep, { status: 'running', message: undefined });
    } catch (e) {
      trainer?.dispose();
      refModel?.dispose();
      throw e;
    }
    const run = new Run({ id: rec.id, name: rec.name, config: cfg.config, trainer, refModel, onMetrics: withRollouts(onStep, trainer), state: 'running', lastAutosave: { checkpointId: autosaveId, step: startStep }, baselineDone: true, lease }, this.host);
    this.run = run;
    this.emit({ type: 'status', status: this.statusOf() });
    run.go();
    return { runId: run.id, config: cfg.config, firstStep: startStep + 1, model: this.info(this.loaded!) };
  }

  /** This worker's claim on a run (its Web Lock): refused while another tab or window trains it. */
  private async claimRun(id: string, name: string): Promise<RunLease> {
    const lease = await acquireRunLock(id);
    if (!lease) throw namedError('StateError', `run "${name}" is live in another tab or window of this browser: stop it there (or close that tab) before resuming it here`);
    return lease;
  }

  async pause(): Promise<RunStatus> {
    await this.run?.pause();
    return this.statusOf();
  }

  async resume(): Promise<RunStatus> {
    if (this.run?.state === 'paused' && this.deviceLost) throw namedError('DeviceLostError', 'the device was lost; call init() and resumeRun()');
    await this.run?.resume();
    return this.statusOf();
  }

  async stop(): Promise<RunStatus> {
    await this.run?.stop();
    return this.statusOf();
  }

  async stepOnce(): Promise<StepMetrics | null> {
    if (this.run?.state === 'paused' && this.deviceLost) throw namedError('DeviceLostError', 'the device was lost; call init() and resumeRun()');
    return this.run ? this.run.stepOnce() : null;
  }

  async status(): Promise<RunStatus> {
    return this.statusOf();
  }


  // --- saving ------------------------------------------------------------------------------------

  async saveCheckpoint(name?: string): Promise<CheckpointRecord> {
    const { loaded } = this.requireModel();
    // Whether these are the loaded checkpoint's own weights is read with them, not after the (slow) write.
    const { bytes, asLoaded } = await this.lock.run(async () => ({ bytes: await this.encodeCurrent(), asLoaded: loaded.weights.kind === 'checkpoint' }));
    const r = this.runOfWeights();
    const label = name?.trim() || `${loaded.behavior}${r ? ` ${r.config.method} step ${r.trainer.stepsDone}` : ''} ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
    try {
      // The step shown with it: the run's step when a run's weights are in memory, else the checkpoint's own.
      const ofRun = r ? { runId: r.id, step: r.trainer.stepsDone } : { step: Number(loaded.checkpoint.metadata.step ?? 0) || 0 };
      const rec = await (await this.db()).saveCheckpoint(bytes, { name: label, kind: 'manual', behavior: loaded.behavior, ...ofRun });
      // Unsaved weights (a failed pretraining or vector save), saved as they were loaded: they are a stored checkpoint now.
      if (asLoaded && this.loaded === loaded && loaded.source.endsWith(UNSAVED_SUFFIX)) {
        loaded.source = `db:${rec.id}`;
        this.emit({ type: 'model', model: this.info(loaded) });
      }
      return rec;
    } catch (e) {
      if (e instanceof StorageQuotaError) throw namedError('StorageQuotaError', e.message);
      throw e;
    }
  }

  async exportCheckpoint(): Promise<Uint8Array> {
    return this.lock.run(() => this.encodeCurrent());
  }

  async dispose(): Promise<void> {
    if (this.activeRun()) await this.stop();
    await this.lab.dispose(); // the lab: a pretraining in flight ends unsaved
    this.model?.dispose();
    this.model = null;
    this.backend?.dispose?.();
    this.backend = null;
  }

  // --- the lab: pretraining and vectors ---
  // Delegates to src/worker/lab.ts (the logic and the pretraining state machine); LabApi in api.ts.

  private readonly lab = new Lab({
    lock: this.lock,
    db: () => this.db(),
    backend: () => {
      if (this.deviceLost) throw namedError('DeviceLostError', `the device was lost (${this.deviceLost}); call init() again`);
      if (!this.backend) throw namedError('StateError', 'call init() first');
      return this.backend;
    },
    deviceLost: () => this.deviceLost,
    current: () => this.requireModel(),
    runActive: () => this.activeRun() !== null,
    install: (checkpoint, source, behavior) => this.lock.run(() => this.install(checkpoint, source, behavior)),
  });

  async pretrain(o: PretrainRequest, onProgress?: (p: PretrainProgress) => void): Promise<ModelInfo> {
    return this.lab.pretrain(o, onProgress);
  }

  async pausePretrain(): Promise<PretrainStatus> {
    return this.lab.pause();
  }

  async resumePretrain(): Promise<PretrainStatus> {
    return this.lab.resume();
  }

  async stopPretrain(): Promise<PretrainStatus> {
    return this.lab.stop();
  }

  async pretrainStatus(): Promise<PretrainStatus> {
    return this.lab.status();
  }

  async extractVector(o: ExtractRequest, onProgress?: (p: ExtractProgress) => void): Promise<VectorReport> {
    return this.lab.extractVector(o, onProgress);
  }

  async candidateVector(): Promise<VectorReport | null> {
    return this.lab.candidateReport();
  }

  async saveVector(o: { alpha: number; grid: number[] }): Promise<ModelInfo> {
    return this.lab.saveVector(o);
  }
  // --- end of the lab ---

  /** For tests: the run record as stored. */
  async storedRun(id: string): Promise<{ run: RunRecord; metrics: StepMetrics[] }> {
    return (await this.db()).loadRun(id);
  }
}
