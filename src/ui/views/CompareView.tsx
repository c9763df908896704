// Compare: VSPO and the baselines overlaid — mean ± std bands over the seeds of each POOLED group, the
// behavior–accuracy trajectory of every run (a colour per run), the pooled summary (src/rl/summary.ts)
// and the runs that are not pooled with the reason. Runs come from this page and from IndexedDB.
import { useEffect, useMemo, useState } from 'react';
import { TEACHER_STYLES, type TeacherStyle } from '../../data/types';
import { METHODS, methodUsesTeacher, type Method } from '../../rl/config';
import { ChartCard, EmptyChart } from '../components/ChartCard';
import { BandChart, TrajectoryChart } from '../components/charts';
import { methodColor, runColor, useChartTheme } from '../components/chartTheme';
import { ApartTable, PooledTable } from '../components/CompareTables';
import { groupRuns, THRESHOLD, type PooledGroup } from '../lib/compare';
import { runLegend, trajectories, type EvalKind } from '../lib/runs';
import { planGrid, type GridInputs } from '../lib/teacherGrid';
import { gridInputs, useCompare } from '../stores/compare';
import { useSession } from '../stores/session';
import { ProgressBar } from '../components/Progress';
import { useCheckpoints } from '../stores/checkpoints';
import { useExperiment } from '../stores/experiment';
import { useParsedRl } from '../components/ConfigForm';
import { isLive, useTrain } from '../stores/train';
import { BehaviorAccuracyChart, EvalKindToggle, InternalizationChart, INTERNALIZATION_TITLE } from './TrainView';

/** The teacher grid: accuracies × styles, for the methods that train on teacher traces. */
function TeacherGrid(props: { inputs: GridInputs; active: boolean; cells: number }) {
  const set = useCompare((s) => s.set);
  const { accuracies, styles } = props.inputs;
  const toggle = (st: TeacherStyle) => set({ styles: styles.includes(st) ? styles.filter((x) => x !== st) : [...styles, st] });
  return (
    <fieldset className="teacher-grid" disabled={!props.active} aria-describedby="teacher-grid-note">
      <legend>Teacher grid (distill, guide)</legend>
      <label className="row" style={{ gap: 6 }}>
        accuracies
        <input type="text" inputMode="decimal" size={12} value={accuracies} onChange={(e) => set({ accuracies: e.target.value })} aria-label="Teacher accuracies" placeholder="1, 0.9, 0.7" />
      </label>
      <span className="row" style={{ gap: 10 }} role="group" aria-label="Teacher styles">
        style
        {TEACHER_STYLES.map((st) => (
          <label key={st} className="row" style={{ gap: 4 }}>
            <input type="checkbox" checked={styles.includes(st)} onChange={() => toggle(st)} aria-label={`Teacher style ${st}`} />
            {st}
          </label>
        ))}
      </span>
      <span id="teacher-grid-note" className="muted teacher-grid-note">
        {props.active ? `${props.cells} teacher cell${props.cells === 1 ? '' : 's'} for each teacher method; the other methods run once per seed.` : 'Tick distill or guide to use a teacher grid.'}
      </span>
    </fieldset>
  );
}

/** The launched grid: which run of how many, its step, and how it ended. */
function GridProgress() {
  const grid = useCompare((s) => s.grid);
  const runs = useTrain((s) => s.runs);
  const progress = useTrain((s) => s.progress);
  const queued = useTrain((s) => s.queue.length);
  if (!grid) return null;
  const mine = grid.runIds.map((id) => runs.find((r) => r.id === id)).filter((r) => r !== undefined);
  const done = mine.filter((r) => r.status === 'finished').length;
  const current = mine.find(isLive);
  const fraction = current && progress && progress.steps > 0 ? Math.min(1, progress.step / progress.steps) : 0;
  if (grid.ended) {
    const text =
      grid.ended === 'done'
        ? `Comparison done: all ${grid.total} runs finished.`
        : grid.ended === 'cancelled'
          ? `Queue cancelled: ${done} of ${grid.total} runs finished.`
          : `Comparison stopped: ${done} of ${grid.total} runs finished; the rest were not started.`;
    return (
      <p className="muted" role="status" data-testid="grid-progress" style={{ margin: '8px 0 0' }}>
        {text}
      </p>
    );
  }
  return (
    <div data-testid="grid-progress" style={{ marginTop: 8 }}>
      <ProgressBar value={done + fraction} max={grid.total} label="Comparison progress">
        <span role="status">
          Run {Math.max(1, grid.runIds.length)} of {grid.total}
          {current ? ` · ${runLegend(current)} · step ${progress?.step ?? 0}/${progress?.steps ?? '?'}` : ''} · {done} finished{queued ? `, ${queued} queued` : ''}
        </span>
      </ProgressBar>
    </div>
  );
}

