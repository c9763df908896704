// The CPU model: GPT-2 (pre-LN) on the CPU twins of src/engine/cpu, with an explicit backward pass
// (no autograd), AdamW, the steering hook and a KV-cache sampler. It is the test oracle for the WebGPU
// model and the training backend under Node (DESIGN §1, §2, §3).
//
// Forward:  encoder -> per block l: ln_1, c_attn, attention, c_proj, residual, ln_2, c_fc, gelu,
//           c_proj, residual, then the steering hook when steering.layer == l -> ln_f -> tied LM head.
// Backward: the same graph in reverse; the steering hook is the identity for gradients.
//
// Buffers: parameters, gradients and the AdamW moments are each one flat buffer with per-tensor views
// in paramSpecs order. Activations are allocated once per (B, T) and reused: one set for logprobs() (kept
// for backward()) and one for logits()/hidden()/generate() prefill, so inference between logprobs() and
// backward() does not clobber what backward() needs.
//
// Beyond LanguageModel: getGrads() returns the gradient accumulators (the `grads` CLI command reads
// them; the GPU model offers the same method).
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
import {
  adamwUpdate,
  encoderBackward,
  encoderForward,
  encoderForwardDecode,
  globalNormSq,
  logprobBackward,
  logprobForward,
  residualForward,
  sampleWithLogprob,
  steeringForward,
  steeringForwardDecode,
} from '../engine/cpu';
import { cpuKernels, type CpuKernelChoice, type CpuKernels } from '../engine/cpu/kernels';

type F = Float32Array;

export interface CpuModelOptions {
  /**
   * 'f64' runs every buffer in float64 — for finite-difference gradient checks only. Arrays the model
   * returns are then Float64Array at runtime (typed as Float32Array), and setParams keeps float64 input.
   */
  precision?: 'f32' | 'f64';
  /** The hot ops' implementation (src/engine/cpu/kernels.ts); default 'wasm' unless VSPO_CPU_KERNELS=plain. */
  kernels?: CpuKernelChoice;
}

type LayerTensors = Record<BlockParam, F>;

interface LayerActs {
  ln1: F; ln1Mean: F; ln1Rstd: F; qkv: F; att: F; atty: F; res2: F;
  ln2: F; ln2Mean: F; ln2Rstd: F; fch: F; fchGelu: F; res3: F;
}

interface Acts {
  B: number;
  T: number;
  tokens: Int32Array;
  targets: Int32Array;
  encoded: F;
  proj: F; // scratch for both c_proj outputs (not needed by backward)
  layers: LayerActs[];
  lnf: F; lnfMean: F; lnfRstd: F;
  logits: F;
  logp: F;
  entropy: F;
  dlogp: F; // trainStep's dLoss/dlogp
  grads: GradActs | null; // allocated on the first backward through this set
}

interface GradActs {
  dres: F; dln: F; dqkv: F; datty: F; dfch: F; dfchGelu: F; dlnf: F; dlogits: F;
}

interface DecodeState {
  B: number;
  cap: number; // positions the KV cache holds
  k: F[]; // per layer [B, cap, C]
  v: F[];
  x: F; x2: F; ln: F; mean: F; rstd: F; qkv: F; atty: F; proj: F; fch: F; fchGelu: F; att: F;
  logits: F; // [B, V]
}

export class CpuModel implements LanguageModel {
  readonly config: GPTConfig;
  readonly backend = 'cpu' as const;

  private readonly alloc: (n: number) => F;
  private readonly k: CpuKernels;
  private readonly specs: ParamSpec[];
  private readonly params: F;
  private readonly grads: F;
  private m: F | null = null;
  private v: F | null = null;
  private adamStep = 0;
  private readonly pv = new Map<string, F>();
  private readonly gv = new Map<string, F>();
  private readonly offsets: { spec: ParamSpec; off: number; n: number }[] = [];
  private readonly P: { wte: F; wpe: F; lnfw: F; lnfb: F; layers: LayerTensors[] };
  private readonly G: { wte: F; wpe: F; lnfw: F; lnfb: F; layers: LayerTensors[] };

