// Every `npm run -s vspo -- …` example in README.md runs as written (on a tiny budget) and exits 0; with
// --json its stdout is JSON (one value per line).
//
// Which examples: each line of a ```sh / ```bash / ```shell / ```console block that starts with
// `npm run -s vspo --` (a `\` continuation joins the next line; a leading `$ ` is dropped), and each inline
// code span that does. The README is parsed on every run, so a new example is tested as soon as it is added.
//   - A line with an elision (`...` or `…`) cannot be run as written: it is listed as a skipped test whose
//     name says so.
//   - An optional part in brackets (`bandit [--sweep] --json`) is left out: the example runs without it.
//   - A trailing `# comment` is dropped; a pipe or redirect (`| jq`, `> x.json`) ends the command there.
//
// How they run: `node_modules/.bin/tsx src/cli/main.ts <args>` (what `npm run -s vspo --` runs) in a
// temporary directory holding a copy of public/ — so `public/checkpoints/…` paths resolve as written and
// every output (`--out base.safetensors`) lands in the temporary directory, never in the repo. Examples
// run one after another in README order, so a later one reads what an earlier one wrote (`vector
// --checkpoint base.safetensors` after `pretrain --out base.safetensors`).
//
// Overrides: BUDGET below appends, per command, the flags that make it finish in about a second on two
// cores (fewer steps, samples, seeds, pairs; a tiny trainer config). They are appended after the
// example's own flags and the CLI keeps the last value of a flag given twice (src/cli/args.ts), so
// `--steps 1500 … --steps 2` runs 2 steps, and the `--config` JSON here replaces an example's own
// --config. The CLI refuses flags a command does not declare, so an override a command stops accepting
// fails loudly here. A command missing from BUDGET runs with the example's flags only.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const repo = process.cwd();
const TRAINER = JSON.stringify({ evalSamples: 8, batchPrompts: 1, groupSize: 8 });

/** Per command: the flags appended to each example (last value wins) to keep it to a tiny budget. */
const BUDGET: Record<string, string[]> = {
  pretrain: ['--steps', '2', '--batch', '2'],
  vector: ['--pairs', '8'],
  eval: ['--samples', '8'],
  sweep: ['--samples', '4'],
  train: ['--steps', '2', '--config', TRAINER],
  compare: ['--seeds', '1', '--steps', '2', '--config', TRAINER],
  bandit: ['--seeds', '2', '--max-iter', '2000'],
};

export interface Example {
  /** 1-based line in README.md where the example starts. */
  line: number;
  /** The example as written. */
  text: string;
  /** The CLI arguments after `npm run -s vspo --`, optional parts removed; undefined when it cannot run. */
  args?: string[];
  /** Why it does not run as written, or what was left out. */
  note?: string;
}

const PREFIX = 'npm run -s vspo --';
const SHELL_FENCES = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

/** Shell words of a line: quotes and backslashes as sh reads them; `bare` marks words that started unquoted. */
export function shellWords(line: string): { words: string[]; bare: boolean[]; rest: string } {
  const words: string[] = [];
  const bare: boolean[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    if (line[i] === '#') break; // a comment
    if (/[|;&<>]/.test(line[i])) return { words, bare, rest: line.slice(i) }; // a pipe, list or redirect ends the command
    let w = '';
    const startsBare = line[i] !== "'" && line[i] !== '"';
    while (i < line.length && !/\s/.test(line[i]) && !/[|;&<>]/.test(line[i])) {
      const c = line[i];
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new Error(`unterminated ' in: ${line}`);
        w += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) i++;
          w += line[i++];
        }
        if (i >= line.length) throw new Error(`unterminated " in: ${line}`);
        i++;
      } else if (c === '\\' && i + 1 < line.length) {
        w += line[i + 1];
        i += 2;
      } else {
        w += c;
        i++;
      }
    }
    words.push(w);
    bare.push(startsBare);
  }
  return { words, bare, rest: '' };
}

/** An example's CLI arguments, or why it cannot run. */
export function parseExample(text: string): Pick<Example, 'args' | 'note'> {
  if (text.includes('...') || text.includes('…')) return { note: 'elided with "..." — not runnable as written' };
  const { words, bare, rest } = shellWords(text);
  const head = shellWords(PREFIX).words;
  if (head.some((w, i) => words[i] !== w)) return { note: `does not start with "${PREFIX}"` };
  const args: string[] = [];
  const dropped: string[] = [];
  for (let i = head.length; i < words.length; i++) {
    if (bare[i] && words[i].startsWith('[')) {
      // An optional part: up to the word that closes the bracket.
      let j = i;
      while (j < words.length && !words[j].endsWith(']')) j++;
      dropped.push(words.slice(i, j + 1).join(' '));
      i = j;
      continue;
    }
    args.push(words[i]);
  }
  const notes = [...dropped.map((d) => `without ${d}`), ...(rest ? [`only the part before "${rest.trim()}"`] : [])];
  return { args, note: notes.length ? notes.join('; ') : undefined };
}

