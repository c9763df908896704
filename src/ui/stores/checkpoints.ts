// The checkpoint manager and the run list: reads, renames and deletes through src/store/db.ts (the one
// store module, DESIGN §6); checkpoint bytes are written only by the worker (an import is validated and
// stored there, off this thread); storage use against the quota.
import { create } from 'zustand';
import { BEHAVIORS, type Behavior } from '../../data/types';
import { runToCSV, runToJSON, storageEstimate, type CheckpointRecord, type RunRecord, type StorageEstimate } from '../../store/db';
import { downloadBlob, safeFilename } from '../lib/download';
import { heldRunIds, isStale } from '../../worker/runLocks';
import { interruptedMessage } from '../lib/runs';
import { openDb } from './dbHandle';
import { getClient } from './session';
import { shippedUrl } from '../worker/client';
import { notify } from './ui';
import { useExperiment } from './experiment';

export interface ShippedEntry {
  behavior: Behavior;
  url: string;
  /** null = not checked yet. */
  available: boolean | null;
  size?: number;
}

interface CheckpointsState {
  checkpoints: CheckpointRecord[];
  runs: RunRecord[];
  /** The runs some tab's worker is training (their Web Locks), as of the last refresh; null without the Locks API. */
  liveRuns: Set<string> | null;
  shipped: ShippedEntry[];
  estimate: StorageEstimate | null;
  loaded: boolean;
  importError: string | null;
  importing: boolean;
  error: string | null;
  refresh(): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  remove(id: string): Promise<void>;
  exportCheckpoint(ref: string): Promise<void>;
  importFiles(files: FileList | File[]): Promise<void>;
  exportRun(id: string, format: 'json' | 'csv'): Promise<void>;
  deleteRun(id: string): Promise<void>;
}


/** Largest file the importer reads (checkpoints here are a few MB; this stops a mistaken drop of a huge file). */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

const message = (e: unknown) => (e as Error)?.message ?? String(e);

type Db = Awaited<ReturnType<typeof openDb>>;

/**
 * Once per page load, before the run list is first shown: a run stored as running or paused that no
 * open tab holds is marked interrupted (its tab closed mid-run); whether it can be resumed is said
 * next to it (lib/runs resumability).
 */
let reconciled: Promise<void> | null = null;
function reconcileOnce(db: Db): Promise<void> {
  return (reconciled ??= (async () => {
    const held = await heldRunIds();
    const marked: string[] = [];
    for (const r of await db.listRuns()) if (isStale(r, held) && (await db.markInterrupted(r.id, interruptedMessage(r)).catch(() => null))) marked.push(r.name);
    if (marked.length)
      notify({
        kind: 'info',
        text: `${marked.length === 1 ? `The run “${marked[0]}” was` : `${marked.length} runs were`} interrupted when ${marked.length === 1 ? 'its tab' : 'their tabs'} closed. The Checkpoints view says whether ${marked.length === 1 ? 'it' : 'each'} can be resumed.`,
        action: { label: 'Show runs', run: () => useExperiment.getState().set({ view: 'checkpoints' }) },
      });
  })().catch(() => undefined));
}

/** Which shipped checkpoints exist: one HEAD request each, once per page load (they do not change while it is open). */
let shippedCheck: Promise<ShippedEntry[]> | null = null;
function checkShipped(entries: ShippedEntry[]): Promise<ShippedEntry[]> {
  return (shippedCheck ??= Promise.all(
    entries.map(async (s) => {
      try {
        const r = await fetch(s.url, { method: 'HEAD' });
        const len = Number(r.headers.get('content-length'));
        return { ...s, available: r.ok && !(r.headers.get('content-type') ?? '').includes('text/html'), size: Number.isFinite(len) && len > 0 ? len : undefined };
      } catch {
        return { ...s, available: false };
      }
    }),
  ));
}

