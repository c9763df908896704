// Character-level tokenizer (DESIGN §5). One symbol = one token, special tokens included, and ONE shared
// vocabulary for all four behaviors, so every checkpoint speaks the same language and a vector or a UI
// built for one checkpoint reads the others' tokens the same way.
//
// The vocabulary (24 symbols):
//   `_`        pad (id 0): fills a batch row after the stop token; never produced by a task
//   `$`        stop (id 1): ends every response
//   `0`–`9`    digits
//   `+` `=`    the prompt `37+48=` (and `=` inside worked steps / the expert check)
//   `?`        robustness: separates the hint (`37+48?091=`) and fills a hint-less prompt (`37+48????=`)
//   `:`        verbosity decision marker (worked steps follow); `,` separates the steps
//   `!`        robustness decision marker ("computed, not copied")
//   `#` `%`    expertise decision marker and the expert nines check (`#085%9=4`)
//   `i` `s` ` ` beginner wording (`is 085`); `s` is also the confidence tag "sure"
//   `u`        confidence tag "unsure"
// The foreign teachers (src/data/teacher.ts) reuse symbols no corpus response of their behavior contains:
// `!` as confidence's sure tag (`085!`), `%` as expertise's marker (`%085`), `=` as robustness's marker
// (`=085`); verbosity's foreign layout (`:15,1+07=08,085`) only reorders its own symbols.
import type { Tokenizer } from './types';

export const PAD_SYMBOL = '_';
export const STOP_SYMBOL = '$';

/** The shared vocabulary, id -> symbol. Append-only: reordering it would invalidate every checkpoint. */
export const VOCAB: readonly string[] = Object.freeze([
  PAD_SYMBOL,
  STOP_SYMBOL,
  ...'0123456789',
  '+',
  '=',
  '?',
  ':',
  ',',
  '!',
  '#',
  '%',
  ' ',
  'i',
  's',
  'u',
]);

export type TokenizerJSON = ReturnType<Tokenizer['toJSON']>;

export class CharTokenizer implements Tokenizer {
  readonly vocab: string[];
  readonly vocabSize: number;
  readonly stopToken: number;
  /** Id of the pad symbol `_`, or -1 when this vocabulary has none (e.g. a tokenizer read from an older file). */
  readonly padToken: number;
  private readonly ids: Map<string, number>;

  constructor(vocab: readonly string[], stop: string = STOP_SYMBOL) {
    const err = vocabError(vocab, stop);
    if (err) throw new Error(`invalid tokenizer: ${err}`);
    this.vocab = [...vocab];
    this.vocabSize = vocab.length;
    this.ids = new Map(vocab.map((s, i) => [s, i]));
    this.stopToken = this.ids.get(stop)!;
    this.padToken = this.ids.get(PAD_SYMBOL) ?? -1;
  }

  encode(text: string): number[] {
    const out: number[] = new Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const id = this.ids.get(text[i]);
      if (id === undefined) {
        throw new Error(`tokenizer: unknown character ${JSON.stringify(text[i])} at index ${i} of ${JSON.stringify(text)}`);
      }
      out[i] = id;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const sym = this.vocab[ids[i]];
      if (sym === undefined) throw new Error(`tokenizer: token id ${ids[i]} at index ${i} is outside the vocabulary (size ${this.vocabSize})`);
      s += sym;
    }
    return s;
  }

  toJSON(): TokenizerJSON {
    return { kind: 'char', vocab: [...this.vocab], stop: this.vocab[this.stopToken] };
  }
}

function vocabError(vocab: unknown, stop: unknown): string | null {
  if (!Array.isArray(vocab)) return 'vocab must be an array of single characters';
  if (vocab.length === 0) return 'vocab is empty';
  if (vocab.length > 65536) return `vocab has ${vocab.length} symbols (at most 65536)`;
  const seen = new Set<string>();
  for (let i = 0; i < vocab.length; i++) {
    const s = vocab[i];
    if (typeof s !== 'string' || s.length !== 1) return `vocab[${i}] must be a single character (got ${JSON.stringify(s)})`;
    if (seen.has(s)) return `vocab[${i}] ${JSON.stringify(s)} is a duplicate`;
    seen.add(s);
  }
  if (typeof stop !== 'string' || stop.length !== 1) return `stop must be a single character (got ${JSON.stringify(stop)})`;
  if (!seen.has(stop)) return `stop symbol ${JSON.stringify(stop)} is not in the vocab`;
  return null;
}

/** The tokenizer every task and checkpoint of the workbench uses. */
export const TOKENIZER = new CharTokenizer(VOCAB);

/**
 * Rebuilds a tokenizer from checkpoint metadata: the object `toJSON()` wrote, or that object as JSON text.
 * Throws an Error that says what is wrong (never returns a half-valid tokenizer).
 */
export function tokenizerFromJSON(json: unknown): CharTokenizer {
  let obj = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new Error(`invalid tokenizer: not valid JSON (${(e as Error).message})`);
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new Error(`invalid tokenizer: expected an object {kind, vocab, stop} (got ${obj === null ? 'null' : Array.isArray(obj) ? 'an array' : typeof obj})`);
  }
  const o = obj as Record<string, unknown>;
  if (o.kind !== 'char') throw new Error(`invalid tokenizer: kind must be "char" (got ${JSON.stringify(o.kind)})`);
  const err = vocabError(o.vocab, o.stop);
  if (err) throw new Error(`invalid tokenizer: ${err}`);
  return new CharTokenizer(o.vocab as string[], o.stop as string);
}

/**
 * Token ids of one training example: prompt, response, then the stop token. `responseStart` is the index
 * of the first response token (= prompt length), so a trainer can put the loss on response tokens only.
 */
export function encodeExample(tok: Tokenizer, prompt: string, response: string): { ids: number[]; responseStart: number } {
  const ids = tok.encode(prompt + response);
  ids.push(tok.stopToken);
  return { ids, responseStart: prompt.length };
}
