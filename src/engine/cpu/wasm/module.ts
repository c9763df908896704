// Loading a kernel module (a *.wat assembled by scripts/build-wasm.mjs into *.gen.ts) and its memory.
// Modules are small (~1 KB) and compiled synchronously on first use, which every engine allows, on the
// main thread of a browser too; each module has its own memory that only grows.

export interface KernelModule<T> {
  /** Whether this engine runs the module (it needs WASM SIMD). */
  available(): boolean;
  /** The instance's exports (compiled and instantiated on the first call). */
  exports(): T;
  /** A view of the whole memory, grown to at least `bytes` (valid until the next call that grows it). */
  heap(bytes: number): Float32Array;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function kernelModule<T extends { memory: WebAssembly.Memory }>(base64: string): KernelModule<T> {
  let inst: T | null = null;
  let view = new Float32Array(0);
  let ok: boolean | null = null;
  const exports = (): T => (inst ??= new WebAssembly.Instance(new WebAssembly.Module(decode(base64))).exports as unknown as T);
  return {
    available() {
      if (ok === null) {
        try {
          ok = typeof WebAssembly === 'object' && WebAssembly.validate(decode(base64));
        } catch {
          ok = false;
        }
      }
      return ok;
    },
    exports,
    heap(bytes: number) {
      const { memory } = exports();
      const have = memory.buffer.byteLength;
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
      if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
      return view;
    },
  };
}

/** n rounded up to a multiple of 16 (bytes: one v128). */
export const align16 = (n: number) => (n + 15) & ~15;
