// Compare: VSPO and the baselines overlaid — mean ± std bands over the seeds of each POOLED group, the
// behavior–accuracy trajectory of every run (a colour per run), the pooled summary (src/rl/summary.ts)
// and the runs that are not pooled with the reason. Runs come from this page and from IndexedDB.
import { useEffect, useMemo, useState } from 'react';
import { METHODS, type Method } from '../../rl/config';
import { ChartCard, EmptyChart } from '../components/ChartCard';
import { BandChart, TrajectoryChart } from '../components/charts';
import { methodColor, runColor, useChartTheme } from '../components/chartTheme';
import { ApartTable, PooledTable } from '../components/CompareTables';
import { groupRuns, THRESHOLD, type PooledGroup } from '../lib/compare';
import { trajectories, type EvalKind } from '../lib/runs';
import { useCheckpoints } from '../stores/checkpoints';
import { useExperiment } from '../stores/experiment';
import { useParsedRl } from '../components/ConfigForm';
import { isLive, useTrain } from '../stores/train';
import { BehaviorAccuracyChart, EvalKindToggle, InternalizationChart, INTERNALIZATION_TITLE } from './TrainView';

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

function bandGroups(groups: PooledGroup[], which: 'behavior' | 'accuracy', t: ReturnType<typeof useChartTheme>) {
  return groups.map((g) => ({ key: g.key, name: `${g.label}: mean of ${g.runs.length} seeds`, color: methodColor(g.method, t), dashed: g.variant > 0, band: g[which] }));
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
        <p className="muted" style={{ marginTop: 0 }}>
          Finished runs of one config (method, every setting but the seed, same budget), one run per seed. Steps to ≥ {THRESHOLD}: first evaluation where the behavior score (sampled, smoothed over 3
          evaluations) reaches τ; the median over seeds counts a miss as beyond the budget. AUC: mean behavior over the whole budget.
        </p>
        <PooledTable groups={pooled} />
      </section>
      <ApartTable runs={apart} />
    </div>
  );
}