  private trainActs: Acts | null = null;
  private haveTrainCache = false;
  private inferActs: Acts | null = null;
  private decode: DecodeState | null = null;

  constructor(config: GPTConfig, params?: Params, options: CpuModelOptions = {}) {
    const err = configError(config);
    if (err) throw new Error(err);
    this.config = { ...config };
    const f64 = options.precision === 'f64';
    this.k = cpuKernels(options.kernels);
    this.alloc = f64 ? (n) => new Float64Array(n) as unknown as F : (n) => new Float32Array(n);
    this.specs = paramSpecs(config);
    let total = 0;
    for (const spec of this.specs) {
      const n = numel(spec.shape);
      this.offsets.push({ spec, off: total, n });
      total += n;
    }
    this.params = this.alloc(total);
    this.grads = this.alloc(total);
    for (const { spec, off, n } of this.offsets) {
      this.pv.set(spec.name, this.params.subarray(off, off + n));
      this.gv.set(spec.name, this.grads.subarray(off, off + n));
    }
    const pick = (views: Map<string, F>) => ({
      wte: views.get('wte.weight')!,
      wpe: views.get('wpe.weight')!,
      lnfw: views.get('ln_f.weight')!,
      lnfb: views.get('ln_f.bias')!,
      layers: Array.from({ length: config.nLayers }, (_, i): LayerTensors => blockTensors(i, (name) => views.get(name)!)),
    });
    this.P = pick(this.pv);
    this.G = pick(this.gv);
    this.loadParams(params ?? initParams(config, 0));
  }

  // ---------------------------------------------------------------- parameters

  async getParams(): Promise<Params> {
    const out: Params = new Map();
    for (const [name, view] of this.pv) out.set(name, view.slice());
    return out;
  }

  /** Replaces every parameter; also resets the AdamW state and zeroes the gradient accumulators. */
  async setParams(params: Params): Promise<void> {
    this.loadParams(params);
  }

  /** The gradient accumulators (copies), as built up by backward() since the last step(). */
  async getGrads(): Promise<Params> {
    const out: Params = new Map();
    for (const [name, view] of this.gv) out.set(name, view.slice());
    return out;
  }

  private loadParams(params: Params): void {
    for (const { spec, n } of this.offsets) {
      const a = params.get(spec.name);
      if (!a) throw new Error(`missing parameter tensor "${spec.name}"`);
      if (a.length !== n) throw new Error(`parameter "${spec.name}" has ${a.length} values, expected ${n} (shape [${spec.shape.join(', ')}])`);
    }
    for (const { spec } of this.offsets) this.pv.get(spec.name)!.set(params.get(spec.name)!);
    this.grads.fill(0);
    this.m = null;
    this.v = null;
    this.adamStep = 0;
    this.haveTrainCache = false;
  }

  // ---------------------------------------------------------------- inference

  async logits(batch: TokenBatch, steering?: Steering): Promise<F> {
    checkBatch(this.config, batch);
    checkSteering(this.config, steering, batch.B);
    const acts = this.infer(batch.B, batch.T);
    acts.tokens.set(batch.tokens);
    this.forward(acts, steering, this.config.nLayers - 1, true);
    return acts.logits.slice();
  }

