// The benchmark's TF.js twin of our GPT (DESIGN §2): GPT-2 pre-LN, learned position embeddings, causal
// multi-head attention, 4x MLP with tanh GELU, final LayerNorm, LM head tied to wte; weights [in, out]
// with the Hugging Face names, initialised from the same Params as our model. Training uses TF.js
// autodiff (tf.variableGrads) and an AdamW written in tf ops with the same semantics as shaders/adamw.wgsl:
// global-norm clip (scale = clipNorm / norm when norm > clipNorm), bias-corrected moments, decoupled
// weight decay on the tensors marked `decay` in paramSpecs. Everything stays on the GPU except one
// readback per step ([loss, gradNorm]; our trainStep reads the norm and the log-probs in its one).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { paramSpecs, type GPTConfig } from '../src/model/config';
import type { AdamWSettings, Params } from '../src/model/types';

const LN_EPS = 1e-5;
const GELU_K = Math.sqrt(2 / Math.PI);

/**
 * Sum of many tensors. tf.addN binds every input at once, and TF.js asks its device for the default
 * 8 storage buffers per stage, so addN over the ~40 gradient norms fails to compile: add in groups of 6.
 */
function sumAll(xs: tf.Tensor[]): tf.Tensor {
  let level = xs;
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += 6) {
      const group = level.slice(i, i + 6);
      next.push(group.length === 1 ? group[0] : tf.addN(group));
    }
    level = next;
  }
  return level[0];
}

export class TfjsGpt {
  readonly config: GPTConfig;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly decay = new Map<string, boolean>();
  private readonly masks = new Map<number, tf.Tensor2D>();
  private adamStep = 0;
  private static instances = 0;

  constructor(config: GPTConfig, params: Params) {
    this.config = { ...config };
    const id = TfjsGpt.instances++; // variable names must be unique across live instances
    tf.tidy(() => {
      // the initial-value tensors are freed by tidy; variables survive it
      for (const spec of paramSpecs(config)) {
        const a = params.get(spec.name);
        if (!a) throw new Error(`TfjsGpt: missing parameter "${spec.name}"`);
        this.vars.set(spec.name, tf.variable(tf.tensor(a, spec.shape, 'float32'), true, `gpt${id}/p/${spec.name}`));
        this.m.set(spec.name, tf.variable(tf.zeros(spec.shape), false, `gpt${id}/m/${spec.name}`));
        this.v.set(spec.name, tf.variable(tf.zeros(spec.shape), false, `gpt${id}/v/${spec.name}`));
        this.decay.set(spec.name, spec.decay);
      }
    });
  }

  private p(name: string): tf.Variable {
    const t = this.vars.get(name);
    if (!t) throw new Error(`TfjsGpt: no parameter "${name}"`);
    return t;
  }

