// Train: the run's essential settings (method, steps, seed, batch, grid) next to Start / Pause / Stop /
// Save checkpoint with a one-line summary of what Start runs, progress, and the live charts (hover synced
// across them): behavior and accuracy over steps (unsteered eval) for every run on the page, the behavior
// rate per intensity, reward / KL / clip fraction / entropy, the current rollouts; every other setting
// (validated inline) at the bottom.
import { useMemo, useState } from 'react';
import { ConfigForm, ESSENTIALS, Field, useParsedRl } from '../components/ConfigForm';
import { ModelPicker } from '../components/ModelPicker';
import { ChartCard, EmptyChart } from '../components/ChartCard';
import { LinesChart } from '../components/charts';
import { runColor, SERIES_COLORS, useChartTheme } from '../components/chartTheme';
import { RunName } from '../components/RunName';
import { LatestEval } from '../components/LatestEval';
import { ProgressBar } from '../components/Progress';
import { Marked } from '../components/Marked';
import { activeRun, isLive, useTrain, type Progress } from '../stores/train';
import { useSession } from '../stores/session';
import { alignmentRows, behaviorAccuracyRows, evalMetricRows, INTERNALIZATION, latestAlignment, metricRows, perIntensityRows, runLabel, type EvalKind, type RunView } from '../lib/runs';
import type { GlossaryKey } from '../lib/glossary';
import { Term } from '../components/Term';
import { isPretraining, usePretrain } from '../stores/pretrain';
import { formatDuration, fmt } from '../lib/format';

export const CENTRAL_TITLE = 'Behavior score and accuracy over steps (unsteered eval)';

export function EvalKindToggle(props: { value: EvalKind; onChange(v: EvalKind): void }) {
  return (
    <label className="muted" style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
      Eval
      <select value={props.value} onChange={(e) => props.onChange(e.target.value as EvalKind)} aria-label="Evaluation decoding">
        <option value="sampled">sampled (T = 1)</option>
        <option value="greedy">greedy</option>
      </select>
    </label>
  );
}

export function BehaviorAccuracyChart(props: { runs: RunView[]; title?: string; syncId?: string }) {
  const t = useChartTheme();
  const [kind, setKind] = useState<EvalKind>('sampled');
  const data = useMemo(() => behaviorAccuracyRows(props.runs, kind, (r) => runColor(r, t)), [props.runs, kind, t]);
  const splits = [...new Set(props.runs.flatMap((r) => r.history.map((m) => m.eval?.split).filter(Boolean)))].join(' / ');
  return (
    <ChartCard
      title={props.title ?? CENTRAL_TITLE}
      testId="behavior-accuracy-chart"
      points={data.points}
      note={`Held-out prompts${splits ? ` (${splits} split)` : ''}, no steering. Solid: behavior score; dashed: accuracy. A colour per run.`}
      actions={<EvalKindToggle value={kind} onChange={setKind} />}
    >
      {data.points ? (
        <LinesChart rows={data.rows} series={data.series} xLabel="Training step" yLabel="Score" yDomain={[0, 1]} syncId={props.syncId} />
      ) : (
        <EmptyChart text="No evaluation yet: start a run (Start above, or Space). Step 0 is evaluated before training." />
      )}
    </ChartCard>
  );
}

function MetricChart(props: { runs: RunView[]; metric: Parameters<typeof metricRows>[1]; title: string; yLabel: string; note?: string; yDomain?: [number, number]; glossary?: GlossaryKey[] }) {
  const t = useChartTheme();
  const data = useMemo(() => metricRows(props.runs, props.metric, (r) => runColor(r, t)), [props.runs, props.metric, t]);
  return (
    <ChartCard title={props.title} points={data.points} note={props.note} glossary={props.glossary}>
      {data.points ? <LinesChart rows={data.rows} series={data.series} xLabel="Training step" yLabel={props.yLabel} yDomain={props.yDomain} syncId="train" /> : <EmptyChart text="No steps yet." />}
    </ChartCard>
  );
}

