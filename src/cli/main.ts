// `npm run -s vspo -- <command> [--flags]`: the headless runner. Each command lives in
// src/cli/commands/<name>.ts and exports `run(args: Args): Promise<void>`.
// Contract: machine-readable output on stdout (JSON), progress on stderr; bad input is one line on
// stderr and exit code 2, never a stack trace.
import { CliError, parseArgs, type Args } from './args';

const commands: Record<string, () => Promise<{ run: (args: Args) => Promise<void> }>> = {
  logits: () => import('./commands/logits'),
  grads: () => import('./commands/grads'),
  pretrain: () => import('./commands/pretrain'),
  vector: () => import('./commands/vector'),
  sweep: () => import('./commands/sweep'),
  eval: () => import('./commands/eval'),
  train: () => import('./commands/train'),
  compare: () => import('./commands/compare'),
  bandit: () => import('./commands/bandit'),
};

async function main(argv: string[]) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    process.stdout.write(`usage: vspo <${Object.keys(commands).join('|')}> [--flags]\n`);
    return;
  }
  const load = commands[name];
  if (!load) throw new CliError(`unknown command "${name}" (expected one of: ${Object.keys(commands).join(', ')})`);
  let mod;
  try {
    mod = await load();
  } catch (e) {
    throw new CliError(`command "${name}" is not available in this build: ${(e as Error).message}`);
  }
  await mod.run(parseArgs(rest));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`vspo: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`vspo: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
