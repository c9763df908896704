// Pretrain: a base model from scratch on the behavior's corpus, in the browser, on the backend chosen in
// the header — the same loop and metadata as `vspo pretrain`. The form (behavior, corpus rate, model size
// with its parameter count and memory, seed, steps, batch, learning rate), Start / Pause / Stop, a progress
// bar (step, ETA, tokens/s), and live charts: training and validation loss over steps, and greedy accuracy
// and the sampled behavior base rate on validation prompts at each evaluation. At the end the checkpoint
// is stored (kind 'pretrain') and is the loaded one.
import { useMemo } from 'react';
import { BEHAVIORS, isBehavior, type Behavior } from '../../data/types';
import { formatBytes } from '../lib/format';
import { ChartCard, EmptyChart } from '../components/ChartCard';
import { LinesChart } from '../components/charts';
import { ACCURACY_COLOR, BEHAVIOR_COLOR, pick, SERIES_COLORS, useChartTheme } from '../components/chartTheme';
import { ProgressBar } from '../components/Progress';
import { formatDuration } from '../lib/format';
import { CORPUS_RATES, formatCount, modelMemory, parsePretrain, PRETRAIN_DEFAULTS, PRETRAIN_LABELS, pretrainRows, type PretrainField } from '../lib/pretrain';
import { useExperiment } from '../stores/experiment';
import { isPretraining, usePretrain } from '../stores/pretrain';
import { useSession } from '../stores/session';
import { isLive, useTrain } from '../stores/train';

const pct = (x: number) => `${Number((x * 100).toPrecision(3))}%`;

const HINTS: Record<PretrainField, string> = {
  corpusRate: 'the corpus rate of the behavior: the share of corpus answers that show it; empty = the behavior’s default',
  dModel: 'residual width, divisible by the heads',
  nLayers: 'transformer blocks',
  nHeads: 'attention heads',
  seed: 'initialisation and batches',
  steps: 'optimizer steps',
  batch: 'examples per step',
  lr: 'AdamW peak, cosine decay, 100 warm-up steps',
  evalEvery: 'steps between evaluations: validation loss, greedy accuracy and the sampled behavior rate (256 validation prompts)',
};

function PField(props: { k: PretrainField; error?: string; disabled: boolean; placeholder?: string }) {
  const { k } = props;
  const value = usePretrain((s) => s.draft[k]);
  const setField = usePretrain((s) => s.setField);
  const id = `pt-${k}`;
  return (
    <div className="field compact pretrain-field">
      <label htmlFor={id} title={HINTS[k]}>
        {PRETRAIN_LABELS[k]}
      </label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        spellCheck={false}
        autoComplete="off"
        value={value}
        placeholder={props.placeholder}
        aria-invalid={!!props.error}
        aria-describedby={props.error ? `${id}-err` : undefined}
        disabled={props.disabled}
        onChange={(e) => setField(k, e.target.value)}
      />
      {props.error ? (
        <span className="err" id={`${id}-err`} role="alert">
          {props.error}
        </span>
      ) : null}
    </div>
  );
}

function ModelSize(props: { behavior: Behavior }) {
  const draft = usePretrain((s) => s.draft);
  const parsed = useMemo(() => parsePretrain(props.behavior, draft), [props.behavior, draft]);
  const c = parsed.config;
  if (!c) return <span className="muted">Model size: fix d, layers and heads.</span>;
  const m = modelMemory(c);
  return (
    <span data-testid="pretrain-size">
      <strong>{formatCount(m.params)} parameters</strong> ({m.params.toLocaleString()}) · weights {formatBytes(m.weightsBytes)} (f32) · about {formatBytes(m.trainingBytes)} while training (weights,
      gradients and two AdamW moments; activations on top) · context {c.contextLength} tokens, vocabulary {c.vocabSize}
    </span>
  );
}

