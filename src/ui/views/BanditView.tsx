// Bandit lab: the paper's bandit abstraction (src/bandit), simulated in a worker. Sliders set the
// alignment knob, the base rate, the group size, the intensity grid and the seeds; the page shows the
// alignment figures at those settings, one VSPO and one GRPO run's policy mass per arm, and — on
// "Run sweep" — iterations-to-τ against alignment for both methods with the crossover marked.
import { useEffect, useMemo, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { createBandit, DEFAULTS, LEVEL, type ArmKind } from '../../bandit';
import { ChartCard, EmptyChart } from '../components/ChartCard';
import { ProgressBar } from '../components/Progress';
import { LinesChart } from '../components/charts';
import { SERIES_COLORS, useChartTheme } from '../components/chartTheme';
import { useExperiment } from '../stores/experiment';
import { ArmMassChart, curveStats, fmtCount, IterationsCurve } from '../components/bandit/BanditCharts';
import { BANDIT_INPUT_DEFAULTS, CAPS, RANGES, baseRateOf, sweepKeyOf, useBandit, type BanditInputs } from '../stores/bandit';
import { alignmentsOf } from '../components/bandit/protocol';

const fmtRate = (v: number) => (v >= 0.01 ? String(Number(v.toPrecision(3))) : v.toExponential(1).replace('e-', '·10⁻').replace(/⁻(\d)/, (_, d: string) => '⁻' + '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]));
const fmtFig = (v: number) => (Number.isFinite(v) ? (v < 0.001 && v > 0 ? v.toExponential(1) : v.toFixed(3)) : '–');

function Slider(props: { id: string; label: string; name: string; k: keyof typeof RANGES; value: number; text: string; disabled?: boolean; onChange(v: number): void; hint?: ReactNode }) {
  const r = RANGES[props.k];
  return (
    <div>
      <div className="slider-row" style={{ gap: 10 }}>
        <label htmlFor={props.id} style={{ fontWeight: 700, minWidth: '9.5em' }}>
          {props.label}
        </label>
        <input
          id={props.id}
          type="range"
          aria-label={props.name}
          min={r.min}
          max={r.max}
          step={r.step}
          value={props.value}
          aria-valuetext={props.text}
          disabled={props.disabled}
          onChange={(e) => props.onChange(Number(e.target.value))}
          style={{ minWidth: 160 }}
        />
        <output htmlFor={props.id} data-testid={`${props.id}-value`} className="mono" style={{ fontWeight: 800, minWidth: '5.5ch', textAlign: 'right', fontSize: '1.15rem' }}>
          {props.text}
        </output>
      </div>
      {props.hint ? (
        <p className="muted" style={{ margin: '0 0 4px', fontSize: '0.8rem' }}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

function Settings() {
  // Only what the form shows: sweep progress must not redraw it.
  const s = useBandit(
    useShallow((b) => ({
      alignment: b.alignment,
      baseRateExp: b.baseRateExp,
      group: b.group,
      gridText: b.gridText,
      seeds: b.seeds,
      points: b.points,
      maxIterations: b.maxIterations,
      valid: !!b.settings,
      settingsError: b.settingsError,
      running: !!b.progress,
      set: b.set,
      reset: b.reset,
    })),
  );
  const set = s.set;
  const running = s.running;
  const changed = (Object.keys(BANDIT_INPUT_DEFAULTS) as (keyof BanditInputs)[]).some((k) => s[k] !== BANDIT_INPUT_DEFAULTS[k]);
  const rate = baseRateOf(s.baseRateExp);
  return (
    <form className="panel" aria-label="Bandit settings" onSubmit={(e) => e.preventDefault()} noValidate>
      <div className="row">
        <h2 style={{ margin: 0 }}>Bandit lab: VSPO against reward-shaped GRPO</h2>
        <span className="spacer" />
        {s.valid ? <span className="badge ok">valid</span> : <span className="badge bad" role="status">invalid settings</span>}
        <button type="button" onClick={s.reset} disabled={!changed}>
          Reset to defaults
        </button>
      </div>
      <p className="muted" style={{ margin: '4px 0 10px' }}>
        {DEFAULTS.arms} arms ({DEFAULTS.targets} target arms: correct and behavior-positive), reward r_acc + {DEFAULTS.lambda}·r_beh, policy π_θ = softmax(θ), steered
        π_θ^α = softmax(θ + α·s) with steering strength {DEFAULTS.strength}, learning rate {DEFAULTS.lr}; a run ends when the unsteered target mass π_θ(T) reaches τ ={' '}
        {DEFAULTS.tau}.
      </p>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 440px), 1fr))', gap: '6px 28px' }}>
        <Slider
          id="bandit-alignment"
          label="Alignment x"
          name="Alignment x"
          k="alignment"
          value={s.alignment}
          text={s.alignment.toFixed(2)}
          onChange={(v) => set({ alignment: Math.round(v * 100) / 100 })}
          hint="Mixes the steering direction: 1 = toward the target arms, 0 = random, −1 = toward the decoys. Sets the figures and the two runs below."
        />
        <Slider
          id="bandit-base-rate"
          label="Base rate"
          name="Base rate (log scale)"
          k="baseRateExp"
          value={s.baseRateExp}
          text={fmtRate(rate)}
          onChange={(v) => set({ baseRateExp: v })}
          hint="Target mass under the initial policy θ₀ (log scale): how rare the wanted behavior starts."
        />
        <Slider id="bandit-group" label="Group size G" name="Group size G" k="group" value={s.group} text={String(s.group)} onChange={(v) => set({ group: v })} hint="Samples per update, for both methods." />
        <Slider
          id="bandit-seeds"
          label="Seeds"
          name="Seeds"
          k="seeds"
          value={s.seeds}
          text={String(s.seeds)}
          disabled={running}
          onChange={(v) => set({ seeds: v })}
          hint={s.seeds < 10 ? 'Fewer than 10 seeds: quick, but the significance test is rough.' : 'Seeds per method and alignment in the sweep.'}
        />
        <Slider
          id="bandit-points"
          label="Sweep points"
          name="Sweep points"
          k="points"
          value={s.points}
          text={String(s.points)}
          disabled={running}
          onChange={(v) => set({ points: v })}
          hint={`Alignments swept: ${alignmentsOf(s.points).join(', ')}`}
        />
        <GridField />
        <div className="slider-row" style={{ gap: 10 }}>
          <label htmlFor="bandit-cap" style={{ fontWeight: 700, minWidth: '9.5em' }}>
            Iteration cap
          </label>
          <select id="bandit-cap" value={s.maxIterations} disabled={running} onChange={(e) => set({ maxIterations: Number(e.target.value) })}>
            {CAPS.map((c) => (
              <option key={c} value={c}>
                {c.toLocaleString('en-US')}
              </option>
            ))}
          </select>
          <span className="muted" style={{ fontSize: '0.8rem', flex: 1, minWidth: 200 }}>
            A run that has not reached τ by then stops and counts as censored (the CLI uses {DEFAULTS.maxIterations.toLocaleString('en-US')}).
          </span>
        </div>
      </div>
      {s.settingsError ? (
        <p className="error-box" role="alert" style={{ margin: '10px 0 0' }}>
          {s.settingsError}
        </p>
      ) : null}
    </form>
  );
}

function GridField() {
  const text = useBandit((s) => s.gridText);
  const error = useBandit((s) => s.gridError);
  const running = useBandit((s) => !!s.progress);
  const set = useBandit((s) => s.set);
  return (
    <div>
      <div className="slider-row" style={{ gap: 10 }}>
        <label htmlFor="bandit-grid" style={{ fontWeight: 700, minWidth: '9.5em' }}>
          Intensity grid
        </label>
        <input
          id="bandit-grid"
          type="text"
          spellCheck={false}
          autoComplete="off"
          value={text}
          disabled={running}
          aria-invalid={!!error}
          aria-describedby={error ? 'bandit-grid-err bandit-grid-hint' : 'bandit-grid-hint'}
          onChange={(e) => set({ gridText: e.target.value })}
          style={{ flex: 1, minWidth: 160, ...(error ? { borderColor: 'var(--danger)', background: '#fff5f5' } : {}) }}
        />
      </div>
      <p className="muted" id="bandit-grid-hint" style={{ margin: '0 0 4px', fontSize: '0.8rem' }}>
        VSPO’s steering intensities α, comma-separated; group slots take them in turn (GRPO is the grid {'{0}'}).
      </p>
      {error ? (
        <p id="bandit-grid-err" role="alert" style={{ margin: '0 0 4px', color: 'var(--danger)', fontWeight: 600, fontSize: '0.85rem' }}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** Subscribes to the progress alone, so its ticks redraw the bar and not the chart. */
function SweepProgress() {
  const progress = useBandit((s) => s.progress);
  if (!progress) return null;
  return (
    <ProgressBar value={progress.done} max={progress.total} label="Sweep progress">
      <span>
        {progress.done} / {progress.total} runs
      </span>
      <span>{progress.label}</span>
    </ProgressBar>
  );
}

function SweepCard() {
  const sweep = useBandit((s) => s.sweep);
  const running = useBandit((s) => !!s.progress);
  const error = useBandit((s) => s.sweepError);
  // Strings and booleans: moving a slider that the sweep does not depend on redraws nothing here.
  const currentKey = useBandit((s) => (s.settings ? sweepKeyOf(s.settings, s.points) : null));
  const valid = useBandit((s) => !!s.settings);
  const runSweep = useBandit((s) => s.runSweep);
  const cancel = useBandit((s) => s.cancelSweep);
  const rows = useMemo(() => sweep?.rows ?? [], [sweep]);
  const stats = useMemo(() => curveStats(rows), [rows]);
  const stale = !!sweep && !running && sweep.key !== currentKey;
  const summary = sweep?.summary ?? null;
  const crossover = summary?.crossover ?? null;
  const status = running ? 'running' : (sweep?.status ?? 'none');
  return (
    <ChartCard
      title="Iterations until the target mass reaches τ, against alignment x: VSPO and GRPO"
      testId="bandit-curve"
      points={rows.length}
      note={
        <>
          Log scale. Lines are the mean over seeds, shaded bands ± 1 std (cut at the axis floor); a hollow triangle marks a mean that includes runs stopped at the cap
          (the true mean is higher). GRPO ignores steering, so its line is flat.
          {stale ? <strong> Stale: the settings changed since this sweep.</strong> : null}
        </>
      }
      actions={
        running ? (
          <button type="button" className="danger" onClick={cancel}>
            Cancel sweep
          </button>
        ) : (
          <button type="button" className="primary" onClick={runSweep} disabled={!valid}>
            {rows.length ? 'Run sweep again' : 'Run sweep'}
          </button>
        )
      }
    >
      <div data-testid="bandit-curve-data" data-status={status} data-vspo-points={stats.vspoPoints} data-grpo-points={stats.grpoPoints} data-censored-points={stats.censoredPoints}>
        <SweepProgress />
        {error ? (
          <p className="error-box" role="alert">
            The sweep failed: {error}
          </p>
        ) : null}
        {sweep && rows.length ? (
          <IterationsCurve rows={rows} cap={sweep.settings.maxIterations} seeds={sweep.settings.seeds} alignments={sweep.alignments} crossover={crossover ? crossover.alignment : null} />
        ) : (
          <EmptyChart text={running ? 'Running GRPO once per seed, then VSPO at each alignment…' : 'Press “Run sweep” to compute the curve at these settings (a few seconds with the defaults).'} />
        )}
        <p role="status" aria-live="polite" data-testid="bandit-sweep-status" style={{ margin: '6px 0 0' }}>
          {sweepSummaryText(status, sweep, rows.length)}
        </p>
        {summary ? <SweepSummaryView /> : null}
      </div>
    </ChartCard>
  );
}

function sweepSummaryText(status: string, sweep: ReturnType<typeof useBandit.getState>['sweep'], n: number): string {
  if (!sweep) return '';
  if (status === 'running') return `Sweeping ${sweep.alignments.length} alignments × ${sweep.settings.seeds} seeds… ${n} of ${sweep.alignments.length} alignments done.`;
  if (status === 'cancelled') return `Sweep cancelled after ${n} of ${sweep.alignments.length} alignments${n ? ' (shown)' : ''}.`;
  if (status === 'failed') return `Sweep failed after ${n} of ${sweep.alignments.length} alignments.`;
  return `Sweep done: ${n} alignments × ${sweep.settings.seeds} seeds per method.`;
}

function SweepSummaryView() {
  const sweep = useBandit((s) => s.sweep)!;
  const summary = sweep.summary!;
  const c = summary.crossover;
  const th = summary.thresholds;
  return (
    <div style={{ marginTop: 6 }} data-testid="bandit-crossover">
      {c ? (
        <p style={{ margin: '0 0 4px' }}>
          <strong>Crossover at x ≈ {c.alignment.toFixed(2)}</strong> (between {c.bracket[0]} and {c.bracket[1]}): below it VSPO needs more iterations than GRPO on average. There,
          steering at the largest α has TV distance {fmtFig(c.tvAtMax)} to the target distribution and puts {fmtFig(c.targetMassAtMax)} of its mass on the target; one VSPO
          group samples the target with probability {fmtFig(c.targetMassMixture)} (base rate {fmtFig(sweep.settings.baseRate)}
          {th.liftOverBaseRate !== null ? `; runs beat GRPO once steering lifts it about ${fmtCount(th.liftOverBaseRate)}×` : ''}).
        </p>
      ) : (
        <p style={{ margin: '0 0 4px' }}>
          <strong>No crossover in the swept range:</strong> {summary.note}.
        </p>
      )}
      <p className="muted" style={{ margin: 0 }}>
        {summary.significantDownTo !== null
          ? `VSPO is significantly faster (one-sided Mann–Whitney, p < ${LEVEL}) at every swept x from 1 down to ${summary.significantDownTo}.`
          : `VSPO is not significantly faster (one-sided Mann–Whitney, p < ${LEVEL}) at the highest x swept.`}
        {sweep.settings.seeds < 10 ? ' With fewer than 10 seeds the test is rough.' : ''}
      </p>
    </div>
  );
}

function AlignmentPanel() {
  const figures = useBandit((s) => s.figures);
  const settings = useBandit((s) => s.settings);
  const alignment = useBandit((s) => s.alignment);
  const seeds = useBandit((s) => s.seeds);
  if (!figures || !settings)
    return (
      <section className="panel" aria-labelledby="bandit-fig-title">
        <h3 id="bandit-fig-title">Alignment under steering</h3>
        <p className="muted">Fix the settings above to see the alignment figures.</p>
      </section>
    );
  const pm = (m: number, sd: number) => (seeds > 1 && sd > 5e-4 ? `${fmtFig(m)} ± ${fmtFig(sd)}` : fmtFig(m));
  const top = Math.max(...settings.grid);
  const big = { fontSize: '1.5rem', fontWeight: 800, fontVariantNumeric: 'tabular-nums' as const };
  return (
    <section className="panel" aria-labelledby="bandit-fig-title" data-testid="bandit-figures">
      <h3 id="bandit-fig-title">Alignment under steering at x = {alignment.toFixed(2)} (mean over {seeds} seed{seeds > 1 ? 's' : ''}, at θ₀)</h3>
      <p className="muted" style={{ margin: '0 0 10px', fontSize: '0.85rem' }}>
        Target distribution q = the policy restricted to the target arms. TV(π^α, q) = 0 means steering samples exactly the target behavior; π^α(T) is the target mass it
        samples.
      </p>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(9em, 1fr))', gap: 12, marginBottom: 10 }}>
        <div>
          <div className="muted">TV distance at α = {top}</div>
          <div style={big} data-testid="bandit-tv">
            {pm(figures.tvAtMax.mean, figures.tvAtMax.std)}
          </div>
        </div>
        <div>
          <div className="muted">Target mass at α = {top}</div>
          <div style={big} data-testid="bandit-target-mass">
            {pm(figures.targetMassAtMax.mean, figures.targetMassAtMax.std)}
          </div>
        </div>
        <div>
          <div className="muted">cos(s, ideal direction)</div>
          <div style={{ ...big, fontSize: '1.1rem' }}>{pm(figures.cosine.mean, figures.cosine.std)}</div>
        </div>
      </div>
      <table className="data" aria-label="Alignment figures per steering intensity">
        <thead>
          <tr>
            <th className="num">intensity α</th>
            <th className="num">TV(π^α, q)</th>
            <th className="num">target mass π^α(T)</th>
          </tr>
        </thead>
        <tbody>
          {figures.perIntensity.map((p, i) => (
            <tr key={i}>
              <td className="num">{p.alpha}</td>
              <td className="num">{fmtFig(p.tv)}</td>
              <td className="num">{fmtFig(p.targetMass)}</td>
            </tr>
          ))}
          <tr>
            <td className="num">
              <strong>one VSPO group</strong> ({settings.group} slots, mixture)
            </td>
            <td className="num">
              <strong>{fmtFig(figures.tvMixture.mean)}</strong>
            </td>
            <td className="num">
              <strong>{fmtFig(figures.targetMassMixture.mean)}</strong>
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

function TraceCard(props: { method: 'vspo' | 'grpo' }) {
  const trace = useBandit((s) => s.trace);
  const tracing = useBandit((s) => s.tracing);
  const error = useBandit((s) => s.traceError);
  const valid = useBandit((s) => !!s.settings);
  const kinds: ArmKind[] = useMemo(() => (trace ? createBandit(trace.settings).arms.map((a) => a.kind) : []), [trace]);
  const t = trace?.[props.method];
  const name = props.method.toUpperCase();
  const x = trace?.settings.alignment;
  return (
    <ChartCard
      title={`${name}: policy mass per arm over iterations (one run${props.method === 'vspo' && x !== undefined ? ` at x = ${x.toFixed(2)}` : ''}, seed ${DEFAULTS.seed})`}
      testId={`bandit-trace-${props.method}`}
      points={t?.points.length ?? 0}
      note={
        t && trace ? (
          <>
            Unsteered π_θ after each update
            {props.method === 'vspo' ? ` (VSPO samples steered at α ∈ {${trace.settings.grid.join(', ')}}, updates θ)` : ' (GRPO samples from π_θ itself)'}.{' '}
            <strong>{t.censored ? `Never reached τ: stopped at the cap, ${fmtCount(t.iterations)} iterations.` : `Reached τ = ${trace.settings.tau} after ${fmtCount(t.iterations)} iterations.`}</strong>
            {tracing ? ' Updating…' : ''}
          </>
        ) : undefined
      }
    >
      {error ? (
        <p className="error-box" role="alert">
          {error}
        </p>
      ) : null}
      {t ? <ArmMassChart trace={t} kinds={kinds} tau={trace!.settings.tau} /> : <EmptyChart text={!valid ? 'Fix the settings to run.' : tracing ? 'Running…' : 'Waiting for the run…'} />}
    </ChartCard>
  );
}

/** The measured alignment figures along the sweep: what the knob x does to what steering samples. */
function MeasuredAlignmentCard() {
  const t = useChartTheme();
  const sweep = useBandit((s) => s.sweep);
  const rows = useMemo(
    () =>
      [...(sweep?.rows ?? [])]
        .sort((a, b) => a.alignment - b.alignment)
        .map((r) => ({ x: r.alignment, tv: r.figures.tvAtMax.median, mass: r.figures.targetMassAtMax.median, mix: r.figures.targetMassMixture.median })),
    [sweep],
  );
  if (!sweep || !rows.length) return null;
  const top = Math.max(...sweep.settings.grid);
  const c = sweep.summary?.crossover ?? null;
  return (
    <ChartCard
      title={`Measured alignment against the knob x: TV distance and target mass under steering at α = ${top}`}
      testId="bandit-measured"
      points={rows.length}
      note={`Median over the ${sweep.settings.seeds} seeds’ steering directions, at θ₀; the group mixture is what one VSPO group samples.${c ? ` Dashed vertical line: the crossover (x ≈ ${c.alignment.toFixed(2)}).` : ''}`}
    >
      <LinesChart
        rows={rows}
        xLabel="Alignment knob x"
        yLabel="TV / target mass"
        yDomain={[0, 1]}
        xDomain={[-1, 1]}
        xTicks={rows.length <= 11 ? rows.map((r) => r.x) : undefined}
        height={t.talk ? undefined : 240}
        marks={c ? [{ x: Number(c.alignment.toFixed(2)), label: '' }] : undefined}
        series={[
          { key: 'tv', name: `TV(π^α, q)`, color: SERIES_COLORS[0], dashed: true },
          { key: 'mass', name: `target mass π^α(T)`, color: SERIES_COLORS[2] },
          { key: 'mix', name: 'target mass, group mixture', color: SERIES_COLORS[3] },
        ]}
      />
    </ChartCard>
  );
}

export function BanditView() {
  const talk = useExperiment((s) => s.talk);
  useEffect(() => {
    useBandit.getState().ensureTrace();
  }, []);
  // Curve wide, figures beside it; one column in talk mode (projector) or on a narrow screen.
  const col = (grow: number, basis: number) => ({ flex: talk ? '1 1 100%' : `${grow} 1 ${basis}px`, minWidth: 0, display: 'flex', flexDirection: 'column' as const, gap: 'var(--gap)' });
  return (
    <div className="view bandit-view">
      <Settings />
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 'var(--gap)', alignItems: 'flex-start' }}>
        <div style={col(3, 620)}>
          <SweepCard />
        </div>
        <div style={col(2, 420)}>
          <AlignmentPanel />
          <MeasuredAlignmentCard />
        </div>
      </div>
      <div className="grid2">
        <TraceCard method="vspo" />
        <TraceCard method="grpo" />
      </div>
    </div>
  );
}