/** Every vspo example in a README: lines of shell blocks and inline code spans, in order. */
export function extractExamples(md: string): Example[] {
  const lines = md.split('\n');
  const out: Example[] = [];
  let fence: { marker: string; lang: string } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const f = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (f) {
      if (!fence) fence = { marker: f[1], lang: f[2].toLowerCase() };
      else if (f[1].startsWith(fence.marker) && f[2] === '') fence = null;
      continue;
    }
    if (fence) {
      if (!SHELL_FENCES.has(fence.lang)) continue;
      const start = i;
      let text = line.trim().replace(/^\$\s+/, '');
      while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1).trimEnd() + ' ' + lines[++i].trim();
      if (text.startsWith(PREFIX)) out.push({ line: start + 1, text, ...parseExample(text) });
      continue;
    }
    for (const m of line.matchAll(/(`+)(npm run -s vspo --.*?)\1/g)) out.push({ line: i + 1, text: m[2].trim(), ...parseExample(m[2].trim()) });
  }
  return out;
}

describe('README example extraction', () => {
  test('blocks, inline spans, continuations, comments, optional brackets and elisions', () => {
    const md = [
      'Run `npm run -s vspo -- bandit [--sweep] --json` or `npm run -s vspo -- …`.',
      '```sh',
      'npm run -s vspo -- eval --checkpoint a.safetensors \\',
      "    --behavior verbosity --config '{\"grid\": [0, 1]}' --json   # a comment",
      'npm run -s vspo -- sweep ... --mode random',
      'npm run -s vspo -- logits --checkpoint a.safetensors --tokens 1,2 | jq .',
      'npm install',
      '```',
      '```ts',
      'npm run -s vspo -- not-shell',
      '```',
    ].join('\n');
    const ex = extractExamples(md);
    expect(ex.map((e) => e.line)).toEqual([1, 1, 3, 5, 6]);
    expect(ex[0]).toMatchObject({ args: ['bandit', '--json'], note: 'without [--sweep]' });
    expect(ex[1].args).toBeUndefined();
    expect(ex[2].args).toEqual(['eval', '--checkpoint', 'a.safetensors', '--behavior', 'verbosity', '--config', '{"grid": [0, 1]}', '--json']);
    expect(ex[3].args).toBeUndefined();
    expect(ex[3].note).toMatch(/elided/);
    expect(ex[4]).toMatchObject({ args: ['logits', '--checkpoint', 'a.safetensors', '--tokens', '1,2'], note: 'only the part before "| jq ."' });
  });
});

const run = promisify(execFile);
const examples = extractExamples(readFileSync(join(repo, 'README.md'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'vspo-readme-'));
cpSync(join(repo, 'public'), join(work, 'public'), { recursive: true });

function vspo(args: string[]) {
  return run(join(repo, 'node_modules/.bin/tsx'), [join(repo, 'src/cli/main.ts'), ...args], { cwd: work, timeout: 50_000, maxBuffer: 64 << 20 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number | string; stdout: string; stderr: string; message: string }) => ({ code: e.code, stdout: e.stdout ?? '', stderr: e.stderr || e.message }),
  );
}

describe('README.md `npm run -s vspo -- …` examples run as written (tiny budget)', () => {
  test('the README has runnable examples', () => {
    expect(examples.filter((e) => e.args).length).toBeGreaterThan(0);
  });

  for (const ex of examples) {
    const where = `README.md:${ex.line}`;
    if (!ex.args) {
      // Every command the README shows must run as written: one that cannot is a README bug, not a skip.
      test(`${where} ${ex.text} runs as written`, () => {
        expect.fail(`not runnable as written (${ex.note}); write it out in full`);
      });
      continue;
    }
    const args = ex.args;
    const extra = BUDGET[args[0]] ?? [];
    const name = `${where} ${args.join(' ')}${ex.note ? ` (${ex.note})` : ''}${extra.length ? ` + ${extra.join(' ')}` : ''}`;
    test(name, async () => {
      const r = await vspo([...args, ...extra]);
      expect(r.code, `${ex.text}\n${r.stderr}`).toBe(0);
      if (args.includes('--json')) {
        const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
        expect(lines.length, 'no output on stdout').toBeGreaterThan(0);
        for (const l of lines) expect(() => JSON.parse(l), `not JSON: ${l.slice(0, 200)}`).not.toThrow();
      }
    }, 60_000);
  }
});
