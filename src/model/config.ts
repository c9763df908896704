// GPT-2 configuration and the parameter table (DESIGN §2).
// Names and [in, out] layouts follow Hugging Face GPT-2 exactly, so real GPT-2 weights load unchanged.

import { formatBytes } from '../util/format';

export interface GPTConfig {
  vocabSize: number; // V
  contextLength: number; // T_max (rows of wpe)
  dModel: number; // C
  nLayers: number; // L
  nHeads: number; // NH (C % NH == 0)
}

export interface ParamSpec {
  name: string;
  shape: number[];
  /** AdamW weight decay applies to matrices only (not biases, LayerNorm gains or embeddings' positions? — see decays()). */
  decay: boolean;
}

/** The twelve tensors of one block, by the short keys both models use for them. */
export type BlockParam =
  | 'ln1w' | 'ln1b' | 'attnW' | 'attnB' | 'projW' | 'projB'
  | 'ln2w' | 'ln2b' | 'fcW' | 'fcB' | 'fcprojW' | 'fcprojB';

/** Block i's tensors in paramSpecs order: short key, Hugging Face name after `h.{i}.`, shape, decay. */
const BLOCK_TABLE: readonly { key: BlockParam; name: string; shape: (C: number) => number[]; decay: boolean }[] = [
  { key: 'ln1w', name: 'ln_1.weight', shape: (C) => [C], decay: false },
  { key: 'ln1b', name: 'ln_1.bias', shape: (C) => [C], decay: false },
  { key: 'attnW', name: 'attn.c_attn.weight', shape: (C) => [C, 3 * C], decay: true },
  { key: 'attnB', name: 'attn.c_attn.bias', shape: (C) => [3 * C], decay: false },
  { key: 'projW', name: 'attn.c_proj.weight', shape: (C) => [C, C], decay: true },
  { key: 'projB', name: 'attn.c_proj.bias', shape: (C) => [C], decay: false },
  { key: 'ln2w', name: 'ln_2.weight', shape: (C) => [C], decay: false },
  { key: 'ln2b', name: 'ln_2.bias', shape: (C) => [C], decay: false },
  { key: 'fcW', name: 'mlp.c_fc.weight', shape: (C) => [C, 4 * C], decay: true },
  { key: 'fcB', name: 'mlp.c_fc.bias', shape: (C) => [4 * C], decay: false },
  { key: 'fcprojW', name: 'mlp.c_proj.weight', shape: (C) => [4 * C, C], decay: true },
  { key: 'fcprojB', name: 'mlp.c_proj.bias', shape: (C) => [C], decay: false },
];

/** The tensor names of block i (`h.{i}.attn.c_attn.weight`, …) by short key; the same table as paramSpecs. */
export function blockParamNames(i: number): Record<BlockParam, string> {
  const out = {} as Record<BlockParam, string>;
  for (const t of BLOCK_TABLE) out[t.key] = `h.${i}.${t.name}`;
  return out;
}

/** Block i's tensors looked up by name (`get` maps a tensor name to a view, a binding, …), by short key. */
export function blockTensors<T>(i: number, get: (name: string) => T): Record<BlockParam, T> {
  const names = blockParamNames(i);
  const out = {} as Record<BlockParam, T>;
  for (const t of BLOCK_TABLE) out[t.key] = get(names[t.key]);
  return out;
}

/**
 * Every parameter tensor in a fixed order (the order of the flat parameter buffer and of safetensors files).
 * The table has 12·nLayers + 4 rows, so nLayers is checked against its limit before anything is built: a
 * hostile nLayers = 1e9 cannot make it build a billion-row table. (Shapes are only numbers here; callers
 * check the whole config, sizes included, with configError before allocating tensors.)
 */
