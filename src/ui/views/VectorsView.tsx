// Vectors: the lab for a steering vector on the loaded checkpoint. Extract a candidate (mode, PCA, layer,
// window, pairs) with progress; read its norm, its norm relative to the mean residual at that layer, and
// its cosine to the checkpoint's other vectors; measure its dose-response on the validation split against
// a random vector of the same norm on the same axes, each point with its 95% interval; take the suggested
// dose (the smallest α within two standard errors of the best, the README's rule) and grid, and save the
// vector into the checkpoint (a new stored checkpoint, then loaded).
import { useEffect, useMemo } from 'react';
import { EXTRACTION_MODES, WINDOW_MODES, type ExtractionMode, type WindowMode } from '../../steering/types';
import { DoseResponseCard } from '../components/DoseResponseCard';
import { LinesChart } from '../components/charts';
import { useChartTheme } from '../components/chartTheme';
import { ModelPicker } from '../components/ModelPicker';
import { ProgressBar } from '../components/Progress';
import { Term } from '../components/Term';
import { suggestDose, suggestGrid } from '../lib/dose';
import { fmt } from '../lib/format';
import { decodeValue } from '../lib/hash';
import { effectiveLayer, labRows, parseAlphas } from '../lib/vectorLab';
import { useVectors } from '../stores/vectors';
import { useSession } from '../stores/session';
import { isLive, useTrain } from '../stores/train';
import { useWeights } from '../stores/weights';
import { isPretraining, usePretrain } from '../stores/pretrain';

const MODE_TEXT: Record<ExtractionMode, string> = {
  'caa-response': 'caa-response: teacher vs negative response',
  'caa-decision': 'caa-decision: positive vs negative prompts',
  unembed: 'unembed: decision token’s embedding',
  random: 'random: a seeded direction (control)',
};

/** What each mode computes, as the select's tooltip. */
const MODE_HELP =
  'caa-response: mean over pairs of the residual over the teacher’s response minus over a negative one. caa-decision: mean residual at the decision position, positive-kind minus negative-kind prompts. unembed: the positive decision token’s embedding minus its competitors’ mean, scaled to the caa-response norm (the shipped vectors). random: a seeded random direction with the caa-response norm, a control.';

/** The candidate's and the random control's colours: distinct in both modes and for colour-blind viewers. */
const CANDIDATE = { normal: '#D55E00', talk: '#C23B00' };
const RANDOM = { normal: '#555555', talk: '#000000' };

