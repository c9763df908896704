// One training run in the worker: the state machine (running ⇄ paused → finished | stopped | halted |
// device-lost), the step loop, auto-saves and the run record in IndexedDB. The Workbench creates a Run
// when start() or resumeRun() has built its trainer; everything after that happens here.
//
//   running  ──pause()──▶ paused ──resume()──▶ running       stepOnce() while paused: one step
//   running | paused ──stop()──▶ stopped     the budget done ──▶ finished
//   a non-finite step ──▶ halted             the device lost ──▶ device-lost (resumeRun from the auto-save)
import { isSavePoint } from '../rl/checkpointing';
import type { Behavior } from '../data/types';
import type { LanguageModel } from '../model/types';
import type { RlConfig } from '../rl/config';
import type { StepMetrics, Trainer } from '../rl/loop';
import { StorageQuotaError, type WorkbenchDB, type RunStatus as DbRunStatus } from '../store/db';
import type { RunStatus, WorkerEvent } from './api';
import { errorMessage, type Mutex } from './locks';
import type { RunLease } from './runLocks';

/** What the run record and status say after a device loss: the cause, and what to do. */
export const deviceLostMessage = (cause: string) => `the GPU device was lost (${cause}); resume from the last auto-save`;

/**
 * How long a failed step waits for the device's loss to be reported. A lost device fails the GPU call in
 * flight (mapAsync rejects) and resolves `device.lost` separately, in either order; the fault test
 * (tests/e2e/faults.test.ts) saw the rejection first. A run that failed for another reason (no loss is
 * reported) ends this much later.
 */
const LOSS_REPORT_WAIT_MS = 1000;

/** What a run needs from the Workbench that owns the device. */
export interface RunHost {
  readonly lock: Mutex;
  db(): Promise<WorkbenchDB>;
  emit(e: WorkerEvent): void;
  /** The current weights as checkpoint bytes (called under the lock). */
  encodeCurrent(): Promise<Uint8Array>;
  behavior(): Behavior | undefined;
  deviceLost(): string | null;
  /** After each training step: the weights in memory are now this run's. */
  stepped(run: Run): void;
}

export interface RunSetup {
  id: string;
  name: string;
  config: RlConfig;
  trainer: Trainer;
  refModel?: LanguageModel;
  onMetrics: (m: StepMetrics) => void;
  state: 'running' | 'paused';
  /** Resumed runs continue after their auto-save, with the step-0 baseline already recorded. */
  lastAutosave?: { checkpointId: string; step: number };
  baselineDone: boolean;
  /** The run's Web Lock, held while it is live and released when it ends (src/worker/runLocks.ts). */
  lease: RunLease;
}

export class Run {
  readonly id: string;
  readonly name: string;
  readonly config: RlConfig;
  readonly trainer: Trainer;
  state: RunStatus['state'];
  message?: string;
  lastAutosave?: { checkpointId: string; step: number };
  private refModel?: LanguageModel;
  private readonly onMetrics: (m: StepMetrics) => void;
  private loopPromise: Promise<void> | null = null;
  /** Settles once a device loss is recorded, the lock released and the event sent (resolved until then). */
  private lostEnd: Promise<void> = Promise.resolve();
  private pauseRequested = false;
  private stopRequested = false;
  private baselineDone: boolean;
  private readonly lease: RunLease;
  private ending = false;

  constructor(
    s: RunSetup,
    private readonly host: RunHost,
  ) {
    this.id = s.id;
    this.name = s.name;
    this.config = s.config;
    this.trainer = s.trainer;
    this.refModel = s.refModel;
    this.onMetrics = s.onMetrics;
    this.state = s.state;
    this.lastAutosave = s.lastAutosave;
    this.baselineDone = s.baselineDone;
    this.lease = s.lease;
  }

  get active(): boolean {
    return this.state === 'running' || this.state === 'paused';
  }

  private get over(): boolean {
    return this.state === 'finished' || this.state === 'stopped' || this.state === 'halted' || this.state === 'device-lost';
  }

  status(): RunStatus {
    return {
      state: this.state,
      runId: this.id,
      method: this.config.method,
      stepsDone: this.trainer.stepsDone,
      steps: this.config.steps,
      ...(this.message ? { message: this.message } : {}),
      ...(this.lastAutosave ? { lastAutosave: this.lastAutosave } : {}),
    };
  }

  setState(state: RunStatus['state'], message?: string) {
    this.state = state;
    if (message !== undefined) this.message = message;
    this.host.emit({ type: 'status', status: this.status() });
  }

  /** Starts stepping in the background (start(), resume()). */
  go() {
    this.loopPromise = this.loop();
  }

  /**
   * The device went away: the loop stops at its next check. As in finish(): the record, then the lock,
   * then the event, so a page that reads the record and the locks on the event finds the run resumable.
   */
  deviceLost(cause: string): Promise<void> {
    if (!this.active) return this.lostEnd;
    this.stopRequested = true;
    this.state = 'device-lost'; // at once: the loop and finish() see it; the event waits for the record
    this.message = deviceLostMessage(cause);
    this.lostEnd = (async () => {
      try {
        await (await this.host.db()).updateRun(this.id, { status: 'device-lost', message: this.message });
      } catch {
        /* the record keeps its last state; the stale marking still finds it once the lock is gone */
      }
      await this.lease.release().catch(() => undefined);
      this.host.emit({ type: 'status', status: this.status() });
    })();
    return this.lostEnd;
  }