  async hidden(batch: TokenBatch, layer: number, steering?: Steering): Promise<F> {
    checkBatch(this.config, batch);
    checkSteering(this.config, steering, batch.B);
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.config.nLayers) {
      throw new RangeError(`hidden: layer must be an integer in [0, ${this.config.nLayers}) (got ${layer})`);
    }
    const acts = this.infer(batch.B, batch.T);
    acts.tokens.set(batch.tokens);
    this.forward(acts, steering, layer, false);
    return acts.layers[layer].res3.slice();
  }

  async logprobs(batch: TokenBatch, targets: Int32Array, steering?: Steering): Promise<LogprobResult> {
    checkBatch(this.config, batch);
    checkSteering(this.config, steering, batch.B);
    checkTargets(this.config, targets, batch.B * batch.T);
    const acts = this.train(batch.B, batch.T);
    this.haveTrainCache = false;
    acts.tokens.set(batch.tokens);
    acts.targets.set(targets);
    this.forward(acts, steering, this.config.nLayers - 1, true);
    const N = batch.B * batch.T;
    logprobForward(acts.logp, acts.entropy, acts.logits, acts.targets, N, this.config.vocabSize);
    this.haveTrainCache = true;
    return { logprobs: acts.logp.slice(), entropy: acts.entropy.slice() };
  }

  // ---------------------------------------------------------------- training

  async backward(dLogprobs: F): Promise<void> {
    const acts = this.trainActs;
    if (!acts || !this.haveTrainCache) throw new Error('backward: call logprobs() first (no cached activations)');
    const { B, T } = acts;
    const N = B * T;
    if (dLogprobs.length !== N) throw new RangeError(`backward: dLogprobs has ${dLogprobs.length} values, expected B*T = ${N}`);
    const { vocabSize: V, dModel: C, nHeads: NH, nLayers: L } = this.config;
    const g = (acts.grads ??= this.allocGradActs(B, T));
    const P = this.P;
    const G = this.G;

    g.dlogits.fill(0);
    logprobBackward(g.dlogits, dLogprobs, acts.logits, acts.targets, N, V);
    g.dlnf.fill(0);
    this.k.matmulBackwardTransposed(g.dlnf, G.wte, g.dlogits, acts.lnf, P.wte, N, C, V);
    g.dres.fill(0);
    const last = acts.layers[L - 1].res3;
    this.k.layernormBackward(g.dres, G.lnfw, G.lnfb, g.dlnf, last, P.lnfw, acts.lnfMean, acts.lnfRstd, N, C);

    for (let l = L - 1; l >= 0; l--) {
      const la = acts.layers[l];
      const p = P.layers[l];
      const gp = G.layers[l];
      const inp = l === 0 ? acts.encoded : acts.layers[l - 1].res3;
      // g.dres = d res3 (the steering hook is the identity for gradients); res3 = res2 + mlp(ln_2(res2))
      g.dfchGelu.fill(0);
      this.k.matmulBackward(g.dfchGelu, gp.fcprojW, gp.fcprojB, g.dres, la.fchGelu, p.fcprojW, N, 4 * C, C);
      g.dfch.fill(0);
      this.k.geluBackward(g.dfch, la.fch, g.dfchGelu, N * 4 * C);
      g.dln.fill(0);
      this.k.matmulBackward(g.dln, gp.fcW, gp.fcB, g.dfch, la.ln2, p.fcW, N, C, 4 * C);
      this.k.layernormBackward(g.dres, gp.ln2w, gp.ln2b, g.dln, la.res2, p.ln2w, la.ln2Mean, la.ln2Rstd, N, C);
      // g.dres = d res2; res2 = inp + attn(ln_1(inp))
      g.datty.fill(0);
      this.k.matmulBackward(g.datty, gp.projW, gp.projB, g.dres, la.atty, p.projW, N, C, C);
      g.dqkv.fill(0);
      this.k.attentionBackward(g.dqkv, g.datty, la.qkv, la.att, B, T, C, NH);
      g.dln.fill(0);
      this.k.matmulBackward(g.dln, gp.attnW, gp.attnB, g.dqkv, la.ln1, p.attnW, N, C, 3 * C);
      this.k.layernormBackward(g.dres, gp.ln1w, gp.ln1b, g.dln, inp, p.ln1w, la.ln1Mean, la.ln1Rstd, N, C);
      // g.dres = d inp
    }
    encoderBackward(G.wte, G.wpe, g.dres, acts.tokens, B, T, C);
  }

  async step(opt: AdamWSettings): Promise<StepResult> {
    const gradNorm = Math.sqrt(globalNormSq(this.grads));
    if (!Number.isFinite(gradNorm)) {
      this.grads.fill(0); // skip: parameters and optimizer state untouched
      return { gradNorm };
    }
    const scale = opt.clipNorm > 0 && gradNorm > opt.clipNorm ? opt.clipNorm / gradNorm : 1;
    if (!this.m || !this.v) {
      this.m = this.alloc(this.params.length);
      this.v = this.alloc(this.params.length);
    }
    this.adamStep++;
    for (const { spec, off, n } of this.offsets) {
      adamwUpdate(
        this.params.subarray(off, off + n),
        this.grads.subarray(off, off + n),
        this.m.subarray(off, off + n),
        this.v.subarray(off, off + n),
        opt.lr,
        opt.beta1,
        opt.beta2,
        opt.eps,
        spec.decay ? opt.weightDecay : 0,
        this.adamStep,
        scale,
        n,
      );
    }
    this.grads.fill(0);
    return { gradNorm };
  }

  async trainStep(batch: TokenBatch, targets: Int32Array, opt: AdamWSettings): Promise<TrainStepResult> {
    const { logprobs } = await this.logprobs(batch, targets);
    await this.backward(crossEntropyGrad(targets));
    // a non-finite loss comes with a non-finite gradient, so step() skips the update (as on the GPU)
    const { gradNorm } = await this.step(opt);
    return { loss: meanCrossEntropy(logprobs, targets), gradNorm };
  }

  // ---------------------------------------------------------------- generation

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const { B, P, maxNewTokens: M, temperature, topK } = req;
    const { vocabSize: V, nLayers: L, dModel: C } = this.config;
    checkGenerate(this.config, req);
    const steering = req.steering;

    const S = P + M;
    const tokens = new Int32Array(B * S);
    for (let b = 0; b < B; b++) tokens.set(req.prompt.subarray(b * P, b * P + P), b * S);
    const logprobs = new Float32Array(B * M);
    if (M === 0) return { tokens, logprobs };

    // prefill: the forward over the prompts without the LM head, then copy k and v into the cache; only
    // each prompt's last position is sampled from, so only its hidden state goes through ln_f and the head,
    // on the decode buffers (as in the GPU model's prefill tail)
    const acts = this.infer(B, P);
    acts.tokens.set(req.prompt);
    this.forward(acts, steering, L - 1, false);
    const d = this.decodeState(B, S);
    for (let l = 0; l < L; l++) {
      const qkv = acts.layers[l].qkv;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < P; t++) {
          const src = (b * P + t) * 3 * C;
          const dst = (b * d.cap + t) * C;
          d.k[l].set(qkv.subarray(src + C, src + 2 * C), dst);
          d.v[l].set(qkv.subarray(src + 2 * C, src + 3 * C), dst);
        }
      }
    }
    const last = acts.layers[L - 1].res3;
    for (let b = 0; b < B; b++) d.x.set(last.subarray((b * P + P - 1) * C, (b * P + P) * C), b * C);
    this.decodeHead(d);

    const rng = createRng(req.seed);
    const every = req.onTokens ? Math.max(1, Math.floor(req.streamEvery ?? 1)) : 0;
    for (let s = 0; s < M; s++) {
      for (let b = 0; b < B; b++) {
        const row = d.logits.subarray(b * V, b * V + V);
        const u = rng.next();
        // log p under the distribution actually sampled from (temperature, top-k; 0 for greedy)
        const { token: tok, logprob } = sampleWithLogprob(row, temperature, topK, u);
        tokens[b * S + P + s] = tok;
        logprobs[b * M + s] = logprob;
      }
      if (every && ((s + 1) % every === 0 || s + 1 === M)) req.onTokens!(tokens.slice(), s + 1);
      if (s + 1 < M) this.decodeStep(d, tokens, S, P + s, steering);
    }
    return { tokens, logprobs };
  }

  dispose(): void {
    this.trainActs = null;
    this.inferActs = null;
    this.decode = null;
    this.haveTrainCache = false;
  }

  // ---------------------------------------------------------------- internals

  private forward(acts: Acts, steering: Steering | undefined, lastLayer: number, head: boolean): void {
    const { B, T } = acts;
    const N = B * T;
    const { vocabSize: V, dModel: C, nHeads: NH } = this.config;
    const P = this.P;
    encoderForward(acts.encoded, acts.tokens, P.wte, P.wpe, B, T, C);
    let x = acts.encoded;
    for (let l = 0; l <= lastLayer; l++) {
      const la = acts.layers[l];
      const p = P.layers[l];
      this.k.layernormForward(la.ln1, la.ln1Mean, la.ln1Rstd, x, p.ln1w, p.ln1b, N, C);
      this.k.matmulForward(la.qkv, la.ln1, p.attnW, p.attnB, N, C, 3 * C);
      this.k.attentionForward(la.atty, la.att, la.qkv, B, T, C, NH);
      this.k.matmulForward(acts.proj, la.atty, p.projW, p.projB, N, C, C);
      residualForward(la.res2, x, acts.proj, N * C);
      this.k.layernormForward(la.ln2, la.ln2Mean, la.ln2Rstd, la.res2, p.ln2w, p.ln2b, N, C);
      this.k.matmulForward(la.fch, la.ln2, p.fcW, p.fcB, N, C, 4 * C);
      this.k.geluForward(la.fchGelu, la.fch, N * 4 * C);
      this.k.matmulForward(acts.proj, la.fchGelu, p.fcprojW, p.fcprojB, N, 4 * C, C);
      residualForward(la.res3, la.res2, acts.proj, N * C);
      if (steering && steering.layer === l) {
        steeringForward(la.res3, steering.vector, steering.alpha, steering.start, steering.end, B, T, C);
      }
      x = la.res3;
    }
    if (!head) return;
    this.k.layernormForward(acts.lnf, acts.lnfMean, acts.lnfRstd, x, P.lnfw, P.lnfb, N, C);
    this.k.matmulForwardTransposed(acts.logits, acts.lnf, P.wte, N, C, V);
  }

  /**
   * One token for each of the B sequences at absolute position pos, through the KV cache: the token is
   * tokens[b, pos] (rows TT long), as in the GPU model's decode program (same twins, same order).
   */
  private decodeStep(d: DecodeState, tokens: Int32Array, TT: number, pos: number, steering: Steering | undefined): void {
    const { dModel: C, nHeads: NH, nLayers: L } = this.config;
    const B = d.B;
    const P = this.P;
    encoderForwardDecode(d.x, tokens, P.wte, P.wpe, pos, B, TT, C);
    for (let l = 0; l < L; l++) {
      const p = P.layers[l];
      this.k.layernormForward(d.ln, d.mean, d.rstd, d.x, p.ln1w, p.ln1b, B, C);
      this.k.matmulForward(d.qkv, d.ln, p.attnW, p.attnB, B, C, 3 * C);
      const kc = d.k[l];
      const vc = d.v[l];
      for (let b = 0; b < B; b++) {
        const src = b * 3 * C;
        const dst = (b * d.cap + pos) * C;
        kc.set(d.qkv.subarray(src + C, src + 2 * C), dst);
        vc.set(d.qkv.subarray(src + 2 * C, src + 3 * C), dst);
      }
      this.k.attentionForwardDecode(d.atty, d.att, d.qkv, kc, vc, B, d.cap, pos, C, NH);
      this.k.matmulForward(d.proj, d.atty, p.projW, p.projB, B, C, C);
      residualForward(d.x2, d.x, d.proj, B * C);
      this.k.layernormForward(d.ln, d.mean, d.rstd, d.x2, p.ln2w, p.ln2b, B, C);
      this.k.matmulForward(d.fch, d.ln, p.fcW, p.fcB, B, C, 4 * C);
      this.k.geluForward(d.fchGelu, d.fch, B * 4 * C);
      this.k.matmulForward(d.proj, d.fchGelu, p.fcprojW, p.fcprojB, B, 4 * C, C);
      residualForward(d.x, d.x2, d.proj, B * C);
      if (steering && steering.layer === l) {
        steeringForwardDecode(d.x, steering.vector, steering.alpha, steering.start, steering.end, pos, B, C);
      }
    }
    this.decodeHead(d);
  }

  /** d.logits [B, V] = the tied LM head of ln_f(d.x): the tail of the decode step and of the prefill. */
  private decodeHead(d: DecodeState): void {
    const { vocabSize: V, dModel: C } = this.config;
    this.k.layernormForward(d.ln, d.mean, d.rstd, d.x, this.P.lnfw, this.P.lnfb, d.B, C);
    this.k.matmulForwardTransposed(d.logits, d.ln, this.P.wte, d.B, C, V);
  }

  private train(B: number, T: number): Acts {
    if (!this.trainActs || this.trainActs.B !== B || this.trainActs.T !== T) {
      this.trainActs = null;
      this.trainActs = this.allocActs(B, T);
    }
    return this.trainActs;
  }

  private infer(B: number, T: number): Acts {
    if (!this.inferActs || this.inferActs.B !== B || this.inferActs.T !== T) {
      this.inferActs = null;
      this.inferActs = this.allocActs(B, T);
    }
    return this.inferActs;
  }

  private allocActs(B: number, T: number): Acts {
    const { vocabSize: V, dModel: C, nHeads: NH, nLayers: L } = this.config;
    const N = B * T;
    const a = this.alloc;
    return {
      B,
      T,
      tokens: new Int32Array(N),
      targets: new Int32Array(N),
      encoded: a(N * C),
      proj: a(N * C),
      layers: Array.from({ length: L }, () => ({
        ln1: a(N * C), ln1Mean: a(N), ln1Rstd: a(N), qkv: a(N * 3 * C), att: a(B * NH * T * T), atty: a(N * C),
        res2: a(N * C), ln2: a(N * C), ln2Mean: a(N), ln2Rstd: a(N), fch: a(N * 4 * C), fchGelu: a(N * 4 * C),
        res3: a(N * C),
      })),
      lnf: a(N * C),
      lnfMean: a(N),
      lnfRstd: a(N),
      logits: a(N * V),
      logp: a(N),
      entropy: a(N),
      dlogp: a(N),
      grads: null,
    };
  }

  private allocGradActs(B: number, T: number): GradActs {
    const { vocabSize: V, dModel: C } = this.config;
    const N = B * T;
    const a = this.alloc;
    return {
      dres: a(N * C), dln: a(N * C), dqkv: a(N * 3 * C), datty: a(N * C),
      dfch: a(N * 4 * C), dfchGelu: a(N * 4 * C), dlnf: a(N * C), dlogits: a(N * V),
    };
  }

  private decodeState(B: number, S: number): DecodeState {
    const d = this.decode;
    if (d && d.B === B && d.cap >= S) return d;
    const { vocabSize: V, dModel: C, nLayers: L } = this.config;
    const a = this.alloc;
    this.decode = null;
    this.decode = {
      B,
      cap: S,
      k: Array.from({ length: L }, () => a(B * S * C)),
      v: Array.from({ length: L }, () => a(B * S * C)),
      x: a(B * C), x2: a(B * C), ln: a(B * C), mean: a(B), rstd: a(B), qkv: a(B * 3 * C), atty: a(B * C),
      proj: a(B * C), fch: a(B * 4 * C), fchGelu: a(B * 4 * C), att: a(S), logits: a(B * V),
    };
    return this.decode;
  }


}

export function createCpuModel(config: GPTConfig, params?: Params, options?: CpuModelOptions): CpuModel {
  return new CpuModel(config, params, options);
}
