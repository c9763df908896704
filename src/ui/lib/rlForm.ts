// The trainer config form: raw text per field (what the user typed, also what the URL stores), parsed
// with the type of the default, then checked by the trainer's own validator (src/rl/config.ts), which
// names the field and the allowed range. validateRlConfig reports the first error; to show every
// invalid field at once we reset each reported field to its default and validate again.
import { defaultRlConfig, rlConfigFields, validateRlConfig, withVectorDefaults, type RlConfig } from '../../rl/config';
import { decodeValue } from './hash';

export type RlKey = keyof RlConfig;
export type RlDraft = Partial<Record<RlKey, string>>;

export const RL_KEYS = Object.keys(defaultRlConfig) as RlKey[];

export function defaultText(key: RlKey): string {
  return formatValue(defaultRlConfig[key]);
}

/** The default the form shows: the loaded vector's recommended grid / dose where it has one (the trainer uses the same). */
export function effectiveDefaultText(key: RlKey, vectorMeta: object | null | undefined): string {
  const v = withVectorDefaults({}, vectorMeta ?? undefined)[key];
  return v === undefined ? defaultText(key) : formatValue(v);
}

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

export interface ParsedRl {
  config?: RlConfig; // present when every field is valid
  errors: Partial<Record<RlKey, string>>;
  values: Partial<RlConfig>;
}

export function parseRlDraft(draft: RlDraft): ParsedRl {
  const errors: Partial<Record<RlKey, string>> = {};
  const values: Record<string, unknown> = {};
  for (const key of RL_KEYS) {
    const raw = draft[key];
    if (raw === undefined) continue;
    const parsed = decodeValue(raw.trim(), defaultRlConfig[key]);
    if (parsed === undefined) errors[key] = `${key} must be ${rlConfigFields[key]} (got "${raw}")`;
    else values[key] = parsed;
  }
  const candidate: Record<string, unknown> = { ...values };
  for (const k of Object.keys(errors)) delete candidate[k];
  for (let guard = 0; guard <= RL_KEYS.length; guard++) {
    const r = validateRlConfig(candidate);
    if (!r.error) {
      if (Object.keys(errors).length === 0) return { config: r.config, errors, values: values as Partial<RlConfig> };
      break;
    }
    const field = r.error.field as RlKey;
    if (!(field in defaultRlConfig)) {
      (errors as Record<string, string>)[field] = r.error.message;
      break;
    }
    errors[field] ??= r.error.message;
    if (!(field in candidate)) {
      // The error is on a field the user left at its default (a cross-field rule): blame a touched field too.
      break;
    }
    delete candidate[field];
  }
  return { errors, values: values as Partial<RlConfig> };
}

/** The fields grouped as the form shows them (every setting of the trainer appears exactly once). */
export const RL_GROUPS: { title: string; keys: RlKey[] }[] = [
  { title: 'Run', keys: ['method', 'steps', 'seed'] },
  { title: 'Batch', keys: ['batchPrompts', 'groupSize', 'temperature', 'topK'] },
  { title: 'Reward and advantage', keys: ['lambda', 'stdNormalize', 'advantageStd', 'advantageEps'] },
  { title: 'Loss', keys: ['epsLow', 'epsHigh', 'beta', 'aggregation', 'epochs'] },
  { title: 'Optimizer (AdamW)', keys: ['lr', 'beta1', 'beta2', 'adamEps', 'weightDecay', 'clipNorm', 'warmupSteps'] },
  { title: 'Intensities (α = 1 adds v)', keys: ['intensityMode', 'grid', 'aMin', 'aMax', 'allowNegative', 'shrink', 'shrinkSteps', 'shrinkFinal', 'window'] },
  { title: 'Ablations', keys: ['piOldSteered', 'truncatedIS', 'truncatedISCap'] },
  { title: 'Baselines', keys: ['guideK', 'steerAlpha', 'teacherAccuracy', 'teacherStyle', 'teacherNoise'] },
  { title: 'Evaluation and saving', keys: ['evalEvery', 'evalSamples', 'evalSplit', 'evalAlignment', 'saveEvery', 'keepSamples'] },
];

/** Labels people read (the field name stays visible too, since the validator's messages use it). */
export const RL_LABELS: Record<RlKey, string> = {
  method: 'Method',
  steps: 'Steps',
  seed: 'Seed',
  batchPrompts: 'Prompts per step (B)',
  groupSize: 'Group size (G)',
  temperature: 'Temperature',
  topK: 'Top-k',
  lambda: 'Behavior weight λ',
  stdNormalize: 'Divide advantages by std',
  advantageStd: 'Advantage std estimator',
  advantageEps: 'Advantage ε',
  epsLow: 'Clip ε low',
  epsHigh: 'Clip ε high',
  beta: 'KL weight β',
  aggregation: 'Loss aggregation',
  epochs: 'Inner epochs μ',
  lr: 'Learning rate',
  beta1: 'Adam β1',
  beta2: 'Adam β2',
  adamEps: 'Adam ε',
  weightDecay: 'Weight decay',
  clipNorm: 'Gradient clip norm',
  warmupSteps: 'Warmup steps',
  intensityMode: 'Intensity mode',
  grid: 'Intensity grid',
  aMin: 'Uniform α min',
  aMax: 'Uniform α max',
  allowNegative: 'Allow negative α',
  shrink: 'Shrink schedule',
  shrinkSteps: 'Shrink steps',
  shrinkFinal: 'Shrink final scale',
  window: 'Steering window',
  piOldSteered: 'π_old under steering',
  truncatedIS: 'Truncated importance weight',
  truncatedISCap: 'Importance cap c',
  guideK: 'Guide: teacher traces k',
  steerAlpha: 'Steer: fixed α',
  teacherAccuracy: 'Teacher: accuracy',
  teacherStyle: 'Teacher: style',
  teacherNoise: 'Teacher: noise',
  evalEvery: 'Evaluate every N steps',
  evalSamples: 'Eval prompts',
  evalAlignment: 'Alignment per α at each eval',
  evalSplit: 'Eval split (choose on validation, report on test)',
  saveEvery: 'Auto-save every K steps',
  keepSamples: 'Rollouts kept for display',
};
