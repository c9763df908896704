// Grouping runs for the Compare view. Every number comes from src/rl/summary.ts (the CLI's summary);
// this file only decides WHICH runs are pooled as seeds of one another: finished runs with the whole
// budget and its final evaluation, of the same comparableKey (behavior, method, every setting but the
// seed), one run per seed. Everything else — running, stopped early, halted, a duplicate seed, a config
// with a single seed — is listed apart with the reason, never averaged in.
import { TEACHER_STYLES } from '../../data/types';
import { defaultRlConfig, METHODS, methodUsesTeacher, teacherOf, type Method, type RlConfig } from '../../rl/config';
import type { TeacherSettings } from '../../data/types';
import { comparableKey, summarizeMethod, summarizeRun, type CensoredSteps, type MethodSummary, type RunSummary, type StepBudget } from '../../rl/summary';
import { evalSeries, runLabel, teacherText, type EvalKind, type RunView } from './runs';
import { meanStd, type BandPoint } from './stats';

/** τ of "steps to behavior ≥ τ" (as the CLI's default). */
export const THRESHOLD = 0.5;

/** Settings that do not change what is trained (as comparableKey ignores them). */
const IGNORED = new Set(['seed', 'saveEvery', 'keepSamples']);
/** Said by a teacher group's label already ("teacher 0.7 foreign"), so not repeated in its diff. */
const TEACHER_KEYS = new Set(['teacherAccuracy', 'teacherStyle', 'teacherNoise']);

export interface PooledGroup {
  /** A short key safe as a chart data key ("g0", "g1", …). */
  key: string;
  /** comparableKey of its runs. */
  configKey: string;
  method: string;
  /** The method, its teacher (distill, guide), plus what else sets this group apart when the method has several pooled configs. */
  label: string;
  /** The teacher its runs train on (distill, guide), else null. */
  teacher: TeacherSettings | null;
  /** 0 for the first pooled group of its method, 1 for the next, … (drawn dashed). */
  variant: number;
  /** One run per seed, in seed order. */
  runs: RunView[];
  summaries: RunSummary[];
  summary: MethodSummary;
  /** Runs of an already-counted seed, left out (listed apart). */
  duplicates: number;
  budget: number;
  split: string;
  evalSamples: number;
  behavior: BandPoint[];
  accuracy: BandPoint[];
}

export interface ApartRun {
  run: RunView;
  summary: RunSummary;
  reason: string;
}

export interface Grouping {
  pooled: PooledGroup[];
  apart: ApartRun[];
}

export const budgetOf = (r: RunView) => Number(r.config.steps ?? NaN);

export function summarizeRunView(r: RunView, threshold = THRESHOLD): RunSummary {
  const b = budgetOf(r);
  return summarizeRun(r.history, Number.isFinite(b) ? b : 0, threshold);
}

/** Why a run cannot be pooled at all (null when it is a finished, complete run). */
export function notPoolable(r: RunView, s: RunSummary): string | null {
  const at = `${s.steps}/${s.budget}`;
  if (!Number.isFinite(budgetOf(r)) || s.budget <= 0) return 'no step budget recorded';
  if (r.status === 'running' || r.status === 'starting') return `running: step ${at}`;
  if (r.status === 'paused') return `paused at ${at}`;
  if (s.halted || r.status === 'halted') return `halted at ${at}: ${s.halted ?? r.error ?? 'no reason recorded'}`;
  if (r.status === 'failed' || r.status === 'device-lost') return `${r.status === 'failed' ? 'failed' : 'device lost'} at ${at}${r.error ? `: ${r.error}` : ''}`;
  if (s.steps < s.budget) return `stopped at ${at}`;
  if (!s.complete) return `no evaluation at step ${s.budget} (the last is at ${s.final?.step ?? '—'})`;
  return null;
}

const fmtValue = (v: unknown): string => {
  if (v === undefined) return 'unset';
  if (typeof v === 'number') return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
  if (Array.isArray(v)) return v.join(',');
  return String(v);
};

/** The settings of `a` that differ from `b` (seed and save cadence aside), as "lr 1e-4". */
export function configDiff(a: Partial<RlConfig>, b: Partial<RlConfig>, max = 3, ignore: ReadonlySet<string> = new Set()): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !IGNORED.has(k) && !ignore.has(k)).sort();
  const A = a as Record<string, unknown>;
  const B = b as Record<string, unknown>;
  const diff = keys.filter((k) => JSON.stringify(A[k]) !== JSON.stringify(B[k])).map((k) => `${k} ${fmtValue(A[k])}`);
  if (!diff.length) return '';
  return diff.length > max ? `${diff.slice(0, max).join(', ')} (+${diff.length - max} more)` : diff.join(', ');
}

interface Candidate {
  key: string;
  runs: { run: RunView; summary: RunSummary }[];
}

const methodOrder = (m: string) => {
  const i = (METHODS as readonly string[]).indexOf(m);
  return i < 0 ? METHODS.length : i;
};

/** The teacher of a distill/guide config (defaults filled in), else null. */
function teacherOfRun(r: RunView): TeacherSettings | null {
  return methodUsesTeacher(r.method as Method) ? teacherOf({ ...defaultRlConfig, ...r.config }) : null;
}

/** Teacher groups of one method: the most accurate teacher first, own before foreign, less noise first. */
function teacherOrder(a: RunView, b: RunView): number {
  const x = teacherOfRun(a);
  const y = teacherOfRun(b);
  if (!x || !y) return 0;
  return y.accuracy - x.accuracy || TEACHER_STYLES.indexOf(x.style) - TEACHER_STYLES.indexOf(y.style) || x.noise - y.noise;
}