function Form() {
  const behavior = usePretrain((s) => s.behavior);
  const setBehavior = usePretrain((s) => s.setBehavior);
  const draft = usePretrain((s) => s.draft);
  const reset = usePretrain((s) => s.reset);
  const phase = usePretrain((s) => s.phase);
  const busy = isPretraining({ phase });
  const parsed = useMemo(() => parsePretrain(behavior, draft), [behavior, draft]);
  const changed = (Object.keys(PRETRAIN_DEFAULTS) as PretrainField[]).some((k) => draft[k] !== PRETRAIN_DEFAULTS[k]);
  const field = (k: PretrainField, placeholder?: string) => <PField k={k} error={parsed.errors[k]} disabled={busy} placeholder={placeholder} />;
  return (
    <div role="group" aria-label="Pretraining settings">
      <div className="essentials">
        <div className="field compact pretrain-field">
          <label htmlFor="pt-behavior">Behavior</label>
          <select id="pt-behavior" value={behavior} disabled={busy} onChange={(e) => isBehavior(e.target.value) && setBehavior(e.target.value)}>
            {BEHAVIORS.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </div>
        {field('corpusRate', `${pct(CORPUS_RATES[behavior])} (default)`)}
        {field('dModel')}
        {field('nLayers')}
        {field('nHeads')}
        {field('seed')}
        {field('steps')}
        {field('batch')}
        {field('lr')}
        {field('evalEvery')}
        <button type="button" onClick={reset} disabled={busy || !changed}>
          Reset to defaults
        </button>
      </div>
      <p className="start-summary">
        <ModelSize behavior={behavior} />
      </p>
    </div>
  );
}

function Controls() {
  const phase = usePretrain((s) => s.phase);
  const { start, pause, resume, stop } = usePretrain.getState();
  const behavior = usePretrain((s) => s.behavior);
  const draft = usePretrain((s) => s.draft);
  const ready = useSession((s) => s.status === 'ready');
  const backend = useSession((s) => s.backend);
  const runLive = useTrain((s) => s.busy || s.runs.some(isLive));
  const valid = useMemo(() => !!parsePretrain(behavior, draft).request, [behavior, draft]);
  const busy = isPretraining({ phase });
  return (
    <div className="row controls-row">
      <button
        type="button"
        className="primary"
        onClick={() => void start()}
        disabled={!ready || !valid || busy || runLive}
        title={runLive ? 'A training run is in progress (Train view): stop it first' : `Pretrain on the ${backend === 'cpu' ? 'CPU' : 'WebGPU'} backend (switch it in the header)`}
      >
        Start pretraining
      </button>
      {phase === 'paused' || phase === 'pausing' ? (
        <button type="button" onClick={() => void resume()} aria-keyshortcuts="Space">
          Resume
        </button>
      ) : (
        <button type="button" onClick={() => void pause()} disabled={phase !== 'running'} aria-keyshortcuts="Space">
          Pause
        </button>
      )}
      <button type="button" className="danger" onClick={() => void stop()} disabled={!busy || phase === 'stopping'} title="Stops after the step in flight, then stores and loads the weights trained so far">
        {phase === 'stopping' ? 'Stopping…' : 'Stop'}
      </button>
      <span className="muted">
        Backend: <strong>{backend === 'cpu' ? 'CPU' : backend === 'webgpu' ? 'WebGPU' : '…'}</strong> (the header’s switch)
      </span>
      <span className="spacer" />
      <Status />
    </div>
  );
}

function Status() {
  const phase = usePretrain((s) => s.phase);
  const progress = usePretrain((s) => s.progress);
  const running = usePretrain((s) => s.running);
  const error = usePretrain((s) => s.error);
  const result = usePretrain((s) => s.result);
  const pausedAt = usePretrain((s) => s.pausedAt);
  const at = progress ? `step ${progress.step} of ${progress.steps}` : 'starting';
  const text = {
    idle: 'Not started.',
    running: `Pretraining ${running?.behavior ?? ''} — ${at}`,
    pausing: `Pausing — finishing ${at} first…`,
    paused: `Paused at ${pausedAt !== null && running ? `step ${pausedAt} of ${running.steps}` : at}`,
    stopping: `Stopping — finishing the step, then storing the weights…`,
    finished: `Finished: ${result ? `“${result.name}” is stored and loaded` : 'stored and loaded'}`,
    stopped: `Stopped at step ${result?.step ?? progress?.step ?? '?'}: ${result ? `“${result.name}” is stored and loaded` : 'stored and loaded'}`,
    failed: `Failed: ${error ?? 'unknown error'}`,
  }[phase];
  return (
    <span role="status" aria-live="polite" data-testid="pretrain-status" className={phase === 'pausing' || phase === 'stopping' ? 'pending' : phase === 'failed' ? 'error-text' : undefined}>
      {text}
    </span>
  );
}

function PretrainProgressBar() {
  const progress = usePretrain((s) => s.progress);
  const phase = usePretrain((s) => s.phase);
  if (!progress) return null;
  return (
    <ProgressBar value={progress.step} max={progress.steps} label="Pretraining progress">
      <span data-testid="pretrain-progress-step">
        Step {progress.step} / {progress.steps}
      </span>
      <span>ETA {phase === 'running' ? formatDuration(progress.etaMs) : '—'}</span>
      <span data-testid="pretrain-tps">{Number.isFinite(progress.tokensPerSec) ? `${Math.round(progress.tokensPerSec).toLocaleString()} tokens/s` : '— tokens/s'}</span>
      <span>{formatDuration(progress.elapsedMs)} elapsed</span>
      <span>loss {Number.isFinite(progress.loss) ? progress.loss.toFixed(3) : '—'}</span>
    </ProgressBar>
  );
}

function LossChart() {
  const history = usePretrain((s) => s.history);
  const rows = useMemo(() => pretrainRows(history).loss, [history]);
  const evalEvery = usePretrain((s) => s.running?.evalEvery);
  return (
    <ChartCard
      title="Training and validation loss"
      testId="pretrain-loss-chart"
      points={rows.length}
      note={`Cross-entropy per response token (nats). Solid: the training loss (smoothed), every step; dashed: the validation loss on 256 fixed corpus-style examples with validation operands${evalEvery ? `, every ${evalEvery} steps and after the last` : ''}.`}
    >
      {rows.length ? (
        <LinesChart
          rows={rows}
          xLabel="Training step"
          yLabel="Loss (nats)"
          syncId="pretrain"
          series={[
            { key: 'train', name: 'Training loss', color: SERIES_COLORS[0], noDots: rows.length > 40 },
            { key: 'val', name: 'Validation loss', color: SERIES_COLORS[1], dashed: true },
          ]}
        />
      ) : (
        <EmptyChart text="No steps yet: press “Start pretraining”." />
      )}
    </ChartCard>
  );
}

function EvalChart() {
  const t = useChartTheme();
  const history = usePretrain((s) => s.history);
  const rows = useMemo(() => pretrainRows(history).evals, [history]);
  const evalEvery = usePretrain((s) => s.running?.evalEvery);
  return (
    <ChartCard
      title="Greedy accuracy and sampled behavior base rate on validation prompts"
      testId="pretrain-eval-chart"
      points={rows.length}
      note={`256 validation prompts${evalEvery ? ` every ${evalEvery} steps and after the last` : ''}, no steering. Accuracy: greedy answers. Behavior: sampled at T = 1, the base rate steering and VSPO start from (kept rare by the corpus).`}
    >
      {rows.length ? (
        <LinesChart
          rows={rows}
          xLabel="Training step"
          yLabel="Rate"
          yDomain={[0, 1]}
          syncId="pretrain"
          series={[
            { key: 'accuracy', name: 'Greedy accuracy', color: pick(ACCURACY_COLOR, t), dashed: true },
            { key: 'behavior', name: 'Sampled behavior rate (T = 1)', color: pick(BEHAVIOR_COLOR, t) },
          ]}
        />
      ) : (
        <EmptyChart text="No evaluation yet: the first comes after the first N steps (and one after the last step)." />
      )}
    </ChartCard>
  );
}

function Result() {
  const result = usePretrain((s) => s.result);
  const phase = usePretrain((s) => s.phase);
  const model = useSession((s) => s.model);
  const go = useExperiment((s) => s.set);
  if (!result || (phase !== 'finished' && phase !== 'stopped')) return null;
  const loaded = model?.ref === result.ref;
  return (
    <section className="panel result-panel" aria-label="The pretrained checkpoint" data-testid="pretrain-result">
      <p style={{ margin: 0 }}>
        <strong>“{result.name}”</strong> is stored in this browser (kind <code>pretrain</code>, step {result.step ?? '?'}){loaded ? ' and is the loaded checkpoint' : ''}: it is listed in the
        Checkpoints view and in every checkpoint picker. It has no steering vector yet.
      </p>
      <div className="row" style={{ marginTop: 8 }}>
        <button type="button" className="primary" onClick={() => go({ view: 'vectors' })}>
          Extract a vector for it →
        </button>
        <button type="button" onClick={() => go({ view: 'steer' })}>
          See its answers (Steer)
        </button>
        <button type="button" onClick={() => go({ view: 'checkpoints' })}>
          Checkpoints
        </button>
      </div>
    </section>
  );
}

export function PretrainView() {
  return (
    <div className="view pretrain-view">
      <section className="panel run-panel" aria-label="Pretraining">
        <h2 style={{ margin: '0 0 8px' }}>Pretrain a base model</h2>
        <p className="muted lede" style={{ margin: '0 0 10px' }}>
          A fresh GPT trained on the behavior’s corpus, where the behavior is rare (answers are sloppy, the rare behavior-positive ones are right). The same loop and metadata as{' '}
          <code>vspo pretrain</code>: the same settings give the same weights.
        </p>
        <Form />
        <Controls />
        <PretrainProgressBar />
      </section>
      <Result />
      <div className="grid2">
        <LossChart />
        <EvalChart />
      </div>
    </div>
  );
}
