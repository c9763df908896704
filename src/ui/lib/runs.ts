// Turning run histories (the trainer's StepMetrics) into chart rows and export files. Pure functions,
// so the charts only redraw from snapshots and the exports are testable.
import type { StepMetrics } from '../../rl/loop';
import type { Method, RlConfig } from '../../rl/config';
import type { Row, SeriesSpec, TrajectoryRun } from '../components/charts';
import type { SeriesPoint } from './stats';

import type { CheckpointRecord, RunRecord, RunStatus as StoredStatus } from '../../store/db';
import { defaultRlConfig, methodUsesTeacher, needsReference } from '../../rl/config';

/**
 * 'pausing' / 'stopping': asked for, while the step in flight finishes (seconds on a slow adapter);
 * 'interrupted': stored as running or paused, but no tab has it (the tab closed mid-run).
 */
export type RunStatus = StoredStatus | 'starting' | 'failed' | 'pausing' | 'stopping';

/** Auto-saves and run starts belong to their run: listed with it, not among the saved checkpoints. */
export const isRunCheckpoint = (c: Pick<CheckpointRecord, 'kind'>) => c.kind === 'autosave' || c.kind === 'run-start';

/** Whether (and from where) a stored run can be continued, in words a person can act on. */
export interface Resumability {
  ok: boolean;
  /** The auto-save it continues from. */
  from?: CheckpointRecord;
  text: string;
}

/** A stored run's resume point: its auto-save (and, with β > 0, its starting weights as the KL reference). */
export function resumability(run: Pick<RunRecord, 'status' | 'stepsDone' | 'autosaveId' | 'config' | 'id'>, checkpoints: CheckpointRecord[], liveElsewhere = false): Resumability {
  if (run.status === 'finished') return { ok: false, text: 'finished' };
  // Another tab's worker holds its lock: it is training it right now (src/worker/runLocks.ts).
  if (liveElsewhere) return { ok: false, text: 'live in another tab or window of this browser: pause or stop it there' };
  const cfg = run.config as { saveEvery?: number; beta?: number; method?: string; steps?: number };
  const auto = run.autosaveId ? checkpoints.find((c) => c.id === run.autosaveId) : undefined;
  if (!auto) {
    const every = Number(cfg.saveEvery ?? 0);
    const why = !(every > 0)
      ? 'auto-saves were off (saveEvery = 0)'
      : run.stepsDone < every
        ? `it stopped at step ${run.stepsDone}, before the first auto-save (every ${every} steps)`
        : run.autosaveId
          ? 'its auto-save was deleted'
          : 'no auto-save was made';
    return { ok: false, text: `cannot be resumed: ${why}` };
  }
  const beta = Number(cfg.beta ?? 0);
  const method = String(cfg.method ?? 'vspo') as never;
  if (needsReference({ beta, method }) && !checkpoints.some((c) => c.runId === run.id && c.kind === 'run-start'))
    return { ok: false, from: auto, text: `cannot be resumed: its starting weights (the KL reference for β = ${beta}) are gone` };
  return { ok: true, from: auto, text: `resumable from the auto-save at step ${auto.step ?? '?'}${run.stepsDone > (auto.step ?? 0) ? ` (steps ${(auto.step ?? 0) + 1}–${run.stepsDone} are redone)` : ''}` };
}

/** A stored status as the UI shows it ('interrupted' for a run that no open tab holds). */
export function interruptedMessage(run: Pick<RunRecord, 'status' | 'stepsDone'>): string {
  return run.status === 'paused' ? `the tab closed while it was paused at step ${run.stepsDone}` : `the tab closed (or crashed) at step ${run.stepsDone}`;
}

/** A run as the UI shows it: live (from the worker's stream) or reopened from IndexedDB. */
export interface RunView {
  id: string;
  name: string;
  behavior: string;
  method: string;
  seed: number;
  config: Partial<RlConfig>;
  checkpoint?: string;
  status: RunStatus;
  startedAt: number;
  history: StepMetrics[];
  error?: string;
  /** Index into the run palette, fixed while the run is on the page (colours tell runs apart). */
  colorIndex?: number;
}

/** Colours a run by its palette slot. */
export type RunColor = (run: RunView) => string;

/** The smallest palette slot no run on the page uses. */
export function freeColorIndex(runs: Pick<RunView, 'colorIndex'>[]): number {
  const used = new Set(runs.map((r) => r.colorIndex));
  let i = 0;
  while (used.has(i)) i++;
  return i;
}

/** A default run name, made unique among `taken` with a " (2)", " (3)", … suffix. */
export function uniqueRunName(base: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  let k = 2;
  while (names.has(`${base} (${k})`)) k++;
  return `${base} (${k})`;
}