export function groupRuns(runs: RunView[], kind: EvalKind = 'sampled', threshold = THRESHOLD): Grouping {
  const apart: ApartRun[] = [];
  const byKey = new Map<string, Candidate>();
  for (const run of [...runs].sort((a, b) => a.startedAt - b.startedAt)) {
    const summary = summarizeRunView(run, threshold);
    const why = notPoolable(run, summary);
    if (why) {
      apart.push({ run, summary, reason: why });
      continue;
    }
    const key = comparableKey(run.behavior, run.config as RlConfig);
    (byKey.get(key) ?? byKey.set(key, { key, runs: [] }).get(key)!).runs.push({ run, summary });
  }
  // One run per seed: a second run of the same seed and config is not a second seed.
  const distinct: Candidate[] = [];
  for (const c of byKey.values()) {
    const seen = new Map<number, RunView>();
    const kept: Candidate['runs'] = [];
    for (const x of c.runs) {
      const first = seen.get(x.run.seed);
      if (first) apart.push({ ...x, reason: `duplicate seed ${x.run.seed}: same config as “${runLabel(first)}”, counted once` });
      else {
        seen.set(x.run.seed, x.run);
        kept.push(x);
      }
    }
    distinct.push({ key: c.key, runs: kept.sort((a, b) => a.run.seed - b.run.seed) });
  }
  const poolable = distinct
    .filter((c) => c.runs.length >= 2)
    .sort((a, b) => methodOrder(a.runs[0].run.method) - methodOrder(b.runs[0].run.method) || teacherOrder(a.runs[0].run, b.runs[0].run) || b.runs.length - a.runs.length);
  // A single seed of a config: say how it differs from the nearest group of its method (fewest differing
  // settings; pooled groups first, the biggest first), if there is one.
  for (const c of distinct.filter((c) => c.runs.length < 2)) {
    const { run } = c.runs[0];
    const others = [...poolable, ...distinct.filter((d) => d !== c && d.runs.length < 2)].filter((d) => d.runs[0].run.method === run.method);
    const diffs = others.map((d) => configDiff(run.config, d.runs[0].run.config, Infinity));
    const nearest = diffs.reduce((best, d, i) => (d.split(', ').length < diffs[best].split(', ').length ? i : best), 0);
    const diff = others.length ? configDiff(run.config, others[nearest].runs[0].run.config) : '';
    apart.push({ ...c.runs[0], reason: diff ? `different config: ${diff}` : 'one seed of this config (pooling needs ≥ 2 seeds)' });
  }
  const pooled = poolable.map((c, i): PooledGroup => {
    const method = c.runs[0].run.method;
    const same = poolable.filter((d) => d.runs[0].run.method === method);
    const variant = same.indexOf(c);
    const other = same[variant === 0 ? 1 : 0];
    const teacher = teacherOfRun(c.runs[0].run);
    const diff = same.length > 1 && other ? configDiff(c.runs[0].run.config, other.runs[0].run.config, 2, teacher ? TEACHER_KEYS : undefined) : '';
    const rs = c.runs.map((x) => x.run);
    const summaries = c.runs.map((x) => x.summary);
    return {
      key: `g${i}`,
      configKey: c.key,
      method,
      label: [method.toUpperCase(), ...(teacher ? [teacherText(c.runs[0].run.config)] : []), ...(diff ? [diff] : [])].join(' · '),
      teacher,
      variant,
      runs: rs,
      summaries,
      summary: summarizeMethod(summaries),
      duplicates: byKey.get(c.key)!.runs.length - c.runs.length,
      budget: summaries[0].budget,
      split: summaries[0].final?.split ?? String(rs[0].config.evalSplit ?? '?'),
      evalSamples: summaries[0].evalSamples,
      behavior: meanStd(rs.map((r) => evalSeries(r, kind).behavior)),
      accuracy: meanStd(rs.map((r) => evalSeries(r, kind).accuracy)),
    };
  });
  apart.sort((a, b) => a.run.startedAt - b.run.startedAt);
  return { pooled, apart };
}

// --- text ----------------------------------------------------------------------------------------

const num = (x: number | null | undefined, digits = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—');
const count = (x: number) => (Number.isFinite(x) ? (Number.isInteger(x) ? String(x) : x.toFixed(1)) : '—');

/** "12 (reached 3/3)", "> 60 (reached 1/3)": the median over seeds with a miss as +∞. */
export function stepsText(s: CensoredSteps): { median: string; reached: string } {
  const median = s.median === null ? `> ${s.budget}` : s.median % 1 ? s.median.toFixed(1) : String(s.median);
  return { median, reached: `reached ${s.reached}/${s.n}` };
}

/** One run's steps to τ: the step, "> budget" for a complete run that missed, "not by step k" otherwise. */
export function runStepsText(s: RunSummary): string {
  if (s.stepsToThreshold !== null) return String(s.stepsToThreshold);
  return s.complete ? `> ${s.budget}` : `not by step ${s.steps}`;
}

export const budgetText = (p: StepBudget) => `${count(p.prompts)} / ${count(p.rollouts)} / ${count(p.teacherTraces)}`;

export const evalText = (split: string | undefined, samples: number) => `${split ?? '?'} · ${samples || '—'} prompts`;

export const seText = (s: RunSummary) => (s.thresholdSE ? `SE of one evaluation at τ = ${THRESHOLD}: ${s.thresholdSE.single.toFixed(3)} (smoothed over 3: ${s.thresholdSE.smoothed.toFixed(3)})` : undefined);

/** One run's final numbers (for the "Not pooled" table). */
export function runFinals(s: RunSummary) {
  const f = s.final;
  return {
    auc: num(s.auc),
    accuracy: num(f?.greedy.accuracy),
    behavior: num(f?.sampled.behavior),
    rewarded: num(f?.sampled.rewarded),
  };
}