export const INTERNALIZATION_TITLE = 'Internalization: projection of the unsteered residual on v̂';
export const LOG_ODDS_TITLE = "Decision token's unsteered log-odds";

/** Is the model taking the vector in? The unsteered model's projection on v̂ / the decision log-odds at each evaluation, a line per run (VSPO and baselines alike). */
export function InternalizationChart(props: { runs: RunView[]; which: 'projection' | 'logOdds'; syncId?: string; title?: string }) {
  const t = useChartTheme();
  const data = useMemo(() => evalMetricRows(props.runs, INTERNALIZATION[props.which], (r) => runColor(r, t)), [props.runs, props.which, t]);
  const projection = props.which === 'projection';
  const title = props.title ?? (projection ? INTERNALIZATION_TITLE : LOG_ODDS_TITLE);
  return (
    <ChartCard
      title={title}
      testId={projection ? 'internalization-chart' : 'log-odds-chart'}
      points={data.points}
      note={
        projection
          ? 'At each evaluation, no steering: the mean over prompts of ⟨h, v̂⟩, the residual after the vector’s block at the decision position, on the unit vector v̂ = v/‖v‖. Rising = the model moves along v by itself.'
          : 'At each evaluation, no steering: mean of log p(t⁺) − log(1 − p(t⁺)) for the behavior’s decision token t⁺ at the decision position. 0 = even odds.'
      }
    >
      {data.points ? (
        <LinesChart rows={data.rows} series={data.series} xLabel="Training step" yLabel={projection ? '⟨h, v̂⟩' : 'Log-odds'} syncId={props.syncId} />
      ) : (
        <EmptyChart text={props.runs.length ? 'Not measured: the runs’ checkpoint has no steering vector, or no evaluation yet.' : 'No evaluation yet: start a run. Measured at every evaluation whenever the checkpoint has a vector.'} />
      )}
    </ChartCard>
  );
}

function AlignmentChart(props: { run: RunView | undefined; which: 'ratio' | 'tv' }) {
  const data = useMemo(() => alignmentRows(props.run, props.which, SERIES_COLORS), [props.run, props.which]);
  const latest = latestAlignment(props.run);
  const ratio = props.which === 'ratio';
  const at = latest ? ` Latest (step ${latest.step}): ${latest.points.map((p) => `α ${p.alpha}: ${ratio ? (p.ratio === null ? '—' : `${p.ratio.toFixed(1)}×`) : p.tv.toFixed(2)}`).join(' · ')}.` : '';
  return (
    <ChartCard
      title={ratio ? 'Alignment per α: steered / unsteered behavior ratio' : 'Alignment per α: TV distance to the target'}
      testId={ratio ? 'alignment-ratio-chart' : 'alignment-tv-chart'}
      points={data.points}
      glossary={['alpha']}
      note={
        (ratio
          ? `${props.run ? runLabel(props.run) + ': ' : ''}behavior score steered at α over the unsteered one, at each evaluation (a line per α of the grid; — when the unsteered score is 0).`
          : `${props.run ? runLabel(props.run) + ': ' : ''}total-variation distance from the outcomes steered at α to the target (all mass on correct and behavior-positive) = 1 − the rewarded rate at α.`) + at
      }
    >
      {data.points ? (
        <LinesChart rows={data.rows} series={data.series} xLabel="Training step" yLabel={ratio ? 'Ratio' : 'TV'} yDomain={ratio ? undefined : [0, 1]} syncId="train" />
      ) : (
        <EmptyChart
          text={
            latest && ratio
              ? 'Not defined yet: the unsteered behavior score was 0 at every evaluation so far, and the ratio divides by it. The TV distance is always defined.'
              : 'No alignment measured yet.'
          }
        />
      )}
    </ChartCard>
  );
}

