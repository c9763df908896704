// Behavior + checkpoint pickers and what the loaded model is. Names are shown as text.
import { useEffect } from 'react';
import { BEHAVIORS, isBehavior } from '../../data/types';
import { paramCount } from '../../model/config';
import { shippedRef, useExperiment } from '../stores/experiment';
import { useCheckpoints } from '../stores/checkpoints';
import { useSession } from '../stores/session';
import { isLive, useTrain } from '../stores/train';
import { WeightsLine } from './WeightsLine';
import { isRunCheckpoint } from '../lib/runs';

export function ModelPicker(props: { disabled?: boolean }) {
  // Other weights cannot be loaded while a run trains the current ones.
  const disabled = useTrain((s) => s.runs.some(isLive)) || props.disabled;
  const behavior = useExperiment((s) => s.behavior);
  const checkpoint = useExperiment((s) => s.checkpoint);
  const set = useExperiment((s) => s.set);
  const model = useSession((s) => s.model);
  const stored = useCheckpoints((s) => s.checkpoints);
  const loaded = useCheckpoints((s) => s.loaded);
  const refresh = useCheckpoints((s) => s.refresh);
  useEffect(() => {
    if (!loaded) void refresh();
  }, [loaded, refresh]);
  // Saved and imported checkpoints; a run's auto-saves are loaded from its row in the Checkpoints view (and listed here only while loaded).
  const options = stored.filter((c) => `db:${c.id}` === checkpoint || (!isRunCheckpoint(c) && (!c.behavior || c.behavior === behavior)));
  const known = checkpoint === shippedRef(behavior) || options.some((c) => `db:${c.id}` === checkpoint);
  return (
    <div className="controls">
      <label>
        Behavior
        <select value={behavior} disabled={disabled} onChange={(e) => isBehavior(e.target.value) && set({ behavior: e.target.value })}>
          {BEHAVIORS.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </label>
      <label>
        Checkpoint
        <select value={checkpoint} disabled={disabled} onChange={(e) => set({ checkpoint: e.target.value })}>
          <option value={shippedRef(behavior)}>shipped: {behavior}.safetensors</option>
          {options.map((c) => (
            <option key={c.id} value={`db:${c.id}`}>
              {c.name} ({c.kind === 'autosave' ? 'auto-save' : c.kind}
              {c.step !== undefined ? `, step ${c.step}` : ''})
            </option>
          ))}
          {!known ? <option value={checkpoint}>{model?.ref === checkpoint ? model.name : checkpoint}</option> : null}
        </select>
      </label>
      <ModelInfoLine />
    </div>
  );
}

export function ModelInfoLine() {
  const model = useSession((s) => s.model);
  const loading = useSession((s) => s.modelLoading);
  const error = useSession((s) => s.modelError);
  const status = useSession((s) => s.status);
  if (status === 'starting' || status === 'restarting') return <p className="muted" role="status">Starting the worker…</p>;
  if (loading) return <p className="muted" role="status">Loading {loading}…</p>;
  if (error) return <MissingModel error={error} />;
  if (!model) return null;
  const v = model.vector;
  return (
    <>
      <p className="muted model-info" data-testid="model-info" role="status">
        Loaded <strong>{model.name}</strong> ({model.behavior}
        {model.step !== undefined ? `, step ${model.step}` : ''})
        <span className="tech">
          {' '}
          · {(paramCount(model.config) / 1000).toFixed(0)}k parameters · d={model.config.dModel}, {model.config.nLayers} layers
          {v
            ? ` · vector: ${v.mode ?? '?'}${v.pca ? ' (PCA)' : ''}, layer ${v.layer ?? '?'}, ${v.window ?? 'decision'} window${typeof v.relativeScale === 'number' ? `, ‖v‖ = ${v.relativeScale.toFixed(2)}× the mean residual` : ''}`
            : ''}
        </span>
        {v ? null : ' · no steering vector for this behavior'}
      </p>
      <WeightsLine />
    </>
  );
}

function MissingModel(props: { error: string }) {
  const checkpoint = useExperiment((s) => s.checkpoint);
  const shipped = checkpoint.startsWith('shipped:') ? checkpoint.slice(8) : null;
  return (
    <div className="error-box" role="alert" data-testid="model-error">
      <strong>Could not load {shipped ? `the shipped checkpoint ${shipped}.safetensors` : 'the checkpoint'}:</strong> {props.error}
      {shipped ? (
        <p style={{ margin: '4px 0 0' }}>
          Shipped checkpoints live in <code>public/checkpoints/</code>. Make this one with{' '}
          <code>npm run -s vspo -- pretrain --behavior {shipped} --seed 0 --out public/checkpoints/{shipped}.safetensors</code> and add its steering vector with{' '}
          <code>npm run -s vspo -- vector --checkpoint public/checkpoints/{shipped}.safetensors --behavior {shipped} --out public/checkpoints/{shipped}.safetensors</code> (see the
          README), or import a checkpoint in the Checkpoints view.
        </p>
      ) : null}
    </div>
  );
}
