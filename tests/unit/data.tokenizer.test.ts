import { describe, expect, it } from 'vitest';
import { CharTokenizer, PAD_SYMBOL, STOP_SYMBOL, TOKENIZER, VOCAB, encodeExample, tokenizerFromJSON } from '../../src/data/tokenizer';
import { TASKS } from '../../src/data/tasks';
import { BEHAVIORS } from '../../src/data/types';
import { createRng } from '../../src/util/rng';

describe('tokenizer', () => {
  it('has one small shared vocabulary of unique single characters with stop and pad', () => {
    expect(VOCAB.length).toBeLessThanOrEqual(40);
    expect(new Set(VOCAB).size).toBe(VOCAB.length);
    for (const s of VOCAB) expect(s).toHaveLength(1);
    expect(TOKENIZER.vocabSize).toBe(VOCAB.length);
    expect(TOKENIZER.vocab[TOKENIZER.stopToken]).toBe(STOP_SYMBOL);
    expect(TOKENIZER.vocab[TOKENIZER.padToken]).toBe(PAD_SYMBOL);
    for (const b of BEHAVIORS) expect(TASKS[b].tokenizer).toBe(TOKENIZER);
  });

  it('round-trips the whole vocabulary and every task string', () => {
    const all = VOCAB.join('');
    expect(TOKENIZER.decode(TOKENIZER.encode(all))).toBe(all);
    expect(TOKENIZER.encode(all)).toEqual(VOCAB.map((_, i) => i));
    const rng = createRng(1);
    for (const b of BEHAVIORS) {
      const t = TASKS[b];
      for (const p of [...t.problems('validation', 25, rng), ...t.problems('test', 25, rng)]) {
        for (const s of [p.prompt, t.teacher(p), t.negative(p), p.prompt + t.teacher(p) + '$']) {
          expect(TOKENIZER.decode(TOKENIZER.encode(s))).toBe(s);
        }
      }
      for (let i = 0; i < 200; i++) {
        const ex = t.corpusExample(rng);
        expect(TOKENIZER.decode(TOKENIZER.encode(ex.prompt + ex.response))).toBe(ex.prompt + ex.response);
      }
    }
    expect(TOKENIZER.decode(new Int32Array(TOKENIZER.encode('37+48=085')))).toBe('37+48=085');
  });

  it('rejects characters outside the vocabulary with a clear error', () => {
    expect(() => TOKENIZER.encode('37+48=x')).toThrow(/unknown character "x" at index 6/);
    expect(() => TOKENIZER.encode('A')).toThrow(/unknown character "A"/);
    expect(() => TOKENIZER.encode('12\n')).toThrow(/unknown character "\\n" at index 2/);
    expect(() => TOKENIZER.encode('é')).toThrow(/unknown character/);
    expect(() => TOKENIZER.decode([0, TOKENIZER.vocabSize])).toThrow(/outside the vocabulary/);
    expect(() => TOKENIZER.decode([-1])).toThrow(/outside the vocabulary/);
  });

  it('encodeExample appends the stop token and marks where the response starts', () => {
    const { ids, responseStart } = encodeExample(TOKENIZER, '37+48=', '085');
    expect(responseStart).toBe(6);
    expect(ids).toHaveLength(10);
    expect(ids[9]).toBe(TOKENIZER.stopToken);
    expect(TOKENIZER.decode(ids)).toBe('37+48=085$');
  });

  it('survives toJSON -> JSON text -> tokenizerFromJSON', () => {
    const json = TOKENIZER.toJSON();
    expect(json).toEqual({ kind: 'char', vocab: [...VOCAB], stop: '$' });
    for (const input of [json, JSON.parse(JSON.stringify(json)), JSON.stringify(json)]) {
      const t = tokenizerFromJSON(input);
      expect(t.vocab).toEqual(TOKENIZER.vocab);
      expect(t.stopToken).toBe(TOKENIZER.stopToken);
      expect(t.padToken).toBe(TOKENIZER.padToken);
      expect(t.encode('37+48?091=!085')).toEqual(TOKENIZER.encode('37+48?091=!085'));
    }
    // A vocabulary without a pad symbol is still a valid tokenizer.
    expect(tokenizerFromJSON({ kind: 'char', vocab: ['a', '$'], stop: '$' }).padToken).toBe(-1);
    // toJSON returns a copy: mutating it does not touch the tokenizer.
    json.vocab[0] = 'z';
    expect(TOKENIZER.vocab[0]).toBe(PAD_SYMBOL);
  });

  it('tokenizerFromJSON refuses bad input with an Error naming the problem', () => {
    const good = TOKENIZER.toJSON();
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [null, /expected an object/],
      [[1, 2], /expected an object.*array/],
      [42, /expected an object.*number/],
      [undefined, /expected an object/],
      [{ ...good, kind: 'bpe' }, /kind must be "char"/],
      [{ kind: 'char', stop: '$' }, /vocab must be an array/],
      [{ ...good, vocab: [] }, /vocab is empty/],
      [{ ...good, vocab: ['a', 'bc', '$'] }, /vocab\[1\] must be a single character/],
      [{ ...good, vocab: ['a', 7, '$'] }, /vocab\[1\] must be a single character/],
      [{ ...good, vocab: ['a', 'a', '$'] }, /duplicate/],
      [{ ...good, stop: '@' }, /stop symbol "@" is not in the vocab/],
      [{ ...good, stop: undefined }, /stop must be a single character/],
      ['null', /expected an object/],
    ];
    for (const [input, msg] of cases) {
      expect(() => tokenizerFromJSON(input), JSON.stringify(input)).toThrow(msg);
      expect(() => tokenizerFromJSON(input)).toThrow(/^invalid tokenizer: /);
    }
    expect(() => new CharTokenizer(['a', 'a', '$'])).toThrow(/duplicate/);
  });
});