  /** One step (or the step-0 baseline) under the device lock, recorded and streamed. */
  private async advance(): Promise<StepMetrics> {
    const m = await this.host.lock.run(() => (this.baselineDone ? this.trainer.step() : this.trainer.baseline()));
    this.baselineDone = true;
    if (m.step > 0 && !m.halted) this.host.stepped(this);
    try {
      this.onMetrics(m);
    } catch {
      /* the UI went away; the run goes on and is recorded */
    }
    const db = await this.host.db();
    await db.appendMetrics(this.id, m).catch((e) => this.host.emit({ type: 'error', message: `could not record step ${m.step}: ${errorMessage(e)}` }));
    if (isSavePoint(this.config, m.step, !!m.halted)) await this.autosave();
    if (m.halted) await this.finish('halted', m.halted);
    else if (this.trainer.stepsDone >= this.config.steps) await this.finish('finished');
    return m;
  }

  /** Saves the weights and replaces the previous auto-save; a failed save is reported and the run goes on. */
  private async autosave() {
    const step = this.trainer.stepsDone;
    if (this.lastAutosave?.step === step) return;
    try {
      const bytes = await this.host.lock.run(() => this.host.encodeCurrent());
      const db = await this.host.db();
      const rec = await db.saveCheckpoint(bytes, {
        name: `${this.name} — step ${step}`,
        kind: 'autosave',
        runId: this.id,
        behavior: this.host.behavior(),
        step,
        replaces: this.lastAutosave ? [this.lastAutosave.checkpointId] : [],
        autosaveOf: this.id, // the run's pointer moves in the same transaction
      });
      this.lastAutosave = { checkpointId: rec.id, step };
      this.host.emit({ type: 'autosaved', checkpoint: rec });
    } catch (e) {
      if (this.host.deviceLost()) return;
      this.host.emit({ type: 'save-failed', message: errorMessage(e), ...(e instanceof StorageQuotaError ? { bytesNeeded: e.bytesNeeded } : {}) });
    }
  }

  private async finish(state: 'finished' | 'stopped' | 'halted', message?: string) {
    // One end per run (a stop while the step that completes the budget is in flight asks twice).
    if (this.state === 'device-lost' || this.ending) return;
    this.ending = true;
    if (state !== 'halted' && this.config.saveEvery > 0 && this.trainer.stepsDone > 0) await this.autosave();
    // The device may have gone during that save: the run stays device-lost (resumable), not finished or stopped.
    if ((this.state as RunStatus['state']) === 'device-lost') return;
    try {
      this.refModel?.dispose();
      this.trainer.dispose();
    } catch {
      /* freeing buffers must not keep the run from ending */
    }
    this.refModel = undefined;
    // The record, then the lock, then the state and its event: until then the run counts as live here
    // (stop() and pause() wait for it, start() is refused), and a page that reads the record and the
    // locks on the event finds the run ended.
    try {
      await (await this.host.db()).updateRun(this.id, { status: state satisfies DbRunStatus, stepsDone: this.trainer.stepsDone, ...(message ? { message } : {}) });
    } catch {
      /* the record keeps its last state; the run ends here all the same */
    }
    if ((this.state as RunStatus['state']) === 'device-lost') return; // lost during the write: that path tells the end
    await this.lease.release();
    this.setState(state, message);
  }

  private async loop(): Promise<void> {
    try {
      while (!this.over) {
        if (this.stopRequested) {
          await this.finish('stopped');
          break;
        }
        if (this.pauseRequested) {
          this.pauseRequested = false;
          this.setState('paused');
          await (await this.host.db()).updateRun(this.id, { status: 'paused' }).catch(() => undefined);
          break;
        }
        await this.advance();
        // Let messages (pause, stop, generate) in between steps.
        await new Promise((r) => setTimeout(r, 0));
      }
    } catch (e) {
      const lost = await this.lossReported();
      if (lost || this.state === 'device-lost') {
        if (lost) await this.deviceLost(lost);
        return;
      }
      const message = `the run stopped on an error: ${errorMessage(e)}`;
      this.host.emit({ type: 'error', message });
      await this.finish('stopped', message).catch(() => undefined);
    } finally {
      this.loopPromise = null;
    }
  }

  /** The device's loss, if it is reported within LOSS_REPORT_WAIT_MS (null: the error was not a loss). */
  private async lossReported(): Promise<string | null> {
    const t0 = Date.now();
    while (!this.host.deviceLost() && this.state !== 'device-lost' && Date.now() - t0 < LOSS_REPORT_WAIT_MS) await new Promise((r) => setTimeout(r, 20));
    return this.host.deviceLost();
  }

  /** Finishes the step in flight, then waits. */
  async pause(): Promise<void> {
    await this.lostEnd;
    if (this.state !== 'running') return;
    this.pauseRequested = true;
    await this.loopPromise;
  }

  async resume(): Promise<void> {
    if (this.state !== 'paused' || this.loopPromise) return;
    this.pauseRequested = false;
    this.setState('running');
    await (await this.host.db()).updateRun(this.id, { status: 'running' }).catch(() => undefined);
    this.go();
  }

  async stop(): Promise<void> {
    await this.lostEnd;
    if (this.state === 'running') {
      this.stopRequested = true;
      await this.loopPromise;
    } else if (this.state === 'paused') {
      await this.loopPromise;
      await this.finish('stopped');
    }
  }

  /** One step while paused; null when the run is not paused or a step is in flight. */
  async stepOnce(): Promise<StepMetrics | null> {
    if (this.state !== 'paused' || this.loopPromise) return null;
    const p = this.advance();
    this.loopPromise = p.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await p;
    } finally {
      this.loopPromise = null;
    }
  }
}
