// src/engine/buffers.ts: the buffer pool's acquire/release bookkeeping over a fake GPUDevice that records
// createBuffer, destroy and writeBuffer calls (no GPU). The counters checked here (live, liveBytes,
// peakBytes, created) are what the GPU model's "no buffer per step" and "dispose frees all" tests rely on.
import { describe, expect, test } from 'vitest';
import { BufferPool, MAP_READ, roundSize, STORAGE, UNIFORM } from '../../src/engine/buffers';

interface FakeBuffer {
  id: number;
  size: number;
  usage: number;
  label?: string;
  destroyed: boolean;
  destroy(): void;
}

function fakeDevice() {
  const created: FakeBuffer[] = [];
  const writes: { buffer: FakeBuffer; offset: number; data: Uint8Array }[] = [];
  let destroys = 0;
  const device = {
    createBuffer(desc: { size: number; usage: number; label?: string }): FakeBuffer {
      const b: FakeBuffer = {
        id: created.length,
        ...desc,
        destroyed: false,
        destroy() {
          // as in WebGPU, destroying twice is allowed; every call is counted
          b.destroyed = true;
          destroys++;
        },
      };
      created.push(b);
      return b;
    },
    queue: {
      writeBuffer(buffer: FakeBuffer, offset: number, data: Uint8Array) {
        writes.push({ buffer, offset, data });
      },
    },
  };
  return { device: device as unknown as GPUDevice, created, writes, destroys: () => destroys };
}

const fb = (b: GPUBuffer) => b as unknown as FakeBuffer;

