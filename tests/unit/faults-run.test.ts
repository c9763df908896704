// A lost device fails the GPU call in flight and reports its loss separately, in either order (DESIGN §9;
// the browser fault test, tests/e2e/faults.test.ts, saw the failed call first). Here, under Node, the CPU
// model stands in for the device: from a chosen moment each of its calls rejects as a lost device's
// mapAsync does, and the loss is reported a little later. The run must end device-lost (resumable), with
// no error of its own, whether or not an auto-save was due.
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import type { GPTConfig } from '../../src/model/config';
import { initParams } from '../../src/model/init';
import type { LanguageModel } from '../../src/model/types';
import { encodeCheckpoint } from '../../src/store/checkpoint';
import { WorkbenchDB } from '../../src/store/db';
import { createRng } from '../../src/util/rng';
import type { WorkerEvent } from '../../src/worker/api';
import { cpuBackend } from '../../src/worker/backend';
import { Workbench, type BackendOpener } from '../../src/worker/workbench';

const task = getTask('verbosity');
const config: GPTConfig = { vocabSize: task.tokenizer.vocabSize, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2 };

function checkpointBytes(): Uint8Array {
  const rng = createRng(5);
  const vector = Float32Array.from({ length: config.dModel }, () => rng.normal());
  return encodeCheckpoint({
    config,
    params: initParams(config, 5),
    metadata: { tokenizer: task.tokenizer.toJSON(), task: { behavior: 'verbosity' }, step: 0 },
    steering: { verbosity: { vector, meta: { behavior: 'verbosity', mode: 'random', pca: false, layer: 1, window: 'decision', norm: 4, relativeScale: 1, pairs: 0 } } },
  });
}

/** A backend whose models fail every call once `lose()` is called; the loss is reported `reportAfterMs` later. */
function losingBackend(reportAfterMs: number) {
  let lost = false;
  let report: ((m: string) => void) | null = null;
  const failing = (model: LanguageModel): LanguageModel =>
    new Proxy(model, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (typeof v !== 'function' || key === 'dispose') return v;
        return (...args: unknown[]) => (lost ? Promise.reject(new Error("Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved.")) : v.apply(target, args));
      },
    });
  const opener: BackendOpener = async (_o, onLost) => {
    report = onLost;
    return { backend: { kind: 'webgpu', create: async (c, p) => failing(await cpuBackend.create(c, p)) }, result: { backend: 'webgpu' } };
  };
  return {
    opener,
    lose() {
      lost = true;
      setTimeout(() => report!('Device was destroyed.'), reportAfterMs);
    },
  };
}

const until = async (cond: () => boolean, ms = 20_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

let dbN = 0;

describe('a step failed by a lost device, before the loss is reported', () => {
  for (const saveEvery of [0, 2])
    test(`ends the run device-lost, not stopped on an error (saveEvery ${saveEvery})`, async () => {
      const b = losingBackend(40);
      const name = `faults-${dbN++}`;
      const wb = new Workbench(b.opener, () => WorkbenchDB.open(name));
      const events: WorkerEvent[] = [];
      await wb.onEvent((e) => events.push(e));
      await wb.init({ backend: 'webgpu' });
      await wb.loadCheckpoint(checkpointBytes());
      const steps: number[] = [];
      const info = await wb.start({ steps: 20, batchPrompts: 2, groupSize: 4, evalEvery: 0, saveEvery, lr: 1e-3 }, (m) => {
        steps.push(m.step);
        if (m.step === 3) b.lose();
      });
      await until(() => events.some((e) => e.type === 'device-lost'));
      await new Promise((r) => setTimeout(r, 1500)); // longer than the run waits for a loss report
      expect((await wb.status()).state).toBe('device-lost');
      expect(events.filter((e) => e.type === 'error' || e.type === 'save-failed')).toEqual([]);
      expect(events.some((e) => e.type === 'status' && (e.status.state === 'stopped' || e.status.state === 'finished'))).toBe(false);
      const { run } = await wb.storedRun(info.runId);
      expect(run.status).toBe('device-lost');
      expect(run.message).toBe('the GPU device was lost (Device was destroyed.); resume from the last auto-save');
      expect(steps.at(-1)).toBe(3);
      if (saveEvery) expect(run.autosaveId).toBeDefined();
    });
});
