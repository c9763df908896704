// The backend-neutral trainer (DESIGN §4): VSPO and its baselines on one harness. It speaks to the model
// only through LanguageModel, so it runs on the CPU twin and on WebGPU, under Node (CLI) and in the
// Web Worker.
//
// One VSPO step:
//   1. rollouts   B prompts from the train split; G rollouts each, rollout i sampled from the steered
//                 policy at α_i (one batched generate call for all B·G sequences), cut at the stop token;
//   2. score      the task's judges: r = accuracy + λ·behaviorReward; group advantages;
//   3. reference  π_ref log-probs of the response tokens (π_ref = the run's starting weights) when β > 0;
//   4. update     μ epochs: UNSTEERED log-probs (epoch 1's forward is also π_old, which is the unsteered
//                 policy at rollout time, so no extra forward) → clipped surrogate + β·k3 →
//                 backward(dLoss/dlogp) → AdamW. Neither the update nor the reference pass is steered.
// Baselines: grpo = no steering (VSPO with the grid {0}); guide = grpo with k of the G rollouts of a
// group replaced by teacher traces; distill = supervised cross-entropy on one teacher trace for each of
// the same B distinct prompts; steer = no training, rollouts and evaluations at a fixed α. Every method
// sees B distinct train prompts a step, and each step's record says what it cost (StepBudget fields).
import { summarizeScores, type ScoreStats } from '../data/score';
import type { BehaviorTask, Problem, Score, Split } from '../data/types';
import type { AdamWSettings, LanguageModel, Params, TokenBatch } from '../model/types';
import { supervisedBatch } from '../model/pretrain';
import { sampleResponses } from '../steering/generate';
import { evaluatePolicy } from '../steering/sweep';
import type { SteeringVector } from '../steering/types';
import { createRng, type Rng } from '../util/rng';
import { groupAdvantages } from './advantages';
import { methodUsesSteering, needsReference, resolveWindow, validateRlConfig, type Method, type RlConfig } from './config';
import { assignIntensities, intensityKey, shrinkScale } from './intensities';
import { clippedSurrogate, truncatedWeights } from './loss';

/** Accuracy over all prompts, behavior over the counted ones, and the rate the reward pays (src/data/score.ts). */
export type EvalScores = ScoreStats;

export interface EvalMetrics {
  step: number;
  /** 0 for every trained method (unsteered); the fixed α for `steer`. */
  alpha: number;
  /** The held-out split evaluated (config.evalSplit). */
  split: Split;
  greedy: EvalScores;
  /** Sampled at T = 1 over the full vocabulary, whatever the rollouts' temperature. */
  sampled: EvalScores;
  samples: number;
  ms: number;
}

export interface IntensityMetrics {
  alpha: number;
  n: number;
  reward: number;
  accuracy: number;
  behavior: number; // mean behavior score over the counted rollouts
  behaviorRate: number; // fraction of the counted rollouts with behavior score ≥ 0.5
}

export interface PhaseMs {
  rollout: number;
  score: number;
  reference: number;
  update: number;
  eval: number;
  total: number;
}

/** One line of a run's history. Step 0 is the evaluation before training (rollout fields null). */
export interface StepMetrics {
  step: number;
  method: Method;
  rewardMean: number | null;
  rewardStd: number | null;
  accuracy: number | null; // mean accuracy of the rollouts (teacher traces excluded)
  behavior: number | null; // mean behavior score of the counted rollouts
  behaviorReward: number | null; // mean behavior reward of the rollouts
  behaviorRate: number | null; // fraction of counted rollouts with behavior score ≥ 0.5
  perIntensity: IntensityMetrics[];
  zeroSpreadFraction: number | null;
  loss: number | null;
  kl: number | null; // token mean of k3 to the reference (null when β = 0)
  clipFraction: number | null;
  entropy: number | null; // token mean of the unsteered policy's entropy over response positions (nats)
  gradNorm: number | null;
  lr: number | null;
  /** Intensity scale of the shrink schedule at this step (1 without a schedule). */
  intensityScale: number | null;
  responseLength: number | null; // mean response tokens (incl. the stop token)
  // What the step cost, so methods are compared at the same budget:
  prompts: number; // distinct train prompts
  rollouts: number; // sequences sampled from the policy
  teacherTraces: number; // teacher traces trained on
  updateTokens: number; // response tokens the update trained on
  rolloutTokens: number; // positions sampled this step (sequences × max new tokens)
  rolloutTokensPerSec: number | null;
  ms: PhaseMs;
  eval?: EvalMetrics;
  /** Set when the run stopped at this step (non-finite loss or gradient); the parameters are the step's starting ones. */
  halted?: string;
}

