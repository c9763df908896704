// Which runs an open tab is training: each tab holds a Web Lock named after its live run for as long
// as the run is live, and the browser drops it when the tab closes (or crashes). A run stored as
// running or paused whose lock nobody holds was interrupted. Without the Locks API (old browsers) the
// answer is null and the caller falls back on the run's last update time.

const PREFIX = 'vspo-run:';
const held = new Map<string, () => void>();

const locks = (): LockManager | undefined => (typeof navigator !== 'undefined' ? navigator.locks : undefined);

/** Holds the run's lock until releaseRunLock (or until the tab goes away). */
export function holdRunLock(runId: string): void {
  const l = locks();
  if (!l || held.has(runId)) return;
  let release!: () => void;
  const until = new Promise<void>((res) => (release = res));
  held.set(runId, release);
  void l.request(PREFIX + runId, () => until).catch(() => held.delete(runId));
}

export function releaseRunLock(runId: string): void {
  held.get(runId)?.();
  held.delete(runId);
}

/** The runs some open tab of this origin holds (this one included); null without the Locks API. */
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

/** Stored as running or paused, yet not live: no tab holds it (or, without locks, silent for `staleMs`). */
export function isStale(run: { id: string; status: string; updatedAt: number }, held: Set<string> | null, now = Date.now(), staleMs = 10 * 60_000): boolean {
  if (run.status !== 'running' && run.status !== 'paused') return false;
  return held ? !held.has(run.id) : now - run.updatedAt > staleMs;
}
