// Which runs are live: the worker training a run holds a Web Lock named after it from start() or
// resumeRun() until the run ends, and the browser drops it when the worker goes (tab closed or crashed,
// worker terminated). So a run stored as running or paused whose lock nobody holds was interrupted, and
// a run whose lock another tab holds must not be resumed here. Without the Locks API (Node, old
// browsers) nothing is held, queries answer null and callers fall back on the run's last update time.

const PREFIX = 'vspo-run:';

const locks = (): LockManager | undefined => (typeof navigator !== 'undefined' ? navigator.locks : undefined);

/** A held run lock; release() is idempotent, and resolves once the browser has let the lock go. */
export interface RunLease {
  release(): Promise<void>;
}

/**
 * Takes the run's lock if no other tab or worker of this origin holds it: the lease, or null when it is
 * held elsewhere. Without the Locks API every call gets a lease (there is nothing to check against).
 */
export function acquireRunLock(runId: string): Promise<RunLease | null> {
  const l = locks();
  if (!l) return Promise.resolve({ release: async () => {} });
  let letGo!: () => void;
  const held = new Promise<void>((r) => (letGo = r));
  return new Promise<RunLease | null>((resolve, reject) => {
    // request() settles after the callback's promise does and the lock is gone: release() waits for that.
    const gone = l
      .request(PREFIX + runId, { ifAvailable: true }, (lock) => {
        const release = () => {
          letGo();
          return gone;
        };
        resolve(lock ? { release } : null);
        return lock ? held : undefined;
      })
      .then(() => undefined, reject);
  });
}

/** The runs some worker of this origin holds (this tab's included); null without the Locks API. */
export async function heldRunIds(): Promise<Set<string> | null> {
  const l = locks();
  if (!l?.query) return null;
  try {
    const q = await l.query();
    return new Set((q.held ?? []).map((x) => x.name ?? '').filter((n) => n.startsWith(PREFIX)).map((n) => n.slice(PREFIX.length)));
  } catch {
    return null;
  }
}

/** Stored as running or paused, yet not live: no worker holds it (or, without locks, silent for `staleMs`). */
export function isStale(run: { id: string; status: string; updatedAt: number }, held: Set<string> | null, now = Date.now(), staleMs = 10 * 60_000): boolean {
  if (run.status !== 'running' && run.status !== 'paused') return false;
  return held ? !held.has(run.id) : now - run.updatedAt > staleMs;
}
