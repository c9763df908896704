// Compare: VSPO and the baselines overlaid — mean ± std bands over seeds, the behavior–accuracy
// trajectory of every run, and the summary table (steps to behavior ≥ 0.5, area under the behavior
// curve, final accuracy). Runs come from this page and from IndexedDB.
import { useEffect, useMemo, useState } from 'react';
import { METHODS, type Method } from '../../rl/config';
import { ChartCard, EmptyChart } from '../components/ChartCard';
import { BandChart, TrajectoryChart } from '../components/charts';
import { methodColor, useChartTheme } from '../components/chartTheme';
import { groupByMethod, pm, summarize } from '../lib/compare';
import { trajectories, type EvalKind } from '../lib/runs';
import { useCheckpoints } from '../stores/checkpoints';
import { useExperiment } from '../stores/experiment';
import { useParsedRl } from '../components/ConfigForm';
import { isLive, useTrain } from '../stores/train';
import { BehaviorAccuracyChart, EvalKindToggle } from './TrainView';

function Launcher() {
  const [methods, setMethods] = useState<Method[]>(['vspo', 'grpo']);
  const [seeds, setSeeds] = useState(3);
  const queue = useTrain((s) => s.queue);
  const runQueue = useTrain((s) => s.runQueue);
  const cancelQueue = useTrain((s) => s.cancelQueue);
  const live = useTrain((s) => s.runs.some(isLive));
  const valid = !!useParsedRl().config;
  const toggle = (m: Method) => setMethods(methods.includes(m) ? methods.filter((x) => x !== m) : [...methods, m]);
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
          <select value={seeds} onChange={(e) => setSeeds(Number(e.target.value))}>
            {[1, 2, 3, 4, 5].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="button" className="primary" disabled={!methods.length || live || !valid || queue.length > 0} onClick={() => void runQueue(methods, seeds)}>
          Run {methods.length * seeds} runs
        </button>
        {queue.length ? (
          <>
            <span role="status">{queue.length} queued</span>
            <button type="button" onClick={cancelQueue}>
              Cancel queue
            </button>
          </>
        ) : null}
      </div>
      <p className="muted" style={{ margin: '6px 0 0' }}>
        Same settings (Train view), same budget, seeds 0…{seeds - 1}; runs go one after another on the loaded checkpoint.
      </p>
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

export function CompareView() {
  const t = useChartTheme();
  const behavior = useExperiment((s) => s.behavior);
  const all = useTrain((s) => s.runs);
  const runs = useMemo(() => all.filter((r) => r.behavior === behavior), [all, behavior]);
  const [kind, setKind] = useState<EvalKind>('sampled');
  const groups = useMemo(() => groupByMethod(runs, kind), [runs, kind]);
  const summary = useMemo(() => summarize(groups, kind), [groups, kind]);
  const trajs = useMemo(() => trajectories(runs, kind, (m) => methodColor(m, t)), [runs, kind, t]);
  const bandGroups = (which: 'behavior' | 'accuracy') => groups.map((g) => ({ key: g.method, name: `${g.method.toUpperCase()} mean of ${g.runs.length} seed${g.runs.length > 1 ? 's' : ''}`, color: methodColor(g.method, t), band: g[which] }));
  const points = trajs.reduce((n, r) => n + r.points.length, 0);
  return (
    <div className="view compare-view">
      <Launcher />
      <StoredRuns />
      <div className="row">
        <span className="muted">
          {runs.length} run{runs.length === 1 ? '' : 's'} of <strong>{behavior}</strong> on this page.
        </span>
        <span className="spacer" />
        <EvalKindToggle value={kind} onChange={setKind} />
      </div>
      <div className="grid2">
        <ChartCard title="Behavior score over steps, mean ± std over seeds (unsteered eval)" points={groups.reduce((n, g) => n + g.behavior.length, 0)}>
          {groups.length ? <BandChart groups={bandGroups('behavior')} xLabel="Training step" yLabel="Behavior score" yDomain={[0, 1]} /> : <EmptyChart text="Run VSPO and a baseline (above) to compare." />}
        </ChartCard>
        <ChartCard title="Behavior–accuracy trajectory (unsteered eval, a point per evaluation)" points={points} note="Each path runs in step order; up = more behavior, right = more accurate.">
          {points ? <TrajectoryChart runs={trajs} /> : <EmptyChart text="No evaluations yet." />}
        </ChartCard>
        <ChartCard title="Accuracy over steps, mean ± std over seeds (unsteered eval)" points={groups.reduce((n, g) => n + g.accuracy.length, 0)}>
          {groups.length ? <BandChart groups={bandGroups('accuracy')} xLabel="Training step" yLabel="Accuracy" yDomain={[0, 1]} /> : <EmptyChart text="No runs yet." />}
        </ChartCard>
        <BehaviorAccuracyChart runs={runs} title="Behavior score and accuracy over steps, every run (unsteered eval)" />
      </div>
      <section className="panel" aria-labelledby="summary-title">
        <h3 id="summary-title">Summary (mean ± std over seeds)</h3>
        {summary.length ? (
          <table className="data" data-testid="compare-summary">
            <thead>
              <tr>
                <th>method</th>
                <th className="num">seeds</th>
                <th className="num">steps to behavior ≥ 0.5</th>
                <th className="num">area under behavior curve</th>
                <th className="num">final behavior</th>
                <th className="num">final accuracy</th>
              </tr>
            </thead>
            <tbody>
              {summary.map((s) => (
                <tr key={s.method}>
                  <th scope="row" style={{ color: methodColor(s.method, t) }}>
                    {s.method.toUpperCase()}
                  </th>
                  <td className="num">{s.seeds}</td>
                  <td className="num">
                    {s.stepsToThreshold.reached ? pm(s.stepsToThreshold, 1) : '—'}
                    {s.stepsToThreshold.reached < s.seeds ? ` (${s.stepsToThreshold.reached}/${s.seeds} reached)` : ''}
                  </td>
                  <td className="num">{pm(s.auc)}</td>
                  <td className="num">{pm(s.finalBehavior)}</td>
                  <td className="num">{pm(s.finalAccuracy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No runs of this behavior yet.</p>
        )}
      </section>
    </div>
  );
}
