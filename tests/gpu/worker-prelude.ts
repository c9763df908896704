// Test doubles of the environment a worker runs in (a device that can be destroyed, a disk that is
// full): a script that runs in the worker before its module, the worker's own code unchanged.

/** Workers created while f runs (synchronously) start their module behind `prelude` (static imports run in order, before any message is read). */
export function withPrelude<T>(prelude: string, f: () => T): T {
  const Real = globalThis.Worker;
  const preludeUrl = URL.createObjectURL(new Blob([prelude], { type: 'text/javascript' }));
  class PreludedWorker extends Real {
    constructor(url: string | URL, options?: WorkerOptions) {
      const target = new URL(String(url), location.href).href;
      const src = `import ${JSON.stringify(preludeUrl)};\nimport ${JSON.stringify(target)};\n`;
      super(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { ...options, type: 'module' });
    }
  }
  globalThis.Worker = PreludedWorker;
  try {
    return f();
  } finally {
    globalThis.Worker = Real;
  }
}