export function paramSpecs(c: GPTConfig): ParamSpec[] {
  const L = c.nLayers;
  if (!Number.isInteger(L) || L < 0 || L > CONFIG_LIMITS.nLayers) {
    throw new Error(`config.nLayers must be an integer in [0, ${CONFIG_LIMITS.nLayers}] (got ${JSON.stringify(L)})`);
  }
  const { vocabSize: V, contextLength: T, dModel: C } = c;
  const specs: ParamSpec[] = [
    { name: 'wte.weight', shape: [V, C], decay: true },
    { name: 'wpe.weight', shape: [T, C], decay: true },
  ];
  for (let i = 0; i < c.nLayers; i++) {
    for (const t of BLOCK_TABLE) specs.push({ name: `h.${i}.${t.name}`, shape: t.shape(C), decay: t.decay });
  }
  specs.push({ name: 'ln_f.weight', shape: [C], decay: false }, { name: 'ln_f.bias', shape: [C], decay: false });
  return specs;
}

export const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Per-field maxima for a config: generous enough for GPT-2 small (12 layers, 768 wide, 12 heads, 50257
 * tokens, 1024 positions), small enough that a hostile config cannot ask for absurd tables or buffers.
 */
export const CONFIG_LIMITS = {
  vocabSize: 65536,
  contextLength: 4096,
  dModel: 4096,
  nLayers: 48,
  nHeads: 64,
} as const satisfies Record<keyof GPTConfig, number>;

/** At most this many parameters (200M: 800 MB of f32 weights; GPT-2 small has 124M). */
export const MAX_PARAMS = 200_000_000;
export const BYTES_PER_PARAM = 4; // f32

/**
 * The parameter count, computed arithmetically from the config (no table is built, so it is safe to
 * call on a hostile config: a float, exact up to 2^53). Must equal the sum over paramSpecs(c).
 * Per block: 2 LayerNorms (4C) + c_attn (3C² + 3C) + attn c_proj (C² + C) + c_fc (4C² + 4C) + mlp c_proj (4C² + C).
 */
export function paramCount(c: GPTConfig): number {
  const { vocabSize: V, contextLength: T, dModel: C, nLayers: L } = c;
  return V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C;
}

const FIELDS: (keyof GPTConfig)[] = ['vocabSize', 'contextLength', 'dModel', 'nLayers', 'nHeads'];

/**
 * Returns the first problem with a config, naming the field, the value and the limit, or null when it is
 * valid. Everything is checked arithmetically before any table or buffer is built, so this is the guard
 * to call before paramSpecs / initParams / a model on a config from outside (a file, a form, flags).
 */
export function configError(c: Partial<GPTConfig>): string | null {
  if (typeof c !== 'object' || c === null) return `config must be an object (got ${JSON.stringify(c)})`;
  for (const f of FIELDS) {
    const v = Object.hasOwn(c, f) ? c[f] : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return `config.${f} must be a positive integer (got ${JSON.stringify(v)})`;
  }
  const cfg = c as GPTConfig;
  const memory = weightsLine(cfg);
  for (const f of FIELDS) {
    if (cfg[f] > CONFIG_LIMITS[f]) return `config.${f} must be at most ${CONFIG_LIMITS[f]} (got ${cfg[f]})${memory && f !== 'nHeads' ? `; ${memory}` : ''}`;
  }
  if (cfg.dModel % cfg.nHeads !== 0) return `config.dModel (${cfg.dModel}) must be divisible by config.nHeads (${cfg.nHeads})`;
  if (memory) return `config ${FIELDS.map((f) => `${f}=${cfg[f]}`).join(' ')} is too large: ${memory}`;
  return null;
}

/** "would need 3.2 GB of weights (…) ; the limit is 800 MB (…)" when over MAX_PARAMS, else ''. */
function weightsLine(c: GPTConfig): string {
  const n = paramCount(c);
  if (n <= MAX_PARAMS) return '';
  return (
    `the model would need ${formatBytes(n * BYTES_PER_PARAM)} of weights (${fmtCount(n)} parameters); ` +
    `the limit is ${formatBytes(MAX_PARAMS * BYTES_PER_PARAM)} (${fmtCount(MAX_PARAMS)} parameters)`
  );
}

function fmtCount(n: number): string {
  if (n < 1e6) return String(n);
  if (n < 1e9) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (n < 1e12) return `${Number((n / 1e9).toPrecision(3))}B`;
  return n.toExponential(2).replace('e+', 'e');
}