/** A rollout as the UI lists it. */
export interface RolloutSample {
  group: number;
  prompt: string;
  response: string;
  alpha: number;
  teacher: boolean;
  reward: number;
  advantage: number;
  accuracy: number;
  behavior: number;
  markers: [number, number][];
}

export interface TrainerOptions {
  model: LanguageModel;
  task: BehaviorTask;
  config: Partial<RlConfig>;
  /** The behavior's steering vector (needed by vspo and steer). */
  steering?: SteeringVector;
  /** The reference policy π_ref (the starting checkpoint); needed when β > 0 … */
  refModel?: LanguageModel;
  /** … or its parameters plus a factory for a second model instance (created on the first step). */
  refParams?: Params;
  createModel?: (params: Params) => Promise<LanguageModel>;
  /** Overrides config.seed. */
  seed?: number;
  /**
   * Steps already done (resuming from an auto-save): numbering, schedules and evaluations continue from
   * there. The random streams are re-derived from (seed, startStep), so a resumed run is reproducible
   * but not identical to an uninterrupted one.
   */
  startStep?: number;
}

export interface Trainer {
  readonly config: RlConfig;
  /** Steps done so far. */
  readonly stepsDone: number;
  /** Why the run stopped early, or null. */
  readonly halted: string | null;
  /** The record for step 0: the evaluation before any training (run it first). */
  baseline(): Promise<StepMetrics>;
  /** One training step (with its evaluation attached when one is due). Throws once halted. */
  step(): Promise<StepMetrics>;
  /** Evaluation on the held-out split: unsteered (steer: at its fixed α), greedy and sampled. */
  evaluate(): Promise<EvalMetrics>;
  /** The last step's rollouts (up to config.keepSamples). */
  samples(): RolloutSample[];
  /** Frees the reference model if the trainer created it. */
  dispose(): void;
}

export class ConfigInvalidError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Everything about one row of the update batch. */
interface Seq {
  group: number;
  problem: Problem;
  ids: number[]; // prompt + response tokens (incl. the stop token when produced)
  length: number; // response tokens
  response: string;
  alpha: number;
  teacher: boolean;
  /** Log-probs of the response tokens under the distribution sampled from (steered, at the rollout temperature and top-k); null for teacher traces. */
  steeredLogp: Float32Array | null;
  score?: Score;
  reward?: number;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function emptyMetrics(step: number, method: Method): StepMetrics {
  return {
    step,
    method,
    rewardMean: null,
    rewardStd: null,
    accuracy: null,
    behavior: null,
    behaviorReward: null,
    behaviorRate: null,
    perIntensity: [],
    zeroSpreadFraction: null,
    loss: null,
    kl: null,
    clipFraction: null,
    entropy: null,
    gradNorm: null,
    lr: null,
    intensityScale: null,
    responseLength: null,
    prompts: 0,
    rollouts: 0,
    teacherTraces: 0,
    updateTokens: 0,
    rolloutTokens: 0,
    rolloutTokensPerSec: null,
    ms: { rollout: 0, score: 0, reference: 0, update: 0, eval: 0, total: 0 },
  };
}

/** Reward, accuracy and behavior of the sampled rollouts, overall and per intensity (teacher traces excluded). */
function rolloutStats(m: StepMetrics, seqs: Seq[], intensityBins: 'grid' | 'uniform') {
  const sampled = seqs.filter((q) => !q.teacher);
  const rs = sampled.map((q) => q.reward!);
  const counted = (qs: Seq[]) => qs.filter((q) => q.score!.counted);
  const rate = (qs: Seq[]) => mean(counted(qs).map((q) => (q.score!.behavior >= 0.5 ? 1 : 0)));
  const stats = summarizeScores(sampled.map((q) => q.score!));
  m.rewardMean = mean(rs);
  m.rewardStd = Math.sqrt(mean(rs.map((r) => (r - m.rewardMean!) ** 2)));
  m.accuracy = stats.accuracy;
  m.behavior = stats.counted > 0 ? stats.behavior : null;
  m.behaviorReward = mean(sampled.map((q) => q.score!.behaviorReward));
  m.behaviorRate = stats.counted > 0 ? rate(sampled) : null;
  m.responseLength = mean(sampled.map((q) => q.length));
  const byAlpha = new Map<number, Seq[]>();
  for (const q of sampled) {
    const k = intensityKey(q.alpha, intensityBins);
    if (!byAlpha.has(k)) byAlpha.set(k, []);
    byAlpha.get(k)!.push(q);
  }
  m.perIntensity = [...byAlpha.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([alpha, qs]) => {
      const st = summarizeScores(qs.map((q) => q.score!));
      return { alpha, n: qs.length, reward: mean(qs.map((q) => q.reward!)), accuracy: st.accuracy, behavior: st.behavior, behaviorRate: st.counted > 0 ? rate(qs) : 0 };
    });
}

/** The update batch: rows padded with the stop token to the longest sequence; targets on response tokens. */
function updateBatch(seqs: Seq[], P: number, stopId: number): { batch: TokenBatch; targets: Int32Array; mask: Uint8Array } {
  const S = seqs.length;
  const T = Math.max(...seqs.map((q) => q.ids.length));
  const tokens = new Int32Array(S * T).fill(stopId);
  const targets = new Int32Array(S * T).fill(-1);
  const mask = new Uint8Array(S * T);
  seqs.forEach((q, s) => {
    tokens.set(q.ids, s * T);
    for (let j = 0; j < q.length; j++) {
      const t = P - 1 + j;
      targets[s * T + t] = q.ids[t + 1];
      mask[s * T + t] = 1;
    }
  });
  return { batch: { tokens, B: S, T }, targets, mask };
}

/** Mean of per-token values over the masked positions (null when none). */
function maskedMean(values: Float32Array, mask: Uint8Array): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      sum += values[i];
      n++;
    }
  return n ? sum / n : null;
}

