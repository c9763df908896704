// Kernel launch. A Program is a recorded sequence of dispatches (plus buffer clears and copies) whose
// bind groups and uniform parameters are created once; each training step re-encodes the same Program
// into ONE command encoder and submits once. Nothing is allocated per step.
import { BufferPool, UNIFORM } from './buffers';
import { encodeParams, paramsBytes, PipelineCache, type Kernel } from './pipelines';
import type { ShaderName, ShaderVariant } from './shaders';
import { deviceAdapterInfo, isCpuAdapter } from './device';

export interface Counters {
  submits: number;
  readbacks: number;
  dispatches: number;
}

/**
 * Kernel variants and workgroup sizes, chosen per adapter (measured on SwiftShader: barrier-free kernels
 * and 4-wide row workgroups are 8-40x faster there; GPUs get shared-memory tiling and 64-wide rows).
 */
export interface Tuning {
  /** Workgroup size (power of two) of the one-workgroup-per-row kernels: layernorm, attention, log-prob. */
  rowWG: number;
  /**
   * 'vec4': shared-memory 128x128 tiles, 8x8 per invocation, vec4 loads and stores, shapes compiled in
   *         (shaders/matmul_vec4.wgsl; GPUs);
   * 'tiled': the generic shared-memory 64x64 kernel (any strides; the fallback of 'vec4');
   * 'register': barrier-free 4x4 register blocks (CPU adapters).
   */
  matmul: 'vec4' | 'tiled' | 'register';
  /**
   * 'vec4' only: while a product's grid of 128-wide tiles has fewer workgroups than this, its tiles are
   * narrowed to 64 columns, then 64 rows (4x more workgroups, each with a quarter of the work), so that a
   * GPU with many compute units is not left mostly idle by GPT-2's [1024, 768] outputs (48 workgroups).
   * WebGPU does not say how many compute units there are, hence a count. 0: 128 wide wherever the
   * output is wider than 64.
   */
  matmulFill: number;
  /**
   * Attention forward and backward (heads up to 64 wide, else 'rows'): 'flash' = blocks of 16 query rows
   * (keys) with an online softmax, keeping only each row's softmax max and sum for the backward
   * (attention_flash.wgsl; memory O(T) per head, not O(T^2)); 'tiled' = the same blocks over the stored
   * [T, T] weights (attention.wgsl *_tiled); 'rows' = one workgroup per query row (key) (CPU adapters).
   * 'tiled' and 'rows' give the same bits; 'flash' equals them within rounding.
   */
  attention: 'flash' | 'tiled' | 'rows';
  /**
   * Row reductions (layernorm, log-prob, the attention softmax) through subgroup operations (shaders/reduce_subgroups.wgsl)
   * instead of shared memory and barriers. Needs the device feature `subgroups`: createContext refuses
   * it without. defaultTuning turns it on where the adapter has the feature and SUBGROUPS_BY_DEFAULT says so.
   */
  subgroups: boolean;
  /**
   * Generation (prompt prefill and decode) reads the matmul weights from an f16 copy, two values to a
   * u32 (shaders/matmul_b_f16.wgsl; the copy is made by cast_f16.wgsl when the parameters have changed):
   * half the bytes per token, where decoding a batch is bound by reading the weights. Products and sums
   * stay f32. Log-probs and training keep the f32 weights, so tokens are sampled from the f16-rounded
   * model (weights within 2^-11 relative) and their log-probs are that model's. Needs the 'vec4' matmul
   * (prefill products over SKINNY_ROWS rows run on it); core WGSL, so no device feature is needed. Off in
   * both tunings until measured on a GPU.
   */
  f16Weights: boolean;
  /**
   * Forward products of at most SKINNY_ROWS = 64 rows without accumulation (a decode step of up to 64
   * sequences; short prefills) run on shaders/matmul_skinny.wgsl: 16 columns per workgroup for every
   * row, K split 4-16 ways, so a large GPU gets ceil(N / 16) workgroups instead of the tiled kernels'
   * ceil(N / 128), and no arithmetic goes to rows that do not exist. Any matmul variant. Off in both
   * tunings until measured on a GPU.
   */
  skinnyMatmul: boolean;
}

