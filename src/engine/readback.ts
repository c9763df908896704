// Reading GPU buffers back. Copies to one staging buffer are encoded into the caller's command encoder
// (so a training step still has ONE submit), then one mapAsync reads all of them: one readback.
import { MAP_READ } from './buffers';
import type { GpuContext } from './launch';

export class Readback {
  private parts: { src: GPUBuffer; offset: number; bytes: number; at: number }[] = [];
  private total = 0;
  private staging: GPUBuffer | null = null;

  constructor(private readonly ctx: GpuContext) {}

  /** Schedules a copy of `bytes` (a multiple of 4) from `src` at `offset`; returns the part index. */
  add(src: GPUBuffer, offset: number, bytes: number): number {
    if (this.staging) throw new Error('Readback: add() after encode()');
    if (bytes % 4 !== 0 || offset % 4 !== 0) throw new Error('Readback: offset and size must be multiples of 4');
    this.parts.push({ src, offset, bytes, at: this.total });
    this.total += bytes;
    return this.parts.length - 1;
  }

  /** Encodes the copies into `encoder`. Call once, before finishing the encoder. */
  encode(encoder: GPUCommandEncoder): void {
    this.staging = this.ctx.pool.acquire(Math.max(this.total, 4), MAP_READ, 'readback');
    for (const p of this.parts) if (p.bytes > 0) encoder.copyBufferToBuffer(p.src, p.offset, this.staging, p.at, p.bytes);
  }

  /** After the submit: maps once and returns a copy of every part, in add() order. */
  async read(): Promise<ArrayBuffer[]> {
    if (!this.staging) throw new Error('Readback: read() before encode()');
    const staging = this.staging;
    this.ctx.counters.readbacks++;
    await staging.mapAsync(0x0001 /* GPUMapMode.READ */, 0, staging.size);
    const all = staging.getMappedRange(0, staging.size).slice(0);
    staging.unmap();
    this.ctx.pool.release(staging);
    this.staging = null;
    return this.parts.map((p) => all.slice(p.at, p.at + p.bytes));
  }
}

/** One-shot read of whole buffers (or prefixes): one submit, one readback. */
export async function readBuffers(ctx: GpuContext, parts: { buffer: GPUBuffer; bytes: number; offset?: number }[]): Promise<ArrayBuffer[]> {
  const rb = new Readback(ctx);
  for (const p of parts) rb.add(p.buffer, p.offset ?? 0, p.bytes);
  const enc = ctx.device.createCommandEncoder({ label: 'readback' });
  rb.encode(enc);
  ctx.submit(enc.finish());
  return rb.read();
}

export async function readF32(ctx: GpuContext, buffer: GPUBuffer, length: number, offsetElems = 0): Promise<Float32Array> {
  const [ab] = await readBuffers(ctx, [{ buffer, bytes: length * 4, offset: offsetElems * 4 }]);
  return new Float32Array(ab);
}

export async function readI32(ctx: GpuContext, buffer: GPUBuffer, length: number, offsetElems = 0): Promise<Int32Array> {
  const [ab] = await readBuffers(ctx, [{ buffer, bytes: length * 4, offset: offsetElems * 4 }]);
  return new Int32Array(ab);
}

/** Uploads a typed array into a pooled storage buffer. */
export function upload(ctx: GpuContext, data: Float32Array | Int32Array | Uint32Array, label?: string): GPUBuffer {
  const buf = ctx.pool.acquire(Math.max(data.byteLength, 4), undefined, label);
  if (data.byteLength > 0) ctx.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  return buf;
}
