// The Compare view's grid of runs: methods × seeds, and for the methods that train on teacher traces
// (distill, guide; `methodUsesTeacher`) every (teacher accuracy, teacher style) cell as well — the browser
// twin of `vspo compare --teacher-accuracy 1,0.9,0.7 --teacher-style own,foreign`. The others run once per
// seed, not once per teacher cell. Every run of the grid is validated up front by src/rl/config.ts (the one
// validator), on the trainer form's settings with the run's overrides, before anything starts.
import { TEACHER_STYLES, type TeacherStyle } from '../../data/types';
import { methodUsesTeacher, validateRlConfig, withVectorDefaults, type Method, type RlConfig } from '../../rl/config';
import { teacherText } from './runs';

export interface TeacherCell {
  teacherAccuracy: number;
  teacherStyle: TeacherStyle;
}

/** One run of the grid: what it overrides in the trainer form's config (seed, method, and the teacher for distill/guide). */
export type GridRun = { method: Method; seed: number } & Partial<TeacherCell>;

/** "1, 0.9,0.7" → [1, 0.9, 0.7]; a value that is not a number, or a repeat, is one line of error (the range is the validator's). */
export function parseAccuracies(text: string): { values: number[] } | { error: string } {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.every((p) => p === '')) return { error: 'teacher accuracies: give at least one, e.g. 1, 0.9, 0.7' };
  const values: number[] = [];
  for (const p of parts) {
    const v = p === '' ? NaN : Number(p);
    if (!Number.isFinite(v)) return { error: `teacher accuracies: “${p}” is not a number (a comma list such as 1, 0.9, 0.7)` };
    if (values.includes(v)) return { error: `teacher accuracies: ${v} is listed twice` };
    values.push(v);
  }
  return { values };
}

/** Accuracies × styles, in the order given (accuracy first, as the CLI). */
export function teacherCells(accuracies: number[], styles: readonly TeacherStyle[]): TeacherCell[] {
  const ordered = TEACHER_STYLES.filter((s) => styles.includes(s));
  return accuracies.flatMap((teacherAccuracy) => ordered.map((teacherStyle) => ({ teacherAccuracy, teacherStyle })));
}

/**
 * Every run, in the CLI's order: seed by seed (so a stopped grid has the same seeds of every variant),
 * and within a seed, method by method with a teacher method's cells one after another.
 */
export function expandGrid(methods: readonly Method[], seeds: number, cells: readonly TeacherCell[]): GridRun[] {
  const variants = methods.flatMap((method) => (methodUsesTeacher(method) ? cells.map((c) => ({ method, ...c })) : [{ method }]));
  return Array.from({ length: seeds }, (_, seed) => variants.map((v) => ({ ...v, seed }))).flat();
}

/** "DISTILL · teacher 0.7 foreign", "VSPO": what a run of the grid is shown as before it has a config. */
export function gridRunLabel(r: GridRun, noise = 0): string {
  const teacher = r.teacherAccuracy !== undefined && r.teacherStyle !== undefined ? ` · ${teacherText({ teacherAccuracy: r.teacherAccuracy, teacherStyle: r.teacherStyle, teacherNoise: noise })}` : '';
  return `${r.method.toUpperCase()}${teacher}`;
}

export interface GridInputs {
  methods: readonly Method[];
  seeds: number;
  accuracies: string;
  styles: readonly TeacherStyle[];
}

export type GridPlan = { runs: GridRun[]; cells: TeacherCell[]; error?: undefined } | { error: string; runs?: undefined; cells?: undefined };

/**
 * The grid the launcher would run, each run checked as train.ts will start it: the form's typed values,
 * the run's overrides, the loaded vector's defaults for what is unset, then `validateRlConfig`. The first
 * error, naming the run, refuses the whole grid.
 */
export function planGrid(g: GridInputs, formValues: Partial<RlConfig>, vectorMeta?: object): GridPlan {
  if (!g.methods.length) return { error: 'pick at least one method' };
  const usesTeacher = g.methods.some(methodUsesTeacher);
  let cells: TeacherCell[] = [];
  if (usesTeacher) {
    const acc = parseAccuracies(g.accuracies);
    if ('error' in acc) return { error: acc.error };
    if (!g.styles.length) return { error: 'teacher style: pick own, foreign or both' };
    cells = teacherCells(acc.values, g.styles);
  }
  const runs = expandGrid(g.methods, g.seeds, cells);
  for (const r of runs) {
    const checked = validateRlConfig(withVectorDefaults({ ...formValues, ...r }, vectorMeta));
    if (checked.error) return { error: `${gridRunLabel(r)}: ${checked.error.message}` };
  }
  return { runs, cells };
}