/** The portable tunings: no optional feature, so they run on every device (tests run both everywhere). */
export const GPU_TUNING: Tuning = { rowWG: 64, matmul: 'vec4', matmulFill: 0, attention: 'flash', subgroups: false, f16Weights: false, skinnyMatmul: false };
export const CPU_ADAPTER_TUNING: Tuning = { rowWG: 4, matmul: 'register', matmulFill: 0, attention: 'rows', subgroups: false, f16Weights: false, skinnyMatmul: false };

/**
 * Whether defaultTuning uses subgroup reductions where the feature exists, per adapter kind (DESIGN §2).
 * cpu: faster on SwiftShader as measured by bench/subgroups.ts (DESIGN §8). gpu: off, because it is
 * unmeasured on real hardware and untested there.
 */
export const SUBGROUPS_BY_DEFAULT = { cpu: true, gpu: false };

/**
 * The two tunings by the name the benchmark and tests report ("gpu" is what a real GPU gets; a CPU adapter
 * that has `subgroups` gets "swiftshader" with subgroups on, see SUBGROUPS_BY_DEFAULT).
 */
export const TUNINGS = { swiftshader: CPU_ADAPTER_TUNING, gpu: GPU_TUNING } as const;
export type TuningName = keyof typeof TUNINGS;

export function defaultTuning(device: GPUDevice): Tuning {
  const cpu = isCpuAdapter(device);
  const base = cpu ? CPU_ADAPTER_TUNING : GPU_TUNING;
  return { ...base, subgroups: hasSubgroups(device) && SUBGROUPS_BY_DEFAULT[cpu ? 'cpu' : 'gpu'] };
}

/** The tuning in words, for the app's backend button: "vec4 matmul (GPU tuning), flash attention, 64-wide rows". */
export function describeTuning(t: Tuning): string {
  const matmul = { vec4: 'vec4 matmul (GPU tuning)', tiled: 'tiled matmul', register: 'register-blocked matmul (CPU-adapter tuning)' }[t.matmul];
  const fill = t.matmul === 'vec4' && t.matmulFill > 0 ? `, grids filled to ${t.matmulFill} workgroups` : '';
  return `${matmul}${fill}, ${t.attention === 'rows' ? '' : `${t.attention} attention, `}${t.rowWG}-wide rows${t.subgroups ? ', subgroup reductions' : ''}${t.skinnyMatmul ? ', skinny matmul for few rows' : ''}${t.f16Weights ? ', f16 weights for generation' : ''}`;
}

export function hasSubgroups(device: GPUDevice): boolean {
  return device.features.has('subgroups');
}

/**
 * The smallest subgroup the adapter may use (GPUAdapterInfo.subgroupMinSize; WebGPU guarantees at
 * least 4). A workgroup no larger than this is one subgroup, which reduce_subgroups.wgsl relies on.
 */
export function subgroupMinSize(device: GPUDevice): number {
  const n = (deviceAdapterInfo(device) as (GPUAdapterInfo & { subgroupMinSize?: number }) | undefined)?.subgroupMinSize;
  return typeof n === 'number' && n >= 4 && (n & (n - 1)) === 0 ? n : 4;
}

export interface GpuContext {
  device: GPUDevice;
  tuning: Tuning;
  /** See subgroupMinSize(); the SG_MIN constant of the subgroup reductions. */
  subgroupMinSize: number;
  pool: BufferPool;
  pipelines: PipelineCache;
  counters: Counters;
  /** Submits command buffers and counts the submit. */
  submit(cmd: GPUCommandBuffer | GPUCommandBuffer[]): void;
  /** A tiny placeholder storage buffer for binding slot `slot` of a kernel that does not use it. */
  dummy(slot: number): GPUBuffer;
  /** The placeholder buffers made so far (not in the pool's free list; destroy them when done). */
  dummies(): GPUBuffer[];
}

/** The tuning a context on this device gets for these overrides: defaultTuning's, overridden. */
export const resolveTuning = (device: GPUDevice, tuning: Partial<Tuning> = {}): Tuning => ({ ...defaultTuning(device), ...tuning });

