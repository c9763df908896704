// The workbench's IndexedDB (via idb), shared by the worker (auto-saves, run histories) and the UI
// (checkpoint manager, past runs). Checkpoints are the same safetensors bytes that are exported and
// shipped (DESIGN §6); their small records are kept apart from the bytes so listing never loads weights.
// A save that runs out of quota aborts its transaction, so the previous data stays as it was, and says
// how many bytes it needed.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore, type StoreNames } from 'idb';
import type { StepMetrics } from '../rl/loop';
import { formatBytes } from '../util/format';

export const DB_NAME = 'vspo-workbench';
export const DB_VERSION = 1;

export interface CheckpointRecord {
  id: string;
  name: string;
  createdAt: number; // ms since the epoch
  size: number; // bytes
  /**
   * 'autosave': written by the trainer every K steps (each run keeps only its latest); 'run-start': the
   * weights a run started from (its reference π_ref, needed to resume it). Both go with their run.
   * 'pretrain': a base model pretrained in the worker (src/worker/lab.ts); it belongs to no run.
   */
  kind: 'manual' | 'autosave' | 'import' | 'run-start' | 'pretrain';
  runId?: string;
  behavior?: string;
  step?: number;
}

/** 'interrupted': it was running or paused when its tab closed (set when the app next opens; see markInterrupted). */
export type RunStatus = 'running' | 'paused' | 'stopped' | 'finished' | 'halted' | 'device-lost' | 'interrupted';

export interface RunRecord {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  behavior: string;
  method: string;
  /** The validated trainer config (RlConfig) and anything else needed to reproduce the run. */
  config: Record<string, unknown>;
  /** Where the run started from (a checkpoint id, 'shipped:<behavior>', …). */
  source?: string;
  status: RunStatus;
  stepsDone: number;
  message?: string;
  /** The run's latest auto-saved checkpoint (resume point). */
  autosaveId?: string;
}

interface Schema extends DBSchema {
  checkpoints: { key: string; value: CheckpointRecord; indexes: { byCreated: number } };
  checkpointBytes: { key: string; value: { id: string; bytes: Uint8Array } };
  runs: { key: string; value: RunRecord; indexes: { byCreated: number } };
  metrics: { key: [string, number]; value: { runId: string; step: number; metrics: StepMetrics }; indexes: { byRun: string } };
}

export class StorageQuotaError extends Error {
  constructor(
    readonly bytesNeeded: number,
    readonly usage: number | null,
    readonly quota: number | null,
  ) {
    super(
      quota !== null && usage !== null
        ? `not enough storage: this save needs ${formatBytes(bytesNeeded)} more (using ${formatBytes(usage)} of ${formatBytes(quota)}); delete checkpoints or runs and try again — nothing was changed`
        : `not enough storage: the save of ${formatBytes(bytesNeeded)} was refused by the browser; delete checkpoints or runs and try again — nothing was changed`,
    );
    this.name = 'StorageQuotaError';
  }
}

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

/**
 * The run `id` from the runs store of a read-write transaction (which may span other stores too). When
 * there is none, the transaction is aborted, so none of its writes are kept, and NotFoundError is thrown.
 */
async function getRunOrAbort<TxStores extends ArrayLike<StoreNames<Schema>>>(
  runs: IDBPObjectStore<Schema, TxStores, 'runs', 'readwrite'>,
  id: string,
): Promise<RunRecord> {
  const run = await runs.get(id);
  if (run) return run;
  runs.transaction.abort();
  await runs.transaction.done.catch(() => undefined);
  throw new NotFoundError(`run ${id}`);
}

