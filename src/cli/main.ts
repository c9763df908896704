// `npm run -s vspo -- <command> [--flags]`: the headless runner. Each command lives in
// src/cli/commands/<name>.ts and exports `run(args: Args): Promise<void>`.
// Contract: machine-readable output on stdout (JSON), progress on stderr; bad input is one line on
// stderr and exit code 2, never a stack trace. Output arrives whole through a pipe: the process exits only
// after stdout and stderr have drained (commands print through writeJson / writeLine in common.ts).
//
// The command table below declares, per command, every flag it reads (including those read by the shared
// helpers it calls). A flag not declared there is refused before the command loads (`unknown flag --x for
// <command>`), so a command that starts reading a new flag must add it here (tests/unit/cli-flags.test.ts
// checks that each command file's literal flag reads are declared). `vspo help` lists the table.
import { CliError, checkFlags, parseArgs, type Args } from './args';

interface Command {
  load: () => Promise<{ run: (args: Args) => Promise<void> }>;
  /** Flag names without the leading `--`. */
  flags: readonly string[];
}

/** loadForBehavior / loadCheckpointFile + parseBackend. */
const MODEL = ['checkpoint', 'backend'];
/** steeringVectorFor (common.ts): a fresh vector with --mode instead of the stored one. */
const STEERING = ['mode', 'layer', 'window', 'pairs', 'pca', 'vector-seed'];

export const commands: Record<string, Command> = {
  logits: { load: () => import('./commands/logits'), flags: [...MODEL, 'tokens'] },
  grads: { load: () => import('./commands/grads'), flags: [...MODEL, 'tokens', 'targets'] },
  pretrain: {
    load: () => import('./commands/pretrain'),
    flags: ['behavior', 'seed', 'out', 'backend', 'steps', 'batch', 'lr', 'd-model', 'layers', 'heads', 'corpus-rate'],
  },
  vector: {
    load: () => import('./commands/vector'),
    flags: [...MODEL, 'behavior', 'out', 'mode', 'layer', 'window', 'pairs', 'pca', 'seed', 'grid', 'alpha', 'dose-split', 'train-steps', 'train-lr'],
  },
  sweep: { load: () => import('./commands/sweep'), flags: [...MODEL, ...STEERING, 'behavior', 'intensities', 'samples', 'seed', 'temperature', 'split', 'json'] },
  eval: { load: () => import('./commands/eval'), flags: [...MODEL, 'behavior', 'samples', 'seed', 'split', 'json'] },
  train: {
    load: () => import('./commands/train'),
    flags: [...MODEL, ...STEERING, 'behavior', 'method', 'steps', 'seed', 'config', 'threshold', 'out', 'json'],
  },
  // No --method / --seed: compare sets each run's method and seed itself (--methods, --seeds, --seed-base).
  compare: {
    load: () => import('./commands/compare'),
    flags: [...MODEL, ...STEERING, 'behavior', 'methods', 'seeds', 'seed-base', 'steps', 'config', 'threshold', 'steps-json', 'json', 'teacher-accuracy', 'teacher-style'],
  },
  bandit: {
    load: () => import('./commands/bandit'),
    flags: [
      ...['arms', 'targets', 'base-rate', 'lambda', 'alignment', 'strength', 'group', 'lr', 'tau', 'is-cap', 'seeds', 'seed', 'max-iter'],
      ...['exact', 'sweep', 'json', 'grid', 'alignments', 'advantage', 'importance'],
    ],
  },
};

const usage = (name: string) => `usage: vspo ${name} ${commands[name].flags.map((f) => `[--${f}]`).join(' ')}`;

async function main(argv: string[]) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    if (rest.includes('--json')) {
      process.stdout.write(JSON.stringify({ commands: Object.fromEntries(Object.entries(commands).map(([n, c]) => [n, c.flags])) }) + '\n');
      return;
    }
    const width = Math.max(...Object.keys(commands).map((n) => n.length));
    const rows = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.flags.map((f) => `--${f}`).join(' ')}`);
    process.stdout.write(`usage: vspo <${Object.keys(commands).join('|')}> [--flags]; the flags each command accepts:\n${rows.join('\n')}\n`);
    return;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) throw new CliError(`unknown command "${name}" (expected one of: ${Object.keys(commands).join(', ')})`);
  const args = parseArgs(rest);
  if (args.flags.size === 1 && args.has('help')) {
    process.stdout.write(usage(name) + '\n');
    return;
  }
  checkFlags(args, name, command.flags); // before any work: a misspelled flag must not be silently ignored
  let mod;
  try {
    mod = await command.load();
  } catch (e) {
    throw new CliError(`command "${name}" is not available in this build: ${(e as Error).message}`);
  }
  await mod.run(args);
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableFinished) return resolve();
    stream.write('', () => resolve());
  });
}

/** Exits with `code` only after stdout and stderr have drained (process.exit right after a large write truncates it). */
async function exit(code: number): Promise<void> {
  process.exitCode = code;
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

// The reader went away (`vspo … | head`): nothing more can be delivered, so stop quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  () => exit(0),
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`vspo: ${e.message.split('\n')[0]}\n`);
      return exit(2);
    }
    process.stderr.write(`vspo: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return exit(1);
  },
);
