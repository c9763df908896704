// A full disk for the unit tests that run on fake-indexeddb: IDBObjectStore.prototype.put throws a
// QuotaExceededError DOMException for one object store, as the browser's refusal is played in these
// tests. Shared by store-db, lab-workbench and rl-workbench.

type Put = (this: IDBObjectStore, ...args: unknown[]) => IDBRequest;

/**
 * From now on, put() into the object store named `store` throws QuotaExceededError when `when(value)`
 * holds (by default always); puts into other stores, or of other values, go through. Returns the undo,
 * which puts the original put() back (calling it again is harmless).
 */
export function refusePuts(store: string, when: (value: unknown) => boolean = () => true): () => void {
  const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { put: Put } } }).IDBObjectStore.prototype;
  const put = proto.put;
  proto.put = function (this: IDBObjectStore, ...args: unknown[]) {
    if (this.name === store && when(args[0])) throw new DOMException('quota', 'QuotaExceededError');
    return put.apply(this, args);
  };
  return () => {
    proto.put = put;
  };
}
