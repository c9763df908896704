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
//
// The rooms: rollout.ts (1, and the update batch), metrics.ts (what a step reports), update.ts (3–4),
// advantages.ts and loss.ts (the math), summary.ts (what runs come to). This file is the orchestration.
import type { BehaviorTask, Problem, Score } from '../data/types';
import type { AdamWSettings, LanguageModel, Params, TokenBatch } from '../model/types';
import { supervisedBatch } from '../model/pretrain';
import { evaluatePolicy } from '../steering/sweep';
import type { SteeringVector } from '../steering/types';
import { createRng, type Rng } from '../util/rng';
import { groupAdvantages } from './advantages';
import { methodUsesSteering, needsReference, resolveWindow, teacherOf, validateRlConfig, type RlConfig } from './config';
import { assignIntensities, shrinkScale } from './intensities';
import { emptyMetrics, rolloutSamples, rolloutStats, type EvalMetrics, type RolloutSample, type StepMetrics } from './metrics';
import { sampleGroups } from './rollout';
import { policyUpdate } from './update';

export type { EvalMetrics, EvalScores, IntensityMetrics, PhaseMs, RolloutSample, StepMetrics } from './metrics';

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

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

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
  const teacherRng: Rng = root.fork(); // forked last: the perfect teacher draws nothing, so nothing above moves
  const teacherSettings = teacherOf(cfg);
  const teacher = (p: Problem) => task.teacherTrace(p, teacherSettings, teacherRng);
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
    const r = await evaluatePolicy(model, task, { split: cfg.evalSplit, samples: cfg.evalSamples, seed: evalSeed, alpha, vector, ...(cfg.evalAlignment ? { alignmentGrid: cfg.grid } : {}) });
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
    const examples = problems.map((p) => ({ prompt: p.prompt, response: teacher(p) }));
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

  async function rlStep(m: StepMetrics, stepIndex: number): Promise<StepMetrics> {
    const G = cfg.groupSize;
    const problems = task.problems('train', cfg.batchPrompts, problemRng);
    const { alphas, scale } = stepIntensities(stepIndex);
    m.intensityScale = scale;
    const teachers = method === 'guide' ? cfg.guideK : 0;

    // 1. Rollouts.
    const tr = now();
    const { seqs, sampledPositions } = await sampleGroups(model, task, problems, alphas, G, teachers, {
      temperature: cfg.temperature,
      topK: cfg.topK,
      seed: sampleRng.int(2147483647),
      vector: steered ? vector : undefined,
      teacher,
    });
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
    lastSamples = rolloutSamples(seqs, adv.advantages, cfg.keepSamples);
    m.ms.score = now() - ts;

    // 3–4. Reference and update.
    if (!trains) return m;
    const u = await policyUpdate(model, seqs, adv.advantages, { ...cfg, adam: adam(stepIndex), maxTokens: N, promptLength: P, stopToken: stopId }, needsRef ? reference : null, `step ${stepIndex + 1}`);
    Object.assign(m, { loss: u.loss, kl: u.kl, clipFraction: u.clipFraction, entropy: u.entropy, gradNorm: u.gradNorm, updateTokens: u.updateTokens });
    m.ms.reference = u.referenceMs;
    m.ms.update = u.updateMs;
    if (u.failed) return halt(u.failed, m);
    m.lr = lrAt(stepIndex);
    return m;
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
