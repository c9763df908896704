// One IndexedDB handle for the UI thread (checkpoint manager, run list, names). The worker has its own.
import { WorkbenchDB } from '../../store/db';

let db: Promise<WorkbenchDB> | null = null;

export const openDb = () =>
  (db ??= WorkbenchDB.open().catch((e) => {
    db = null;
    throw e;
  }));
