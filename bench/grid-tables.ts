// README rows from the JSON lines of `vspo compare` (bench/teacher-internalization-grid.sh writes them).
//   npx tsx bench/grid-tables.ts internalization FILE.jsonl ALPHA STEP...   (a compare run with --steps-json and evalAlignment)
//   npx tsx bench/grid-tables.ts teacher FILE.jsonl...                       (distill/guide over a teacher grid)
// Internalization: per method, the unsteered projection on v̂ (mean ± std over seeds), the decision
// log-odds, and the behavior ratio and TV at α, at each given evaluated step. Teacher: per teacher
// setting, the summary's behavior AUC and final greedy accuracy of distill and guide (mean ± std [95%
// bootstrap CI], as compare's summary computes them). Prints markdown rows.
import { readFileSync } from 'node:fs';
import type { StepMetrics } from '../src/rl/metrics';
import { estimate, type Estimate, type MethodSummary } from '../src/rl/summary';

type Line = { type: string; [k: string]: unknown };
const readLines = (file: string): Line[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

const digits = (x: number) => (Math.abs(x) >= 10 ? 1 : 2);
const num = (x: number) => x.toFixed(digits(x)).replace('-', '−');
const meanStd = (e: Estimate) => (e.mean === null ? '—' : `${num(e.mean)} ± ${(e.std ?? 0).toFixed(digits(e.mean))}`);
const withCi = (e: Estimate) => (e.ci95 ? `${meanStd(e)} [${num(e.ci95[0])}, ${num(e.ci95[1])}]` : meanStd(e));
/** A mean over the seeds that have a value, with the count when some have none. */
const partialMean = (xs: (number | null | undefined)[]) => {
  const e = estimate(xs);
  if (e.mean === null) return '—';
  return e.n < xs.length ? `(${num(e.mean)}, ${e.n} seed${e.n > 1 ? 's' : ''})` : num(e.mean);
};

function internalization(file: string, alpha: number, steps: number[]) {
  const lines = readLines(file);
  const evals = lines.filter((l) => l.type === 'step' && (l as unknown as StepMetrics).eval) as unknown as (StepMetrics & { seed: number })[];
  const behavior = lines.find((l) => l.type === 'run')?.behavior;
  for (const method of [...new Set(evals.map((e) => e.method))]) {
    const at = (step: number) => evals.filter((e) => e.method === method && e.step === step).map((e) => e.eval!);
    const cell = (pick: (ev: NonNullable<StepMetrics['eval']>) => number | null | undefined, show: (xs: (number | null | undefined)[]) => string) =>
      steps.map((s) => show(at(s).map(pick))).join(' / ');
    const point = (ev: NonNullable<StepMetrics['eval']>) => ev.alignment?.find((p) => p.alpha === alpha);
    const seeds = new Set(evals.filter((e) => e.method === method).map((e) => e.seed)).size;
    console.log(
      `| ${behavior} ${method} (${seeds} seeds) | ${cell((ev) => ev.internalization?.projection, (xs) => meanStd(estimate(xs)))} | ${cell((ev) => ev.internalization?.logOdds, (xs) => meanStd(estimate(xs)))} | ${cell((ev) => point(ev)?.ratio, partialMean)} | ${cell((ev) => point(ev)?.tv, partialMean)} |`,
    );
  }
}

function teacher(files: string[]) {
  const rows = new Map<string, Partial<Record<'distill' | 'guide', MethodSummary>>>();
  for (const file of files) {
    const summary = readLines(file).find((l) => l.type === 'summary');
    if (!summary) throw new Error(`${file}: no summary line (the compare did not finish)`);
    // summary.teachers names each teacher variant's setting (a one-setting grid labels it plain `distill`).
    const teachers = summary.teachers as Record<string, { accuracy: number; style: string }>;
    for (const [label, result] of Object.entries(summary.results as Record<string, MethodSummary>)) {
      const method = label.split('[')[0];
      if ((method !== 'distill' && method !== 'guide') || !teachers[label]) continue;
      const key = `${teachers[label].accuracy} | ${teachers[label].style}`;
      rows.set(key, { ...rows.get(key), [method]: result });
    }
  }
  const order = [...rows.keys()].sort((a, b) => Number(b.split(' | ')[0]) - Number(a.split(' | ')[0]) || (a.endsWith('own') ? -1 : 1));
  for (const key of order) {
    const r = rows.get(key)!;
    const cols = (s?: MethodSummary) => (s ? `${withCi(s.auc)} | ${withCi(s.finalAccuracy.greedy)}` : '— | —');
    console.log(`| ${key} | ${cols(r.distill)} | ${cols(r.guide)} |`);
  }
}

const [kind, ...rest] = process.argv.slice(2);
if (kind === 'internalization' && rest.length >= 3) internalization(rest[0], Number(rest[1]), rest.slice(2).map(Number));
else if (kind === 'teacher' && rest.length >= 1) teacher(rest);
else {
  console.error('usage: tsx bench/grid-tables.ts internalization FILE ALPHA STEP... | teacher FILE...');
  process.exit(2);
}