export function createContext(device: GPUDevice, tuning: Partial<Tuning> = {}): GpuContext {
  const pool = new BufferPool(device);
  const dummies: GPUBuffer[] = [];
  const counters: Counters = { submits: 0, readbacks: 0, dispatches: 0 };
  const t = resolveTuning(device, tuning);
  if (!(t.rowWG >= 1 && (t.rowWG & (t.rowWG - 1)) === 0 && t.rowWG <= 256)) throw new Error(`tuning.rowWG must be a power of two in [1, 256] (got ${t.rowWG})`);
  if (t.subgroups && !hasSubgroups(device)) throw new Error('tuning.subgroups needs the device feature "subgroups", which this device lacks');
  if (t.f16Weights && t.matmul !== 'vec4') throw new Error(`tuning.f16Weights needs the vec4 matmul (got matmul '${t.matmul}')`);
  return {
    device,
    tuning: t,
    subgroupMinSize: subgroupMinSize(device),
    pool,
    pipelines: new PipelineCache(device),
    counters,
    submit(cmd) {
      device.queue.submit(Array.isArray(cmd) ? cmd : [cmd]);
      counters.submits++;
    },
    dummy(slot) {
      while (dummies.length <= slot) dummies.push(pool.acquire(256, undefined, 'dummy'));
      return dummies[slot];
    },
    dummies: () => dummies,
  };
}

export type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };
export type Workgroups = number | [number, number?, number?];

interface DispatchItem {
  kind: 'dispatch';
  kernel: Kernel;
  bindings: Record<string, Binding | null>;
  params: Record<string, number>;
  wg: [number, number, number];
  paramOffset: number;
  bindGroup?: GPUBindGroup;
  label: string;
}
type Item =
  | DispatchItem
  | { kind: 'clear'; buffer: GPUBuffer; offset: number; size?: number }
  | { kind: 'copy'; src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; size: number };

export type DispatchHandle = number;

/** One command's time from Program.profile(): 'gpu' from timestamps, 'wall' from its own submit. */
export interface ProfileEntry {
  label: string;
  ms: number;
  timing: 'gpu' | 'wall';
}

/** Timestamps one profile may take (WebGPU's limit on a query set's count). */
const MAX_QUERIES = 4096;

const dispatchLabel = (it: DispatchItem) => `${it.label} [${it.wg.join(',')}]`;

function encodeTransfer(enc: GPUCommandEncoder, it: Exclude<Item, DispatchItem>): void {
  if (it.kind === 'clear') enc.clearBuffer(it.buffer, it.offset, it.size);
  else enc.copyBufferToBuffer(it.src, it.srcOffset, it.dst, it.dstOffset, it.size);
}

export class Program {
  private items: Item[] = [];
  private uniformBytes = 0;
  private uniform: GPUBuffer | null = null;
  private arena: ArrayBuffer | null = null;
  private finalized = false;
  private align: number;

  constructor(
    readonly ctx: GpuContext,
    readonly label = 'program',
  ) {
    this.align = ctx.device.limits.minUniformBufferOffsetAlignment ?? 256;
  }

