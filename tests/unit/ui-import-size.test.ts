// The browser importer refuses a file over MAX_IMPORT_BYTES from its size alone, before reading a byte of
// it (a multi-GB file would otherwise be read whole into the tab's memory first): one line, no import.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { MAX_IMPORT_BYTES, useCheckpoints } from '../../src/ui/stores/checkpoints';

test('a file over the import limit is refused by its size, unread', async () => {
  let reads = 0;
  const huge = { name: 'huge.safetensors', size: MAX_IMPORT_BYTES + 1, arrayBuffer: async () => (reads++, new ArrayBuffer(0)) } as unknown as File;
  await useCheckpoints.getState().importFiles([huge]);
  expect(reads).toBe(0);
  expect(useCheckpoints.getState().importError).toBe('huge.safetensors: the file is 512.1 MiB; the importer takes files up to 512 MiB');
  expect(useCheckpoints.getState().checkpoints).toEqual([]);
});