describe('BufferPool', () => {
  test('sizes round up to 256-byte multiples (at least 256); the descriptor carries usage and label', () => {
    expect([0, 1, 255, 256, 257, 512, 1000].map(roundSize)).toEqual([256, 256, 256, 256, 512, 512, 1024]);
    const { device, created } = fakeDevice();
    const pool = new BufferPool(device);
    const a = pool.acquire(300, UNIFORM, 'params');
    expect(created).toHaveLength(1);
    expect([fb(a).size, fb(a).usage, fb(a).label]).toEqual([512, UNIFORM, 'params']);
    expect(fb(pool.acquire(4)).usage).toBe(STORAGE); // default usage
  });

  test('a released buffer is reused for the same rounded size and usage only', () => {
    const { device, created } = fakeDevice();
    const pool = new BufferPool(device);
    const a = pool.acquire(300);
    pool.release(a);
    expect(pool.acquire(500)).toBe(a); // 300 and 500 both round to 512
    pool.release(a);
    const other = [pool.acquire(300, UNIFORM), pool.acquire(600), pool.acquire(100)];
    for (const b of other) expect(b).not.toBe(a);
    expect(created).toHaveLength(4);
    expect(pool.acquire(512)).toBe(a);
    expect(pool.created).toBe(4);
  });

  test('released buffers come back last in, first out, never two holders of one buffer', () => {
    const { device } = fakeDevice();
    const pool = new BufferPool(device);
    const bufs = [pool.acquire(256), pool.acquire(256), pool.acquire(256)];
    for (const b of bufs) pool.release(b);
    const again = [pool.acquire(256), pool.acquire(256), pool.acquire(256)];
    expect(again).toEqual([bufs[2], bufs[1], bufs[0]]);
    expect(new Set(again).size).toBe(3);
    expect(pool.acquire(256)).not.toBeOneOf(bufs); // the free list is empty now: a new one
  });

  test('live, liveBytes, peakBytes and created: in-use and kept-free buffers both count as live', () => {
    const { device } = fakeDevice();
    const pool = new BufferPool(device);
    const a = pool.acquire(1000); // 1024
    const b = pool.acquire(256);
    expect([pool.live, pool.liveBytes, pool.peakBytes, pool.created]).toEqual([2, 1280, 1280, 2]);
    pool.release(a);
    expect([pool.live, pool.liveBytes]).toEqual([2, 1280]); // kept for reuse, still exists
    pool.acquire(1024);
    expect(pool.created).toBe(2);
    pool.release(b);
    pool.trim();
    expect([pool.live, pool.liveBytes, pool.peakBytes]).toEqual([1, 1024, 1280]);
  });

  test('beyond keepFreeBytes a released buffer is destroyed instead of kept', () => {
    const { device, destroys } = fakeDevice();
    const pool = new BufferPool(device, 600);
    const [a, b, c] = [pool.acquire(256), pool.acquire(256), pool.acquire(256)];
    pool.release(a);
    pool.release(b); // 512 kept
    expect(destroys()).toBe(0);
    pool.release(c); // 768 > 600: destroyed
    expect(fb(c).destroyed).toBe(true);
    expect([fb(a).destroyed, fb(b).destroyed]).toEqual([false, false]);
    expect([pool.live, pool.liveBytes]).toEqual([2, 512]);
    // taking one out frees room in the budget again
    expect(pool.acquire(256)).toBe(b);
    const d = pool.acquire(256);
    expect(d).toBe(a);
    pool.release(d);
    expect(fb(d).destroyed).toBe(false);
  });

  test('trim destroys exactly the free buffers; buffers in use stay', () => {
    const { device, destroys } = fakeDevice();
    const pool = new BufferPool(device);
    const used = pool.acquire(256);
    const free = [pool.acquire(256), pool.acquire(512, MAP_READ)];
    for (const b of free) pool.release(b);
    pool.trim();
    expect(destroys()).toBe(2);
    expect(free.every((b) => fb(b).destroyed)).toBe(true);
    expect(fb(used).destroyed).toBe(false);
    expect([pool.live, pool.liveBytes]).toEqual([1, 256]);
    expect(pool.acquire(256)).not.toBe(free[0]); // nothing destroyed is handed out again
    pool.trim(); // idempotent
    expect(destroys()).toBe(2);
  });

  test('release of null/undefined is a no-op; a foreign buffer or a second release is refused', () => {
    const { device } = fakeDevice();
    const pool = new BufferPool(device);
    pool.release(null);
    pool.release(undefined);
    const other = new BufferPool(fakeDevice().device).acquire(256);
    expect(() => pool.release(other)).toThrow('does not belong to this pool');
    const a = pool.acquire(256);
    pool.release(a);
    expect(() => pool.release(a)).toThrow('released twice');
    expect([pool.live, pool.liveBytes]).toEqual([1, 256]);
  });

  test('a second release is refused even when the budget is full (it must not destroy a pooled buffer)', () => {
    const { device } = fakeDevice();
    const pool = new BufferPool(device, 256);
    const a = pool.acquire(256);
    pool.release(a); // kept: exactly the budget
    expect(() => pool.release(a)).toThrow('released twice');
    expect(fb(a).destroyed).toBe(false);
    expect([pool.live, pool.liveBytes]).toEqual([1, 256]);
    expect(pool.acquire(256)).toBe(a);
  });

  test('a buffer the pool destroyed on release cannot be released again or come back from acquire', () => {
    const { device, destroys } = fakeDevice();
    const pool = new BufferPool(device, 0); // keeps nothing: every release destroys
    const a = pool.acquire(256);
    pool.release(a);
    expect(fb(a).destroyed).toBe(true);
    expect(pool.live).toBe(0);
    expect(() => pool.release(a)).toThrow('does not belong to this pool');
    expect([pool.live, pool.liveBytes, destroys()]).toEqual([0, 0, 1]);
    // and when there is room in the budget by then, it must not be pooled (and handed out) either
    const roomy = new BufferPool(fakeDevice().device, 256);
    const [p, q] = [roomy.acquire(256), roomy.acquire(256)];
    roomy.release(p); // kept
    roomy.release(q); // over budget: destroyed
    expect(fb(q).destroyed).toBe(true);
    expect(roomy.acquire(256)).toBe(p); // budget free again
    expect(() => roomy.release(q)).toThrow('does not belong to this pool');
    expect(roomy.acquire(256)).not.toBe(q);
    expect(roomy.live).toBe(2);
    const b = pool.acquire(256);
    expect(b).not.toBe(a);
    expect(fb(b).destroyed).toBe(false);
  });

  test('acquireZeroed: a storage buffer cleared with one write of its full (rounded) size', () => {
    const { device, writes } = fakeDevice();
    const pool = new BufferPool(device);
    const a = pool.acquire(300);
    pool.release(a);
    const z = pool.acquireZeroed(400, 'zeros');
    expect(z).toBe(a); // reused: must be cleared, which is why the write happens every time
    expect(writes).toHaveLength(1);
    expect(writes[0].buffer).toBe(fb(a));
    expect(writes[0].offset).toBe(0);
    expect(writes[0].data.byteLength).toBe(512);
    expect(writes[0].data.every((x) => x === 0)).toBe(true);
    expect(fb(pool.acquireZeroed(10)).usage).toBe(STORAGE);
  });
});