  /**
   * Records a dispatch of `shader`.`entry` with its storage bindings by WGSL variable name (null = unused
   * by this entry point) and its `Params` uniform by field name. `variant` picks a source variant that
   * needs an optional feature (see ShaderVariant).
   */
  dispatch(
    shader: ShaderName,
    entry: string,
    bindings: Record<string, Binding | null>,
    params: Record<string, number>,
    workgroups: Workgroups,
    constants: Record<string, number> = {},
    variant: ShaderVariant = {},
  ): DispatchHandle {
    if (this.finalized) throw new Error(`${this.label}: cannot add to a finalized program`);
    const kernel = this.ctx.pipelines.get(shader, entry, constants, variant);
    const wg: [number, number, number] = Array.isArray(workgroups)
      ? [workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1]
      : [workgroups, 1, 1];
    const maxWg = this.ctx.device.limits.maxComputeWorkgroupsPerDimension;
    for (const n of wg) {
      if (!Number.isInteger(n) || n < 0 || n > maxWg) throw new Error(`${shader}.${entry}: workgroup count ${n} out of range (max ${maxWg})`);
    }
    const label = `${shader}.${entry}`;
    for (const b of kernel.bindings) {
      if (b.type !== 'uniform' && !(b.name in bindings)) throw new Error(`${label}: binding "${b.name}" not given (use null if unused)`);
    }
    for (const name of Object.keys(bindings)) {
      if (!kernel.bindings.some((b) => b.name === name)) throw new Error(`${label}: shader has no binding "${name}"`);
    }
    let paramOffset = -1;
    if (kernel.params.length > 0) {
      paramOffset = Math.ceil(this.uniformBytes / this.align) * this.align;
      this.uniformBytes = paramOffset + paramsBytes(kernel.params);
      // validate now so a mistake points at the call site
      encodeParams(kernel.params, params, new DataView(new ArrayBuffer(paramsBytes(kernel.params))), 0, label);
    }
    this.items.push({ kind: 'dispatch', kernel, bindings, params: { ...params }, wg, paramOffset, label });
    return this.items.length - 1;
  }

  clear(buffer: GPUBuffer, offset = 0, size?: number): void {
    if (this.finalized) throw new Error(`${this.label}: cannot add to a finalized program`);
    this.items.push({ kind: 'clear', buffer, offset, size });
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    if (this.finalized) throw new Error(`${this.label}: cannot add to a finalized program`);
    this.items.push({ kind: 'copy', src, srcOffset, dst, dstOffset, size });
  }

  get length(): number {
    return this.items.length;
  }

  /** Rewrites the uniform params of one recorded dispatch (takes effect for the next submit). */
  update(handle: DispatchHandle, params: Record<string, number>): void {
    const item = this.items[handle];
    if (!item || item.kind !== 'dispatch') throw new Error(`${this.label}: bad dispatch handle ${handle}`);
    Object.assign(item.params, params);
    if (this.finalized) {
      const bytes = paramsBytes(item.kernel.params);
      const view = new DataView(this.arena!, item.paramOffset, bytes);
      encodeParams(item.kernel.params, item.params, view, 0, item.label);
      this.ctx.device.queue.writeBuffer(this.uniform!, item.paramOffset, this.arena!, item.paramOffset, bytes);
    }
  }

