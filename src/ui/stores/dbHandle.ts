// The UI thread's handle on the one store module (src/store/db.ts): the checkpoint manager, the run list and
// names read and edit through it; checkpoint bytes are written only by the worker (DESIGN §1, §6).
import { WorkbenchDB } from '../../store/db';

let db: Promise<WorkbenchDB> | null = null;

export const openDb = () =>
  (db ??= WorkbenchDB.open().catch((e) => {
    db = null;
    throw e;
  }));