function Extract() {
  const model = useSession((s) => s.model);
  const { mode, pca, layer, window, pairs, seed, extracting, extractError, set, extract } = useVectors();
  const nLayers = model?.config.nLayers ?? 1;
  const shownLayer = effectiveLayer(layer, nLayers, model?.vector?.layer);
  const caa = mode === 'caa-response' || mode === 'caa-decision';
  const training = useTrain((s) => s.runs.some(isLive));
  const pretraining = usePretrain((s) => isPretraining(s));
  return (
    <section className="panel" aria-labelledby="extract-title">
      <h2 id="extract-title" style={{ margin: '0 0 8px' }}>
        Extract a candidate vector
      </h2>
      <div className="controls">
        <label>
          Mode
          <select value={mode} onChange={(e) => set({ mode: e.target.value as ExtractionMode })} disabled={!!extracting} aria-label="Extraction mode" title={MODE_HELP}>
            {EXTRACTION_MODES.map((m) => (
              <option key={m} value={m}>
                {MODE_TEXT[m]}
              </option>
            ))}
          </select>
        </label>
        <label className="check" title={caa ? 'First principal component of the differences, sign-aligned with the mean and scaled to its norm' : 'PCA applies to the caa modes only'}>
          <span>
            <input type="checkbox" checked={pca} disabled={!caa || !!extracting} onChange={(e) => set({ pca: e.target.checked })} /> PCA
          </span>
        </label>
        <label>
          Layer (block)
          <select value={shownLayer} onChange={(e) => set({ layer: Number(e.target.value) })} disabled={!!extracting || !model} aria-label="Layer">
            {Array.from({ length: nLayers }, (_, i) => (
              <option key={i} value={i}>
                {i}
                {i === model?.vector?.layer ? ' (the loaded vector’s)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Window
          <select value={window} onChange={(e) => set({ window: e.target.value as WindowMode })} disabled={!!extracting} aria-label="Window">
            {WINDOW_MODES.map((w) => (
              <option key={w} value={w}>
                {w}
                {w === 'decision' ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pairs
          <input type="text" inputMode="numeric" size={6} defaultValue={pairs} key={`p${pairs}`} onBlur={(e) => numberInto(e.target, 1, 10_000, (v) => set({ pairs: v }))} aria-label="Contrast pairs" />
        </label>
        <label>
          Seed
          <input type="text" inputMode="numeric" size={6} defaultValue={seed} key={`s${seed}`} onBlur={(e) => numberInto(e.target, 0, 2 ** 32 - 1, (v) => set({ seed: v }))} aria-label="Extraction seed" />
        </label>
        <button type="button" className="primary" onClick={() => void extract()} disabled={!model || !!extracting || training || pretraining} title={training || pretraining ? 'Wait for the run or the pretraining to end' : undefined}>
          {extracting ? 'Extracting…' : 'Extract vector'}
        </button>
      </div>
      <p className="muted" style={{ margin: '8px 0 0' }}>
        From the loaded checkpoint’s weights ({model?.name ?? '—'}), on train-split prompts, at the residual stream after block {shownLayer}; the {window} window is where steering adds it.
      </p>
      {extracting ? (
        <ProgressBar value={extracting.done} max={extracting.total} label="Extraction progress">
          <span>
            {extracting.done} / {extracting.total} sequences
          </span>
        </ProgressBar>
      ) : null}
      {extractError ? (
        <p className="error-box" role="alert">
          {extractError}
        </p>
      ) : null}
    </section>
  );
}

/** Writes a typed integer in [lo, hi] through `set`, or puts the field back. */
function numberInto(el: HTMLInputElement, lo: number, hi: number, set: (v: number) => void) {
  const v = Number(el.value.trim());
  if (Number.isInteger(v) && v >= lo && v <= hi) set(v);
  else el.value = el.defaultValue;
}

function Report() {
  const report = useVectors((s) => s.report);
  const saved = useVectors((s) => s.saved);
  const model = useSession((s) => s.model);
  if (!report) return null;
  const m = report.meta;
  const cos = Object.entries(report.cosine);
  const loaded = model?.vector;
  return (
    <section className="panel" aria-labelledby="report-title" data-testid="vector-report">
      <h3 id="report-title" style={{ margin: '0 0 6px' }}>
        {saved ? 'The saved vector' : 'The candidate'}: {m.mode}
        {m.pca ? ' (PCA)' : ''}, layer {m.layer}, {m.window} window, {m.pairs} pairs
      </h3>
      <table className="data vector-facts">
        <tbody>
          <tr>
            <th scope="row">norm ‖v‖</th>
            <td className="num" data-testid="vector-norm">
              {fmt(m.norm, 3)}
            </td>
            <td className="muted">α = 1 adds a vector of this length to the residual</td>
          </tr>
          <tr>
            <th scope="row">relative to the residual</th>
            <td className="num" data-testid="vector-relative">
              {typeof m.relativeScale === 'number' ? `${m.relativeScale.toFixed(3)}×` : '—'}
            </td>
            <td className="muted">‖v‖ over the mean residual norm after block {m.layer}: α × this is how big a push α is</td>
          </tr>
          {cos.length ? (
            cos.map(([b, c]) => (
              <tr key={b}>
                <th scope="row">cosine to the checkpoint’s {b} vector</th>
                <td className="num" data-testid={`cosine-${b}`}>
                  {fmt(c, 3)}
                </td>
                <td className="muted">
                  {b === model?.behavior && loaded ? `the loaded vector (${loaded.mode}, layer ${loaded.layer}, ‖v‖ = ${fmt(loaded.norm, 2)})` : '1 = same direction, 0 = unrelated'}
                </td>
              </tr>
            ))
          ) : (
            <tr>
              <th scope="row">cosine to other vectors</th>
              <td className="num">—</td>
              <td className="muted">the checkpoint has no other vectors</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function DoseResponse() {
  const t = useChartTheme();
  const report = useVectors((s) => s.report);
  const curves = useVectors((s) => s.curves);
  const sweeping = useVectors((s) => s.sweeping);
  const cancel = useVectors((s) => s.sweepCancel);
  const error = useVectors((s) => s.sweepError);
  const alphasText = useVectors((s) => s.alphasText);
  const samples = useVectors((s) => s.samples);
  const randomSeed = useVectors((s) => s.randomSeed);
  const { set, runSweep, cancelSweep } = useVectors.getState();
  const weights = useWeights((s) => s.weights);
  const rows = useMemo(() => (curves ? labRows(curves) : []), [curves]);
  const dose = useMemo(() => (curves ? suggestDose(curves.candidate) : null), [curves]);
  const trained = weights?.kind === 'run';
  return (
    <DoseResponseCard
      title="Dose-response: the candidate vs a random vector of the same norm"
      testId="lab-dose-response"
      points={rows.length}
      glossary={['alpha']}
      note={
        <>
          {report ? `Candidate: ${report.meta.mode}${report.meta.pca ? ' (PCA)' : ''}, layer ${report.meta.layer}. ` : ''}
          <strong>Validation</strong> split, T = 1, {curves?.samples ?? samples} prompts per α (the same for both). Bars: 95% intervals of the behavior rate. The random vector (seed{' '}
          {curves?.randomSeed ?? randomSeed}) has the candidate’s norm, layer and window.
        </>
      }
      progress={sweeping}
      progressDetail={sweeping ? (sweeping.which === 'candidate' ? 'the candidate' : 'the random control') : undefined}
      cancel={cancel}
      error={error}
      onCompute={() => void runSweep()}
      onCancel={() => void cancelSweep()}
      computeDisabled={!report || trained}
      computeTitle={trained ? 'Reset the weights to the checkpoint first' : undefined}
      intensities={{
        text: alphasText,
        commit: (text) => {
          const ok = !!parseAlphas(text);
          if (ok) set({ alphasText: text.trim() });
          return ok;
        },
      }}
      samples={{ value: samples, options: [8, 16, 32, 64, 128, 256, 512], onChange: (n) => set({ samples: n }), ariaLabel: 'Prompts per intensity' }}
      controlsClassName="lab-sweep-controls"
      emptyText={report ? 'Press “Compute dose-response” (or D) to sweep both vectors.' : 'Extract a candidate vector first.'}
    >
      <LinesChart
        rows={rows}
        xLabel="Steering intensity α"
        yLabel="Rate"
        yDomain={[0, 1]}
        xTicks={rows.map((r) => r.x as number)}
        marks={dose ? [{ x: dose.alpha, label: `suggested α = ${dose.alpha}` }] : undefined}
        series={[
          { key: 'cand_beh', name: 'Candidate: behavior', color: t.talk ? CANDIDATE.talk : CANDIDATE.normal, ci: 'cand_ci' },
          { key: 'rand_beh', name: 'Random, same norm: behavior', color: t.talk ? RANDOM.talk : RANDOM.normal, ci: 'rand_ci' },
          { key: 'cand_acc', name: 'Candidate: accuracy', color: t.talk ? CANDIDATE.talk : CANDIDATE.normal, dashed: true, faint: true },
          { key: 'rand_acc', name: 'Random: accuracy', color: t.talk ? RANDOM.talk : RANDOM.normal, dashed: true, faint: true },
        ]}
      />
    </DoseResponseCard>
  );
}

function SaveDose() {
  const curves = useVectors((s) => s.curves);
  const report = useVectors((s) => s.report);
  const doseText = useVectors((s) => s.doseText);
  const gridText = useVectors((s) => s.gridText);
  const saving = useVectors((s) => s.saving);
  const saved = useVectors((s) => s.saved);
  const { set, save } = useVectors.getState();
  const training = useTrain((s) => s.runs.some(isLive));
  const dose = useMemo(() => (curves ? suggestDose(curves.candidate) : null), [curves]);
  const grid = useMemo(() => (curves && dose ? suggestGrid(curves.alphas, dose.alpha) : null), [curves, dose]);
  if (!report) return null;
  const alphaValue = doseText ?? (dose ? String(dose.alpha) : '');
  const gridValue = gridText ?? (grid ? grid.join(',') : '');
  const alpha = Number(alphaValue);
  const gridParsed = decodeValue(gridValue.trim(), [] as number[]);
  const gridOk = Array.isArray(gridParsed) && gridParsed.length > 0 && gridParsed.length <= 256 && gridParsed.every((x) => typeof x === 'number' && Number.isFinite(x));
  const alphaOk = alphaValue.trim() !== '' && Number.isFinite(alpha);
  const at = dose && curves ? curves.candidate.find((p) => p.alpha === dose.alpha) : undefined;
  const rand = dose && curves ? curves.random.find((p) => p.alpha === dose.alpha) : undefined;
  return (
    <section className="panel" aria-labelledby="dose-title" data-testid="dose-panel">
      <h3 id="dose-title" style={{ margin: '0 0 6px' }}>
        Dose and grid
      </h3>
      {dose ? (
        <p style={{ margin: '0 0 8px' }} data-testid="dose-suggestion">
          Suggested <Term k="alpha">α</Term> = <strong>{dose.alpha}</strong>: the smallest α whose behavior is within two standard errors of the best (best {fmt(dose.best.behavior, 3)} at α = {dose.best.alpha}, SE{' '}
          {fmt(dose.best.se, 3)}, so ≥ {fmt(dose.threshold, 3)}).
          {at ? ` At α = ${dose.alpha}: behavior ${fmt(at.behavior, 3)} [${fmt(at.behaviorCI[0], 2)}, ${fmt(at.behaviorCI[1], 2)}], accuracy ${fmt(at.accuracy, 3)}` : ''}
          {rand ? `; the random vector: ${fmt(rand.behavior, 3)} [${fmt(rand.behaviorCI[0], 2)}, ${fmt(rand.behaviorCI[1], 2)}].` : '.'}
          {dose.noEffect ? <strong> No intensity beats α = 0 beyond noise: this vector does not steer the behavior.</strong> : null} Grid: 0 and the swept intensities up to the dose, sized to divide
          the group size G = 8.
        </p>
      ) : (
        <p className="muted" style={{ margin: '0 0 8px' }}>
          Compute the dose-response to get a suggested dose and grid (or type your own).
        </p>
      )}
      <div className="controls">
        <label>
          Dose α (Steer’s “V”, steer baseline)
          <input type="text" inputMode="decimal" size={8} value={alphaValue} onChange={(e) => set({ doseText: e.target.value })} aria-label="Dose α" aria-invalid={!alphaOk} />
        </label>
        <label>
          VSPO grid
          <input type="text" size={14} value={gridValue} onChange={(e) => set({ gridText: e.target.value })} aria-label="VSPO grid" aria-invalid={!gridOk} />
        </label>
        <button
          type="button"
          className="primary"
          disabled={!alphaOk || !gridOk || saving || training || !!saved}
          onClick={() => void save(alpha, gridParsed as number[])}
          title="Stores the candidate as the checkpoint’s vector with these doses (dose split: validation); the new checkpoint is saved and loaded"
        >
          {saving ? 'Saving…' : 'Save vector'}
        </button>
        {saved ? (
          <span role="status" data-testid="vector-saved">
            Saved into “{saved.name}” (α = {saved.alpha}, grid {saved.grid.join(', ')}): the loaded checkpoint now.
          </span>
        ) : null}
      </div>
    </section>
  );
}

/** Doses for the checkpoint are measured on the checkpoint's weights, not on what a run left in memory. */
function TrainedWeights() {
  const weights = useWeights((s) => s.weights);
  const report = useVectors((s) => s.report);
  if (weights?.kind !== 'run' || !report) return null;
  return (
    <p className="error-box" role="alert" data-testid="lab-trained-weights">
      A run’s trained weights are in memory: the dose-response of a vector for the checkpoint must be measured on the checkpoint’s weights. Use “Reset to checkpoint” in the panel above first.
    </p>
  );
}

export function VectorsView() {
  const model = useSession((s) => s.model);
  const syncCandidate = useVectors((s) => s.syncCandidate);
  useEffect(() => {
    if (model) void syncCandidate();
  }, [model, syncCandidate]);
  return (
    <div className="view vectors-view">
      <div className="panel">
        <ModelPicker />
      </div>
      <Extract />
      <Report />
      <TrainedWeights />
      <DoseResponse />
      <SaveDose />
    </div>
  );
}
