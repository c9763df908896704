// The WebGPU model: GPT-2 (pre-LN) on the WGSL kernels, the same forward/backward graph as the CPU model
// (src/model/cpu-model.ts), AdamW with global-norm clipping on the GPU, the steering hook and a batched
// KV-cache sampler that samples on the GPU (DESIGN §2, §3, §8).
//
// Memory: parameters, gradients and the AdamW moments are each ONE flat buffer. Tensors sit at 256-byte
// boundaries, decayed tensors first, so AdamW is one update over the whole buffer (weight decay by index)
// after the global norm's reduction (kernels.ts adamwStep). Activations live in GPU buffers allocated once
// per (B, T) from a pool, with separate sets for logprobs()/trainStep() (kept for backward()) and for
// logits()/hidden(), like the CPU model; the last few shapes of each role are kept (RL alternates rollout
// and update shapes). The layernorms' inputs and statistics are stacked (LnStack) so that one dispatch at
// the end of backward computes all their parameter gradients.
// Public calls are serialized (one at a time, in call order).
// Every pass is a recorded Program (bind groups and uniforms made once), so a training step allocates
// nothing: it writes the batch with queue.writeBuffer, encodes forward + loss + backward + AdamW into ONE
// command encoder, submits once and reads back once (loss and gradient norm).
//
// Generation: the B x P prompt goes through ONE batched forward pass (forwardProgram's blocks, steering
// included) whose tail writes every layer's k, v into the KV cache and samples token P from the last
// prompt position; the new tokens then go through the single-position decode Program. The position lives
// in a GPU buffer that the last dispatch of each step increments, so all steps are encoded back to back
// without a readback. Sampling happens on the GPU from uniforms
// drawn on the CPU in the CPU model's order (step-major, b = 0..B-1), so a greedy run matches exactly.
import { bufferSizesWithoutHead, checkBuffersFit, checkModelFits, decodeBufferSizes, flatParamLayout, logitsBufferSize } from './gpu-layout';
import { checkBatch, checkGenerate, checkSteering, checkTargets } from './validate';
import { crossEntropyGrad, meanCrossEntropy } from './cross-entropy';
import { blockTensors, configError, numel, paramSpecs, type BlockParam, type GPTConfig, type ParamSpec } from './config';
import type {
  AdamWSettings,
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  LogprobResult,
  Params,
  StepResult,
  Steering,
  TokenBatch,
  TrainStepResult,
} from './types';
import { initParams } from './init';
import { createRng } from '../util/rng';
import { attentionStateFloats } from '../engine/attention-state';
import { createContext, Program, resolveTuning, type Binding, type Counters, type GpuContext, type ProfileEntry, type Tuning } from '../engine/launch';
import { Readback } from '../engine/readback';
import * as K from '../engine/kernels';

export interface GpuModelOptions {
  /** Submit generation work in chunks of this many token steps (keeps command buffers short). */
  generateChunk?: number;
  /** Override the per-adapter kernel choice (tests use it to run the GPU variants on SwiftShader). */
  tuning?: Partial<Tuning>;
  /**
   * false: generate() runs the prompt through the decode Program one position at a time (the path before
   * the batched prefill; kept for comparison tests and benchmarks). Default true.
   */
  batchedPrefill?: boolean;
  /**
   * Stack the layernorms' inputs and statistics so that backward computes all their parameter gradients
   * in one dispatch (default: wherever the stacks fit the adapter's limits; false: one pass per layernorm,
   * what an adapter with smaller limits gets, which tests use).
   */
  stackLayernorms?: boolean;
}

export interface GpuModel extends LanguageModel {
  readonly backend: 'webgpu';
  readonly device: GPUDevice;
  /** The gradient accumulators (copies), as built up by backward() since the last step(). */
  getGrads(): Promise<Params>;
  /** GPU buffers alive now (in use or pooled for reuse); flat across training steps. */
  liveBufferCount(): number;
  /** Bytes of GPU memory allocated now and at the peak. */
  memory(): { liveBytes: number; peakBytes: number };
  /** Queue submits, readbacks (mapAsync) and dispatches since creation. */
  counters(): Counters;
  /** The kernel variants in use (chosen per adapter). */
  readonly tuning: Tuning;
  /**
   * Measurement aid: one training step (forward, loss, backward, AdamW) with the time of each command
   * (Program.profile: GPU timestamps where the device has them, else each on its own submit), summed by
   * kernel name and grid. Slow; for finding hot spots, not for training.
   */
  profileTrainStep(batch: TokenBatch, targets: Int32Array, opt: AdamWSettings): Promise<ProfiledKernel[]>;
}

/** One kernel and grid of a profiled step: its summed time, how often it ran, how it was timed. */
export interface ProfiledKernel extends ProfileEntry {
  count: number;
}

interface TensorSlot {
  spec: ParamSpec;
  off: number; // elements
  n: number;
}

// The residual stream (res2, res3, encoded) and the layernorm statistics are Bindings: views into the
// stacks of LnStack where the activation set has one, else whole buffers. `att` is what the attention
// forward keeps for the backward: the [B,NH,T,T] weights, or the flash kernels' row statistics
// (engine/attention-state.ts).
interface LayerActs {
  ln1: GPUBuffer; ln1Mean: Binding; ln1Rstd: Binding; qkv: GPUBuffer; att: GPUBuffer; atty: GPUBuffer;
  res2: Binding; ln2: GPUBuffer; ln2Mean: Binding; ln2Rstd: Binding; fch: GPUBuffer; fchGelu: GPUBuffer;
  res3: Binding;
}

/**
 * The 2L + 1 layernorms' inputs and statistics stacked (layernorm j = 2l: block l's ln1, 2l + 1: its ln2,
 * 2L: ln_f), so that backward computes every layernorm's parameter gradients in one dispatch at its end
 * (kernels.layernormParamsBackward). even = [encoded, res3_0 .. res3_{L-1}], odd = [res2_0 .. res2_{L-1}]
 * (two stacks, so no dispatch binds one stack both for reading and writing), slots `slot` elements apart
 * (256-byte aligned); stats = means then rstds, `statSlot` apart. Used where the stacks fit the limits.
 */
interface LnStack {
  even: GPUBuffer; odd: GPUBuffer; stats: GPUBuffer; nLN: number; slot: number; statSlot: number;
}