/** The alignment figures when the run measured them (evalAlignment), else how to turn them on. */
function Alignment(props: { run: RunView | undefined }) {
  if (latestAlignment(props.run)) return (
    <>
      <AlignmentChart run={props.run} which="ratio" />
      <AlignmentChart run={props.run} which="tv" />
    </>
  );
  return (
    <section className="panel clip-note" data-testid="alignment-note" aria-label="Alignment per α">
      <h3>Alignment per <Term k="alpha">α</Term>: not measured</h3>
      <p className="muted">
        Tick “{'Alignment per α at each eval'}” in the trainer settings (Evaluation and saving) to measure, at every evaluation and for each α of the grid, the steered / unsteered behavior ratio and
        the TV distance to the target (the bandit lab’s figures, on the model). It costs one sampled evaluation per α.
      </p>
    </section>
  );
}

function PerIntensityChart(props: { run: RunView | undefined }) {
  const data = useMemo(() => perIntensityRows(props.run, SERIES_COLORS), [props.run]);
  return (
    <ChartCard
      title="Behavior rate per intensity α (rollouts)"
      points={data.points}
      note={props.run ? `${runLabel(props.run)}: fraction of rollouts at each α with behavior score ≥ 0.5.` : 'The current run’s rollouts, by intensity.'}
    >
      {data.points ? <LinesChart rows={data.rows} series={data.series} xLabel="Training step" yLabel="Behavior rate" yDomain={[0, 1]} syncId="train" /> : <EmptyChart text="No rollouts yet." />}
    </ChartCard>
  );
}

function EssentialFields() {
  const parsed = useParsedRl();
  const live = useTrain((s) => isLive(activeRun(s)));
  return (
    <div className="essentials" role="group" aria-label="Run settings">
      {ESSENTIALS.map((k) => (
        <Field key={k} k={k} compact error={parsed.errors[k]} disabled={live} />
      ))}
    </div>
  );
}

/** What Start will run, in one line (the settings a newcomer must see before pressing it). */
function StartSummary() {
  const parsed = useParsedRl();
  const behavior = useSession((s) => s.model?.behavior);
  const c = parsed.config;
  if (!c) return <span className="muted">Fix the settings marked in red to start.</span>;
  const grid = c.method === 'vspo' ? `, intensities α ∈ {${c.intensityMode === 'grid' ? c.grid.join(', ') : `U[${c.aMin}, ${c.aMax}]`}}` : c.method === 'steer' ? `, fixed α = ${c.steerAlpha}` : '';
  return (
    <span data-testid="start-summary">
      Start runs <strong>{c.method.toUpperCase()}</strong>
      {behavior ? ` on ${behavior}` : ''} for <strong>{c.steps} steps</strong> (seed {c.seed}): {c.batchPrompts} prompts × {c.groupSize} rollouts a step{grid}. The rest: “More trainer
      settings” below.
    </span>
  );
}

function statusText(run: RunView, p: Progress | null): string {
  const at = p ? `step ${p.step} of ${p.steps}` : '';
  const inFlight = run.history.length ? `step ${(p?.step ?? 0) + 1} of ${p?.steps ?? '?'}` : 'the step-0 evaluation';
  switch (run.status) {
    case 'pausing':
      return `pausing — finishing ${inFlight} first…`;
    case 'stopping':
      return `stopping — finishing ${inFlight} first…`;
    case 'paused':
      return `paused at ${at}`;
    case 'device-lost': // the notice carries the reason and the resume button
      return `device lost${at ? ` at ${at}` : ''} — resume it from the notice or from Checkpoints → Runs`;
    default:
      return run.status;
  }
}