function Launcher() {
  const state = useCompare();
  const { methods, seeds, set, launch, cancel } = state;
  const queue = useTrain((s) => s.queue);
  const live = useTrain((s) => s.runs.some(isLive));
  const parsed = useParsedRl();
  const vector = useSession((s) => s.model?.vector);
  const inputs = gridInputs(state, parsed.config);
  // Cheap (a validation per run), so computed on every render: the button's count and the error are always current.
  const plan = parsed.config ? planGrid(inputs, parsed.values, vector) : { error: 'fix the trainer settings first (Train view)', runs: undefined, cells: undefined };
  const toggle = (m: Method) => set({ methods: methods.includes(m) ? methods.filter((x) => x !== m) : METHODS.filter((x) => x === m || methods.includes(x)) });
  const teacherMethods = methods.filter(methodUsesTeacher);
  const n = plan.runs?.length ?? 0;
  return (
    <section className="panel" aria-label="Run a comparison">
      <div className="row">
        <strong>Run a comparison</strong>
        {METHODS.map((m) => (
          <label key={m} className="row" style={{ gap: 4 }}>
            <input type="checkbox" checked={methods.includes(m)} onChange={() => toggle(m)} />
            {m}
          </label>
        ))}
        <label className="row" style={{ gap: 6 }}>
          seeds
          <select value={seeds} onChange={(e) => set({ seeds: Number(e.target.value) })}>
            {[1, 2, 3, 4, 5].map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <button type="button" className="primary" disabled={!n || live || queue.length > 0} onClick={() => void launch()}>
          Run {n} run{n === 1 ? '' : 's'}
        </button>
        {queue.length ? (
          <button type="button" onClick={cancel}>
            Cancel queue
          </button>
        ) : null}
      </div>
      <TeacherGrid inputs={inputs} active={teacherMethods.length > 0} cells={plan.cells?.length ?? 0} />
      {plan.error ? (
        <p className="error-text" role="alert" style={{ margin: '6px 0 0' }}>
          {plan.error}
        </p>
      ) : null}
      <p className="muted launcher-note" style={{ margin: '6px 0 0' }}>
        Same settings (Train view), same budget, seeds 0…{seeds - 1}, seed by seed; runs go one after another on the loaded checkpoint. The teacher grid overrides the Train view’s teacher accuracy
        and style for distill and guide (noise stays as set there).
      </p>
      <GridProgress />
    </section>
  );
}

function StoredRuns() {
  const runs = useCheckpoints((s) => s.runs);
  const loaded = useCheckpoints((s) => s.loaded);
  const refresh = useCheckpoints((s) => s.refresh);
  const onPage = useTrain((s) => s.runs);
  const reopen = useTrain((s) => s.reopen);
  const hide = useTrain((s) => s.hide);
  const behavior = useExperiment((s) => s.behavior);
  useEffect(() => {
    if (!loaded) void refresh();
  }, [loaded, refresh]);
  const mine = runs.filter((r) => r.behavior === behavior);
  if (!mine.length) return null;
  return (
    <details className="panel">
      <summary>
        <strong>Stored runs for {behavior}</strong> ({mine.length}) — tick to overlay
      </summary>
      <div className="row" style={{ marginTop: 8 }}>
        {mine.map((r) => {
          const shown = onPage.some((x) => x.id === r.id);
          return (
            <label key={r.id} className="row" style={{ gap: 4 }}>
              <input type="checkbox" checked={shown} onChange={() => (shown ? hide(r.id) : void reopen(r.id))} />
              {r.name} ({r.stepsDone} steps, {r.status})
            </label>
          );
        })}
      </div>
    </details>
  );
}

/** `hex` mixed with white by f (0 = itself). */
function tint(hex: string, f: number): string {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * f);
  return `#${[(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => mix(c).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A method's colour for each group; a teacher group is drawn dashed when the teacher's style is foreign,
 * and paler the less accurate its teacher is among the method's groups (so a 3 × 2 teacher grid is six
 * distinct lines, not one solid and five identical dashed ones).
 */
function bandGroups(groups: PooledGroup[], which: 'behavior' | 'accuracy', t: ReturnType<typeof useChartTheme>) {
  const accuracies = (method: string) => [...new Set(groups.filter((g) => g.method === method && g.teacher).map((g) => g.teacher!.accuracy))].sort((a, b) => b - a);
  return groups.map((g) => {
    const base = methodColor(g.method, t);
    const levels = accuracies(g.method);
    const rank = g.teacher ? levels.indexOf(g.teacher.accuracy) : 0;
    const color = g.teacher && levels.length > 1 ? tint(base, (rank / (levels.length - 1)) * (t.talk ? 0.45 : 0.55)) : base;
    const dashed = g.teacher ? g.teacher.style === 'foreign' : g.variant > 0;
    return { key: g.key, name: `${g.label}: mean of ${g.runs.length} seeds`, color, dashed, band: g[which] };
  });
}

export function CompareView() {
  const t = useChartTheme();
  const behavior = useExperiment((s) => s.behavior);
  const all = useTrain((s) => s.runs);
  const runs = useMemo(() => all.filter((r) => r.behavior === behavior), [all, behavior]);
  const [kind, setKind] = useState<EvalKind>('sampled');
  const { pooled, apart } = useMemo(() => groupRuns(runs, kind), [runs, kind]);
  const trajs = useMemo(() => trajectories(runs, kind, (r) => runColor(r, t)), [runs, kind, t]);
  const points = trajs.reduce((n, r) => n + r.points.length, 0);
  const bandPoints = (which: 'behavior' | 'accuracy') => pooled.reduce((n, g) => n + g[which].length, 0);
  const noBands = runs.length ? 'No pooled groups: bands need ≥ 2 finished seeds of one config (see “Not pooled” below).' : 'Run VSPO and a baseline (above) to compare.';
  return (
    <div className="view compare-view">
      <Launcher />
      <StoredRuns />
      <div className="row">
        <span className="muted">
          {runs.length} run{runs.length === 1 ? '' : 's'} of <strong>{behavior}</strong> on this page: {pooled.length} pooled group{pooled.length === 1 ? '' : 's'}, {apart.length} not pooled.
        </span>
        <span className="spacer" />
        <EvalKindToggle value={kind} onChange={setKind} />
      </div>
      <div className="grid2">
        <ChartCard title="Behavior score over steps, mean ± std over the seeds of each pooled group (unsteered eval)" points={bandPoints('behavior')}>
          {pooled.length ? <BandChart groups={bandGroups(pooled, 'behavior', t)} xLabel="Training step" yLabel="Behavior score" yDomain={[0, 1]} /> : <EmptyChart text={noBands} />}
        </ChartCard>
        <ChartCard title="Behavior–accuracy trajectory (unsteered eval, a point per evaluation)" points={points} note="Each path runs in step order; up = more behavior, right = more accurate. A colour per run.">
          {points ? <TrajectoryChart runs={trajs} /> : <EmptyChart text="No evaluations yet." />}
        </ChartCard>
        <ChartCard title="Accuracy over steps, mean ± std over the seeds of each pooled group (unsteered eval)" points={bandPoints('accuracy')}>
          {pooled.length ? <BandChart groups={bandGroups(pooled, 'accuracy', t)} xLabel="Training step" yLabel="Accuracy" yDomain={[0, 1]} /> : <EmptyChart text={noBands} />}
        </ChartCard>
        <BehaviorAccuracyChart runs={runs} title="Behavior score and accuracy over steps, every run (unsteered eval)" />
        <InternalizationChart runs={runs} which="projection" title={`${INTERNALIZATION_TITLE}, every run`} />
        <InternalizationChart runs={runs} which="logOdds" title="Decision token's unsteered log-odds, every run" />
      </div>
      <section className="panel" aria-labelledby="summary-title">
        <h3 id="summary-title">Pooled over seeds (mean ± std, 95% bootstrap CI)</h3>
        <p className="muted talk-hide" style={{ marginTop: 0 }}>
          Finished runs of one config (method, every setting but the seed, same budget), one run per seed. Steps to ≥ {THRESHOLD}: first evaluation where the behavior score (sampled, smoothed over 3
          evaluations) reaches τ; the median over seeds counts a miss as beyond the budget. AUC: mean behavior over the whole budget.
        </p>
        <PooledTable groups={pooled} />
      </section>
      <ApartTable runs={apart} />
    </div>
  );
}
