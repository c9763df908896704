// A run is trained by one tab at a time: the worker training it holds its Web Lock (src/worker/runLocks.ts)
// from start() until the run ends, so a second worker of the same origin (another tab) cannot resume it,
// paused or running; once the first worker goes (its tab closed or crashed: here, terminated) the lock is
// gone with it and the run resumes in the second; a run that ends releases it.
import { afterAll, expect, test } from 'vitest';
import { tinyCheckpointBytes } from './tiny-checkpoint';
import { WorkbenchDB } from '../../src/store/db';
import { connectWorkbench, type WorkerEvent } from '../../src/worker/api';
import { heldRunIds } from '../../src/worker/runLocks';


const until = async (cond: () => boolean | Promise<boolean>, ms = 60_000) => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** One tab's worker with the tiny model loaded on the CPU backend, and the events it sent. */
async function tab() {
  const w = connectWorkbench();
  const events: WorkerEvent[] = [];
  await w.api.onEvent(w.proxy((e: WorkerEvent) => void events.push(e)));
  await w.api.init({ backend: 'cpu' });
  await w.api.loadCheckpoint(tinyCheckpointBytes(1, { vector: false }), { name: 'tiny' });
  return { ...w, events };
}

const tabs: { worker: Worker }[] = [];
afterAll(() => tabs.forEach((t) => t.worker.terminate()));

test('a run live in one worker cannot be resumed in another until that worker goes; an ended run is free', async () => {
  const [a, b] = [await tab(), await tab()];
  tabs.push(a, b);
  const cfg = { method: 'grpo' as const, steps: 400, batchPrompts: 1, groupSize: 2, evalEvery: 0, saveEvery: 1, beta: 0 };
  const { runId } = await a.api.start(cfg, a.proxy(() => undefined));
  await until(() => a.events.some((e) => e.type === 'autosaved'));
  expect((await heldRunIds())?.has(runId)).toBe(true);

  const refusal = /is live in another tab or window of this browser/;
  await expect(b.api.resumeRun(runId, b.proxy(() => undefined))).rejects.toThrow(refusal);
  expect((await a.api.pause()).state).toBe('paused');
  await expect(b.api.resumeRun(runId, b.proxy(() => undefined))).rejects.toThrow(refusal); // paused is still live
  expect((await b.api.status()).state).toBe('idle'); // the refusal loaded and started nothing

  // The first tab closes: its worker's lock goes with it, and the run continues in the second.
  a.worker.terminate();
  await until(async () => !(await heldRunIds())?.has(runId));
  const resumed = await b.api.resumeRun(runId, b.proxy(() => undefined));
  expect(resumed.runId).toBe(runId);
  expect((await heldRunIds())?.has(runId)).toBe(true);
  expect((await b.api.stop()).state).toBe('stopped');
  expect((await heldRunIds())?.has(runId)).toBe(false); // an ended run holds nothing

  const db = await WorkbenchDB.open();
  await db.deleteRun(runId);
  db.close();
});