function ControlButtons() {
  const run = useTrain(activeRun);
  const busy = useTrain((s) => s.busy);
  const { start, pause, resume, stop, saveCheckpoint } = useTrain.getState();
  const ready = useSession((s) => s.status === 'ready' && !!s.model);
  const valid = !!useParsedRl().config;
  const pretraining = usePretrain((s) => isPretraining(s));
  const live = isLive(run);
  const status = run?.status;
  return (
    <>
      <button
        type="button"
        className="primary"
        onClick={() => void start()}
        disabled={!ready || !valid || live || busy || pretraining}
        aria-keyshortcuts="Space"
        title={pretraining ? 'A pretraining is in progress (Pretrain view): stop it or let it finish first' : undefined}
      >
        Start
      </button>
      <button type="button" onClick={() => void pause()} disabled={status !== 'running'} aria-keyshortcuts="Space">
        {status === 'pausing' ? 'Pausing…' : 'Pause'}
      </button>
      <button type="button" onClick={() => void resume()} disabled={status !== 'paused'} aria-keyshortcuts="Space">
        Resume
      </button>
      <button type="button" className="danger" onClick={() => void stop()} disabled={!live || status === 'stopping'}>
        {status === 'stopping' ? 'Stopping…' : 'Stop'}
      </button>
      <button type="button" onClick={() => void saveCheckpoint()} disabled={!ready}>
        Save checkpoint
      </button>
    </>
  );
}

function RunProgress() {
  const run = useTrain(activeRun);
  const progress = useTrain((s) => s.progress);
  if (!run || !progress) return null;
  return (
    <ProgressBar value={progress.step} max={progress.steps} label="Training progress">
      <span data-testid="progress-step">
        Step {progress.step} / {progress.steps}
      </span>
      <span>ETA {run.status === 'running' ? formatDuration(progress.etaMs ?? NaN) : '—'}</span>
      <span>{progress.tokensPerSec !== null ? `${Math.round(progress.tokensPerSec).toLocaleString()} tokens/s` : '— tokens/s'}</span>
      <span>{progress.msPerStep !== null ? `${(progress.msPerStep / 1000).toFixed(1)} s/step` : ''}</span>
    </ProgressBar>
  );
}

function Controls() {
  const run = useTrain(activeRun);
  const progress = useTrain((s) => s.progress);
  return (
    <section className="panel run-panel" aria-label="Training controls">
      <EssentialFields />
      <div className="row controls-row">
        <ControlButtons />
        <span className="spacer" />
        <span role="status" aria-live="polite" data-testid="run-status" className={run && (run.status === 'pausing' || run.status === 'stopping') ? 'pending' : undefined}>
          {run ? `${runLabel(run)}: ${statusText(run, progress)}${run.error && run.status !== 'device-lost' ? ` — ${run.error}` : ''}` : 'No run yet.'}
        </span>
      </div>
      <p className="start-summary">{isLive(run) ? null : <StartSummary />}</p>
      <RunProgress />
    </section>
  );
}

/** Clipping needs π_θ ≠ π_old: more than one inner epoch, or π_old taken under steering. */
function clipMatters(runs: RunView[], draft: { epochs: number; piOldSteered: boolean } | undefined): boolean {
  if (!runs.length) return !!draft && (draft.epochs > 1 || draft.piOldSteered);
  return runs.some((r) => Number(r.config.epochs ?? 1) > 1 || r.config.piOldSteered === true || r.history.some((m) => (m.clipFraction ?? 0) > 0));
}

function ClipFraction(props: { runs: RunView[] }) {
  const cfg = useParsedRl().config;
  if (clipMatters(props.runs, cfg)) return <MetricChart runs={props.runs} metric="clipFraction" title="Clip fraction" yLabel="Fraction" yDomain={[0, 1]} glossary={['clip']} />;
  return (
    <section className="panel clip-note" data-testid="clip-note" aria-label="Clip fraction">
      <h3>
        <Term k="clip">Clip fraction</Term>: not drawn
      </h3>
      <p className="muted">
        With one inner epoch (μ = 1) and π_old unsteered, each update is taken at π_old itself: every importance ratio is 1, nothing is clipped, and the chart would be a flat 0. Set “Inner epochs μ”
        above 1 (or “π_old under steering”) in More trainer settings to see it.
      </p>
    </section>
  );
}

