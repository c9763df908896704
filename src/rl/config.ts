// Every setting of the trainer (DESIGN §4) with its documented default, and the validator the CLI, the
// worker and the UI's config form share: an invalid config is refused before anything runs, naming the
// field and the allowed range.
import { TEACHER_STYLES, type TeacherSettings, type TeacherStyle } from '../data/types';
import type { WindowMode } from '../steering/types';

export const METHODS = ['vspo', 'grpo', 'distill', 'guide', 'steer'] as const;
export type Method = (typeof METHODS)[number];

export const INTENSITY_MODES = ['grid', 'uniform'] as const;
export type IntensityMode = (typeof INTENSITY_MODES)[number];

export const SHRINK_SCHEDULES = ['none', 'linear', 'cosine'] as const;
export type ShrinkSchedule = (typeof SHRINK_SCHEDULES)[number];

/**
 * How the per-token terms become one loss:
 *   token-mean    — Σ over all response tokens of the batch / their count (DAPO; TRL "bnpo")
 *   sequence-mean — mean over a sequence's tokens, then over sequences (the GRPO paper; TRL "grpo")
 *   constant      — Σ over all response tokens / (sequences · the task's max response length): no
 *                   length normaliser at all (Dr. GRPO, Liu et al. 2025; TRL "dr_grpo")
 */