export function createTrainer(o: TrainerOptions): Trainer {
  const v = validateRlConfig({ ...o.config, ...(o.seed !== undefined ? { seed: o.seed } : {}) });
  if (v.error) throw new ConfigInvalidError(v.error.field, v.error.message);
  const cfg = v.config;
  const { model, task } = o;
  const method = cfg.method;
  const P = task.promptLength;
  const N = task.maxResponseLength;
  if (P + N > model.config.contextLength)
    throw new ConfigInvalidError('model', `the model's context (${model.config.contextLength}) is shorter than a ${task.behavior} prompt + response (${P + N})`);
  if (model.config.vocabSize !== task.tokenizer.vocabSize)
    throw new ConfigInvalidError('model', `the model's vocabulary (${model.config.vocabSize}) differs from the ${task.behavior} task's (${task.tokenizer.vocabSize})`);
  const steered = methodUsesSteering(method);
  if (steered && !o.steering) throw new ConfigInvalidError('steering', `method ${method} needs a steering vector for ${task.behavior}`);
  if (o.steering && o.steering.vector.length !== model.config.dModel)
    throw new ConfigInvalidError('steering', `the steering vector has ${o.steering.vector.length} entries, the model's dModel is ${model.config.dModel}`);
  if (o.steering && (o.steering.meta.layer < 0 || o.steering.meta.layer >= model.config.nLayers))
    throw new ConfigInvalidError('steering', `the steering layer ${o.steering.meta.layer} is outside 0…${model.config.nLayers - 1}`);
  const trains = method !== 'steer';
  const needsRef = needsReference(cfg);
  if (needsRef && !o.refModel && !(o.refParams && o.createModel))
    throw new ConfigInvalidError('beta', 'beta > 0 needs the reference model (refModel, or refParams with createModel)');

  const vector: SteeringVector | undefined = o.steering
    ? { vector: o.steering.vector, meta: { ...o.steering.meta, window: resolveWindow(cfg.window, o.steering.meta.window) } }
    : undefined;

  // Independent seeded streams, so a method that skips one kind of draw does not shift the others.
  const startStep = o.startStep ?? 0;
  if (!Number.isInteger(startStep) || startStep < 0 || startStep > cfg.steps)
    throw new ConfigInvalidError('startStep', `startStep must be an integer in 0…${cfg.steps} (got ${startStep})`);
  const root = createRng(startStep === 0 ? cfg.seed : (cfg.seed ^ Math.imul(startStep, 0x9e3779b1)) >>> 0);
  const problemRng: Rng = root.fork();
  const sampleRng: Rng = root.fork();
  const intensityRng: Rng = root.fork();
  const evalSeed = (cfg.seed * 7919 + 104729) >>> 0;

  let refModel: LanguageModel | undefined = o.refModel;
  let ownsRef = false;
  let stepsDone = startStep;
  let halted: string | null = null;
  let lastSamples: RolloutSample[] = [];

  const stopId = task.tokenizer.stopToken;
  const lrAt = (step: number) => (cfg.warmupSteps > 0 ? cfg.lr * Math.min(1, (step + 1) / cfg.warmupSteps) : cfg.lr);
  const adam = (step: number): AdamWSettings => ({
    lr: lrAt(step),
    beta1: cfg.beta1,
    beta2: cfg.beta2,
    eps: cfg.adamEps,
    weightDecay: cfg.weightDecay,
    clipNorm: cfg.clipNorm,
  });
  const evalDue = (step: number) => cfg.evalEvery > 0 && (step % cfg.evalEvery === 0 || step === cfg.steps);
  const reward = (sc: Score) => sc.accuracy + cfg.lambda * sc.behaviorReward;

  async function evaluate(): Promise<EvalMetrics> {
    const t0 = now();
    const alpha = method === 'steer' ? cfg.steerAlpha : 0;
    const r = await evaluatePolicy(model, task, { split: cfg.evalSplit, samples: cfg.evalSamples, seed: evalSeed, alpha, vector });
    return { step: stepsDone, ...r, ms: now() - t0 };
  }

  async function baseline(): Promise<StepMetrics> {
    const t0 = now();
    const m = emptyMetrics(stepsDone, method);
    if (cfg.evalEvery > 0) {
      m.eval = await evaluate();
      m.ms.eval = m.eval.ms;
    }
    m.ms.total = now() - t0;
    return m;
  }

  /** Samples B groups (G rollouts each, the last `teachers` of a group replaced by teacher traces). */
  async function rollouts(problems: Problem[], alphas: Float32Array, teachers: number): Promise<{ seqs: Seq[]; sampledPositions: number }> {
    const G = cfg.groupSize;
    const gen = G - teachers;
    const genProblems: Problem[] = [];
    const genAlphas = new Float32Array(problems.length * gen);
    problems.forEach((p, g) => {
      for (let i = 0; i < gen; i++) {
        genProblems.push(p);
        genAlphas[g * gen + i] = alphas[g * G + i];
      }
    });
    const s = await sampleResponses(model, task, genProblems, {
      temperature: cfg.temperature,
      topK: cfg.topK,
      seed: sampleRng.int(2147483647),
      alphas: steered ? genAlphas : undefined,
      vector: steered ? vector : undefined,
    });
    const row = P + N;
    const seqs: Seq[] = [];
    problems.forEach((p, g) => {
      for (let i = 0; i < G; i++) {
        if (i < gen) {
          const b = g * gen + i;
          const len = s.lengths[b];
          seqs.push({
            group: g,
            problem: p,
            ids: Array.from(s.tokens.subarray(b * row, b * row + P + len)),
            length: len,
            response: s.responses[b],
            alpha: genAlphas[b],
            teacher: false,
            steeredLogp: s.logprobs.subarray(b * N, b * N + len),
          });
        } else {
          const text = task.teacher(p);
          const ids = task.tokenizer.encode(p.prompt + text);
          ids.push(stopId);
          if (ids.length > P + N) throw new Error(`the teacher trace for "${p.prompt}" is longer than ${N} response tokens`);
          seqs.push({ group: g, problem: p, ids, length: ids.length - P, response: text, alpha: 0, teacher: true, steeredLogp: null });
        }
      }
    });
    return { seqs, sampledPositions: genProblems.length * N };
  }

  async function reference(batch: TokenBatch, targets: Int32Array): Promise<Float32Array> {
    if (!refModel) {
      refModel = await o.createModel!(o.refParams!);
      ownsRef = true;
    }
    return (await refModel.logprobs(batch, targets)).logprobs;
  }

  function halt(reason: string, m: StepMetrics): StepMetrics {
    halted = reason;
    m.halted = reason;
    return m;
  }

  /** Teacher SFT on one trace for each of the step's B distinct prompts (the RL methods' prompt budget). */
  async function distillStep(m: StepMetrics): Promise<StepMetrics> {
    const problems = task.problems('train', cfg.batchPrompts, problemRng);
    const ts = now();
    const examples = problems.map((p) => ({ prompt: p.prompt, response: task.teacher(p) }));
    const { batch, targets } = supervisedBatch(task, examples);
    m.ms.score = now() - ts;
    const tu = now();
    const r = await model.trainStep(batch, targets, adam(stepsDone));
    m.ms.update = now() - tu;
    m.loss = finiteOrNull(r.loss);
    m.gradNorm = finiteOrNull(r.gradNorm);
    m.lr = lrAt(stepsDone);
    let tokens = 0;
    for (let i = 0; i < targets.length; i++) if (targets[i] >= 0) tokens++;
    m.prompts = problems.length;
    m.teacherTraces = examples.length;
    m.updateTokens = tokens;
    m.responseLength = tokens / examples.length;
    if (!Number.isFinite(r.loss)) return halt(`non-finite loss (${r.loss}) at step ${stepsDone + 1}; the parameters were not updated`, m);
    if (!Number.isFinite(r.gradNorm)) return halt(`non-finite gradient norm at step ${stepsDone + 1}; the update was skipped`, m);
    lastSamples = examples.slice(0, cfg.keepSamples).map((e, i) => {
      const sc = task.score(problems[i], e.response);
      return { group: i, prompt: e.prompt, response: e.response, alpha: 0, teacher: true, reward: reward(sc), advantage: 0, accuracy: sc.accuracy, behavior: sc.behavior, markers: sc.markers };
    });
    return m;
  }

  /** The intensities of the step's B·G rollouts, and the shrink scale they were drawn at. */
  function stepIntensities(stepIndex: number): { alphas: Float32Array; scale: number } {
    const n = cfg.batchPrompts * cfg.groupSize;
    if (method === 'vspo') return { alphas: assignIntensities(cfg, cfg.batchPrompts, cfg.groupSize, stepIndex, cfg.steps, intensityRng), scale: shrinkScale(cfg, stepIndex, cfg.steps) };
    if (method === 'steer') return { alphas: new Float32Array(n).fill(cfg.steerAlpha), scale: 1 };
    return { alphas: new Float32Array(n), scale: 1 }; // grpo and guide: unsteered
  }

  /**
   * 4. μ epochs of the clipped surrogate over the same rollouts, on the UNSTEERED policy. Returns a halt
   * reason when a loss or gradient is not finite; the weights are then the step's starting weights (for
   * μ > 1 an earlier epoch may already have moved them, so they are restored from a copy).
   */
  async function update(m: StepMetrics, seqs: Seq[], advantages: Float32Array, stepIndex: number): Promise<string | null> {
    const { batch, targets, mask } = updateBatch(seqs, P, stopId);
    const S = batch.B;
    const T = batch.T;
    let refLogp: Float32Array | undefined;
    if (needsRef) {
      const tref = now();
      refLogp = await reference(batch, targets);
      m.ms.reference = now() - tref;
    }
    const tu = now();
    const before = cfg.epochs > 1 ? await model.getParams() : null;
    const fail = async (reason: string) => {
      if (before) await model.setParams(before);
      m.ms.update = now() - tu;
      return before ? `${reason}; the step's starting weights were restored` : reason;
    };
    let oldLogp: Float32Array | undefined;
    let weights: Float32Array | undefined;
    let clipSum = 0;
    for (let e = 0; e < cfg.epochs; e++) {
      const lp = await model.logprobs(batch, targets);
      if (e === 0) {
        const unsteeredOld = lp.logprobs.slice();
        // The sampling policy's log-probs laid out like the batch (teacher traces: the unsteered ones).
        let steeredOld: Float32Array | undefined;
        if (cfg.piOldSteered || cfg.truncatedIS) {
          steeredOld = unsteeredOld.slice();
          seqs.forEach((q, s) => {
            if (q.steeredLogp) for (let j = 0; j < q.length; j++) steeredOld![s * T + P - 1 + j] = q.steeredLogp[j];
          });
        }
        oldLogp = cfg.piOldSteered ? steeredOld! : unsteeredOld;
        if (cfg.truncatedIS) weights = truncatedWeights(unsteeredOld, steeredOld!, mask, cfg.truncatedISCap);
        m.entropy = maskedMean(lp.entropy, mask);
      }
      const out = clippedSurrogate({
        S,
        T,
        logp: lp.logprobs,
        oldLogp: oldLogp!,
        refLogp,
        mask,
        advantages,
        weights,
        epsLow: cfg.epsLow,
        epsHigh: cfg.epsHigh,
        beta: cfg.beta,
        aggregation: cfg.aggregation,
        maxTokens: N,
      });
      if (e === 0) m.kl = refLogp ? finiteOrNull(out.kl) : null;
      clipSum += out.clipFraction;
      m.loss = finiteOrNull(out.loss);
      if (!Number.isFinite(out.loss)) return fail(`non-finite loss (${out.loss}) at step ${stepIndex + 1}, epoch ${e + 1}; the parameters were not updated`);
      await model.backward(out.dLogp);
      const r = await model.step(adam(stepIndex));
      m.gradNorm = finiteOrNull(r.gradNorm);
      if (!Number.isFinite(r.gradNorm)) return fail(`non-finite gradient at step ${stepIndex + 1}, epoch ${e + 1}; the update was skipped`);
    }
    m.ms.update = now() - tu;
    m.clipFraction = clipSum / cfg.epochs;
    m.lr = lrAt(stepIndex);
    m.updateTokens = mask.reduce((a, x) => a + x, 0);
    return null;
  }

  async function rlStep(m: StepMetrics, stepIndex: number): Promise<StepMetrics> {
    const G = cfg.groupSize;
    const problems = task.problems('train', cfg.batchPrompts, problemRng);
    const { alphas, scale } = stepIntensities(stepIndex);
    m.intensityScale = scale;
    const teachers = method === 'guide' ? cfg.guideK : 0;

    // 1. Rollouts.
    const tr = now();
    const { seqs, sampledPositions } = await rollouts(problems, alphas, teachers);
    m.ms.rollout = now() - tr;
    m.prompts = problems.length;
    m.rollouts = problems.length * (G - teachers);
    m.teacherTraces = problems.length * teachers;
    m.rolloutTokens = sampledPositions;
    m.rolloutTokensPerSec = m.ms.rollout > 0 ? (sampledPositions / m.ms.rollout) * 1000 : null;

    // 2. Score, rewards, advantages.
    const ts = now();
    for (const q of seqs) {
      q.score = task.score(q.problem, q.response);
      q.reward = reward(q.score);
    }
    const adv = groupAdvantages(
      seqs.map((q) => q.reward!),
      G,
      { stdNormalize: cfg.stdNormalize, eps: cfg.advantageEps, std: cfg.advantageStd },
    );
    m.zeroSpreadFraction = adv.zeroSpreadGroups / adv.groups;
    rolloutStats(m, seqs, cfg.intensityMode === 'uniform' && method === 'vspo' ? 'uniform' : 'grid');
    lastSamples = seqs.slice(0, cfg.keepSamples).map((q, i) => ({
      group: q.group,
      prompt: q.problem.prompt,
      response: q.response,
      alpha: q.alpha,
      teacher: q.teacher,
      reward: q.reward!,
      advantage: adv.advantages[i],
      accuracy: q.score!.accuracy,
      behavior: q.score!.behavior,
      markers: q.score!.markers,
    }));
    m.ms.score = now() - ts;

    // 3–4. Reference and update.
    if (!trains) return m;
    const failed = await update(m, seqs, adv.advantages, stepIndex);
    return failed ? halt(failed, m) : m;
  }

  async function step(): Promise<StepMetrics> {
    if (halted) throw new Error(`the run has stopped: ${halted}`);
    const t0 = now();
    const stepIndex = stepsDone; // 0-based index of the step being taken
    const m = emptyMetrics(stepIndex + 1, method);
    await (method === 'distill' ? distillStep(m) : rlStep(m, stepIndex));
    const ok = !m.halted; // a halted step left the parameters as they were
    if (ok) stepsDone++;
    if (ok && evalDue(stepsDone)) {
      m.eval = await evaluate();
      m.ms.eval = m.eval.ms;
    }
    m.ms.total = now() - t0;
    return m;
  }

  return {
    config: cfg,
    get stepsDone() {
      return stepsDone;
    },
    get halted() {
      return halted;
    },
    baseline,
    step,
    evaluate,
    samples: () => lastSamples,
    dispose() {
      if (ownsRef) refModel?.dispose();
      refModel = undefined;
      ownsRef = false;
    },
  };
}

/** Drives a trainer for its whole budget: baseline, then steps until done or halted. */
export async function runTrainer(trainer: Trainer, onMetrics: (m: StepMetrics) => void | Promise<void>, shouldStop: () => boolean = () => false): Promise<StepMetrics[]> {
  const history: StepMetrics[] = [];
  if (trainer.stepsDone === 0 && !shouldStop()) {
    const m = await trainer.baseline();
    history.push(m);
    await onMetrics(m);
  }
  while (trainer.stepsDone < trainer.config.steps && !trainer.halted && !shouldStop()) {
    const m = await trainer.step();
    history.push(m);
    await onMetrics(m);
  }
  return history;
}