interface GradActs {
  dres: GPUBuffer; dqkv: GPUBuffer; datty: GPUBuffer; dfch: GPUBuffer;
  /** GELU's backward scratch [N, 4C]; null where the fc-projection product fuses it (K.fusesEpilogues). */
  dfchGelu: GPUBuffer | null;
  dlogits: GPUBuffer; dpre: GPUBuffer | null;
  /** layernorm j's output gradient (views of dlnStack [nLN slots]; else one dln shared by the blocks and dlnf) */
  dlns: Binding[];
  dlnStack: GPUBuffer | null;
}

interface SteerBufs {
  vector: GPUBuffer; alpha: GPUBuffer; start: GPUBuffer; end: GPUBuffer;
}

interface Acts {
  B: number;
  T: number;
  buffers: GPUBuffer[]; // everything below, for release
  tokens: GPUBuffer; targets: GPUBuffer;
  encoded: Binding; proj: GPUBuffer;
  layers: LayerActs[];
  lnf: GPUBuffer; lnfMean: Binding; lnfRstd: Binding;
  lnStack: LnStack | null;
  /** [B, T, V], allocated by the first program through the LM head (logitsOf): hidden() and the prefill stop before it. */
  logits: GPUBuffer | null;
  logp: GPUBuffer; entropy: GPUBuffer; dlogp: GPUBuffer;
  steer: SteerBufs;
  grads: GradActs | null;
  programs: Map<string, Program>;
}

interface DecodeState {
  B: number;
  S: number; // positions (prompt + new tokens) = row length of tokens = KV-cache capacity
  buffers: GPUBuffer[];
  tokens: GPUBuffer; logprobs: GPUBuffer; uniforms: GPUBuffer; state: GPUBuffer;
  x: GPUBuffer; x2: GPUBuffer; ln: GPUBuffer; mean: GPUBuffer; rstd: GPUBuffer; qkv: GPUBuffer; atty: GPUBuffer;
  proj: GPUBuffer; fch: GPUBuffer; fchGelu: GPUBuffer; scores: GPUBuffer; logits: GPUBuffer;
  cache: GPUBuffer[];
  steer: SteerBufs;
  programs: Map<string, { prog: Program; sample: number }>;
  /** The prefill tails by steering layer and prompt length, each for the activation set it reads. */
  prefill: Map<string, { prog: Program; sample: number; acts: Acts }>;
}

/** Activation sets kept per role (train / infer); older shapes go back to the buffer pool. */
const MAX_ACT_SETS = 3;

type LayerViews = Record<BlockParam, Binding>;

/** The tensors a program reads (or writes, for the gradients); `head` is the LM head's weight (wte, tied). */
interface ParamViews { wte: Binding; wpe: Binding; lnfw: Binding; lnfb: Binding; head: Binding; layers: LayerViews[] }

class GpuModelImpl implements GpuModel {
  readonly backend = 'webgpu' as const;
  readonly config: GPTConfig;
  readonly device: GPUDevice;

  private readonly ctx: GpuContext;
  private readonly slots: TensorSlot[] = [];
  private readonly slotByName = new Map<string, TensorSlot>();
  private readonly total: number; // flat length
  private readonly decayEnd: number; // [0, decayEnd) decayed tensors, [decayEnd, total) the rest
  private readonly paramsBuf: GPUBuffer;
  private readonly gradsBuf: GPUBuffer;
  private readonly mBuf: GPUBuffer;
  private readonly vBuf: GPUBuffer;
  private readonly stats: GPUBuffer; // [gradNorm]
  private readonly partials: GPUBuffer;
  private readonly hyper: GPUBuffer;
  private readonly lnOffs: GPUBuffer; // u32 [2L + 1][2]: dweight, dbias offsets of layernorm j in the gradients
  private readonly adamProg: Program;
  private adamStep = 0;
  /** Activation sets by shape, least recently used first (RL alternates a few shapes). */
  private readonly trainSets = new Map<string, Acts>();
  private readonly inferSets = new Map<string, Acts>();
  private trainActs: Acts | null = null; // the set of the last logprobs()/trainStep(), used by backward()
  private haveTrainCache = false;
  private decode: DecodeState | null = null;
  private disposed = false;
  private readonly P: ParamViews;
  private readonly G: ParamViews;
  /**
   * Tuning.f16Weights: the parameters as packed f16 (flat layout, 2 bytes each; castProg writes them
   * before a generation that follows a change of the parameters), else null.
   */
  private readonly params16: GPUBuffer | null;
  private readonly castProg: Program | null;
  private params16Fresh = false;
  /** What generation reads: P, with the products' weights and the LM head from params16 where there is one. */
  private readonly genP: ParamViews;

  constructor(
    device: GPUDevice,
    config: GPTConfig,
    private readonly options: GpuModelOptions,
  ) {
    const err = configError(config);
    if (err) throw new Error(err);
    checkModelFits(config, device.limits, 1, config.contextLength, resolveTuning(device, options.tuning));
    this.config = { ...config };
    this.device = device;
    this.ctx = createContext(device, options.tuning);

    // layout: decayed tensors first, each at a PARAM_ALIGN-element boundary (gpu-layout.ts)
    const layout = flatParamLayout(config);
    for (const slot of layout.slots) {
      this.slots.push(slot);
      this.slotByName.set(slot.spec.name, slot);
    }
    this.decayEnd = layout.decayEnd;
    this.total = layout.total;

    const pool = this.ctx.pool;
    const bytes = this.total * 4;
    this.paramsBuf = pool.acquire(bytes, undefined, 'params');
    this.gradsBuf = pool.acquire(bytes, undefined, 'grads');
    this.mBuf = pool.acquire(bytes, undefined, 'adam.m');
    this.vBuf = pool.acquire(bytes, undefined, 'adam.v');
    this.stats = pool.acquire(16, undefined, 'stats');
    this.partials = pool.acquire(K.NORM_PARTIALS * 4, undefined, 'norm.partials');
    this.hyper = pool.acquire(32, undefined, 'adam.hyper');

    const view = (buf: GPUBuffer) => (name: string): Binding => {
      const s = this.slotByName.get(name)!;
      return { buffer: buf, offset: s.off * 4, size: s.n * 4 };
    };
    const pick = (v: (name: string) => Binding): ParamViews => ({
      wte: v('wte.weight'),
      wpe: v('wpe.weight'),
      lnfw: v('ln_f.weight'),
      lnfb: v('ln_f.bias'),
      head: v('wte.weight'),
      layers: Array.from({ length: config.nLayers }, (_, i): LayerViews => blockTensors(i, v)),
    });
    this.P = pick(view(this.paramsBuf));
    this.G = pick(view(this.gradsBuf));

    // f16 weights: byte offsets 2 * off stay 256-byte aligned because PARAM_ALIGN is 128 elements
    this.params16 = this.ctx.tuning.f16Weights ? pool.acquire(Math.ceil(this.total / 2) * 4, undefined, 'params.f16') : null;
    this.castProg = this.params16 ? new Program(this.ctx, 'cast f16') : null;
    if (this.params16 && this.castProg) {
      K.castF16(this.castProg, this.params16, this.paramsBuf, this.total);
      const buffer = this.params16;
      const half = (name: string): K.F16Binding => {
        const s = this.slotByName.get(name)!;
        return { buffer, offset: s.off * 2, size: Math.ceil(s.n / 2) * 4, f16: true };
      };
      const layers = this.P.layers.map((p, i) => {
        const w = blockTensors(i, half);
        return { ...p, attnW: w.attnW, projW: w.projW, fcW: w.fcW, fcprojW: w.fcprojW };
      });
      this.genP = { ...this.P, head: half('wte.weight'), layers };
    } else {
      this.genP = this.P;
    }
    const off = (b: Binding) => ('offset' in b ? (b.offset ?? 0) / 4 : 0);
    const lnOffs = [...this.G.layers.flatMap((g) => [off(g.ln1w), off(g.ln1b), off(g.ln2w), off(g.ln2b)]), off(this.G.lnfw), off(this.G.lnfb)];
    this.lnOffs = pool.acquire(lnOffs.length * 4, undefined, 'ln.offsets');
    this.write(this.lnOffs, Uint32Array.from(lnOffs));

    this.adamProg = new Program(this.ctx, 'adamw');
    this.recordAdam(this.adamProg);
  }