export type EvalKind = 'sampled' | 'greedy';

export function evalSeries(run: RunView, kind: EvalKind): { behavior: SeriesPoint[]; accuracy: SeriesPoint[] } {
  const behavior: SeriesPoint[] = [];
  const accuracy: SeriesPoint[] = [];
  for (const m of run.history) {
    if (!m.eval) continue;
    behavior.push({ step: m.step, value: m.eval[kind].behavior });
    accuracy.push({ step: m.step, value: m.eval[kind].accuracy });
  }
  return { behavior, accuracy };
}

export const defaultRunName = (method: string, seed: number) => `${method.toUpperCase()} seed ${seed}`;

/** A new run's name: method and seed, and the teacher of a distill/guide run whose teacher is not the default (perfect) one. */
export function newRunName(c: Pick<RlConfig, 'method' | 'seed' | 'teacherAccuracy' | 'teacherStyle' | 'teacherNoise'>): string {
  const base = defaultRunName(c.method, c.seed);
  const d = defaultRlConfig;
  const custom = c.teacherAccuracy !== d.teacherAccuracy || c.teacherStyle !== d.teacherStyle || c.teacherNoise !== d.teacherNoise;
  return methodUsesTeacher(c.method) && custom ? `${base} · ${teacherText(c)}` : base;
}

/** What a run is called on screen: its (editable) name. */
export const runLabel = (r: Pick<RunView, 'name' | 'method' | 'seed'>) => r.name || defaultRunName(r.method, r.seed);

/** "teacher 0.7 foreign" (plus "noise 0.1" when set): the teacher a distill/guide config trains on. */
export function teacherText(c: Partial<Pick<RlConfig, 'teacherAccuracy' | 'teacherStyle' | 'teacherNoise'>>): string {
  const noise = c.teacherNoise ?? defaultRlConfig.teacherNoise;
  return `teacher ${c.teacherAccuracy ?? defaultRlConfig.teacherAccuracy} ${c.teacherStyle ?? defaultRlConfig.teacherStyle}${noise ? ` noise ${noise}` : ''}`;
}

/** The teacher of a run that trains on one (distill, guide), else null. */
export const runTeacher = (r: Pick<RunView, 'method' | 'config'>) => (methodUsesTeacher(r.method as Method) ? teacherText(r.config) : null);

/** The legend text: the name, with the method added when the name does not say it, and the teacher of a distill/guide run. */
export const runLegend = (r: Pick<RunView, 'name' | 'method' | 'seed'> & Partial<Pick<RunView, 'config'>>) => {
  const name = runLabel(r);
  const named = name.toLowerCase().includes(r.method.toLowerCase()) ? name : `${name} [${r.method.toUpperCase()}]`;
  const teacher = r.config ? runTeacher({ method: r.method, config: r.config }) : null;
  return teacher && !name.includes('teacher') ? `${named} · ${teacher}` : named;
};

/** Behavior (solid) and accuracy (dashed) over steps for every run; one colour per run. */
export function behaviorAccuracyRows(runs: RunView[], kind: EvalKind, color: RunColor): { rows: Row[]; series: SeriesSpec[]; points: number } {
  const byStep = new Map<number, Row>();
  const series: SeriesSpec[] = [];
  let points = 0;
  runs.forEach((r, i) => {
    const { behavior, accuracy } = evalSeries(r, kind);
    const kb = `r${i}_beh`;
    const ka = `r${i}_acc`;
    for (const p of behavior) {
      (byStep.get(p.step) ?? byStep.set(p.step, { x: p.step }).get(p.step)!)[kb] = p.value;
      points++;
    }
    for (const p of accuracy) (byStep.get(p.step) ?? byStep.set(p.step, { x: p.step }).get(p.step)!)[ka] = p.value;
    const c = color(r);
    series.push({ key: kb, name: `${runLegend(r)} behavior`, color: c }, { key: ka, name: `${runLegend(r)} accuracy`, color: c, dashed: true });
  });
  const rows = [...byStep.values()].sort((a, b) => (a.x as number) - (b.x as number));
  return { rows, series, points };
}

type NumKey = 'rewardMean' | 'kl' | 'clipFraction' | 'entropy' | 'loss' | 'gradNorm' | 'zeroSpreadFraction' | 'rolloutTokensPerSec' | 'behaviorRate' | 'accuracy';

