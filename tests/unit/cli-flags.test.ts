// Flags: each command accepts only the flags main.ts's command table declares for it. A misspelled or
// foreign flag is one line on stderr and exit code 2 before any work (even before the checkpoint is
// read); a flag given twice keeps its last value; and every flag a command file reads is declared.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { CliError, checkFlags, parseArgs } from '../../src/cli/args';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd(), timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('parseArgs / checkFlags', () => {
  test('a repeated flag keeps its last value (so an appended flag overrides)', () => {
    const a = parseArgs(['--steps', '1500', '--json', '--steps', '2', '--intensities', '-2,0,1']);
    expect(a.int('steps')).toBe(2);
    expect(a.bool('json')).toBe(true);
    expect(a.list('intensities')).toEqual([-2, 0, 1]);
  });

  test('an undeclared flag is a CliError naming it, the command, a near miss and the accepted list', () => {
    const a = parseArgs(['--sampels', '5', '--json']);
    expect(() => checkFlags(a, 'eval', ['samples', 'json', 'seed'])).toThrow(CliError);
    expect(() => checkFlags(a, 'eval', ['samples', 'json', 'seed'])).toThrow(
      'unknown flag --sampels for eval (did you mean --samples? expected one of: --json, --samples, --seed)',
    );
    expect(() => checkFlags(parseArgs(['--zzz']), 'eval', ['samples'])).toThrow('unknown flag --zzz for eval (expected one of: --samples)');
    expect(() => checkFlags(a, 'eval', ['sampels', 'json'])).not.toThrow();
  });
});

describe('vspo <command> --unknown-flag', () => {
  test.each([
    ['eval', 'sampels', ['--checkpoint', '/no/such.safetensors', '--behavior', 'verbosity', '--sampels', '5'], /did you mean --samples\?/],
    ['train', 'stpes', ['--checkpoint', '/no/such.safetensors', '--behavior', 'verbosity', '--method', 'vspo', '--seed', '0', '--stpes', '2'], /did you mean --steps\?/],
    // compare sets each run's method and seed itself: --method / --seed would be silently overridden.
    ['compare', 'method', ['--checkpoint', '/no/such.safetensors', '--behavior', 'verbosity', '--method', 'vspo'], /did you mean --methods\?/],
    ['sweep', 'alpha', ['--checkpoint', '/no/such.safetensors', '--behavior', 'verbosity', '--intensities', '1', '--alpha', '3'], /expected one of: .*--intensities/],
    ['logits', 'json', ['--checkpoint', '/no/such.safetensors', '--tokens', '1', '--json'], /expected one of: --backend, --checkpoint, --tokens\)/],
    ['bandit', 'sweeep', ['--sweeep', '--json'], /did you mean --sweep\?/],
    ['pretrain', 'step', ['--behavior', 'verbosity', '--out', '/tmp/x.safetensors', '--step', '2'], /did you mean --steps\?/],
  ] as const)('%s refuses --%s… with one line and exit 2, before any work', async (command, flag, args, hint) => {
    const r = await cli(command, ...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^vspo: unknown flag --${flag} for ${command} \\(`));
    expect(lines[0]).toMatch(hint);
    expect(lines[0]).not.toMatch(/checkpoint not found/);
  });

  test('`vspo help --json` lists every command file, and every flag a command file reads is declared for it', async () => {
    const r = await cli('help', '--json');
    expect(r.code, r.stderr).toBe(0);
    const table = (JSON.parse(r.stdout) as { commands: Record<string, string[]> }).commands;
    const dir = join(process.cwd(), 'src/cli/commands');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
    expect(Object.keys(table).sort()).toEqual(files.sort());
    // Literal reads in the command's own file: args.str('x'), args.int('x', …), parseTokenList(args, 'x', …),
    // flagBool(args, 'x'), choice(args, 'x', …). Flags read by shared helpers (common.ts, backend.ts, train.ts's
    // rawConfigFromArgs) and bandit's table-driven flags are declared in main.ts by hand.
    const read = /\b(?:args\.(?:str|num|int|bool|list|has)\(|(?:parseTokenList|flagBool|choice)\(args,\s*)'([a-z][a-z0-9-]*)'/g;
    for (const name of files) {
      const src = readFileSync(join(dir, `${name}.ts`), 'utf8');
      const flags = new Set([...src.matchAll(read)].map((m) => m[1]));
      for (const f of flags) expect(table[name], `${name}.ts reads --${f}; declare it in src/cli/main.ts`).toContain(f);
    }
  });
});
