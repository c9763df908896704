// `vspo bandit`: the bandit lab from the command line (src/bandit). One comparison of VSPO and GRPO
// at one alignment, or `--sweep` over alignment with the crossover. JSON on stdout with --json
// (one object; with --sweep one object per alignment, one line each, then a summary line), a table
// otherwise; progress on stderr only when it is a terminal.
import { CliError, type Args } from '../args';
import {
  DEFAULT_ALIGNMENTS,
  DEFAULTS,
  LIMITS,
  compare,
  settingsError,
  sweep,
  type BanditSettings,
  type Comparison,
  type MethodSummary,
  type OnProgress,
  type Stat,
} from '../../bandit/index';

// flag → settings key (numbers); the others are handled by name below.
const NUMERIC: Record<string, keyof typeof LIMITS> = {
  arms: 'arms',
  targets: 'targets',
  'base-rate': 'baseRate',
  lambda: 'lambda',
  alignment: 'alignment',
  strength: 'strength',
  group: 'group',
  lr: 'lr',
  tau: 'tau',
  'is-cap': 'isCap',
  seeds: 'seeds',
  seed: 'seed',
  'max-iter': 'maxIterations',
};
const BOOLEAN = ['exact', 'sweep', 'json'];
const OTHER = ['grid', 'alignments', 'advantage', 'importance'];

function flagBool(args: Args, name: string): boolean {
  const v = args.flags.get(name);
  if (v === undefined) return false;
  if (v === true || v === 'true') return true;
  throw new CliError(`--${name} is a switch and takes no value (got "${v}")`);
}

function choice<T extends string>(args: Args, name: string, options: readonly T[], fallback: T): T {
  if (!args.has(name)) return fallback;
  const v = args.str(name);
  if (!(options as readonly string[]).includes(v)) throw new CliError(`--${name} must be one of ${options.join(', ')} (got "${v}")`);
  return v as T;
}

export function settingsFromArgs(args: Args): BanditSettings {
  for (const key of args.flags.keys()) {
    if (!(key in NUMERIC) && !BOOLEAN.includes(key) && !OTHER.includes(key)) throw new CliError(`unknown flag --${key} for bandit`);
  }
  const s: BanditSettings = { ...DEFAULTS, grid: [...DEFAULTS.grid] };
  const rec = s as unknown as Record<string, number>;
  for (const [flag, key] of Object.entries(NUMERIC)) {
    if (!args.has(flag)) continue;
    const [, , integer] = LIMITS[key];
    rec[key] = integer ? args.int(flag) : args.num(flag);
  }
  if (args.has('grid')) s.grid = args.list('grid');
  s.mode = flagBool(args, 'exact') ? 'exact' : 'sampled';
  s.advantage = choice(args, 'advantage', ['group', 'mean'] as const, s.advantage);
  s.importance = choice(args, 'importance', ['none', 'truncated'] as const, s.importance);
  const err = settingsError(s);
  if (err) {
    const flag = Object.entries(NUMERIC).find(([, k]) => err.startsWith(k + ' '))?.[0];
    throw new CliError(flag ? err.replace(/^\S+/, `--${flag}`) : err);
  }
  return s;
}

const fixed = (x: number, d = 3) => Number(x.toFixed(d));
const brief = (m: MethodSummary) => ({ mean: fixed(m.mean, 1), std: fixed(m.std, 1), median: m.median, censored: m.censored, iterations: m.iterations });

const mm = (x: Stat) => ({ mean: Number(x.mean.toPrecision(4)), median: Number(x.median.toPrecision(4)) });

function row(c: Comparison) {
  const f = c.figures;
  return {
    alignment: c.alignment,
    cosine: fixed(f.cosine.mean),
    tvAtMax: mm(f.tvAtMax),
    targetMassAtMax: mm(f.targetMassAtMax),
    tvMixture: mm(f.tvMixture),
    targetMassMixture: mm(f.targetMassMixture),
    vspo: brief(c.vspo),
    grpo: brief(c.grpo),
    ratio: fixed(c.ratio, 4),
    p: Number(c.test.p.toPrecision(3)),
    vspoFaster: c.test.vspoFaster,
  };
}

const pm = (m: MethodSummary) => `${m.censored ? '≥' : ''}${m.mean.toFixed(0)} ± ${m.std.toFixed(0)}${m.censored ? ` (${m.censored} cens.)` : ''}`;