  // ---------------------------------------------------------------- public API (serialized)
  // Calls run one at a time in call order: generate() awaits between chunks and backward() relies on the
  // activations of the last logprobs(), so interleaved callers must not share buffers mid-operation.

  private chain: Promise<unknown> = Promise.resolve();

  private closing = false;

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('this GPU model was disposed'));
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  getParams(): Promise<Params> {
    return this.serial(() => this.getParamsImpl());
  }

  setParams(params: Params): Promise<void> {
    return this.serial(() => this.setParamsImpl(params));
  }

  getGrads(): Promise<Params> {
    return this.serial(() => this.getGradsImpl());
  }

  logits(batch: TokenBatch, steering?: Steering): Promise<Float32Array> {
    return this.serial(() => this.logitsImpl(batch, steering));
  }

  hidden(batch: TokenBatch, layer: number, steering?: Steering): Promise<Float32Array> {
    return this.serial(() => this.hiddenImpl(batch, layer, steering));
  }

  logprobs(batch: TokenBatch, targets: Int32Array, steering?: Steering): Promise<LogprobResult> {
    return this.serial(() => this.logprobsImpl(batch, targets, steering));
  }

  backward(dLogprobs: Float32Array): Promise<void> {
    return this.serial(() => this.backwardImpl(dLogprobs));
  }

  step(opt: AdamWSettings): Promise<StepResult> {
    return this.serial(() => this.stepImpl(opt));
  }

  trainStep(batch: TokenBatch, targets: Int32Array, opt: AdamWSettings): Promise<TrainStepResult> {
    return this.serial(() => this.trainStepImpl(batch, targets, opt));
  }

  generate(req: GenerateRequest): Promise<GenerateResult> {
    return this.serial(() => this.generateImpl(req));
  }

  profileTrainStep(batch: TokenBatch, targets: Int32Array, opt: AdamWSettings): Promise<ProfiledKernel[]> {
    return this.serial(() => this.profileTrainStepImpl(batch, targets, opt));
  }

  // ---------------------------------------------------------------- parameters

  async init(params: Params): Promise<void> {
    this.loadParams(params);
  }

  private async getParamsImpl(): Promise<Params> {
    return this.readFlat(this.paramsBuf);
  }

  private async setParamsImpl(params: Params): Promise<void> {
    this.loadParams(params);
  }

  private async getGradsImpl(): Promise<Params> {
    return this.readFlat(this.gradsBuf);
  }

  private async readFlat(buf: GPUBuffer): Promise<Params> {
    this.checkAlive();
    const rb = new Readback(this.ctx);
    rb.add(buf, 0, this.total * 4);
    const enc = this.device.createCommandEncoder({ label: 'read params' });
    rb.encode(enc);
    this.ctx.submit(enc.finish());
    const [ab] = await rb.read();
    const flat = new Float32Array(ab);
    const out: Params = new Map();
    for (const spec of paramSpecs(this.config)) {
      const s = this.slotByName.get(spec.name)!;
      out.set(spec.name, flat.slice(s.off, s.off + s.n));
    }
    return out;
  }

  private loadParams(params: Params): void {
    this.checkAlive();
    for (const { spec, n } of this.slots) {
      const a = params.get(spec.name);
      if (!a) throw new Error(`missing parameter tensor "${spec.name}"`);
      if (a.length !== n) throw new Error(`parameter "${spec.name}" has ${a.length} values, expected ${n} (shape [${spec.shape.join(', ')}])`);
    }
    const flat = new Float32Array(this.total);
    for (const { spec, off } of this.slots) flat.set(params.get(spec.name)!, off);
    this.device.queue.writeBuffer(this.paramsBuf, 0, flat);
    const enc = this.device.createCommandEncoder({ label: 'reset optimizer' });
    for (const b of [this.gradsBuf, this.mBuf, this.vBuf]) enc.clearBuffer(b);
    this.ctx.submit(enc.finish());
    this.adamStep = 0;
    this.haveTrainCache = false;
    this.params16Fresh = false;
  }

  // ---------------------------------------------------------------- inference

  private async logitsImpl(batch: TokenBatch, steering?: Steering): Promise<Float32Array> {
    checkBatch(this.config, batch);
    checkSteering(this.config, steering, batch.B);
    const acts = this.infer(batch.B, batch.T);
    this.writeBatch(acts, batch.tokens, null, steering);
    const prog = this.forwardProgram(acts, steering ? steering.layer : -1, this.config.nLayers - 1, 'logits');
    const { B, T } = batch;
    const [ab] = await this.submit([prog], [[this.logitsOf(acts), B * T * this.config.vocabSize]]);
    return new Float32Array(ab);
  }

  private async hiddenImpl(batch: TokenBatch, layer: number, steering?: Steering): Promise<Float32Array> {
    checkBatch(this.config, batch);
    checkSteering(this.config, steering, batch.B);
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.config.nLayers) {
      throw new RangeError(`hidden: layer must be an integer in [0, ${this.config.nLayers}) (got ${layer})`);
    }
    const acts = this.infer(batch.B, batch.T);
    this.writeBatch(acts, batch.tokens, null, steering);
    const prog = this.forwardProgram(acts, steering ? steering.layer : -1, layer, 'none');
    const [ab] = await this.submit([prog], [[acts.layers[layer].res3, batch.B * batch.T * this.config.dModel]]);
    return new Float32Array(ab);
  }

  private async logprobsImpl(batch: TokenBatch, targets: Int32Array, steering?: Steering): Promise<LogprobResult> {
    checkBatch(this.config, batch);
    checkSteering(this.config, steering, batch.B);
    const N = batch.B * batch.T;
    checkTargets(this.config, targets, N);
    const acts = this.train(batch.B, batch.T);
    this.haveTrainCache = false;
    this.writeBatch(acts, batch.tokens, targets, steering);
    const prog = this.forwardProgram(acts, steering ? steering.layer : -1, this.config.nLayers - 1, 'logprob');
    const [lp, ent] = await this.submit([prog], [
      [acts.logp, N],
      [acts.entropy, N],
    ]);
    this.haveTrainCache = true;
    return { logprobs: new Float32Array(lp), entropy: new Float32Array(ent) };
  }

  // ---------------------------------------------------------------- training

  private async backwardImpl(dLogprobs: Float32Array): Promise<void> {
    const acts = this.trainActs;
    if (!acts || !this.haveTrainCache) throw new Error('backward: call logprobs() first (no cached activations)');
    const N = acts.B * acts.T;
    if (dLogprobs.length !== N) throw new RangeError(`backward: dLogprobs has ${dLogprobs.length} values, expected B*T = ${N}`);
    this.write(acts.dlogp, Float32Array.from(dLogprobs));
    await this.submit([this.backwardProgram(acts)], []);
  }

  private async stepImpl(opt: AdamWSettings): Promise<StepResult> {
    this.checkAlive();
    this.write(this.hyper, K.adamwHyper(opt, this.adamStep + 1));
    const [ab] = await this.submit([this.adamProg], [[this.stats, 1]]);
    this.params16Fresh = false;
    const gradNorm = new Float32Array(ab)[0];
    if (Number.isFinite(gradNorm)) this.adamStep++;
    return { gradNorm };
  }

  private async trainStepImpl(batch: TokenBatch, targets: Int32Array, opt: AdamWSettings): Promise<TrainStepResult> {
    const { acts, programs } = this.supervisedStep(batch, targets, opt);
    const [normBytes, logpBytes] = await this.submit(programs, [[this.stats, 1], [acts.logp, batch.B * batch.T]]);
    this.params16Fresh = false;
    this.haveTrainCache = true;
    const gradNorm = new Float32Array(normBytes)[0];
    // the GPU skipped the update when the norm is not finite (parameters and moments untouched)
    if (Number.isFinite(gradNorm)) this.adamStep++;
    return { loss: meanCrossEntropy(new Float32Array(logpBytes), targets), gradNorm };
  }

  private async profileTrainStepImpl(batch: TokenBatch, targets: Int32Array, opt: AdamWSettings): Promise<ProfiledKernel[]> {
    const { programs } = this.supervisedStep(batch, targets, opt);
    const totals = new Map<string, Omit<ProfiledKernel, 'label'>>();
    for (const p of programs) {
      for (const { label, ms, timing } of await p.profile()) {
        const key = `${p.label}: ${label}`;
        const t = totals.get(key) ?? { ms: 0, count: 0, timing };
        t.ms += ms;
        t.count++;
        totals.set(key, t);
      }
    }
    this.adamStep++;
    this.params16Fresh = false;
    return [...totals].map(([label, t]) => ({ label, ...t })).sort((a, b) => b.ms - a.ms);
  }

  /**
   * A supervised step's inputs written and its programs: forward to the logits, then the backward, whose
   * log-prob dispatch also writes logp (the loss is their mean, on the host), then AdamW.
   */
  private supervisedStep(batch: TokenBatch, targets: Int32Array, opt: AdamWSettings): { acts: Acts; programs: Program[] } {
    checkBatch(this.config, batch);
    checkTargets(this.config, targets, batch.B * batch.T);
    const dlogp = crossEntropyGrad(targets);
    const acts = this.train(batch.B, batch.T);
    this.haveTrainCache = false;
    this.writeBatch(acts, batch.tokens, targets, undefined);
    this.write(acts.dlogp, dlogp);
    this.write(this.hyper, K.adamwHyper(opt, this.adamStep + 1));
    const fwd = this.forwardProgram(acts, -1, this.config.nLayers - 1, 'logits');
    return { acts, programs: [fwd, this.backwardProgram(acts, true), this.adamProg] };
  }

  // ---------------------------------------------------------------- generation

  private async generateImpl(req: GenerateRequest): Promise<GenerateResult> {
    const { B, P, maxNewTokens: M, temperature, topK } = req;
    checkGenerate(this.config, req);
    const steering = req.steering;

    const S = P + M;
    const tokens = new Int32Array(B * S);
    for (let b = 0; b < B; b++) tokens.set(req.prompt.subarray(b * P, b * P + P), b * S);
    if (M === 0) return { tokens, logprobs: new Float32Array(0) };

    const steerLayer = steering ? steering.layer : -1;
    // P > 1: one batched forward over the B x P prompt (the activation set of logits()), then the
    // prefill tail; P = 1 (or batchedPrefill: false): the decode Program from position 0.
    const acts = P > 1 && this.options.batchedPrefill !== false ? this.infer(B, P) : null;
    const d = this.decodeState(B, S);
    const rng = createRng(req.seed);
    const u = new Float32Array(M * B);
    for (let i = 0; i < M * B; i++) u[i] = rng.next(); // step-major, b = 0..B-1: the CPU model's order
    this.write(d.tokens, tokens);
    this.write(d.uniforms, u);
    this.write(d.state, new Uint32Array([acts ? P - 1 : 0]));
    if (steering) this.writeSteering(d.steer, steering);
    const { prog, sample } = this.decodeProgram(d, steerLayer);
    prog.update(sample, { P, M, TT: S, topK, temperature });
    let prefill: Program[] = [];
    if (acts) {
      this.writeBatch(acts, req.prompt, null, steering);
      const tail = this.prefillProgram(acts, d, steerLayer);
      tail.prog.update(tail.sample, { P, M, TT: S, topK, temperature });
      prefill = [this.forwardProgram(acts, steerLayer, this.config.nLayers - 1, 'none', this.genP), tail.prog];
    }

    // token step at position pos produces token pos + 1; new token s comes from pos = P - 1 + s. The
    // prefill stands for positions 0..P-1.
    const every = req.onTokens ? Math.max(1, Math.floor(req.streamEvery ?? 1)) : 0;
    const chunk = Math.max(1, this.options.generateChunk ?? 16);
    const lastPos = S - 2;
    let enc = this.device.createCommandEncoder({ label: 'generate' });
    if (this.castProg && !this.params16Fresh) {
      this.castProg.encode(enc);
      this.params16Fresh = true;
    }
    let inEncoder = 0;
    for (let pos = acts ? P - 1 : 0; pos <= lastPos; pos++) {
      if (acts && pos === P - 1) for (const p of prefill) p.encode(enc);
      else prog.encode(enc);
      inEncoder++;
      const s = pos - (P - 1); // new token just sampled (if >= 0)
      const streamNow = every > 0 && s >= 0 && ((s + 1) % every === 0 || s + 1 === M);
      if (pos === lastPos) break;
      if (streamNow) {
        const rb = new Readback(this.ctx);
        rb.add(d.tokens, 0, B * S * 4);
        rb.encode(enc);
        this.ctx.submit(enc.finish());
        const [ab] = await rb.read();
        req.onTokens!(this.trimRows(new Int32Array(ab), B, S, S), s + 1);
        enc = this.device.createCommandEncoder({ label: 'generate' });
        inEncoder = 0;
      } else if (inEncoder >= chunk) {
        this.ctx.submit(enc.finish());
        enc = this.device.createCommandEncoder({ label: 'generate' });
        inEncoder = 0;
      }
    }
    const rb = new Readback(this.ctx);
    rb.add(d.tokens, 0, B * S * 4);
    rb.add(d.logprobs, 0, B * M * 4);
    rb.encode(enc);
    this.ctx.submit(enc.finish());
    const [tk, lp] = await rb.read();
    const outTokens = new Int32Array(tk);
    if (every) req.onTokens!(outTokens.slice(), M);
    return { tokens: outTokens, logprobs: new Float32Array(lp) };
  }

  private trimRows(a: Int32Array, B: number, stride: number, S: number): Int32Array {
    if (stride === S) return a;
    const out = new Int32Array(B * S);
    for (let b = 0; b < B; b++) out.set(a.subarray(b * stride, b * stride + S), b * S);
    return out;
  }

  // ---------------------------------------------------------------- bookkeeping

  liveBufferCount(): number {
    return this.ctx.pool.live;
  }

  memory(): { liveBytes: number; peakBytes: number } {
    return { liveBytes: this.ctx.pool.liveBytes, peakBytes: this.ctx.pool.peakBytes };
  }

  counters(): Counters {
    return { ...this.ctx.counters };
  }

  get tuning(): Tuning {
    return { ...this.ctx.tuning };
  }

  /** Frees the model's GPU memory once the operation in flight (if any) has finished; later calls reject. */
  dispose(): void {
    if (this.closing) return;
    this.closing = true;
    void this.chain.then(() => this.release());
  }

  private release(): void {
    if (this.disposed) return;
    for (const a of [...this.trainSets.values(), ...this.inferSets.values()]) this.releaseActs(a);
    this.trainSets.clear();
    this.inferSets.clear();
    this.trainActs = null;
    this.releaseDecode(this.decode);
    this.decode = null;
    this.adamProg.dispose();
    this.castProg?.dispose();
    if (this.params16) this.ctx.pool.release(this.params16);
    for (const b of [this.paramsBuf, this.gradsBuf, this.mBuf, this.vBuf, this.stats, this.partials, this.hyper, this.lnOffs]) this.ctx.pool.release(b);
    for (const b of this.ctx.dummies().splice(0)) this.ctx.pool.release(b);
    this.ctx.pool.trim();
    this.disposed = true;
    this.haveTrainCache = false;
  }

  // ---------------------------------------------------------------- programs

  private recordAdam(prog: Program): void {
    K.adamwStep(prog, this.paramsBuf, this.gradsBuf, this.mBuf, this.vBuf, this.stats, this.partials, this.hyper, 0, this.total, this.decayEnd);
  }

  /**
   * encoder with block 0's ln_1 -> blocks 0..lastLayer (steering hook after block steerLayer) -> [ln_f, LM head [, log-probs]],
   * reading the tensors P (generation's prefill passes genP).
   */
  private forwardProgram(acts: Acts, steerLayer: number, lastLayer: number, head: 'none' | 'logits' | 'logprob', P = this.P): Program {
    const key = `fwd:${steerLayer}:${lastLayer}:${head}${P === this.P ? '' : ':gen'}`;
    const hit = acts.programs.get(key);
    if (hit) return hit;
    const { B, T } = acts;
    const N = B * T;
    const { vocabSize: V, dModel: C, nHeads: NH } = this.config;
    const prog = new Program(this.ctx, key);
    const l0 = acts.layers[0];
    K.encoderLayernormForward(prog, acts.encoded, l0.ln1, l0.ln1Mean, l0.ln1Rstd, acts.tokens, P.wte, P.wpe, P.layers[0].ln1w, P.layers[0].ln1b, B, T, C);
    let x: Binding = acts.encoded;
    for (let l = 0; l <= lastLayer; l++) {
      const la = acts.layers[l];
      const p = P.layers[l];
      if (l > 0) K.layernormForward(prog, la.ln1, la.ln1Mean, la.ln1Rstd, x, p.ln1w, p.ln1b, N, C);
      K.matmulForward(prog, la.qkv, la.ln1, p.attnW, p.attnB, N, C, 3 * C);
      K.attentionForward(prog, la.atty, la.att, la.qkv, B, T, C, NH);
      K.matmulForwardResidual(prog, la.res2, acts.proj, la.atty, p.projW, p.projB, x, N, C, C);
      K.layernormForward(prog, la.ln2, la.ln2Mean, la.ln2Rstd, la.res2, p.ln2w, p.ln2b, N, C);
      K.matmulForwardGelu(prog, la.fch, la.fchGelu, la.ln2, p.fcW, p.fcB, N, C, 4 * C);
      K.matmulForwardResidual(prog, la.res3, acts.proj, la.fchGelu, p.fcprojW, p.fcprojB, la.res2, N, 4 * C, C);
      if (l === steerLayer) {
        const s = acts.steer;
        K.steeringForward(prog, la.res3, s.vector, s.alpha, s.start, s.end, B, T, C);
      }
      x = la.res3;
    }
    if (head !== 'none') {
      K.layernormForward(prog, acts.lnf, acts.lnfMean, acts.lnfRstd, x, P.lnfw, P.lnfb, N, C);
      const logits = this.logitsOf(acts);
      K.matmulForwardTransposed(prog, logits, acts.lnf, P.head, N, C, V);
      if (head === 'logprob') K.logprobForward(prog, acts.logp, acts.entropy, logits, acts.targets, N, V);
    }
    acts.programs.set(key, prog);
    return prog;
  }

  /**
   * The CPU model's backward, kernel for kernel; gradients ACCUMULATE into the flat gradient buffer.
   * withLogp (a supervised step, whose forward stops at the logits): its first dispatch also writes logp.
   */
  private backwardProgram(acts: Acts, withLogp = false): Program {
    const key = withLogp ? 'bwd+logp' : 'bwd';
    const hit = acts.programs.get(key);
    if (hit) return hit;
    const { B, T } = acts;
    const N = B * T;
    const { vocabSize: V, dModel: C, nHeads: NH, nLayers: L } = this.config;
    const g = (acts.grads ??= this.allocGradActs(B, T, acts));
    const P = this.P;
    const G = this.G;
    const prog = new Program(this.ctx, 'bwd');
    prog.clear(g.dlogits);
    K.logprobBackward(prog, g.dlogits, acts.dlogp, this.logitsOf(acts), acts.targets, N, V, withLogp ? acts.logp : undefined);
    // with the layernorm stacks every layernorm's parameter gradients come in one dispatch at the end
    const st = acts.lnStack;
    const pw = (b: Binding) => (st ? null : b);
    const dlnf = g.dlns[2 * L];
    K.matmulBackwardTransposed(prog, dlnf, G.wte, g.dlogits, acts.lnf, P.wte, N, C, V, true);
    prog.clear(g.dres);
    K.layernormBackward(prog, g.dres, pw(G.lnfw), pw(G.lnfb), dlnf, acts.layers[L - 1].res3, P.lnfw, acts.lnfMean, acts.lnfRstd, N, C);
    for (let l = L - 1; l >= 0; l--) {
      const la = acts.layers[l];
      const p = P.layers[l];
      const gp = G.layers[l];
      const inp = l === 0 ? acts.encoded : acts.layers[l - 1].res3;
      // g.dres = d res3 (the steering hook is the identity for gradients)
      // g.dfch = d fch through GELU (fused into the product on the vec4 matmul; g.dfchGelu is the scratch else)
      K.matmulBackwardGelu(prog, g.dfch, g.dfchGelu, gp.fcprojW, gp.fcprojB, g.dres, la.fchGelu, la.fch, p.fcprojW, N, 4 * C, C);
      const dln2 = g.dlns[2 * l + 1];
      K.matmulBackward(prog, dln2, gp.fcW, gp.fcB, g.dfch, la.ln2, p.fcW, N, C, 4 * C, true);
      K.layernormBackward(prog, g.dres, pw(gp.ln2w), pw(gp.ln2b), dln2, la.res2, p.ln2w, la.ln2Mean, la.ln2Rstd, N, C);
      // g.dres = d res2
      K.matmulBackward(prog, g.datty, gp.projW, gp.projB, g.dres, la.atty, p.projW, N, C, C, true);
      prog.clear(g.dqkv);
      K.attentionBackward(prog, g.dqkv, g.datty, la.qkv, la.att, la.atty, g.dpre, B, T, C, NH);
      const dln1 = g.dlns[2 * l];
      K.matmulBackward(prog, dln1, gp.attnW, gp.attnB, g.dqkv, la.ln1, p.attnW, N, C, 3 * C, true);
      K.layernormBackward(prog, g.dres, pw(gp.ln1w), pw(gp.ln1b), dln1, inp, p.ln1w, la.ln1Mean, la.ln1Rstd, N, C);
      // g.dres = d inp
    }
    K.encoderBackward(prog, G.wte, G.wpe, g.dres, acts.tokens, B, T, C, V);
    if (st) {
      const stack = { even: st.even, odd: st.odd, stats: st.stats, dout: g.dlnStack!, offs: this.lnOffs, nLN: st.nLN, slot: st.slot, statSlot: st.statSlot };
      K.layernormParamsBackward(prog, this.gradsBuf, stack, N, C);
    }
    acts.programs.set(key, prog);
    return prog;
  }

  /** One position for all B sequences through the KV cache, then sampling and pos += 1. */
  private decodeProgram(d: DecodeState, steerLayer: number): { prog: Program; sample: number } {
    const key = `decode:${steerLayer}`;
    const hit = d.programs.get(key);
    if (hit) return hit;
    const { B, S } = d;
    const { vocabSize: V, dModel: C, nHeads: NH, nLayers: L } = this.config;
    const P = this.genP;
    const prog = new Program(this.ctx, key);
    K.encoderLayernormForwardDecode(prog, d.x, d.ln, d.mean, d.rstd, d.tokens, P.wte, P.wpe, P.layers[0].ln1w, P.layers[0].ln1b, d.state, B, S, C);
    for (let l = 0; l < L; l++) {
      const p = P.layers[l];
      if (l > 0) K.layernormForward(prog, d.ln, d.mean, d.rstd, d.x, p.ln1w, p.ln1b, B, C);
      K.matmulForward(prog, d.qkv, d.ln, p.attnW, p.attnB, B, C, 3 * C);
      K.attentionDecode(prog, d.atty, d.scores, d.qkv, d.cache[l], d.state, B, C, NH, S);
      K.matmulForwardResidual(prog, d.x2, d.proj, d.atty, p.projW, p.projB, d.x, B, C, C);
      K.layernormForward(prog, d.ln, d.mean, d.rstd, d.x2, p.ln2w, p.ln2b, B, C);
      K.matmulForwardGelu(prog, d.fch, d.fchGelu, d.ln, p.fcW, p.fcB, B, C, 4 * C);
      K.matmulForwardResidual(prog, d.x, d.proj, d.fchGelu, p.fcprojW, p.fcprojB, d.x2, B, 4 * C, C);
      if (l === steerLayer) {
        const s = d.steer;
        K.steeringForwardDecode(prog, d.x, s.vector, s.alpha, s.start, s.end, d.state, B, C);
      }
    }
    K.layernormForward(prog, d.ln, d.mean, d.rstd, d.x, P.lnfw, P.lnfb, B, C);
    K.matmulForwardTransposed(prog, d.logits, d.ln, P.head, B, C, V);
    const sample = K.sampleTokens(prog, {
      logits: d.logits, tokens: d.tokens, logprobs: d.logprobs, uniforms: d.uniforms, state: d.state,
      B, V, TT: S, P: 1, M: 1, topK: 0, temperature: 0,
    });
    K.advancePosition(prog, d.state);
    const entry = { prog, sample };
    d.programs.set(key, entry);
    return entry;
  }

  /**
   * The prompt prefill after forwardProgram(acts, steerLayer, L-1, 'none') over the B x P prompt: every
   * layer's k, v of positions 0..P-1 into the KV cache, the last prompt position's hidden state through
   * ln_f and the LM head (the decode step's tail, on the decode buffers), sampling token P from
   * state[0] = P - 1 (written before the submit), then pos += 1, so the decode Program continues at P.
   */
  private prefillProgram(acts: Acts, d: DecodeState, steerLayer: number): { prog: Program; sample: number } {
    const { B, T: P } = acts;
    const key = `prefill:${steerLayer}:${P}`;
    const hit = d.prefill.get(key);
    if (hit && hit.acts === acts && acts.buffers.length > 0) return hit;
    hit?.prog.dispose(); // built for an activation set that was since released
    const { S } = d;
    const { vocabSize: V, dModel: C, nLayers: L } = this.config;
    const prog = new Program(this.ctx, key);
    for (let l = 0; l < L; l++) K.attentionKvStorePrefill(prog, d.cache[l], acts.layers[l].qkv, B, P, C, S);
    K.lastPositionRows(prog, d.x, acts.layers[L - 1].res3, B, P, C);
    K.layernormForward(prog, d.ln, d.mean, d.rstd, d.x, this.P.lnfw, this.P.lnfb, B, C);
    K.matmulForwardTransposed(prog, d.logits, d.ln, this.genP.head, B, C, V);
    const sample = K.sampleTokens(prog, {
      logits: d.logits, tokens: d.tokens, logprobs: d.logprobs, uniforms: d.uniforms, state: d.state,
      B, V, TT: S, P, M: 1, topK: 0, temperature: 0,
    });
    K.advancePosition(prog, d.state);
    const entry = { prog, sample, acts };
    d.prefill.set(key, entry);
    return entry;
  }

  // ---------------------------------------------------------------- buffers

  private train(B: number, T: number): Acts {
    this.trainActs = this.actsFor(this.trainSets, B, T, 'train');
    return this.trainActs;
  }

  private infer(B: number, T: number): Acts {
    return this.actsFor(this.inferSets, B, T, 'infer');
  }

  private actsFor(sets: Map<string, Acts>, B: number, T: number, label: string): Acts {
    const key = `${B}x${T}`;
    let acts = sets.get(key);
    if (acts) {
      sets.delete(key); // re-insert as most recently used
    } else {
      acts = this.allocActs(B, T, label);
      while (sets.size >= MAX_ACT_SETS) {
        const [oldKey, old] = sets.entries().next().value as [string, Acts];
        sets.delete(oldKey);
        this.releaseActs(old);
      }
    }
    sets.set(key, acts);
    return acts;
  }

  private allocActs(B: number, T: number, label: string): Acts {
    this.checkAlive();
    checkBuffersFit(bufferSizesWithoutHead(this.config, B, T, this.ctx.tuning), this.device.limits);
    const { dModel: C, nHeads: NH, nLayers: L } = this.config;
    const N = B * T;
    const attState = attentionStateFloats(this.ctx.tuning, B, T, C, NH);
    const buffers: GPUBuffer[] = [];
    const a = (n: number, name: string) => {
      const b = this.ctx.pool.acquire(n * 4, undefined, `${label}.${name}`);
      buffers.push(b);
      return b;
    };
    const nLN = 2 * L + 1;
    const slot = Math.ceil((N * C) / 64) * 64; // 256-byte aligned views
    const statSlot = Math.ceil(N / 64) * 64;
    const { maxBufferSize, maxStorageBufferBindingSize } = this.device.limits;
    const fits = this.options.stackLayernorms !== false && Math.max(nLN * slot, 2 * nLN * statSlot) * 4 <= Math.min(maxBufferSize, maxStorageBufferBindingSize);
    const lnStack: LnStack | null = fits
      ? { even: a((L + 1) * slot, 'ln.even'), odd: a(L * slot, 'ln.odd'), stats: a(2 * nLN * statSlot, 'ln.stats'), nLN, slot, statSlot }
      : null;
    const at = (buf: GPUBuffer, i: number, n: number): Binding => ({ buffer: buf, offset: i * 4, size: n * 4 });
    /** the input [N, C] of layernorm j (res2 of block l for j = 2l + 1, else the block's input) */
    const stream = (j: number, name: string): Binding => (lnStack ? at(j % 2 ? lnStack.odd : lnStack.even, (j >> 1) * slot, N * C) : a(N * C, name));
    const mean = (j: number, name: string): Binding => (lnStack ? at(lnStack.stats, j * statSlot, N) : a(N, name));
    const rstd = (j: number, name: string): Binding => (lnStack ? at(lnStack.stats, (nLN + j) * statSlot, N) : a(N, name));
    return {
      B,
      T,
      buffers,
      tokens: a(N, 'tokens'),
      targets: a(N, 'targets'),
      encoded: stream(0, 'encoded'),
      proj: a(N * C, 'proj'),
      layers: Array.from({ length: L }, (_, l) => ({
        ln1: a(N * C, `${l}.ln1`), ln1Mean: mean(2 * l, `${l}.ln1Mean`), ln1Rstd: rstd(2 * l, `${l}.ln1Rstd`),
        qkv: a(N * 3 * C, `${l}.qkv`), att: a(attState.att, `${l}.att`), atty: a(N * C, `${l}.atty`),
        res2: stream(2 * l + 1, `${l}.res2`), ln2: a(N * C, `${l}.ln2`), ln2Mean: mean(2 * l + 1, `${l}.ln2Mean`), ln2Rstd: rstd(2 * l + 1, `${l}.ln2Rstd`),
        fch: a(N * 4 * C, `${l}.fch`), fchGelu: a(N * 4 * C, `${l}.fchGelu`), res3: stream(2 * l + 2, `${l}.res3`),
      })),
      lnf: a(N * C, 'lnf'),
      lnfMean: mean(2 * L, 'lnfMean'),
      lnfRstd: rstd(2 * L, 'lnfRstd'),
      lnStack,
      logits: null,
      logp: a(N, 'logp'),
      entropy: a(N, 'entropy'),
      dlogp: a(N, 'dlogp'),
      steer: { vector: a(C, 'steer.vector'), alpha: a(B, 'steer.alpha'), start: a(B, 'steer.start'), end: a(B, 'steer.end') },
      grads: null,
      programs: new Map(),
    };
  }

  /** The activation set's logits, allocated (after the size check) the first time a program needs them. */
  private logitsOf(acts: Acts): GPUBuffer {
    if (acts.logits) return acts.logits;
    const size = logitsBufferSize(this.config, acts.B, acts.T);
    checkBuffersFit([size], this.device.limits);
    acts.logits = this.ctx.pool.acquire(size.bytes, undefined, `acts.logits ${acts.B}x${acts.T}`);
    acts.buffers.push(acts.logits);
    return acts.logits;
  }

  private allocGradActs(B: number, T: number, acts: Acts): GradActs {
    const { vocabSize: V, dModel: C, nHeads: NH } = this.config;
    const N = B * T;
    const a = (n: number, name: string) => {
      const b = this.ctx.pool.acquire(n * 4, undefined, `grad.${name}`);
      acts.buffers.push(b);
      return b;
    };
    const st = acts.lnStack;
    const nLN = 2 * this.config.nLayers + 1;
    const dpreFloats = attentionStateFloats(this.ctx.tuning, B, T, C, NH).dpre;
    const dlnStack = st ? a(nLN * st.slot, 'dln.stack') : null;
    const dln = dlnStack ? null : a(N * C, 'dln');
    const dlnf = dlnStack ? null : a(N * C, 'dlnf');
    const dlns = Array.from({ length: nLN }, (_, j): Binding =>
      dlnStack ? { buffer: dlnStack, offset: j * st!.slot * 4, size: N * C * 4 } : j === nLN - 1 ? dlnf! : dln!,
    );
    return {
      dres: a(N * C, 'dres'), dqkv: a(N * 3 * C, 'dqkv'), datty: a(N * C, 'datty'),
      dfch: a(N * 4 * C, 'dfch'), dfchGelu: K.fusesEpilogues(this.ctx.tuning) ? null : a(N * 4 * C, 'dfchGelu'),
      dlogits: a(N * V, 'dlogits'), dpre: dpreFloats ? a(dpreFloats, 'dpre') : null, dlns, dlnStack,
    };
  }

  private releaseActs(acts: Acts | null): void {
    if (!acts) return;
    for (const p of acts.programs.values()) p.dispose();
    for (const b of acts.buffers) this.ctx.pool.release(b);
    acts.programs.clear();
    acts.buffers = [];
    acts.logits = null;
  }

  private decodeState(B: number, S: number): DecodeState {
    if (this.decode && this.decode.B === B && this.decode.S === S) return this.decode;
    this.releaseDecode(this.decode);
    this.decode = null;
    this.checkAlive();
    checkBuffersFit(decodeBufferSizes(this.config, B, S), this.device.limits);
    const { vocabSize: V, dModel: C, nHeads: NH, nLayers: L } = this.config;
    const buffers: GPUBuffer[] = [];
    const a = (n: number, name: string) => {
      const b = this.ctx.pool.acquire(n * 4, undefined, `decode.${name}`);
      buffers.push(b);
      return b;
    };
    this.decode = {
      B,
      S,
      buffers,
      tokens: a(B * S, 'tokens'), logprobs: a(B * S, 'logprobs'), uniforms: a(B * S, 'uniforms'), state: a(4, 'state'),
      x: a(B * C, 'x'), x2: a(B * C, 'x2'), ln: a(B * C, 'ln'), mean: a(B, 'mean'), rstd: a(B, 'rstd'),
      qkv: a(B * 3 * C, 'qkv'), atty: a(B * C, 'atty'), proj: a(B * C, 'proj'), fch: a(B * 4 * C, 'fch'),
      fchGelu: a(B * 4 * C, 'fchGelu'), scores: a(B * NH * S, 'scores'), logits: a(B * V, 'logits'),
      cache: Array.from({ length: L }, (_, l) => a(B * S * 2 * C, `kv.${l}`)),
      steer: { vector: a(C, 'steer.vector'), alpha: a(B, 'steer.alpha'), start: a(B, 'steer.start'), end: a(B, 'steer.end') },
      programs: new Map(),
      prefill: new Map(),
    };
    return this.decode;
  }

  private releaseDecode(d: DecodeState | null): void {
    if (!d) return;
    for (const { prog } of d.programs.values()) prog.dispose();
    for (const { prog } of d.prefill.values()) prog.dispose();
    for (const b of d.buffers) this.ctx.pool.release(b);
    d.programs.clear();
    d.prefill.clear();
    d.buffers = [];
  }

  private write(buf: GPUBuffer, data: Float32Array | Int32Array | Uint32Array): void {
    this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  private writeSteering(s: SteerBufs, steering: Steering): void {
    this.write(s.vector, Float32Array.from(steering.vector));
    this.write(s.alpha, Float32Array.from(steering.alpha));
    this.write(s.start, Int32Array.from(steering.start));
    this.write(s.end, Int32Array.from(steering.end));
  }

  private writeBatch(acts: Acts, tokens: Int32Array, targets: Int32Array | null, steering: Steering | undefined): void {
    this.write(acts.tokens, tokens);
    if (targets) this.write(acts.targets, targets);
    if (steering) this.writeSteering(acts.steer, steering);
  }

  /** Encodes the programs into ONE command encoder, copies `reads` out, submits once, reads back once. */
  private async submit(programs: Program[], reads: [Binding, number][]): Promise<ArrayBuffer[]> {
    this.checkAlive();
    const enc = this.device.createCommandEncoder({ label: programs.map((p) => p.label).join('+') });
    for (const p of programs) p.encode(enc);
    if (reads.length === 0) {
      this.ctx.submit(enc.finish());
      return [];
    }
    const rb = new Readback(this.ctx);
    for (const [b, n] of reads) {
      if ('buffer' in b) rb.add(b.buffer, b.offset ?? 0, n * 4);
      else rb.add(b, 0, n * 4);
    }
    rb.encode(enc);
    this.ctx.submit(enc.finish());
    return rb.read();
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this GPU model was disposed');
  }


}

/**
 * A WebGPU model on `device` (from requestGpuDevice() in the browser or requestNodeDevice() in Node).
 * Refuses a config whose buffers exceed the device's limits before allocating anything.
 */
export async function createGpuModel(device: GPUDevice, config: GPTConfig, params?: Params, options: GpuModelOptions = {}): Promise<GpuModel> {
  const model = new GpuModelImpl(device, config, options);
  await model.init(params ?? initParams(config, 0));
  return model;
}
