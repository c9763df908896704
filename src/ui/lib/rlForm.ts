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

/**
 * Parses the draft and validates it as the trainer will run it: fields left unset take the loaded
 * vector's recommended grid / dose / budget (`vectorMeta`), as start() does.
 */
export function parseRlDraft(draft: RlDraft, vectorMeta?: object | null): ParsedRl {
  const errors: Partial<Record<RlKey, string>> = {};
  const values: Record<string, unknown> = {};
  for (const key of RL_KEYS) {
    const raw = draft[key];
    if (raw === undefined) continue;
    const parsed = decodeValue(raw.trim(), defaultRlConfig[key]);
    if (parsed === undefined) errors[key] = `${key} must be ${rlConfigFields[key]} (got "${raw}")`;
    else values[key] = parsed;
  }
  const typed: Record<string, unknown> = { ...values };
  for (const k of Object.keys(errors)) delete typed[k];
  const candidate: Record<string, unknown> = withVectorDefaults(typed as Partial<RlConfig>, vectorMeta ?? undefined) as Record<string, unknown>;
  for (let guard = 0; guard <= RL_KEYS.length; guard++) {
    const r = validateRlConfig(candidate);
    if (!r.error) {
      if (Object.keys(errors).length === 0) return { config: r.config, errors, values: values as Partial<RlConfig> };
      break;
    }
    if (r.error.field === 'groupSize' && GRID_RULE.test(r.error.message)) {
      pinGridError(errors, draft, candidate);
      if (!('grid' in candidate) && !('groupSize' in candidate)) break;
      delete candidate.grid;
      delete candidate.groupSize;
      continue;
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

const GRID_RULE = /multiple of the grid size/;

/**
 * The trainer names groupSize when G is not a multiple of the grid's length. That is a rule about the
 * pair: the error goes on the field the user changed (the grid, the group size, or both).
 */
function pinGridError(errors: Partial<Record<RlKey, string>>, draft: RlDraft, c: Record<string, unknown>) {
  const message = validateRlConfig(c).error?.message ?? '';
  const G = Number(c.groupSize ?? defaultRlConfig.groupSize);
  const n = (Array.isArray(c.grid) ? c.grid : defaultRlConfig.grid).length;
  const fits = [1, 2, 3, 4, 5, 6, 8, 12, 16].filter((d) => d <= G && G % d === 0);
  const gridText = `the grid has ${n} intensit${n === 1 ? 'y' : 'ies'}, which does not divide the group size G = ${G}: in grid mode each group takes every intensity equally often (use ${fits.join(', ')} intensities, or change G)`;
  const gridTyped = draft.grid !== undefined;
  const groupTyped = draft.groupSize !== undefined;
  if (gridTyped) errors.grid = gridText;
  if (groupTyped || !gridTyped) errors.groupSize ??= message;
}

/** A field's allowed values for its hint: the trainer's one-liner without its symbol prefix ("B: …"). */
export function hintText(key: RlKey): string {
  return rlConfigFields[key].replace(/^[^\s:]{1,3}: /, '');
}

/** An error as shown under its field: "Must be …" instead of repeating the setting's name. */
export function fieldErrorText(key: RlKey, message: string): string {
  const prefix = `${key} must be ${rlConfigFields[key]}`;
  return message.startsWith(prefix) ? `Must be ${hintText(key)}${message.slice(prefix.length)}` : message;
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
