// Ordering and cancellation for the worker's calls: one device, so every model call takes the lock.

/** Runs calls one at a time, in the order they arrive (a failed call does not block the next). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Cancellation for one kind of call: cancel() stops every call of that kind made before it, running or queued. */
export class Cancels {
  private epoch = 0;
  private active = 0;
  async run<T>(fn: (cancelled: () => boolean) => Promise<T>): Promise<T> {
    const epoch = this.epoch;
    this.active++;
    try {
      return await fn(() => this.epoch !== epoch);
    } finally {
      this.active--;
    }
  }
  /** True when a call was running or waiting its turn. */
  cancel(): boolean {
    this.epoch++;
    return this.active > 0;
  }
}

export const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Errors cross comlink by name (CheckpointError, ConfigError, StateError, …). */
export function namedError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}
