// The UI's one door to the worker: wraps the comlink API of src/worker/api.ts in the calls the stores
// make (worker/types.ts). It fetches shipped checkpoints (same-origin bytes, transferred to the worker),
// turns the worker's events into run events, and turns a crashed worker into rejected calls plus one
// onCrash report, so the session store can restart it.
import {
  connectWorkbench,
  type ExtractProgress,
  type GenerateUpdate,
  type GeneratedText,
  type PretrainProgress,
  type StepListener,
  type SweepProgress,
  type WorkbenchApi,
  type WorkerEvent,
  type ModelInfo as ApiModelInfo,
} from '../../worker/api';
import type { Remote } from 'comlink';
import { transfer } from 'comlink';
import type { RolloutSample, StepMetrics } from '../../rl/loop';
import { openDb } from '../stores/dbHandle';
import { isBehavior, type Behavior } from '../../data/types';
import { NoWebGpuError, SupersededError, UNSAVED, WorkerRestartedError, type Backend, type Generated, type LoadedWeights, type ModelInfo, type RunEvent, type WorkbenchClient } from './types';

export interface ClientHooks {
  /** The worker died (uncaught error, failed to load, or stopped answering). */
  onCrash(message: string): void;
  /** Worker-level messages that are not tied to a call (failed auto-saves, errors). */
  onNotice?(kind: 'error' | 'warning', text: string): void;
  /** The weights in memory changed (a run started from the checkpoint, took a step, or they were reset). */
  onWeights?(weights: LoadedWeights): void;
  /**
   * The worker loaded another model during a call that then failed (a pretraining or vector whose save
   * failed is loaded unsaved): that call's caller reports no model, so this does.
   */
  onModel?(model: ModelInfo): void;
}

/** Where the app serves a shipped checkpoint (public/checkpoints/); the Checkpoints view lists and exports the same files. */
export const shippedUrl = (b: string) => `${import.meta.env.BASE_URL}checkpoints/${b}.safetensors`;

