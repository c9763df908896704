// Steer: pick a behavior and checkpoint, move the intensity, watch held-out prompts regenerate live with
// the judge's markers highlighted; the dose-response curve shows behavior and accuracy against α.
import { useMemo } from 'react';
import { ALPHA_MAX, ALPHA_MIN, ALPHA_STEP, clampAlpha, useExperiment } from '../stores/experiment';
import { sweepAlphasOf, sweepKeyOf, useSteer } from '../stores/steer';
import { useSession } from '../stores/session';
import { ModelPicker } from '../components/ModelPicker';
import { Marked } from '../components/Marked';
import { DoseResponseCard } from '../components/DoseResponseCard';
import { LinesChart } from '../components/charts';
import { ACCURACY_COLOR, BEHAVIOR_COLOR, pick, useChartTheme } from '../components/chartTheme';
import { decodeValue } from '../lib/hash';
import { Term } from '../components/Term';

function IntensitySlider() {
  const alpha = useExperiment((s) => s.alpha);
  const set = useExperiment((s) => s.set);
  const nudge = useExperiment((s) => s.nudgeAlpha);
  // The dose measured when the vector was made (stored with it); α = 0 stays the start, so a talk opens unsteered.
  const recommended = useSession((s) => s.model?.vector?.alpha);
  return (
    <div className="panel">
      <div className="slider-row">
        <label htmlFor="alpha-slider" style={{ fontWeight: 700 }}>
          Steering intensity <Term k="alpha">α</Term>
        </label>
        <button type="button" onClick={() => nudge(-1)} aria-label="Decrease steering intensity" aria-keyshortcuts="ArrowLeft">
          −
        </button>
        <input
          id="alpha-slider"
          type="range"
          aria-label="Steering intensity"
          min={ALPHA_MIN}
          max={ALPHA_MAX}
          step={ALPHA_STEP}
          value={alpha}
          aria-valuetext={`α = ${alpha}`}
          onChange={(e) => set({ alpha: clampAlpha(Number(e.target.value)) })}
        />
        <button type="button" onClick={() => nudge(1)} aria-label="Increase steering intensity" aria-keyshortcuts="ArrowRight">
          +
        </button>
        <output className="alpha-value" htmlFor="alpha-slider" data-testid="alpha-value">
          {alpha.toFixed(1)}
        </output>
        <button type="button" onClick={() => set({ alpha: 0 })} disabled={alpha === 0}>
          Unsteered (α = 0)
        </button>
        {recommended !== undefined && (
          <button type="button" onClick={() => set({ alpha: clampAlpha(recommended) })} disabled={alpha === clampAlpha(recommended)} aria-keyshortcuts="V">
            Vector's dose (α = {recommended})
          </button>
        )}
      </div>
      <p className="muted slider-note" style={{ margin: '6px 0 0' }}>
        α = 1 adds the steering vector itself; ← / → move it by {ALPHA_STEP}. Generations update live.
      </p>
    </div>
  );
}