  private finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    const { device, pool } = this.ctx;
    if (this.uniformBytes > 0) {
      this.arena = new ArrayBuffer(Math.ceil(this.uniformBytes / 16) * 16);
      const view = new DataView(this.arena);
      this.uniform = pool.acquire(this.arena.byteLength, UNIFORM, `${this.label}:params`);
      for (const it of this.items) {
        if (it.kind === 'dispatch' && it.paramOffset >= 0) encodeParams(it.kernel.params, it.params, view, it.paramOffset, it.label);
      }
      device.queue.writeBuffer(this.uniform, 0, this.arena);
    }
    for (const it of this.items) {
      if (it.kind !== 'dispatch') continue;
      const entries: GPUBindGroupEntry[] = it.kernel.bindings.map((b) => {
        if (b.type === 'uniform') {
          return { binding: b.binding, resource: { buffer: this.uniform!, offset: it.paramOffset, size: paramsBytes(it.kernel.params) } };
        }
        const given = it.bindings[b.name];
        if (given === null || given === undefined) return { binding: b.binding, resource: { buffer: this.ctx.dummy(b.binding) } };
        if ('buffer' in given) return { binding: b.binding, resource: { buffer: given.buffer, offset: given.offset ?? 0, size: given.size } };
        return { binding: b.binding, resource: { buffer: given as GPUBuffer } };
      });
      it.bindGroup = device.createBindGroup({ layout: it.kernel.layout, entries, label: it.label });
    }
  }

  /** Encodes every recorded command into `encoder` (compute passes are split around clears and copies). */
  encode(encoder: GPUCommandEncoder): void {
    this.finalize();
    let pass: GPUComputePassEncoder | null = null;
    for (const it of this.items) {
      if (it.kind === 'dispatch') {
        if (it.wg[0] * it.wg[1] * it.wg[2] === 0) continue;
        pass ??= encoder.beginComputePass({ label: this.label });
        pass.setPipeline(it.kernel.pipeline);
        pass.setBindGroup(0, it.bindGroup!);
        pass.dispatchWorkgroups(it.wg[0], it.wg[1], it.wg[2]);
        this.ctx.counters.dispatches++;
        continue;
      }
      if (pass) {
        pass.end();
        pass = null;
      }
      encodeTransfer(encoder, it);
    }
    pass?.end();
  }

  /** Encodes and submits on its own (tests and one-off work). */
  run(): void {
    const enc = this.ctx.device.createCommandEncoder({ label: this.label });
    this.encode(enc);
    this.ctx.submit(enc.finish());
  }

  /**
   * Measurement aid (never in a hot path): the time of each recorded command, in recording order. Where
   * the device has 'timestamp-query': GPU time, each dispatch in its own compute pass between two
   * timestamps, all in ONE submit (clears and copies are not timed: ms 0). Else the wall time of each
   * command on its own submit, which includes that submit's overhead (use it for the large commands).
   */
  async profile(): Promise<ProfileEntry[]> {
    this.finalize();
    const dispatches = this.items.filter((it) => it.kind === 'dispatch').length;
    const timestamps = this.ctx.device.features.has('timestamp-query') && dispatches > 0 && 2 * dispatches <= MAX_QUERIES;
    return timestamps ? this.profileTimestamps(dispatches) : this.profileSubmits();
  }

  private async profileTimestamps(dispatches: number): Promise<ProfileEntry[]> {
    const { device } = this.ctx;
    const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * dispatches, label: `${this.label}:profile` });
    const resolved = device.createBuffer({ size: 16 * dispatches, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: 16 * dispatches, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const enc = device.createCommandEncoder({ label: `${this.label}:profile` });
      let q = 0;
      for (const it of this.items) {
        if (it.kind !== 'dispatch') {
          encodeTransfer(enc, it);
          continue;
        }
        const pass = enc.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * q, endOfPassWriteIndex: 2 * q + 1 } });
        q++;
        pass.setPipeline(it.kernel.pipeline);
        pass.setBindGroup(0, it.bindGroup!);
        pass.dispatchWorkgroups(it.wg[0], it.wg[1], it.wg[2]);
        pass.end();
      }
      enc.resolveQuerySet(querySet, 0, 2 * dispatches, resolved, 0);
      enc.copyBufferToBuffer(resolved, 0, read, 0, 16 * dispatches);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const ns = new BigInt64Array(read.getMappedRange().slice(0));
      read.unmap();
      q = 0;
      return this.items.map((it) => {
        if (it.kind !== 'dispatch') return { label: it.kind, ms: 0, timing: 'gpu' as const };
        const ms = Number(ns[2 * q + 1] - ns[2 * q]) / 1e6;
        q++;
        return { label: dispatchLabel(it), ms: Math.max(0, ms), timing: 'gpu' as const };
      });
    } finally {
      querySet.destroy();
      resolved.destroy();
      read.destroy();
    }
  }

  private async profileSubmits(): Promise<ProfileEntry[]> {
    const out: ProfileEntry[] = [];
    const { device } = this.ctx;
    for (const it of this.items) {
      const enc = device.createCommandEncoder();
      if (it.kind === 'dispatch') {
        const pass = enc.beginComputePass();
        pass.setPipeline(it.kernel.pipeline);
        pass.setBindGroup(0, it.bindGroup!);
        pass.dispatchWorkgroups(it.wg[0], it.wg[1], it.wg[2]);
        pass.end();
      } else encodeTransfer(enc, it);
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      out.push({ label: it.kind === 'dispatch' ? dispatchLabel(it) : it.kind, ms: performance.now() - t0, timing: 'wall' });
    }
    return out;
  }

  dispose(): void {
    if (this.uniform) this.ctx.pool.release(this.uniform);
    this.uniform = null;
    this.items = [];
  }
}

/** Ceil division for workgroup counts. */
export const cdiv = (a: number, b: number) => Math.ceil(a / b);