export const AGGREGATIONS = ['token-mean', 'sequence-mean', 'constant'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * The std of a group's rewards in the advantage denominator: `unbiased` divides the squared deviations by
 * G − 1 (torch's `.std()`, which TRL's GRPO trainer uses), `population` by G.
 */
export const ADVANTAGE_STDS = ['unbiased', 'population'] as const;
export type AdvantageStd = (typeof ADVANTAGE_STDS)[number];

/** The held-out split the step evaluations run on. */
export const EVAL_SPLITS = ['test', 'validation'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];

// Upper bounds: a config is user input (a JSON file, the UI's form, a URL), and each of these sizes an
// allocation or a loop before anything can check the device — a typo such as groupSize: 80000 must be
// refused with the field's name, not run out of memory (or hang the tab) minutes later. They sit far above
// anything this tiny model needs; the device-dependent limit is ValidationContext.maxSequences.
/** B·G: rollouts generated, scored and held (logits, log-probs, caches) in one step. */
export const MAX_ROLLOUTS_PER_STEP = 4096;
/** G: rollouts per group (a group's rewards, advantages and per-intensity metrics). */
export const MAX_GROUP_SIZE = 256;
/** B: prompts per step. */
export const MAX_BATCH_PROMPTS = 1024;
/** Steps: the run's history (metrics, samples, evaluations) grows with each step. */
export const MAX_STEPS = 1_000_000;
/** Held-out prompts per evaluation, each generated twice (greedy and sampled). */
export const MAX_EVAL_SAMPLES = 8192;
/** μ: inner epochs; each is a full forward and backward over the step's rollouts. */
export const MAX_EPOCHS = 64;
/** Rollouts kept per step for the UI: stored with every step of the run. */
export const MAX_KEEP_SAMPLES = 4096;
/** The RNG and the loop take a seed as `>>> 0` (src/util/rng.ts), so 2^32 would be seed 0 again. */
export const MAX_SEED = 2 ** 32 - 1;

/** `vector` = the window stored with the steering vector (falls back to `decision`). */
export const WINDOW_SETTINGS = ['vector', 'decision', 'response', 'all'] as const;
export type WindowSetting = (typeof WINDOW_SETTINGS)[number];

export interface RlConfig {
  /** vspo | grpo (= vspo with the grid {0}) | distill (teacher SFT) | guide (k teacher traces per group) | steer (no training). */
  method: Method;
  /** Training steps (the budget). */
  steps: number;
  seed: number;

  // --- batch ---
  /** B: prompts per step. */
  batchPrompts: number;
  /** G: rollouts per prompt (the group). */
  groupSize: number;
  /**
   * Sampling temperature of the training rollouts only. The evaluations do not use it: they always score
   * greedy decoding and unsteered sampling at T = 1, so runs with different temperatures are evaluated
   * alike.
   */
  temperature: number;
  /** Top-k of the rollouts; 0 = full vocabulary. */
  topK: number;

  // --- reward and advantage ---
  /** r = r_acc + λ·r_beh. */
  lambda: number;
  /**
   * A = (r − mean)/(std + ε) when true; r − mean when false. Dr. GRPO as its paper defines it (Liu et al.
   * 2025) is stdNormalize: false together with aggregation: 'constant' (no std and no length normaliser);
   * stdNormalize: false alone only drops the std.
   */
  stdNormalize: boolean;
  /** The std estimator of the advantage denominator: unbiased (G − 1, as TRL's GRPO) or population (G). */
  advantageStd: AdvantageStd;
  /** ε in the advantage denominator. */
  advantageEps: number;

  // --- loss ---
  epsLow: number;
  epsHigh: number;
  /** β of the k3 KL to the reference (the starting checkpoint). 0 skips the reference forward. */
  beta: number;
  /** token-mean | sequence-mean | constant (Σ / (sequences · max response length); with stdNormalize: false = Dr. GRPO). */
  aggregation: Aggregation;
  /** μ: inner epochs over the same rollouts. */
  epochs: number;

  // --- optimizer (AdamW with global-norm clipping) ---
  lr: number;
  beta1: number;
  beta2: number;
  adamEps: number;
  weightDecay: number;
  /** Global-norm gradient clip; 0 disables. */
  clipNorm: number;
  /** Linear learning-rate warmup over this many steps (0 = constant from the start). */
  warmupSteps: number;

  // --- intensities (units of DESIGN §3: α = 1 adds v) ---
  intensityMode: IntensityMode;
  /** Grid assigned round-robin inside each group (groupSize must be a multiple of its length). */
  grid: number[];
  /** Uniform mode: α ~ U[aMin, aMax] per rollout. */
  aMin: number;
  aMax: number;
  /** Negative intensities (pushing away from the behavior) are refused unless this is set. */
  allowNegative: boolean;
  /** Shrink the intensities toward 0 over training: α·s(step), s from 1 to shrinkFinal over shrinkSteps. */
  shrink: ShrinkSchedule;
  /** Steps over which the shrink runs (0 = the whole run). */
  shrinkSteps: number;
  /** Scale reached at the end of the shrink (0 = fully unsteered). */
  shrinkFinal: number;
  /** Steering window; `vector` uses the window stored with the vector. */
  window: WindowSetting;

  // --- ablations (our assumptions; the paper text is not available) ---
  /** π_old taken under steering (the sampling policy) instead of the unsteered policy at rollout time. */
  piOldSteered: boolean;
  /** Multiply each token's surrogate by min(π_θ/π_θ^{αv}, c), detached. */
  truncatedIS: boolean;
  /** c of the truncated importance weight. */
  truncatedISCap: number;

  // --- baselines ---
  /** guide: k of the G rollouts of each group are replaced by teacher traces. */
  guideK: number;
  /** steer: fixed intensity of the inference-time reference point. */
  steerAlpha: number;
  /**
   * The teacher whose traces distill and guide train on (src/data/teacher.ts). The defaults are the
   * perfect teacher (always right, the student's own rare format), so earlier results reproduce bit for
   * bit; a real teacher is another model, with its own errors (accuracy < 1) and style ('foreign').
   */
  teacherAccuracy: number;
  teacherStyle: TeacherStyle;
  /** Fraction of teacher traces with stray formatting. */
  teacherNoise: number;

  // --- evaluation and saving ---
  /** Unsteered evaluation on the held-out split every N steps (and at step 0 and at the end); 0 = never. */
  evalEvery: number;
  /** Held-out prompts per evaluation (each scored greedy and sampled). */
  evalSamples: number;
  /**
   * Also measure, at each evaluation, the bandit's alignment figures on the model: per α of the grid the
   * steered/unsteered behavior ratio and the TV to the target (one steered sampling per α; off by default
   * for its cost). The projection on v̂ and the decision log-odds are measured whenever a vector is loaded.
   */
  evalAlignment: boolean;
  /** Held-out split of the step evaluations: choose settings on validation, report on test. */
  evalSplit: EvalSplit;
  /** Auto-save a checkpoint every K steps (worker: to IndexedDB; CLI: to --out); 0 = never. */
  saveEvery: number;
  /** Rollouts kept in the step's sample list for the UI (0 = none). */
  keepSamples: number;
}

/**
 * Defaults (DESIGN §4): the prototype's comparison used B = 8, G = 8, Adam 3e-4, clip 1.0 and the grid
 * {0, 2, 4, 8} at the decision position (§3: α = 4 there lifted the verbose rate ~17× with accuracy
 * kept); ε = 0.2, β = 0.01, token mean, μ = 1, λ = 1. The budget (60 steps, eval every 5) covers the
 * prototype's rise (steps 20–40) and a little of the plateau.
 */
export const defaultRlConfig: RlConfig = {
  method: 'vspo',
  steps: 60,
  seed: 0,
  batchPrompts: 8,
  groupSize: 8,
  temperature: 1,
  topK: 0,
  lambda: 1,
  stdNormalize: true,
  advantageStd: 'unbiased',
  advantageEps: 1e-4,
  epsLow: 0.2,
  epsHigh: 0.2,
  beta: 0.01,
  aggregation: 'token-mean',
  epochs: 1,
  lr: 3e-4,
  beta1: 0.9,
  beta2: 0.999,
  adamEps: 1e-8,
  weightDecay: 0,
  clipNorm: 1,
  warmupSteps: 0,
  intensityMode: 'grid',
  grid: [0, 2, 4, 8],
  aMin: 0,
  aMax: 8,
  allowNegative: false,
  shrink: 'none',
  shrinkSteps: 0,
  shrinkFinal: 0,
  window: 'vector',
  piOldSteered: false,
  truncatedIS: false,
  truncatedISCap: 2,
  guideK: 1,
  steerAlpha: 4,
  teacherAccuracy: 1,
  teacherStyle: 'own',
  teacherNoise: 0,
  evalEvery: 5,
  evalSamples: 128,
  evalAlignment: false,
  evalSplit: 'test',
  saveEvery: 10,
  keepSamples: 16,
};

/** One line per field for the UI's form and `--help`: what it is and what it accepts. */
export const rlConfigFields: Record<keyof RlConfig, string> = {
  method: `one of ${METHODS.join(', ')}`,
  steps: `integer ≥ 1 and ≤ ${MAX_STEPS}`,
  seed: `an integer in [0, ${MAX_SEED}]`,
  batchPrompts: `B: integer ≥ 1 and ≤ ${MAX_BATCH_PROMPTS} (and B·G ≤ ${MAX_ROLLOUTS_PER_STEP})`,
  groupSize: `G: integer ≥ 2 and ≤ ${MAX_GROUP_SIZE}`,
  temperature: 'number > 0',
  topK: 'integer ≥ 0 (0 = full vocabulary)',
  lambda: 'λ: number ≥ 0',
  stdNormalize: "boolean (false drops the std; Dr. GRPO = false with aggregation 'constant')",
  advantageStd: `one of ${ADVANTAGE_STDS.join(', ')}`,
  advantageEps: 'number > 0',
  epsLow: '0 < ε_low < 1',
  epsHigh: '0 < ε_high < 1',
  beta: 'β: number ≥ 0',
  aggregation: `one of ${AGGREGATIONS.join(', ')}`,
  epochs: `μ: integer ≥ 1 and ≤ ${MAX_EPOCHS}`,
  lr: 'number > 0',
  beta1: '0 ≤ β1 < 1',
  beta2: '0 ≤ β2 < 1',
  adamEps: 'number > 0',
  weightDecay: 'number ≥ 0',
  clipNorm: 'number ≥ 0 (0 = no clipping)',
  warmupSteps: 'integer ≥ 0',
  intensityMode: `one of ${INTENSITY_MODES.join(', ')}`,
  grid: 'non-empty list of finite numbers; G divisible by its length',
  aMin: 'finite number ≤ aMax',
  aMax: 'finite number ≥ aMin',
  allowNegative: 'boolean',
  shrink: `one of ${SHRINK_SCHEDULES.join(', ')}`,
  shrinkSteps: 'integer ≥ 0 (0 = the whole run)',
  shrinkFinal: '0 ≤ s ≤ 1',
  window: `one of ${WINDOW_SETTINGS.join(', ')}`,
  piOldSteered: 'boolean',
  truncatedIS: 'boolean',
  truncatedISCap: 'c: number > 0',
  guideK: '1 ≤ k < G',
  steerAlpha: 'finite number',
  teacherAccuracy: '0 ≤ a ≤ 1 (1 = always right)',
  teacherStyle: `one of ${TEACHER_STYLES.join(', ')}`,
  teacherNoise: '0 ≤ p ≤ 1',
  evalEvery: 'integer ≥ 0 (0 = never)',
  evalSamples: `integer ≥ 1 and ≤ ${MAX_EVAL_SAMPLES}`,
  evalAlignment: 'boolean',
  evalSplit: `one of ${EVAL_SPLITS.join(', ')}`,
  saveEvery: 'integer ≥ 0 (0 = never)',
  keepSamples: `integer ≥ 0 and ≤ ${MAX_KEEP_SAMPLES}`,
};

export interface ConfigError {
  field: string;
  message: string;
}

export type ValidationResult = { config: RlConfig; error?: undefined } | { error: ConfigError; config?: undefined };

/** Limits that depend on the model and task the config will run on (checked when given). */
export interface ValidationContext {
  /** Sequences one generate call may hold (B·G), e.g. from the adapter's limits. */
  maxSequences?: number;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Merges `partial` over the defaults and checks every field. Unknown fields are refused (a typo in a
 * JSON config must not silently fall back to a default), and so is every name that is not an own setting
 * of the defaults: `constructor`, `toString` and `__proto__` (JSON.parse makes that an own key) are
 * inherited from Object.prototype, so an `in` check would let them through.
 */
export function validateRlConfig(partial: Partial<RlConfig> | Record<string, unknown> = {}, ctx: ValidationContext = {}): ValidationResult {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) return { error: { field: 'config', message: 'config must be an object' } };
  for (const k of Object.keys(partial)) {
    if (!Object.prototype.hasOwnProperty.call(defaultRlConfig, k)) return { error: { field: k, message: `unknown setting "${k}"` } };
  }
  const c = { ...defaultRlConfig, ...(partial as Partial<RlConfig>) } as RlConfig;
  if (Array.isArray(c.grid)) c.grid = [...c.grid];
  const fail = (field: keyof RlConfig, got: unknown, extra = ''): ValidationResult => ({
    error: { field, message: `${field} must be ${rlConfigFields[field]}${extra} (got ${JSON.stringify(got)})` },
  });
  const oneOf = <T extends string>(field: keyof RlConfig, allowed: readonly T[]) => (allowed as readonly unknown[]).includes(c[field]) ? null : fail(field, c[field]);

  const checks: (() => ValidationResult | null)[] = [
    () => oneOf('method', METHODS),
    () => (isInt(c.steps) && c.steps >= 1 && c.steps <= MAX_STEPS ? null : fail('steps', c.steps)),
    () => (isInt(c.seed) && c.seed >= 0 && c.seed <= MAX_SEED ? null : fail('seed', c.seed)),
    () => (isInt(c.batchPrompts) && c.batchPrompts >= 1 && c.batchPrompts <= MAX_BATCH_PROMPTS ? null : fail('batchPrompts', c.batchPrompts)),
    () => (isInt(c.groupSize) && c.groupSize >= 2 && c.groupSize <= MAX_GROUP_SIZE ? null : fail('groupSize', c.groupSize)),
    () => {
      const n = c.batchPrompts * c.groupSize;
      return n <= MAX_ROLLOUTS_PER_STEP
        ? null
        : { error: { field: 'batchPrompts', message: `B·G = ${c.batchPrompts}·${c.groupSize} = ${n} rollouts per step exceed the limit of ${MAX_ROLLOUTS_PER_STEP}` } };
    },
    () => (isNum(c.temperature) && c.temperature > 0 ? null : fail('temperature', c.temperature)),
    () => (isInt(c.topK) && c.topK >= 0 ? null : fail('topK', c.topK)),
    () => (isNum(c.lambda) && c.lambda >= 0 ? null : fail('lambda', c.lambda)),
    () => (typeof c.stdNormalize === 'boolean' ? null : fail('stdNormalize', c.stdNormalize)),
    () => oneOf('advantageStd', ADVANTAGE_STDS),
    () => (isNum(c.advantageEps) && c.advantageEps > 0 ? null : fail('advantageEps', c.advantageEps)),
    () => (isNum(c.epsLow) && c.epsLow > 0 && c.epsLow < 1 ? null : fail('epsLow', c.epsLow)),
    () => (isNum(c.epsHigh) && c.epsHigh > 0 && c.epsHigh < 1 ? null : fail('epsHigh', c.epsHigh)),
    () => (isNum(c.beta) && c.beta >= 0 ? null : fail('beta', c.beta)),
    () => oneOf('aggregation', AGGREGATIONS),
    () => (isInt(c.epochs) && c.epochs >= 1 && c.epochs <= MAX_EPOCHS ? null : fail('epochs', c.epochs)),
    () => (isNum(c.lr) && c.lr > 0 ? null : fail('lr', c.lr)),
    () => (isNum(c.beta1) && c.beta1 >= 0 && c.beta1 < 1 ? null : fail('beta1', c.beta1)),
    () => (isNum(c.beta2) && c.beta2 >= 0 && c.beta2 < 1 ? null : fail('beta2', c.beta2)),
    () => (isNum(c.adamEps) && c.adamEps > 0 ? null : fail('adamEps', c.adamEps)),
    () => (isNum(c.weightDecay) && c.weightDecay >= 0 ? null : fail('weightDecay', c.weightDecay)),
    () => (isNum(c.clipNorm) && c.clipNorm >= 0 ? null : fail('clipNorm', c.clipNorm)),
    () => (isInt(c.warmupSteps) && c.warmupSteps >= 0 ? null : fail('warmupSteps', c.warmupSteps)),
    () => oneOf('intensityMode', INTENSITY_MODES),
    () => (typeof c.allowNegative === 'boolean' ? null : fail('allowNegative', c.allowNegative)),
    () => {
      if (!Array.isArray(c.grid) || c.grid.length === 0 || !c.grid.every(isNum)) return fail('grid', c.grid);
      if (!c.allowNegative && c.grid.some((a) => a < 0)) return fail('grid', c.grid, '; negative intensities need allowNegative: true');
      return null;
    },
    () => (isNum(c.aMin) ? null : fail('aMin', c.aMin)),
    () => (isNum(c.aMax) && c.aMax >= c.aMin ? null : fail('aMax', c.aMax)),
    () => (c.intensityMode === 'uniform' && !c.allowNegative && c.aMin < 0 ? fail('aMin', c.aMin, '; negative intensities need allowNegative: true') : null),
    () => oneOf('shrink', SHRINK_SCHEDULES),
    () => (isInt(c.shrinkSteps) && c.shrinkSteps >= 0 ? null : fail('shrinkSteps', c.shrinkSteps)),
    () => (isNum(c.shrinkFinal) && c.shrinkFinal >= 0 && c.shrinkFinal <= 1 ? null : fail('shrinkFinal', c.shrinkFinal)),
    () => oneOf('window', WINDOW_SETTINGS),
    () => (typeof c.piOldSteered === 'boolean' ? null : fail('piOldSteered', c.piOldSteered)),
    () => (typeof c.truncatedIS === 'boolean' ? null : fail('truncatedIS', c.truncatedIS)),
    () => (isNum(c.truncatedISCap) && c.truncatedISCap > 0 ? null : fail('truncatedISCap', c.truncatedISCap)),
    () => (isInt(c.guideK) && c.guideK >= 1 && c.guideK < c.groupSize ? null : fail('guideK', c.guideK, ` (G = ${c.groupSize})`)),
    () => (isNum(c.steerAlpha) ? null : fail('steerAlpha', c.steerAlpha)),
    () => (isNum(c.teacherAccuracy) && c.teacherAccuracy >= 0 && c.teacherAccuracy <= 1 ? null : fail('teacherAccuracy', c.teacherAccuracy)),
    () => oneOf('teacherStyle', TEACHER_STYLES),
    () => (isNum(c.teacherNoise) && c.teacherNoise >= 0 && c.teacherNoise <= 1 ? null : fail('teacherNoise', c.teacherNoise)),
    () => (c.method === 'steer' && !c.allowNegative && c.steerAlpha < 0 ? fail('steerAlpha', c.steerAlpha, '; negative intensities need allowNegative: true') : null),
    () => (isInt(c.evalEvery) && c.evalEvery >= 0 ? null : fail('evalEvery', c.evalEvery)),
    () => (isInt(c.evalSamples) && c.evalSamples >= 1 && c.evalSamples <= MAX_EVAL_SAMPLES ? null : fail('evalSamples', c.evalSamples)),
    () => (typeof c.evalAlignment === 'boolean' ? null : fail('evalAlignment', c.evalAlignment)),
    () => oneOf('evalSplit', EVAL_SPLITS),
    () => (isInt(c.saveEvery) && c.saveEvery >= 0 ? null : fail('saveEvery', c.saveEvery)),
    () => (isInt(c.keepSamples) && c.keepSamples >= 0 && c.keepSamples <= MAX_KEEP_SAMPLES ? null : fail('keepSamples', c.keepSamples)),
    // Cross-field rules.
    () => {
      if (c.intensityMode !== 'grid' || c.method !== 'vspo') return null;
      if (c.groupSize % c.grid.length !== 0)
        return { error: { field: 'groupSize', message: `groupSize (G = ${c.groupSize}) must be a multiple of the grid size (${c.grid.length}) in grid mode` } };
      return null;
    },
    () => {
      if (ctx.maxSequences === undefined) return null;
      const n = c.batchPrompts * c.groupSize;
      return n <= ctx.maxSequences ? null : { error: { field: 'batchPrompts', message: `B·G = ${n} sequences exceed what this device can hold (${ctx.maxSequences})` } };
    },
  ];
  for (const check of checks) {
    const r = check();
    if (r) return r;
  }
  return { config: c };
}

/**
 * Whether a run needs the reference model (the starting weights) for the k3 KL: β > 0 on a method that
 * trains with the clipped surrogate (distill is teacher SFT, steer does not train).
 */
export function needsReference(c: Pick<RlConfig, 'beta' | 'method'>): boolean {
  return c.beta > 0 && c.method !== 'distill' && c.method !== 'steer';
}

/** The effective intensity grid of a method: grpo and guide are VSPO with the grid {0}. */
export function methodUsesSteering(method: Method): boolean {
  return method === 'vspo' || method === 'steer';
}

export function resolveWindow(setting: WindowSetting, vectorWindow: WindowMode | undefined): WindowMode {
  return setting === 'vector' ? (vectorWindow ?? 'decision') : setting;
}

/**
 * A steering vector's metadata may recommend, from its measured dose-response, the intensities that suit
 * its scale: `grid` (VSPO's intensity grid) and `alpha` (the steer baseline's dose); and the budget measured on
 * its checkpoint: `steps` and `lr` (every method gets the same). They fill in only the
 * settings the user left unset, and the run's config (printed and stored) shows what was used. A grid that
 * suits one vector can wreck another: a vector whose α = 2 already gives most of the behavior breaks the
 * model at α = 8 (measured on verbosity: `unembed` α = 2 → 0.79 behavior, α = 8 → 0).
 */
export function withVectorDefaults(partial: Partial<RlConfig>, vectorMeta: object | undefined): Partial<RlConfig> {
  const m = (vectorMeta ?? {}) as { grid?: unknown; alpha?: unknown; steps?: unknown; lr?: unknown };
  const out = { ...partial };
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (out.grid === undefined && Array.isArray(m.grid) && m.grid.length > 0 && m.grid.every(finite)) out.grid = [...(m.grid as number[])];
  if (out.steerAlpha === undefined && finite(m.alpha)) out.steerAlpha = m.alpha;
  if (out.steps === undefined && finite(m.steps) && Number.isInteger(m.steps) && m.steps > 0) out.steps = m.steps;
  if (out.lr === undefined && finite(m.lr) && m.lr > 0) out.lr = m.lr;
  return out;
}

/** The teacher a config names (distill and guide). */
export function teacherOf(c: Pick<RlConfig, 'teacherAccuracy' | 'teacherStyle' | 'teacherNoise'>): TeacherSettings {
  return { accuracy: c.teacherAccuracy, style: c.teacherStyle, noise: c.teacherNoise };
}

/** Which methods train on teacher traces (their summary names the teacher). */
export function methodUsesTeacher(method: Method): boolean {
  return method === 'distill' || method === 'guide';
}
