// A pool of GPU buffers keyed by (rounded size, usage). Buffers are acquired and released, never
// created per training step, so the live-buffer count stays flat across steps (DESIGN §8).

// Usage flags as numbers (fixed by the spec), so this module does not need the GPUBufferUsage global.
export const STORAGE = 0x0080 | 0x0004 | 0x0008; // STORAGE | COPY_SRC | COPY_DST
export const UNIFORM = 0x0040 | 0x0008; // UNIFORM | COPY_DST
export const MAP_READ = 0x0001 | 0x0008; // MAP_READ | COPY_DST

/** Sizes are rounded up to a multiple of 256 bytes so that buffers of similar tensors can be shared. */
export const roundSize = (bytes: number) => Math.max(256, Math.ceil(bytes / 256) * 256);

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  /** The buffers in `free` (a second release of one is refused before anything else happens). */
  private pooled = new Set<GPUBuffer>();
  /** Rounded size of every live buffer this pool made; destroyed ones are forgotten. */
  private sizes = new WeakMap<GPUBuffer, number>();
  private liveCount = 0;
  private liveBytesNow = 0;
  private peak = 0;
  /** Total buffers ever created (a flat count after warm-up proves reuse). */
  created = 0;

  constructor(
    readonly device: GPUDevice,
    /** Free bytes kept for reuse; beyond this, released buffers are destroyed. */
    private readonly keepFreeBytes = 256 << 20,
  ) {}

  private freeBytes = 0;

  acquire(bytes: number, usage = STORAGE, label?: string): GPUBuffer {
    const size = roundSize(bytes);
    const key = `${size}:${usage}`;
    const list = this.free.get(key);
    if (list && list.length > 0) {
      const buf = list.pop()!;
      this.pooled.delete(buf);
      this.freeBytes -= size;
      return buf;
    }
    const buf = this.device.createBuffer({ size, usage, label });
    this.sizes.set(buf, size);
    this.created++;
    this.liveCount++;
    this.liveBytesNow += size;
    this.peak = Math.max(this.peak, this.liveBytesNow);
    return buf;
  }

  /** A zero-filled storage buffer (fresh buffers are zero per spec; reused ones are cleared by a write). */
  acquireZeroed(bytes: number, label?: string): GPUBuffer {
    const buf = this.acquire(bytes, STORAGE, label);
    this.device.queue.writeBuffer(buf, 0, new Uint8Array(buf.size));
    return buf;
  }

  release(buf: GPUBuffer | null | undefined): void {
    if (!buf) return;
    const size = this.sizes.get(buf);
    if (size === undefined) throw new Error('BufferPool.release: buffer does not belong to this pool (or the pool already destroyed it)');
    if (this.pooled.has(buf)) throw new Error('BufferPool.release: buffer released twice');
    if (this.freeBytes + size > this.keepFreeBytes) {
      this.destroyOne(buf, size);
      return;
    }
    const key = `${size}:${buf.usage}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buf);
    this.pooled.add(buf);
    this.freeBytes += size;
  }

  private destroyOne(buf: GPUBuffer, size: number) {
    this.sizes.delete(buf);
    buf.destroy();
    this.liveCount--;
    this.liveBytesNow -= size;
  }

  /** Destroys the buffers kept for reuse. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.destroyOne(b, this.sizes.get(b)!);
    this.free.clear();
    this.pooled.clear();
    this.freeBytes = 0;
  }

  /** GPU buffers that exist now (in use or kept free for reuse). */
  get live(): number {
    return this.liveCount;
  }
  get liveBytes(): number {
    return this.liveBytesNow;
  }
  get peakBytes(): number {
    return this.peak;
  }
}