async function fetchShipped(behavior: string, signal?: AbortSignal): Promise<Uint8Array> {
  let r: Response;
  try {
    r = await fetch(shippedUrl(behavior), { signal });
  } catch (e) {
    if (signal?.aborted) throw new SupersededError(`the download of ${behavior}.safetensors was dropped for a later pick`);
    throw new Error(`public/checkpoints/${behavior}.safetensors could not be fetched (${(e as Error).message})`);
  }
  // A dev server answers a missing file with the app's index.html: treat that as missing too.
  if (!r.ok || (r.headers.get('content-type') ?? '').includes('text/html')) throw new Error(`public/checkpoints/${behavior}.safetensors is not there (${r.ok ? 'the server answered with a web page instead' : `HTTP ${r.status}`})`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The worker's judged text in the Steer view's shape. */
const generated = (g: GeneratedText): Generated => ({ prompt: g.prompt, response: g.response, markers: g.score.markers, accuracy: g.score.accuracy, behavior: g.score.behavior });

function toModelInfo(ref: string, name: string, m: ApiModelInfo): ModelInfo {
  return { ref, name, behavior: m.behavior, config: m.config, step: m.step, vector: m.steering ?? undefined, metadata: m.metadata, weights: m.weights ?? { kind: 'checkpoint' } };
}

/** A checkpoint stored in IndexedDB and installed (`db:<id>`), named as its record is (else its metadata, else its id); or weights the lab could not store. */
async function storedInfo(m: ApiModelInfo): Promise<ModelInfo> {
  if (!m.source.startsWith('db:')) return toModelInfo(`${UNSAVED}${m.source}`, m.source, m);
  const id = m.source.slice(3);
  const record = await openDb()
    .then((db) => db.getCheckpoint(id))
    .catch(() => undefined);
  return toModelInfo(m.source, record?.name ?? (typeof m.metadata?.name === 'string' ? m.metadata.name : id), m);
}

/** The source name a shipped checkpoint is loaded under, and its ModelInfo; shippedOf reads the name back. */
const shippedSource = (b: string) => `${b}.safetensors`;
const shippedInfo = (b: string, m: ApiModelInfo) => toModelInfo(`shipped:${b}`, `shipped ${shippedSource(b)}`, m);
function shippedOf(source: string): string | null {
  const b = /^([a-z]+)\.safetensors$/.exec(source)?.[1];
  return b && isBehavior(b) && source === shippedSource(b) ? b : null;
}

/** A model the worker installed from a stored run's source (resumeRun): shipped, or one in IndexedDB. */
async function installedInfo(m: ApiModelInfo): Promise<ModelInfo> {
  const b = shippedOf(m.source);
  return b ? shippedInfo(b, m) : storedInfo(m);
}

export function createClient(hooks: ClientHooks): WorkbenchClient {
  const { api, worker, proxy } = connectWorkbench();
  let dead: string | null = null;
  let rejectAll: ((e: Error) => void)[] = [];
  const die = (message: string) => {
    if (dead) return;
    dead = message;
    for (const r of rejectAll) r(new Error(`the worker crashed: ${message}`));
    rejectAll = [];
    hooks.onCrash(message);
  };
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    die(e.message || 'uncaught error in the worker (or it failed to load)');
  });
  worker.addEventListener('messageerror', () => die('a message from the worker could not be read'));

  /** Every call rejects if the worker dies while it is in flight (comlink alone would wait forever). */
  function call<T>(f: (a: Remote<WorkbenchApi>) => Promise<T>): Promise<T> {
    if (dead) return Promise.reject(new Error(`the worker crashed: ${dead}`));
    return new Promise<T>((resolve, reject) => {
      const rej = (e: Error) => reject(e);
      rejectAll.push(rej);
      f(api).then(
        (v) => {
          rejectAll = rejectAll.filter((x) => x !== rej);
          resolve(v);
        },
        (e) => {
          rejectAll = rejectAll.filter((x) => x !== rej);
          reject(e instanceof Error ? e : new Error(String((e as { message?: string })?.message ?? e)));
        },
      );
    });
  }

  let runListener: ((e: RunEvent) => void) | null = null;
  let currentRun: string | null = null;
  // The followed run's last auto-save, kept with its run id: another run's must never be offered as its resume point.
  let lastAutosave: { runId: string; checkpointId: string; step: number } | undefined;
  const autosaveOf = (runId: string) => (lastAutosave?.runId === runId ? lastAutosave : undefined);

  const onWorkerEvent = (e: WorkerEvent) => {
    switch (e.type) {
      case 'status': {
        const s = e.status;
        const runId = s.runId ?? currentRun;
        if (s.lastAutosave && runId) lastAutosave = { runId, ...s.lastAutosave };
        // Device loss has its own event (with the resume point); do not report it twice.
        if (!runId || s.state === 'idle' || s.state === 'device-lost') return;
        runListener?.({ kind: 'status', runId, status: s.state, message: s.message, autosaveId: s.lastAutosave?.checkpointId, autosaveStep: s.lastAutosave?.step });
        return;
      }
      case 'autosaved': {
        const runId = e.checkpoint.runId ?? currentRun;
        if (runId) lastAutosave = { runId, checkpointId: e.checkpoint.id, step: e.checkpoint.step ?? 0 };
        if (currentRun) runListener?.({ kind: 'status', runId: currentRun, status: 'running', autosaveId: e.checkpoint.id, autosaveStep: e.checkpoint.step });
        return;
      }
      case 'save-failed':
        hooks.onNotice?.('error', `An auto-save failed; the previous one is intact. ${e.message}`);
        return;
      case 'device-lost': {
        const runId = e.runId ?? currentRun;
        const a = e.lastAutosave ?? (runId ? autosaveOf(runId) : undefined);
        if (runId) runListener?.({ kind: 'status', runId, status: 'device-lost', message: e.message, autosaveId: a?.checkpointId, autosaveStep: a?.step });
        else hooks.onNotice?.('error', `The GPU device was lost: ${e.message}`);
        return;
      }
      case 'error':
        hooks.onNotice?.('error', e.message);
        return;
      case 'weights':
        hooks.onWeights?.(e.weights);
        return;
      case 'model':
        modelEvents++;
        latestModel = e.model;
        if (installing === 0) reportModel(e.model);
        return;
    }
  };

  // Calls that load a model report it themselves when they succeed; one that fails after a model was
  // loaded meanwhile reports the worker's latest (the session adopts a model it already shows as a no-op,
  // so an event that arrives after its call's reply, on comlink's other port, does no harm either).
  let installing = 0;
  let modelEvents = 0;
  let latestModel: ApiModelInfo | null = null;
  const reportModel = (m: ApiModelInfo) => void installedInfo(m).then((info) => hooks.onModel?.(info));
  async function installingCall<T>(f: (a: Remote<WorkbenchApi>) => Promise<T>): Promise<T> {
    const before = modelEvents;
    installing++;
    try {
      return await call(f);
    } catch (e) {
      if (modelEvents > before && latestModel) reportModel(latestModel);
      throw e;
    } finally {
      installing--;
    }
  }
  const eventsReady = call((a) => a.onEvent(proxy(onWorkerEvent))).catch(() => undefined);

  /** Steps can arrive before start() resolves with the run id (step 0): hold them until it is known. */
  const stepCallback = () => {
    let id: string | null = null;
    const early: [StepMetrics, RolloutSample[]][] = [];
    const deliver = (m: StepMetrics, rollouts: RolloutSample[]) => {
      runListener?.({ kind: 'metrics', runId: id!, metrics: m });
      if (rollouts.length) runListener?.({ kind: 'samples', runId: id!, samples: rollouts });
    };
    return {
      cb: proxy((m: StepMetrics, rollouts: RolloutSample[]) => (id ? deliver(m, rollouts) : early.push([m, rollouts]))),
      setId(runId: string) {
        id = runId;
        for (const [m, r] of early.splice(0)) deliver(m, r);
      },
    };
  };

  /** Starts (or resumes) a run and routes its metrics and events to onEvent. */
  async function follow<R extends { runId: string }>(onEvent: (e: RunEvent) => void, begin: (cb: StepListener) => Promise<R>): Promise<R> {
    runListener = onEvent;
    // A new run has no auto-save until the worker reports one (a resumed run's comes with its status).
    const before = { currentRun, lastAutosave };
    currentRun = null;
    lastAutosave = undefined;
    const m = stepCallback();
    let info: R;
    try {
      info = await begin(m.cb);
    } catch (e) {
      // Refused (e.g. a run is in progress): the run followed so far still is.
      ({ currentRun, lastAutosave } = before);
      throw e;
    }
    currentRun = info.runId;
    // Deliver after the caller has registered the run (it does so right after this resolves).
    queueMicrotask(() => m.setId(info.runId));
    return info;
  }

  /** Loads a checkpoint by reference: a shipped one is downloaded here and its bytes handed over; a stored one the worker reads. */
  async function loadNow(ref: string, behavior: Behavior, signal?: AbortSignal): Promise<ModelInfo> {
    if (ref.startsWith('shipped:')) {
      const b = ref.slice('shipped:'.length);
      const bytes = await fetchShipped(b, signal);
      const info = await installingCall((a) => a.loadCheckpoint(transfer(bytes, [bytes.buffer]), { name: shippedSource(b), behavior }));
      return shippedInfo(b, info);
    }
    if (ref.startsWith('db:')) return storedInfo(await installingCall((a) => a.loadStoredCheckpoint(ref.slice(3), { behavior })));
    if (ref.startsWith(UNSAVED)) throw new Error(`“${ref.slice(UNSAVED.length)}” was never stored (its save failed), and those weights are gone with the worker that held them: pick another checkpoint`);
    throw new Error(`unknown checkpoint reference "${ref}"`);
  }
  let loads: Promise<unknown> = Promise.resolve();
  /** The load whose turn it is: a later pick that replaces it aborts its download (a stalled one would hold up every pick after it). */
  let loading: { superseded?: () => boolean; download: AbortController } | null = null;

  return {
    async init(backend: Backend) {
      if (backend === 'webgpu') {
        if (!('gpu' in navigator)) throw new NoWebGpuError(window.isSecureContext ? 'This browser does not expose WebGPU (navigator.gpu is missing).' : 'WebGPU needs a secure context (https:// or http://localhost); this page was opened over plain http from another address.');
      }
      await eventsReady;
      let r;
      let note: string | undefined;
      try {
        r = await call((a) => a.init({ backend, fallbackToCpu: false }));
      } catch (e) {
        const msg = (e as Error).message;
        if (backend !== 'webgpu' || dead) throw e;
        // The browser has WebGPU but this build of the app has no GPU model: that is not the browser's
        // fault, so go on with the CPU backend and say so.
        if (/this build has no WebGPU model/.test(msg)) {
          r = await call((a) => a.init({ backend: 'cpu' }));
          note = `Running on the CPU backend: ${msg.replace(/^WebGPU unavailable: /, '')}.`;
        } else throw new NoWebGpuError(`WebGPU is present but could not be used: ${msg.replace(/^WebGPU unavailable: /, '')}`);
      }
      const adapter = r.adapter ? [r.adapter.vendor, r.adapter.architecture, r.adapter.description].filter(Boolean).join(' ') : undefined;
      return { backend: r.backend, adapter: adapter || undefined, kernels: r.kernels, note };
    },

    loadCheckpoint(ref, behavior, superseded) {
      // One after another, in the order asked: a slow download must not let an earlier pick land after a
      // later one; a pick replaced before its turn is neither downloaded nor installed, and one replaced
      // while it downloads stops downloading.
      if (loading?.superseded?.()) loading.download.abort();
      const next = loads.then(async () => {
        if (superseded?.()) throw new SupersededError(`${ref} was replaced by a later pick`);
        const mine = (loading = { superseded, download: new AbortController() });
        try {
          return await loadNow(ref, behavior, mine.download.signal);
        } finally {
          if (loading === mine) loading = null;
        }
      });
      loads = next.catch(() => undefined);
      return next;
    },

    async generate(req, onTokens) {
      const out = await call((a) => a.generate({ n: req.n, seed: req.seed, alpha: req.alpha, temperature: req.temperature }, proxy((u: GenerateUpdate) => onTokens(u.texts.map(generated)))));
      return out.map(generated);
    },

    async cancelGenerate() {
      return call((a) => a.cancelGenerate());
    },

    async sweep(req, onProgress) {
      return call((a) => a.sweep(req, proxy((p: SweepProgress) => onProgress(p.done, p.total))));
    },

    async cancelSweep() {
      return call((a) => a.cancelSweep());
    },

    startRun: async (req, onEvent) => {
      const { runId } = await follow(onEvent, (cb) => call((a) => a.start(req.config, cb, req.name ? { name: req.name } : {})));
      return { runId };
    },
    async resumeRun(runId, onEvent) {
      const r = await follow(onEvent, (cb) => installingCall((a) => a.resumeRun(runId, cb)));
      return { runId: r.runId, firstStep: r.firstStep, model: r.model ? await installedInfo(r.model) : undefined };
    },

    async pause() {
      await call((a) => a.pause());
    },
    async resume() {
      await call((a) => a.resume());
    },
    async stop() {
      await call((a) => a.stop());
    },
    async resetWeights() {
      const info = await call((a) => a.resetWeights());
      return info.weights ?? { kind: 'checkpoint' };
    },
    async saveCheckpoint(name) {
      const rec = await call((a) => a.saveCheckpoint(name));
      return { id: rec.id, name: rec.name };
    },

    async importCheckpoint(bytes, fileName) {
      const rec = await call((a) => a.importCheckpoint(transfer(bytes, [bytes.buffer]), { name: fileName }));
      return { id: rec.id, name: rec.name };
    },

    async exportCheckpoint() {
      return call((a) => a.exportCheckpoint());
    },

    async probe(prompts, tokens) {
      // Stopped after `tokens` streamed tokens (cancelGenerate takes effect at the next one); a batch
      // whose answers all end sooner counts the positions it did generate.
      let reached = 0;
      let at = 0;
      const t0 = performance.now();
      try {
        await call((a) =>
          a.generate(
            { n: prompts, seed: 0, alpha: 0, temperature: 1 },
            proxy((u: GenerateUpdate) => {
              if (u.step > reached && u.step <= tokens) {
                reached = u.step;
                at = performance.now();
              }
              if (u.step >= tokens) void a.cancelGenerate();
            }),
          ),
        );
      } catch (e) {
        if ((e as { name?: string })?.name !== 'CancelledError') throw e;
      }
      const ms = (at || performance.now()) - t0;
      return reached > 0 && ms > 0 ? (prompts * reached * 1000) / ms : 0;
    },

    // --- the lab ---
    async pretrain(req, onProgress) {
      return storedInfo(await installingCall((a) => a.pretrain(req, proxy((p: PretrainProgress) => onProgress(p)))));
    },
    async pausePretrain() {
      return call((a) => a.pausePretrain());
    },
    async resumePretrain() {
      return call((a) => a.resumePretrain());
    },
    async stopPretrain() {
      return call((a) => a.stopPretrain());
    },
    async pretrainStatus() {
      return call((a) => a.pretrainStatus());
    },
    async extractVector(req, onProgress) {
      return call((a) => a.extractVector(req, proxy((p: ExtractProgress) => onProgress(p.done, p.total))));
    },
    async candidateVector() {
      return call((a) => a.candidateVector());
    },
    async saveVector(o) {
      return storedInfo(await installingCall((a) => a.saveVector(o)));
    },

    dispose(reason = 'the worker was restarted') {
      dead ??= 'disposed';
      // Calls in flight would never settle once the worker is gone: their callers clear their busy state on this.
      const err = new WorkerRestartedError(`${reason}; run it again`);
      for (const r of rejectAll.splice(0)) r(err);
      try {
        void api.dispose().catch(() => undefined);
      } catch {
        /* already gone */
      }
      setTimeout(() => worker.terminate(), 50);
    },
  };
}