const isQuotaError = (e: unknown) => {
  const name = (e as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
};

let counter = 0;
export function newId(prefix: string): string {
  const rand = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID().slice(0, 8) : Math.random().toString(36).slice(2, 10);
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${rand}`;
}

export interface StorageEstimate {
  usage: number;
  quota: number;
}

export async function storageEstimate(): Promise<StorageEstimate | null> {
  try {
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    if (!nav?.storage?.estimate) return null;
    const e = await nav.storage.estimate();
    if (typeof e.usage !== 'number' || typeof e.quota !== 'number') return null;
    return { usage: e.usage, quota: e.quota };
  } catch {
    return null;
  }
}

export interface SaveCheckpointOptions {
  name: string;
  kind?: CheckpointRecord['kind'];
  runId?: string;
  behavior?: string;
  step?: number;
  /** Ids deleted in the same transaction once the new bytes are written (an auto-save replacing the last). */
  replaces?: string[];
  /**
   * A run whose `autosaveId` is moved to the new checkpoint in the same transaction, so a tab closed
   * mid-save leaves either the old auto-save and its pointer or the new ones, never a dangling pointer.
   */
  autosaveOf?: string;
}

export class WorkbenchDB {
  private constructor(readonly db: IDBPDatabase<Schema>) {}

  static async open(name = DB_NAME): Promise<WorkbenchDB> {
    const db = await openDB<Schema>(name, DB_VERSION, {
      upgrade(db) {
        const c = db.createObjectStore('checkpoints', { keyPath: 'id' });
        c.createIndex('byCreated', 'createdAt');
        db.createObjectStore('checkpointBytes', { keyPath: 'id' });
        const r = db.createObjectStore('runs', { keyPath: 'id' });
        r.createIndex('byCreated', 'createdAt');
        const m = db.createObjectStore('metrics', { keyPath: ['runId', 'step'] });
        m.createIndex('byRun', 'runId');
      },
    });
    return new WorkbenchDB(db);
  }

  close() {
    this.db.close();
  }

  // --- checkpoints -------------------------------------------------------------------------------

  /** Writes bytes and record in one transaction. On a quota error nothing changes and StorageQuotaError says how much was needed. */
  async saveCheckpoint(bytes: Uint8Array, o: SaveCheckpointOptions): Promise<CheckpointRecord> {
    const name = o.name.trim();
    if (!name) throw new Error('a checkpoint needs a name');
    const record: CheckpointRecord = {
      id: newId('ckpt'),
      name,
      createdAt: Date.now(),
      size: bytes.byteLength,
      kind: o.kind ?? 'manual',
      ...(o.runId !== undefined ? { runId: o.runId } : {}),
      ...(o.behavior !== undefined ? { behavior: o.behavior } : {}),
      ...(o.step !== undefined ? { step: o.step } : {}),
    };
    const copy = bytes.slice(); // own buffer: never store a view into a larger (or transferred) buffer
    const tx = this.db.transaction(['checkpoints', 'checkpointBytes', 'runs'], 'readwrite');
    try {
      await tx.objectStore('checkpointBytes').put({ id: record.id, bytes: copy });
      await tx.objectStore('checkpoints').put(record);
      for (const id of o.replaces ?? []) {
        await tx.objectStore('checkpointBytes').delete(id);
        await tx.objectStore('checkpoints').delete(id);
      }
      if (o.autosaveOf !== undefined) {
        const run = await tx.objectStore('runs').get(o.autosaveOf);
        if (!run) throw new NotFoundError(`run ${o.autosaveOf}`);
        await tx.objectStore('runs').put({ ...run, autosaveId: record.id, updatedAt: Date.now() });
      }
      await tx.done;
    } catch (e) {
      try {
        tx.abort();
      } catch {
        /* already aborted */
      }
      await tx.done.catch(() => undefined);
      if (isQuotaError(e)) throw await quotaError(bytes.byteLength);
      throw e;
    }
    return record;
  }

  async listCheckpoints(): Promise<CheckpointRecord[]> {
    const all = await this.db.getAllFromIndex('checkpoints', 'byCreated');
    return all.reverse(); // newest first
  }

  async getCheckpoint(id: string): Promise<CheckpointRecord | undefined> {
    return this.db.get('checkpoints', id);
  }

  async loadCheckpoint(id: string): Promise<{ record: CheckpointRecord; bytes: Uint8Array }> {
    const tx = this.db.transaction(['checkpoints', 'checkpointBytes'], 'readonly');
    const [record, data] = await Promise.all([tx.objectStore('checkpoints').get(id), tx.objectStore('checkpointBytes').get(id)]);
    await tx.done;
    if (!record || !data) throw new NotFoundError(`checkpoint ${id}`);
    return { record, bytes: data.bytes };
  }

  async renameCheckpoint(id: string, name: string): Promise<CheckpointRecord> {
    const n = name.trim();
    if (!n) throw new Error('a checkpoint needs a name');
    const tx = this.db.transaction('checkpoints', 'readwrite');
    const rec = await tx.store.get(id);
    if (!rec) {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw new NotFoundError(`checkpoint ${id}`);
    }
    const updated = { ...rec, name: n };
    await tx.store.put(updated);
    await tx.done;
    return updated;
  }

  async deleteCheckpoint(id: string): Promise<void> {
    const tx = this.db.transaction(['checkpoints', 'checkpointBytes'], 'readwrite');
    await tx.objectStore('checkpoints').delete(id);
    await tx.objectStore('checkpointBytes').delete(id);
    await tx.done;
  }

  // --- runs ----------------------------------------------------------------------------------------

  async createRun(r: Omit<RunRecord, 'id' | 'createdAt' | 'updatedAt' | 'stepsDone' | 'status'> & Partial<Pick<RunRecord, 'id' | 'status'>>): Promise<RunRecord> {
    const t = Date.now();
    const run: RunRecord = { stepsDone: 0, status: 'running', ...r, id: r.id ?? newId('run'), createdAt: t, updatedAt: t };
    await this.db.put('runs', run);
    return run;
  }

  async updateRun(id: string, patch: Partial<Omit<RunRecord, 'id' | 'createdAt'>>): Promise<RunRecord> {
    const tx = this.db.transaction('runs', 'readwrite');
    const run = await getRunOrAbort(tx.store, id);
    const updated: RunRecord = { ...run, ...patch, id, createdAt: run.createdAt, updatedAt: Date.now() };
    await tx.store.put(updated);
    await tx.done;
    return updated;
  }

  /** Appends one step's metrics (and bumps the run's step count) in one transaction. */
  async appendMetrics(runId: string, m: StepMetrics): Promise<void> {
    const tx = this.db.transaction(['runs', 'metrics'], 'readwrite');
    const run = await getRunOrAbort(tx.objectStore('runs'), runId);
    await tx.objectStore('metrics').put({ runId, step: m.step, metrics: m });
    await tx.objectStore('runs').put({ ...run, stepsDone: Math.max(run.stepsDone, m.step), updatedAt: Date.now() });
    await tx.done;
  }

  /**
   * A run resumed from its auto-save at `step`: the metrics of later steps came from weights that no
   * longer exist, so they go, and stepsDone comes back to `step` (with `patch`), in one transaction.
   */
  async rewindRun(id: string, step: number, patch: Partial<Omit<RunRecord, 'id' | 'createdAt' | 'stepsDone'>> = {}): Promise<RunRecord> {
    const tx = this.db.transaction(['runs', 'metrics'], 'readwrite');
    const run = await getRunOrAbort(tx.objectStore('runs'), id);
    await tx.objectStore('metrics').delete(IDBKeyRange.bound([id, step], [id, Infinity], true, false));
    const updated: RunRecord = { ...run, ...patch, id, createdAt: run.createdAt, stepsDone: step, updatedAt: Date.now() };
    await tx.objectStore('runs').put(updated);
    await tx.done;
    return updated;
  }

  async listRuns(): Promise<RunRecord[]> {
    return (await this.db.getAllFromIndex('runs', 'byCreated')).reverse();
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.db.get('runs', id);
  }

  async loadRun(id: string): Promise<{ run: RunRecord; metrics: StepMetrics[] }> {
    const run = await this.db.get('runs', id);
    if (!run) throw new NotFoundError(`run ${id}`);
    const rows = await this.db.getAll('metrics', IDBKeyRange.bound([id, -Infinity], [id, Infinity]));
    return { run, metrics: rows.map((r) => r.metrics) };
  }

  // --- stale runs (issue 14, item 7) ----------------------------------------------------------------

  /**
   * Marks a run that is stored as running or paused, but that no open tab holds, as interrupted (its tab
   * closed mid-run). Done in one transaction and only if the status is still running or paused, so a
   * run that moved on meanwhile is left as it is. Returns the updated record, or null when unchanged.
   */
  async markInterrupted(id: string, message: string): Promise<RunRecord | null> {
    const tx = this.db.transaction('runs', 'readwrite');
    const run = await tx.store.get(id);
    if (!run || (run.status !== 'running' && run.status !== 'paused')) {
      await tx.done;
      return null;
    }
    const updated: RunRecord = { ...run, status: 'interrupted', message, updatedAt: Date.now() };
    await tx.store.put(updated);
    await tx.done;
    return updated;
  }

  // --- end of stale runs ---------------------------------------------------------------------------

  /** Deletes the run, its metrics, its auto-save and its run-start weights (manually saved checkpoints stay). */
  async deleteRun(id: string): Promise<void> {
    const tx = this.db.transaction(['runs', 'metrics', 'checkpoints', 'checkpointBytes'], 'readwrite');
    await tx.objectStore('runs').delete(id);
    await tx.objectStore('metrics').delete(IDBKeyRange.bound([id, -Infinity], [id, Infinity]));
    const ckpts = await tx.objectStore('checkpoints').getAll();
    for (const c of ckpts)
      if (c.runId === id && (c.kind === 'autosave' || c.kind === 'run-start')) {
        await tx.objectStore('checkpoints').delete(c.id);
        await tx.objectStore('checkpointBytes').delete(c.id);
      }
    await tx.done;
  }
}

async function quotaError(size: number): Promise<StorageQuotaError> {
  const est = await storageEstimate();
  if (!est) return new StorageQuotaError(size, null, null);
  const free = Math.max(0, est.quota - est.usage);
  return new StorageQuotaError(Math.max(size - free, 1), est.usage, est.quota);
}

// --- export ----------------------------------------------------------------------------------------

/** A run as one JSON document: the record (config included) and its metrics history. */
export function runToJSON(run: RunRecord, metrics: StepMetrics[]): string {
  return JSON.stringify({ format: 'vspo-run', version: 1, run, metrics }, null, 2);
}

/** Flattens a metrics record into scalar columns: nested objects with dots, per-intensity rows as `alpha=<α>.<field>`. */
export function flattenMetrics(m: StepMetrics): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  const walk = (prefix: string, v: unknown) => {
    if (v === undefined) return;
    if (v === null || typeof v !== 'object') {
      out[prefix] = typeof v === 'number' && !Number.isFinite(v) ? null : (v as string | number | boolean | null);
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, x);
  };
  const { perIntensity, ...rest } = m;
  walk('', rest);
  for (const p of perIntensity) {
    const { alpha, ...fields } = p;
    for (const [k, x] of Object.entries(fields)) out[`alpha=${alpha}.${k}`] = Number.isFinite(x) ? x : null;
  }
  return out;
}

const csvCell = (v: string | number | boolean | null | undefined) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per step; the columns are the union over all steps (steps without a value leave the cell empty). */
export function runToCSV(metrics: StepMetrics[]): string {
  const rows = metrics.map(flattenMetrics);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
  return lines.join('\n') + '\n';
}