  /** Additive causal mask [T, T]: 0 on and below the diagonal, -1e9 above (kept across steps). */
  private mask(T: number): tf.Tensor2D {
    let m = this.masks.get(T);
    if (!m) {
      const a = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) a[i * T + j] = -1e9;
      m = tf.keep(tf.tensor2d(a, [T, T]));
      this.masks.set(T, m);
    }
    return m;
  }

  private layerNorm(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), w), b) as tf.Tensor2D;
  }

  private gelu(x: tf.Tensor): tf.Tensor {
    const inner = tf.mul(GELU_K, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  }

  /** TF.js at its best: the bias fused into the product (tf.fused.matMul has its own gradient). */
  private linear(x: tf.Tensor2D, w: string, b: string): tf.Tensor2D {
    return tf.fused.matMul({ a: x, b: this.p(w), bias: this.p(b) }) as tf.Tensor2D;
  }

  /** Logits [B*T, V] of tokens [B, T] (int32). */
  forward(tokens: tf.Tensor2D, B: number, T: number): tf.Tensor2D {
    const { dModel: C, nHeads: NH, nLayers: L } = this.config;
    const hs = C / NH;
    const N = B * T;
    const wte = this.p('wte.weight');
    const pos = tf.slice(this.p('wpe.weight'), [0, 0], [T, C]);
    let x = tf.reshape(tf.add(tf.reshape(tf.gather(wte, tf.reshape(tokens, [N])), [B, T, C]), pos), [N, C]) as tf.Tensor2D;
    const mask = this.mask(T);
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, NH, hs]), [0, 2, 1, 3]); // [B, NH, T, hs]
    for (let l = 0; l < L; l++) {
      const h = `h.${l}.`;
      const ln1 = this.layerNorm(x, this.p(h + 'ln_1.weight'), this.p(h + 'ln_1.bias'));
      const qkv = tf.reshape(this.linear(ln1, h + 'attn.c_attn.weight', h + 'attn.c_attn.bias'), [B, T, 3 * C]);
      const [q, k, v] = tf.split(qkv, 3, 2);
      const scores = tf.add(tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(hs)), mask);
      const att = tf.softmax(scores);
      const y = tf.reshape(tf.transpose(tf.matMul(att, heads(v)), [0, 2, 1, 3]), [N, C]) as tf.Tensor2D;
      x = tf.add(x, this.linear(y, h + 'attn.c_proj.weight', h + 'attn.c_proj.bias'));
      const ln2 = this.layerNorm(x, this.p(h + 'ln_2.weight'), this.p(h + 'ln_2.bias'));
      const fc = this.gelu(this.linear(ln2, h + 'mlp.c_fc.weight', h + 'mlp.c_fc.bias')) as tf.Tensor2D;
      x = tf.add(x, this.linear(fc, h + 'mlp.c_proj.weight', h + 'mlp.c_proj.bias'));
    }
    const lnf = this.layerNorm(x, this.p('ln_f.weight'), this.p('ln_f.bias'));
    return tf.matMul(lnf, wte, false, true); // tied head
  }

  /** Mean cross-entropy over targets != -1 (tf.oneHot of -1 is an all-zero row). */
  private loss(tokens: tf.Tensor2D, targets: tf.Tensor1D, count: number, B: number, T: number): tf.Scalar {
    const logits = this.forward(tokens, B, T);
    const logp = tf.logSoftmax(logits);
    return tf.div(tf.neg(tf.sum(tf.mul(tf.oneHot(targets, this.config.vocabSize), logp))), count) as tf.Scalar;
  }

  /** Forward + backward + AdamW; one readback ([loss, gradNorm]). */
  async trainStep(tokens: Int32Array, targets: Int32Array, B: number, T: number, opt: AdamWSettings): Promise<{ loss: number; gradNorm: number }> {
    let count = 0;
    for (const t of targets) if (t >= 0) count++;
    if (count === 0) throw new RangeError('trainStep: no targets');
    const step = this.adamStep + 1;
    const bc1 = 1 - Math.pow(opt.beta1, step);
    const bc2 = 1 - Math.pow(opt.beta2, step);
    const out = tf.tidy(() => {
      const tok = tf.tensor2d(tokens, [B, T], 'int32');
      const tgt = tf.tensor1d(targets, 'int32');
      const varList = [...this.vars.values()];
      const { value, grads } = tf.variableGrads(() => this.loss(tok, tgt, count, B, T), varList);
      const names = [...this.vars.keys()];
      const gs = names.map((n) => grads[this.p(n).name]);
      const norm = tf.sqrt(sumAll(gs.map((g) => tf.sum(tf.square(g)))));
      const scale = opt.clipNorm > 0 ? tf.minimum(1, tf.div(opt.clipNorm, norm)) : tf.scalar(1);
      names.forEach((n, i) => {
        const g = tf.mul(gs[i], scale);
        const m = tf.add(tf.mul(opt.beta1, this.m.get(n)!), tf.mul(1 - opt.beta1, g));
        const v = tf.add(tf.mul(opt.beta2, this.v.get(n)!), tf.mul(1 - opt.beta2, tf.square(g)));
        this.m.get(n)!.assign(m);
        this.v.get(n)!.assign(v);
        const p = this.p(n);
        let upd = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), opt.eps));
        if (this.decay.get(n) && opt.weightDecay !== 0) upd = tf.add(upd, tf.mul(opt.weightDecay, p));
        p.assign(tf.sub(p, tf.mul(opt.lr, upd)));
      });
      return tf.stack([value, norm]);
    });
    const [loss, gradNorm] = await out.data();
    out.dispose();
    this.adamStep++;
    return { loss, gradNorm };
  }

  /**
   * Greedy decoding the way a TF.js user without a KV cache would: a full forward pass on the growing
   * sequence, argMax of the last position on the device, B token ids read back per step.
   * Returns [B, P + M].
   */
  async generateGreedy(prompt: Int32Array, B: number, P: number, M: number): Promise<Int32Array> {
    const V = this.config.vocabSize;
    let seq = prompt;
    for (let s = 0; s < M; s++) {
      const T = P + s;
      const ids = tf.tidy(() => {
        const logits = tf.reshape(this.forward(tf.tensor2d(seq, [B, T], 'int32'), B, T), [B, T, V]);
        return tf.argMax(tf.reshape(tf.slice(logits, [0, T - 1, 0], [B, 1, V]), [B, V]), 1);
      });
      const next = (await ids.data()) as Int32Array;
      ids.dispose();
      const grown = new Int32Array(B * (T + 1));
      for (let b = 0; b < B; b++) {
        grown.set(seq.subarray(b * T, b * T + T), b * (T + 1));
        grown[b * (T + 1) + T] = next[b];
      }
      seq = grown;
    }
    return seq;
  }

  /** Logits [B, T, V] (for checks). */
  async logits(tokens: Int32Array, B: number, T: number): Promise<Float32Array> {
    const t = tf.tidy(() => this.forward(tf.tensor2d(tokens, [B, T], 'int32'), B, T));
    const out = (await t.data()) as Float32Array;
    t.dispose();
    return out;
  }

  dispose(): void {
    for (const map of [this.vars, this.m, this.v]) for (const t of map.values()) t.dispose();
    for (const t of this.masks.values()) t.dispose();
    this.vars.clear();
    this.m.clear();
    this.v.clear();
    this.masks.clear();
  }
}