/** One value of each step over steps, one line per run (runs without the value have no line). */
function stepValueRows(runs: RunView[], value: (m: StepMetrics) => number | null | undefined, color: RunColor): { rows: Row[]; series: SeriesSpec[]; points: number } {
  const byStep = new Map<number, Row>();
  const series: SeriesSpec[] = [];
  let points = 0;
  runs.forEach((r, i) => {
    const k = `r${i}`;
    let any = false;
    for (const m of r.history) {
      const v = value(m);
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      (byStep.get(m.step) ?? byStep.set(m.step, { x: m.step }).get(m.step)!)[k] = v;
      any = true;
      points++;
    }
    if (any) series.push({ key: k, name: runLegend(r), color: color(r) });
  });
  return { rows: [...byStep.values()].sort((a, b) => (a.x as number) - (b.x as number)), series, points };
}

/** One scalar metric over steps, one line per run. */
export function metricRows(runs: RunView[], key: NumKey, color: RunColor): { rows: Row[]; series: SeriesSpec[]; points: number } {
  return stepValueRows(runs, (m) => m[key], color);
}

/** Behavior rate of the rollouts per intensity over steps, for one run (one line per α). */
export function perIntensityRows(run: RunView | undefined, palette: string[]): { rows: Row[]; series: SeriesSpec[]; points: number } {
  if (!run) return { rows: [], series: [], points: 0 };
  const alphas = new Set<number>();
  const rows: Row[] = [];
  let points = 0;
  for (const m of run.history) {
    if (!m.perIntensity?.length) continue;
    const row: Row = { x: m.step };
    for (const p of m.perIntensity) {
      const a = Math.round(p.alpha * 1000) / 1000;
      alphas.add(a);
      row[`a${a}`] = p.behaviorRate;
      points++;
    }
    rows.push(row);
  }
  const series = [...alphas].sort((a, b) => a - b).map((a, i) => ({ key: `a${a}`, name: `α = ${a}`, color: palette[i % palette.length] }));
  return { rows, series, points };
}

export function trajectories(runs: RunView[], kind: EvalKind, color: RunColor): TrajectoryRun[] {
  return runs.map((r) => ({
    id: r.id,
    name: runLegend(r),
    color: color(r),
    points: r.history.filter((m) => m.eval).map((m) => ({ step: m.step, accuracy: m.eval![kind].accuracy, behavior: m.eval![kind].behavior })),
  }));
}

/** A number read off an evaluation (undefined when that evaluation did not measure it). */
export type EvalPick = (e: NonNullable<StepMetrics['eval']>) => number | null | undefined;

/** Internalization figures of the unsteered model at each evaluation (src/steering/internalization.ts). */
export const INTERNALIZATION = {
  projection: ((e) => (e.internalization && e.internalization.n > 0 ? e.internalization.projection : undefined)) as EvalPick,
  logOdds: ((e) => (e.internalization && e.internalization.n > 0 ? e.internalization.logOdds : undefined)) as EvalPick,
};

/** One figure of the evaluations over steps, one line per run (runs that never measured it have no line). */
export function evalMetricRows(runs: RunView[], pick: EvalPick, color: RunColor): { rows: Row[]; series: SeriesSpec[]; points: number } {
  return stepValueRows(runs, (m) => (m.eval ? pick(m.eval) : undefined), color);
}

/** With evalAlignment: one alignment figure per α over the run's evaluations (a line per α of the grid). */
export function alignmentRows(run: RunView | undefined, which: 'ratio' | 'tv', palette: string[]): { rows: Row[]; series: SeriesSpec[]; points: number } {
  if (!run) return { rows: [], series: [], points: 0 };
  const alphas = new Set<number>();
  const rows: Row[] = [];
  let points = 0;
  for (const m of run.history) {
    const al = m.eval?.alignment;
    if (!al?.length) continue;
    const row: Row = { x: m.step };
    for (const p of al) {
      const v = p[which];
      if (v === null || !Number.isFinite(v)) continue;
      const a = Math.round(p.alpha * 1000) / 1000;
      alphas.add(a);
      row[`a${a}`] = v;
      points++;
    }
    rows.push(row);
  }
  const series = [...alphas].sort((a, b) => a - b).map((a, i) => ({ key: `a${a}`, name: `α = ${a}`, color: palette[i % palette.length] }));
  return { rows, series, points };
}

/** The latest evaluation that measured alignment, if any. */
export function latestAlignment(run: RunView | undefined): { step: number; points: NonNullable<NonNullable<StepMetrics['eval']>['alignment']> } | null {
  if (!run) return null;
  for (let i = run.history.length - 1; i >= 0; i--) {
    const al = run.history[i].eval?.alignment;
    if (al?.length) return { step: run.history[i].step, points: al };
  }
  return null;
}