export const useCheckpoints = create<CheckpointsState>((set, get) => ({
  checkpoints: [],
  runs: [],
  liveRuns: null,
  shipped: BEHAVIORS.map((b) => ({ behavior: b, url: shippedUrl(b), available: null })),
  estimate: null,
  loaded: false,
  importError: null,
  importing: false,
  error: null,

  async refresh() {
    try {
      const db = await openDb();
      await reconcileOnce(db);
      const [checkpoints, runs, estimate, liveRuns] = await Promise.all([db.listCheckpoints(), db.listRuns(), storageEstimate(), heldRunIds()]);
      set({ checkpoints, runs, estimate, liveRuns, loaded: true, error: null });
    } catch (e) {
      set({ error: `IndexedDB is not available: ${message(e)}`, loaded: true });
    }
    if (get().shipped.some((s) => s.available === null)) set({ shipped: await checkShipped(get().shipped) });
  },

  async rename(id, name) {
    try {
      await (await openDb()).renameCheckpoint(id, name);
    } catch (e) {
      notify({ kind: 'error', text: `Could not rename: ${message(e)}` });
    }
    await get().refresh();
  },

  async remove(id) {
    try {
      await (await openDb()).deleteCheckpoint(id);
    } catch (e) {
      notify({ kind: 'error', text: `Could not delete: ${message(e)}` });
    }
    await get().refresh();
  },

  async exportCheckpoint(ref) {
    try {
      if (ref.startsWith('shipped:')) {
        const b = ref.slice('shipped:'.length);
        const r = await fetch(shippedUrl(b));
        if (!r.ok) throw new Error(`public/checkpoints/${b}.safetensors is missing (HTTP ${r.status})`);
        downloadBlob(await r.arrayBuffer(), `${b}.safetensors`, 'application/octet-stream');
        return;
      }
      const id = ref.replace(/^db:/, '');
      const { record, bytes } = await (await openDb()).loadCheckpoint(id);
      downloadBlob(bytes as Uint8Array<ArrayBuffer>, safeFilename(record.name, '.safetensors'), 'application/octet-stream');
    } catch (e) {
      notify({ kind: 'error', text: `Could not export: ${message(e)}` });
    }
  },

  async importFiles(files) {
    const list = Array.from(files);
    if (!list.length) return;
    set({ importing: true, importError: null });
    const errors: string[] = [];
    for (const f of list) {
      try {
        if (f.size > MAX_IMPORT_BYTES) throw new Error(`the file is ${Math.ceil((f.size / 2 ** 20) * 10) / 10} MiB; the importer takes files up to ${MAX_IMPORT_BYTES / 2 ** 20} MiB`); // rounded up: never "512 MiB; up to 512"
        // Validated and stored by the worker (the loader's every check, off this thread): refused with one line, nothing written.
        const bytes = new Uint8Array(await f.arrayBuffer());
        const { name } = await getClient().importCheckpoint(bytes, f.name);
        notify({ kind: 'success', text: `Imported “${name}”.` });
      } catch (e) {
        errors.push(`${f.name}: ${message(e)}`);
      }
    }
    set({ importing: false, importError: errors.length ? errors.join('\n') : null });
    await get().refresh();
  },

  async exportRun(id, format) {
    try {
      const { run, metrics } = await (await openDb()).loadRun(id);
      const base = safeFilename(run.name || run.id, '');
      if (format === 'json') downloadBlob(runToJSON(run, metrics), `${base}.json`, 'application/json');
      else downloadBlob(runToCSV(metrics), `${base}.csv`, 'text/csv');
    } catch (e) {
      notify({ kind: 'error', text: `Could not export the run: ${message(e)}` });
    }
  },

  async deleteRun(id) {
    try {
      // Asked again now, not at the last refresh: a tab may have started or resumed it since.
      if ((await heldRunIds())?.has(id)) throw new Error('it is training in a tab of this browser: stop it there first (its steps are recorded into it)');
      await (await openDb()).deleteRun(id);
    } catch (e) {
      notify({ kind: 'error', text: `Could not delete the run: ${message(e)}` });
    }
    await get().refresh();
  },
}));