function RolloutsTable() {
  const samples = useTrain((s) => s.samples);
  const run = useTrain(activeRun);
  return (
    <section className="panel" aria-labelledby="rollouts-title">
      <h3 id="rollouts-title">Current rollouts{run ? ` (${runLabel(run)}, step ${run.history[run.history.length - 1]?.step ?? 0})` : ''}</h3>
      {samples.length ? (
        <div className="table-wrap">
          <table className="data" data-testid="rollouts">
            <thead>
              <tr>
                <th className="num">group</th>
                <th className="num">α</th>
                <th>prompt → response</th>
                <th className="num">reward</th>
                <th className="num">advantage</th>
                <th className="num">accuracy</th>
                <th className="num">behavior</th>
              </tr>
            </thead>
            <tbody>
              {samples.map((s, i) => (
                <tr key={i}>
                  <td className="num">{s.group}</td>
                  <td className="num">{s.teacher ? 'teacher' : fmt(s.alpha, 2)}</td>
                  <td className="text">
                    <span className="muted">{s.prompt}</span>
                    <Marked text={s.response} markers={s.markers} />
                  </td>
                  <td className="num">{fmt(s.reward, 2)}</td>
                  <td className="num">{fmt(s.advantage, 2)}</td>
                  <td className="num">{fmt(s.accuracy, 0)}</td>
                  <td className="num">{fmt(s.behavior, 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">The rollouts of the latest step appear here.</p>
      )}
    </section>
  );
}

function RunsOnPage() {
  const runs = useTrain((s) => s.runs);
  const hide = useTrain((s) => s.hide);
  const clear = useTrain((s) => s.clear);
  const t = useChartTheme();
  if (!runs.length) return null;
  return (
    <div className="row" aria-label="Runs on this page">
      <span className="muted">Runs on this page:</span>
      {runs.map((r) => (
        <span key={r.id} className="badge" style={{ color: runColor(r, t) }}>
          <span className="swatch" style={{ background: runColor(r, t) }} aria-hidden="true" />
          <RunName id={r.id} name={runLabel(r)} /> · {r.method.toUpperCase()} · {r.status}{' '}
          {!isLive(r) ? (
            <button type="button" className="ghost" aria-label={`Hide ${runLabel(r)}`} onClick={() => hide(r.id)}>
              ×
            </button>
          ) : null}
        </span>
      ))}
      <button type="button" onClick={clear}>
        Clear finished
      </button>
    </div>
  );
}

export function TrainView() {
  const runs = useTrain((s) => s.runs);
  const run = useTrain(activeRun);
  const live = isLive(run);
  return (
    <div className="view train-view">
      <div className="panel">
        <ModelPicker disabled={live} />
      </div>
      <Controls />
      <BehaviorAccuracyChart runs={runs} syncId="train" />
      <LatestEval run={run ?? runs[runs.length - 1]} />
      <RunsOnPage />
      <div className="grid-small">
        <InternalizationChart runs={runs} which="projection" syncId="train" />
        <InternalizationChart runs={runs} which="logOdds" syncId="train" />
        <Alignment run={run ?? runs[runs.length - 1]} />
        <PerIntensityChart run={run ?? runs[runs.length - 1]} />
        <MetricChart runs={runs} metric="rewardMean" title="Reward (mean over rollouts)" yLabel="Reward" note="r = accuracy + λ · behavior reward" glossary={['lambda']} />
        <MetricChart runs={runs} metric="kl" title="KL to the reference (k3, token mean)" yLabel="KL" glossary={['kl', 'beta']} />
        <ClipFraction runs={runs} />
        <MetricChart runs={runs} metric="entropy" title="Entropy of the unsteered policy (nats)" yLabel="Entropy" />
      </div>
      <RolloutsTable />
      <ConfigForm disabled={live} exclude={ESSENTIALS} />
    </div>
  );
}