function tableHeader(s: BanditSettings): string {
  return (
    `bandit: K=${s.arms} (${s.targets} target), base rate ${s.baseRate}, λ=${s.lambda}, G=${s.group}, grid {${s.grid.join(',')}}, ` +
    `strength ${s.strength}, lr ${s.lr}, τ=${s.tau}, ${s.mode} mode, ${s.seeds} seeds, cap ${s.maxIterations}\n` +
    `alignment figures at θ0 and the grid's largest α (medians over seeds); iterations to τ: mean ± std; p: one-sided Mann–Whitney, VSPO < GRPO\n` +
    `${'x'.padStart(5)} ${'cos'.padStart(6)} ${'TV@max'.padStart(7)} ${'π^α(T)'.padStart(7)} ${'VSPO'.padStart(24)} ${'GRPO'.padStart(16)} ${'ratio'.padStart(7)} ${'p'.padStart(8)}\n`
  );
}

function tableRow(c: Comparison): string {
  const f = c.figures;
  return (
    `${c.alignment.toFixed(2).padStart(5)} ${f.cosine.mean.toFixed(2).padStart(6)} ${f.tvAtMax.median.toFixed(3).padStart(7)} ` +
    `${(f.targetMassAtMax.median < 1e-3 ? f.targetMassAtMax.median.toExponential(1) : f.targetMassAtMax.median.toPrecision(2)).padStart(7)} ${pm(c.vspo).padStart(24)} ${pm(c.grpo).padStart(16)} ` +
    `${c.ratio.toFixed(3).padStart(7)} ${c.test.p.toPrecision(2).padStart(8)}${c.test.vspoFaster ? ' *' : ''}\n`
  );
}

export async function run(args: Args): Promise<void> {
  const s = settingsFromArgs(args);
  const json = flagBool(args, 'json');
  const out = (line: string) => process.stdout.write(line);
  const onProgress: OnProgress | undefined = process.stderr.isTTY
    ? (p) => process.stderr.write(`\r[${p.done}/${p.total}] ${p.label}`.padEnd(60))
    : undefined;
  const done = () => onProgress && process.stderr.write('\n');

  if (args.has('alignments') && !flagBool(args, 'sweep')) throw new CliError('--alignments only applies with --sweep (use --alignment for one value)');
  if (flagBool(args, 'sweep')) {
    const alignments = args.has('alignments') ? args.list('alignments') : DEFAULT_ALIGNMENTS;
    const bad = alignments.find((x) => x < -1 || x > 1);
    if (bad !== undefined) throw new CliError(`--alignments values must be in [-1, 1] (got ${bad})`);
    const { rows, summary } = sweep(s, alignments, onProgress);
    done();
    if (json) {
      for (const r of rows) out(JSON.stringify(row(r)) + '\n');
      out(JSON.stringify({ summary: true, ...summary, level: rows[0]?.test.level, settings: s }) + '\n');
      return;
    }
    out(tableHeader(s));
    for (const r of rows) out(tableRow(r));
    const c = summary.crossover;
    out(
      c
        ? `crossover (mean VSPO = mean GRPO) at x ≈ ${c.alignment.toFixed(3)} in [${c.bracket.join(', ')}]; median figures there: TV@max ≈ ${c.tvAtMax.toFixed(3)}, π^α(T)@max ≈ ${c.targetMassAtMax.toPrecision(2)}, mixture π(T) ≈ ${c.targetMassMixture.toPrecision(2)}\n`
        : `no crossover in range: ${summary.note}\n`,
    );
    out(`VSPO significantly faster (p < ${rows[0]?.test.level}) from x = 1 down to ${summary.significantDownTo ?? '— (not at the top)'}\n`);
    const t = summary.thresholds;
    out(`per-run rule "VSPO beats GRPO's mean" (${t.fasterRuns}/${t.runs} runs do), best threshold per figure (misclassified runs):\n`);
    for (const [name, f] of Object.entries(t.features)) out(`  ${name.padEnd(18)} ${f.threshold === null ? '—' : f.threshold.toPrecision(3)} (${f.misclassified})\n`);
    if (t.liftOverBaseRate !== null) out(`  mixture target mass threshold = ${t.liftOverBaseRate.toFixed(2)} × the base rate\n`);
    return;
  }

  const c = compare(s, s.alignment, undefined, onProgress);
  done();
  if (json) {
    out(
      JSON.stringify({
        command: 'bandit',
        settings: s,
        alignment: { x: c.alignment, measuredAt: 'theta0', headline: 'largest grid intensity', ...c.figures },
        vspo: c.vspo,
        grpo: c.grpo,
        ratio: c.ratio,
        test: { name: 'one-sided Mann-Whitney U (normal approx.), H1: VSPO needs fewer iterations', ...c.test },
      }) + '\n',
    );
    return;
  }
  out(tableHeader(s));
  out(tableRow(c));
  out(`per intensity (α: TV, π^α(T)): ${c.figures.perIntensity.map((p) => `${p.alpha}: ${p.tv.toFixed(3)}, ${p.targetMass.toFixed(4)}`).join('; ')}\n`);
}
