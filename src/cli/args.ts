// Flag parsing shared by every CLI command: `--name value`, `--flag` (boolean), and typed getters that
// turn bad values into CliError (one line, exit code 2). A flag given twice keeps its last value
// (`--steps 1500 --steps 2` runs 2 steps), so a flag appended to a command line overrides an earlier one.
// Which flags a command accepts is declared in main.ts's command table and checked by checkFlags before
// the command runs: a misspelled flag is refused instead of silently ignored.

export class CliError extends Error {}

export interface Args {
  flags: Map<string, string | true>;
  str(name: string, fallback?: string): string;
  num(name: string, fallback?: number): number;
  int(name: string, fallback?: number): number;
  bool(name: string): boolean;
  list(name: string): number[];
  has(name: string): boolean;
}

export function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new CliError(`unexpected argument "${a}" (flags look like --name value)`);
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(key, next);
      i++;
    } else flags.set(key, true);
  }
  const raw = (name: string) => {
    const v = flags.get(name);
    if (v === true) throw new CliError(`--${name} needs a value`);
    return v;
  };
  const args: Args = {
    flags,
    has: (name) => flags.has(name),
    bool: (name) => flags.get(name) === true || flags.get(name) === 'true',
    str(name, fallback) {
      const v = raw(name);
      if (v !== undefined) return v;
      if (fallback !== undefined) return fallback;
      throw new CliError(`--${name} is required`);
    },
    num(name, fallback) {
      const v = raw(name);
      if (v === undefined) {
        if (fallback !== undefined) return fallback;
        throw new CliError(`--${name} is required`);
      }
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new CliError(`--${name} must be a number (got "${v}")`);
      return n;
    },
    int(name, fallback) {
      const n = args.num(name, fallback);
      if (!Number.isInteger(n)) throw new CliError(`--${name} must be an integer (got ${n})`);
      return n;
    },
    list(name) {
      const v = raw(name);
      if (v === undefined) throw new CliError(`--${name} is required`);
      const parts = v.split(',').map((s) => s.trim());
      if (parts.length === 0 || parts.some((s) => s === '')) throw new CliError(`--${name} must be a comma-separated list of numbers (got "${v}")`);
      return parts.map((s) => {
        const n = Number(s);
        if (!Number.isFinite(n)) throw new CliError(`--${name}: "${s}" is not a number`);
        return n;
      });
    },
  };
  return args;
}

/** Refuses a flag the command does not declare: one line naming it, the command and what it accepts. */
export function checkFlags(args: Args, command: string, accepted: readonly string[]): void {
  for (const key of args.flags.keys()) {
    if (accepted.includes(key)) continue;
    const near = accepted.filter((f) => editDistance(f, key) <= 2).sort((a, b) => editDistance(a, key) - editDistance(b, key))[0];
    const list = accepted.length ? [...accepted].sort().map((f) => `--${f}`).join(', ') : 'none';
    throw new CliError(`unknown flag --${key} for ${command} (${near ? `did you mean --${near}? ` : ''}expected one of: ${list})`);
  }
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
