// GPT-2 configuration and the parameter table (DESIGN §2).
// Names and [in, out] layouts follow Hugging Face GPT-2 exactly, so real GPT-2 weights load unchanged.

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

/** Every parameter tensor in a fixed order (the order of the flat parameter buffer and of safetensors files). */
export function paramSpecs(c: GPTConfig): ParamSpec[] {
  const { vocabSize: V, contextLength: T, dModel: C } = c;
  const specs: ParamSpec[] = [
    { name: 'wte.weight', shape: [V, C], decay: true },
    { name: 'wpe.weight', shape: [T, C], decay: true },
  ];
  for (let i = 0; i < c.nLayers; i++) {
    const p = `h.${i}.`;
    specs.push(
      { name: p + 'ln_1.weight', shape: [C], decay: false },
      { name: p + 'ln_1.bias', shape: [C], decay: false },
      { name: p + 'attn.c_attn.weight', shape: [C, 3 * C], decay: true },
      { name: p + 'attn.c_attn.bias', shape: [3 * C], decay: false },
      { name: p + 'attn.c_proj.weight', shape: [C, C], decay: true },
      { name: p + 'attn.c_proj.bias', shape: [C], decay: false },
      { name: p + 'ln_2.weight', shape: [C], decay: false },
      { name: p + 'ln_2.bias', shape: [C], decay: false },
      { name: p + 'mlp.c_fc.weight', shape: [C, 4 * C], decay: true },
      { name: p + 'mlp.c_fc.bias', shape: [4 * C], decay: false },
      { name: p + 'mlp.c_proj.weight', shape: [4 * C, C], decay: true },
      { name: p + 'mlp.c_proj.bias', shape: [C], decay: false },
    );
  }
  specs.push({ name: 'ln_f.weight', shape: [C], decay: false }, { name: 'ln_f.bias', shape: [C], decay: false });
  return specs;
}

export const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function paramCount(c: GPTConfig): number {
  return paramSpecs(c).reduce((n, s) => n + numel(s.shape), 0);
}

/** Returns the first problem with a config, naming the field, or null when it is valid. */
export function configError(c: Partial<GPTConfig>): string | null {
  const fields: (keyof GPTConfig)[] = ['vocabSize', 'contextLength', 'dModel', 'nLayers', 'nHeads'];
  for (const f of fields) {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return `config.${f} must be a positive integer (got ${JSON.stringify(v)})`;
  }
  if (c.dModel! % c.nHeads! !== 0) return `config.dModel (${c.dModel}) must be divisible by config.nHeads (${c.nHeads})`;
  if (c.vocabSize! > 65536) return `config.vocabSize must be at most 65536 (got ${c.vocabSize})`;
  if (c.contextLength! > 4096) return `config.contextLength must be at most 4096 (got ${c.contextLength})`;
  return null;
}
