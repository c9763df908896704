// Importing a checkpoint file (Workbench.importCheckpoint, src/worker/workbench.ts): the same checks as
// loading it (format, config bounds, steering metadata, task fit: DESIGN §6), one line when refused, and
// nothing written then. Driven under Node with fake-indexeddb; no device is opened (import needs none).
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/store/checkpoint';
import { WorkbenchDB } from '../../src/store/db';
import { cpuBackend } from '../../src/worker/backend';
import { Workbench, type BackendOpener } from '../../src/worker/workbench';

let dbN = 0;
function setup() {
  const opener: BackendOpener = async () => ({ backend: cpuBackend, result: { backend: 'cpu' } });
  const name = `import-${dbN++}`;
  return { wb: new Workbench(opener, () => WorkbenchDB.open(name)), db: () => WorkbenchDB.open(name) };
}

const shipped = () => new Uint8Array(readFileSync('public/checkpoints/confidence.safetensors'));

/** The shipped checkpoint re-encoded after `edit` (encodeCheckpoint checks the format only, not the task fit). */
function edited(edit: (c: Checkpoint) => void): Uint8Array {
  const c = decodeCheckpoint(shipped());
  edit(c);
  const steering = Object.fromEntries(Object.entries(c.steering).map(([b, v]) => [b, { vector: v.vector, meta: v.meta }]));
  const { config: _config, steering: _meta, ...metadata } = c.metadata;
  return encodeCheckpoint({ config: c.config, params: c.params, metadata, steering });
}

async function refused(bytes: Uint8Array, pattern: RegExp) {
  const { wb, db } = setup();
  await expect(wb.importCheckpoint(bytes, { name: 'x.safetensors' })).rejects.toThrow(pattern);
  expect(await (await db()).listCheckpoints()).toEqual([]);
}

describe('importCheckpoint', () => {
  test('stores a good file with its behavior, step and a name without the extension; it then loads', async () => {
    const { wb, db } = setup();
    const rec = await wb.importCheckpoint(shipped(), { name: 'my model.safetensors' });
    expect(rec).toMatchObject({ name: 'my model', kind: 'import', behavior: 'confidence' });
    expect((await (await db()).listCheckpoints()).map((c) => c.id)).toEqual([rec.id]);
    await wb.init({ backend: 'cpu' });
    expect((await wb.loadStoredCheckpoint(rec.id)).behavior).toBe('confidence');
  });

  test('refuses what the loader would refuse, before writing anything', async () => {
    await refused(new TextEncoder().encode('hello, not a checkpoint'), /not a safetensors checkpoint/);
    await refused(shipped().subarray(0, 5000), /./);
    await refused(edited((c) => (c.metadata.tokenizer = { vocab: ['a', 'b'] })), /tokenizer differs from the confidence task/);
    await refused(edited((c) => delete c.metadata.tokenizer), /no tokenizer in its metadata/);
    await refused(edited((c) => (c.metadata.tokenizer = 'nonsense')), /no tokenizer/);
  });

  test('a file that names no behavior is accepted when some task fits it, refused when none does', async () => {
    const { wb } = setup();
    const anon = edited((c) => {
      delete c.metadata.task;
      c.steering = {};
    });
    expect((await wb.importCheckpoint(anon, { name: 'anon' })).behavior).toBeUndefined();
    await refused(
      edited((c) => {
        delete c.metadata.task;
        c.steering = {};
        c.metadata.tokenizer = { vocab: ['z'] };
      }),
      /tokenizer differs/,
    );
  });
});