function Samples() {
  const generations = useSteer((s) => s.generations);
  const generating = useSteer((s) => s.generating);
  const shownAlpha = useSteer((s) => s.shownAlpha);
  const error = useSteer((s) => s.genError);
  const regenerate = useSteer((s) => s.regenerate);
  const model = useSession((s) => s.model);
  const prompts = useExperiment((s) => s.prompts);
  const seed = useExperiment((s) => s.seed);
  const temperature = useExperiment((s) => s.temperature);
  const set = useExperiment((s) => s.set);
  const mean = (k: 'accuracy' | 'behavior') => (generations.length ? generations.reduce((a, g) => a + g[k], 0) / generations.length : NaN);
  return (
    <section className="panel" aria-labelledby="samples-title">
      <div className="row">
        <h2 id="samples-title" style={{ margin: 0 }}>
          Held-out prompts (validation split), steered at α = {shownAlpha ?? '…'}
        </h2>
        <span className="spacer" />
        <span role="status" aria-live="polite" className="muted">
          {generating ? 'generating…' : generations.length ? `behavior ${mean('behavior').toFixed(2)} · accuracy ${mean('accuracy').toFixed(2)}` : ''}
        </span>
        <button type="button" onClick={() => void regenerate()} disabled={!model} aria-keyshortcuts="r">
          Regenerate
        </button>
      </div>
      <div className="controls" style={{ margin: '8px 0' }}>
        <label>
          Prompts
          <select value={prompts} onChange={(e) => set({ prompts: Number(e.target.value) })}>
            {[1, 2, 4, 6, 8].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          Seed
          <input type="text" inputMode="numeric" size={6} value={seed} onChange={(e) => Number.isInteger(Number(e.target.value)) && Number(e.target.value) >= 0 && set({ seed: Number(e.target.value) })} />
        </label>
        <label>
          Temperature
          <select value={temperature} onChange={(e) => set({ temperature: Number(e.target.value) })}>
            {[0, 0.5, 0.8, 1].map((t) => (
              <option key={t} value={t}>
                {t === 0 ? '0 (greedy)' : t}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">Highlighted: the judge’s markers for the behavior.</span>
      </div>
      <p className="muted decoding-note" data-testid="decoding-note">
        {temperature === 0
          ? 'Greedy decoding (T = 0): each prompt gets its single most likely answer, the same every time. The dose-response chart samples at T = 1 instead, so its rates can differ from these answers.'
          : `Sampled at T = ${temperature} with seed ${seed}: the same seed gives the same answers. The dose-response chart samples at T = 1.`}
      </p>
      {error ? (
        <p className="error-box" role="alert">
          Generation failed: {error}
        </p>
      ) : null}
      <ol className="samples" data-testid="samples" aria-busy={generating}>
        {generations.map((g, i) => (
          <li key={i} className="sample" data-testid="sample">
            <span className="prompt">{g.prompt}</span>
            <span className="response" data-testid="response">
              <Marked text={g.response} markers={g.markers} cursor={generating} />
            </span>
            <span className="scores">
              <span className={'badge ' + (g.accuracy >= 1 ? 'ok' : 'bad')}>{g.accuracy >= 1 ? 'correct' : 'wrong'}</span>{' '}
              <span className="badge beh">behavior {g.behavior.toFixed(2)}</span>
            </span>
          </li>
        ))}
        {!generations.length && !error ? <li className="muted">{model ? 'Generating…' : 'Waiting for a model.'}</li> : null}
      </ol>
    </section>
  );
}

function DoseResponse() {
  const t = useChartTheme();
  const alpha = useExperiment((s) => s.alpha);
  const sweepAlphas = useExperiment((s) => s.sweepAlphas);
  const sweepSamples = useExperiment((s) => s.sweepSamples);
  const set = useExperiment((s) => s.set);
  const points = useSteer((s) => s.sweep);
  const progress = useSteer((s) => s.sweepProgress);
  const error = useSteer((s) => s.sweepError);
  const cancel = useSteer((s) => s.sweepCancel);
  const key = useSteer((s) => s.sweepKey);
  const runSweep = useSteer((s) => s.runSweep);
  const cancelSweep = useSteer((s) => s.cancelSweep);
  const model = useSession((s) => s.model);
  const stale = points.length > 0 && key !== sweepKeyOf();
  const dose = model?.vector?.alpha;
  const swept = sweepAlphasOf(sweepAlphas, dose);
  const rows = useMemo(() => points.map((p) => ({ x: p.alpha, behavior: p.behavior, accuracy: p.accuracy, ...(p.behaviorCI ? { behavior_ci: [p.behaviorCI[0], p.behaviorCI[1]] as [number, number] } : {}) })), [points]);
  return (
    <DoseResponseCard
      title="Dose-response: behavior score and accuracy against steering intensity α"
      testId="dose-response"
      points={rows.length}
      note={
        <>
          Sampled at T = 1, {sweepSamples} held-out prompts per α (validation split): rates over many samples, unlike the few live answers; bars: 95% intervals of the behavior. Dashed: the slider’s α
          {dose !== undefined ? `; dotted: the vector’s dose (α = ${dose}, always swept)` : ''}. {stale ? <strong>Stale: the model or settings changed since.</strong> : null}
        </>
      }
      progress={progress}
      cancel={cancel}
      error={error}
      onCompute={() => void runSweep()}
      onCancel={() => void cancelSweep()}
      computeDisabled={!model}
      intensities={{
        text: sweepAlphas.join(','),
        commit: (text) => {
          const v = decodeValue(text, [] as number[]);
          const ok = Array.isArray(v) && v.length > 0 && v.length <= 32;
          if (ok) set({ sweepAlphas: v });
          return ok;
        },
        after:
          dose !== undefined && !sweepAlphas.includes(dose) ? (
            <span className="muted" title={`${swept.length} intensities in all`}>
              + α = {dose} (vector’s dose)
            </span>
          ) : null,
      }}
      samples={{ value: sweepSamples, options: [8, 16, 32, 64, 128], onChange: (n) => set({ sweepSamples: n }) }}
      emptyText="Press “Compute dose-response” (or D) to sweep the intensities."
    >
      <LinesChart
        rows={rows}
        xLabel="Steering intensity α"
        yLabel="Score"
        yDomain={[0, 1]}
        xTicks={rows.map((r) => r.x)}
        marks={[
          { x: alpha, label: `α = ${alpha} (slider)` },
          ...(dose !== undefined && dose !== alpha ? [{ x: dose, label: `vector's dose ${dose}`, dotted: true }] : []),
        ]}
        series={[
          { key: 'accuracy', name: 'Accuracy', color: pick(ACCURACY_COLOR, t), dashed: true },
          { key: 'behavior', name: 'Behavior score', color: pick(BEHAVIOR_COLOR, t), ci: rows.some((r) => r.behavior_ci) ? 'behavior_ci' : undefined },
        ]}
      />
    </DoseResponseCard>
  );
}

export function SteerView() {
  return (
    <div className="view steer-view">
      <div className="panel">
        <ModelPicker />
      </div>
      <IntensitySlider />
      <div className="grid2">
        <Samples />
        <DoseResponse />
      </div>
    </div>
  );
}
