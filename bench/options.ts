// The flags of `npm run bench` (bench/run.ts) and of the GPU kit's prebuilt bundle (bench/node.ts run
// directly): one parser, so both accept the same command line.
import { TUNINGS, type TuningName } from '../src/engine/launch';

/** The benchmarks of bench/suite.ts by the names --only takes, in the order they run. */
export const BENCHMARKS = ['check', 'matmul', 'train', 'variants', 'generate', 'counters', 'profile', 'attention'] as const;

export interface Options {
  full: boolean;
  quick: boolean;
  only: string[];
  timeoutS: number;
  headed: boolean;
  node: boolean;
  tunings: TuningName[];
}

export function parseArgs(argv: string[]): Options {
  const o: Options = { full: false, quick: false, only: [], timeoutS: 1800, headed: false, node: false, tunings: Object.keys(TUNINGS) as TuningName[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full') o.full = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--headed') o.headed = true;
    else if (a === '--only') o.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--timeout') o.timeoutS = Number(argv[++i]);
    else if (a === '--node') o.node = true;
    else if (a === '--json') continue;
    else if (a === '--tuning') o.tunings = (argv[++i] ?? '').split(',').filter(Boolean) as TuningName[];
    else if (a === '--help' || a === '-h') {
      process.stderr.write(`usage: npm run bench -- [--node] [--json] [--tuning swiftshader,gpu] [--full] [--quick] [--only ${BENCHMARKS.join(',')}] [--timeout S] [--headed]\n`);
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown argument "${a}" (try --help)\n`);
      process.exit(2);
    }
  }
  for (const b of o.only) {
    if (!(BENCHMARKS as readonly string[]).includes(b)) {
      process.stderr.write(`bench: --only: unknown benchmark "${b}" (known: ${BENCHMARKS.join(', ')})\n`);
      process.exit(2);
    }
  }
  for (const t of o.tunings) {
    if (!(t in TUNINGS)) {
      process.stderr.write(`bench: --tuning: unknown tuning "${t}" (known: ${Object.keys(TUNINGS).join(', ')})\n`);
      process.exit(2);
    }
  }
  if (!(o.timeoutS > 0)) o.timeoutS = 1800;
  return o;
}

