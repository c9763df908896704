// Checkpoints and runs: list, load, save, rename, delete, export (.safetensors), import (file picker
// and drag and drop — refused with the decoder's message, nothing written), past runs from IndexedDB
// (reopen their charts, export JSON / CSV), storage use against the quota.
import { useEffect, useRef, useState } from 'react';
import type { CheckpointRecord, RunRecord } from '../../store/db';
import { isBehavior } from '../../data/types';
import { useCheckpoints } from '../stores/checkpoints';
import { shippedRef, useExperiment } from '../stores/experiment';
import { getClient, useSession } from '../stores/session';
import { downloadBlob, safeFilename } from '../lib/download';
import { defaultSaveName, isLive, useTrain } from '../stores/train';
import { useWeights } from '../stores/weights';
import { notify } from '../stores/ui';
import { formatBytes, formatDate } from '../lib/format';
import { ModelInfoLine } from '../components/ModelPicker';
import { RunName } from '../components/RunName';
import { isRunCheckpoint, resumability } from '../lib/runs';

function Storage() {
  const est = useCheckpoints((s) => s.estimate);
  if (!est) return <p className="muted">Storage use: not reported by this browser.</p>;
  const pct = est.quota > 0 ? (est.usage / est.quota) * 100 : 0;
  return (
    <div className="storage" data-testid="storage">
      <p style={{ margin: '0 0 4px' }}>
        Storage: <strong>{formatBytes(est.usage)}</strong> used of {formatBytes(est.quota)} available to this site ({pct < 0.1 ? '< 0.1' : pct.toFixed(1)}%).
      </p>
      <div className="bar" role="meter" aria-label="Storage used" aria-valuemin={0} aria-valuemax={est.quota} aria-valuenow={est.usage}>
        <div className="fill" style={{ width: `${Math.min(100, Math.max(0.5, pct))}%` }} />
      </div>
    </div>
  );
}

function SaveCurrent() {
  const model = useSession((s) => s.model);
  const weights = useWeights((s) => s.weights);
  const runs = useTrain((s) => s.runs);
  const ready = useSession((s) => s.status === 'ready');
  const save = useTrain((s) => s.saveCheckpoint);
  const refresh = useCheckpoints((s) => s.refresh);
  const [name, setName] = useState('');
  const placeholder = model ? defaultSaveName(weights, runs, model) : 'checkpoint name';
  return (
    <form
      className="row"
      onSubmit={async (e) => {
        e.preventDefault();
        await save(name.trim() || undefined);
        setName('');
        await refresh();
      }}
    >
      <label className="row" style={{ gap: 6 }}>
        Name
        {/* As wide as the default name (up to 40 characters), so the name Save would use is readable whole. */}
        <input type="text" value={name} placeholder={placeholder} size={Math.min(40, Math.max(20, placeholder.length + 1))} onChange={(e) => setName(e.target.value)} maxLength={120} aria-label="New checkpoint name" />
      </label>
      <button type="submit" className="primary" disabled={!ready || !model}>
        Save checkpoint
      </button>
      <button
        type="button"
        disabled={!ready || !model}
        onClick={async () => {
          try {
            const bytes = await getClient().exportCheckpoint();
            downloadBlob(bytes as Uint8Array<ArrayBuffer>, safeFilename(name.trim() || `${model?.behavior ?? 'model'}-current`, '.safetensors'), 'application/octet-stream');
          } catch (e) {
            notify({ kind: 'error', text: `Could not export: ${(e as Error)?.message ?? e}` });
          }
        }}
      >
        Export checkpoint
      </button>
      <span className="muted">The model in the worker now (after training: the trained weights).</span>
    </form>
  );
}

function Import() {
  const importFiles = useCheckpoints((s) => s.importFiles);
  const importing = useCheckpoints((s) => s.importing);
  const error = useCheckpoints((s) => s.importError);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <div
      className={'dropzone' + (over ? ' over' : '')}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void importFiles(e.dataTransfer.files);
      }}
    >
      <p style={{ margin: '0 0 8px' }}>Drop .safetensors checkpoints here, or</p>
      <input
        ref={input}
        type="file"
        accept=".safetensors,application/octet-stream"
        multiple
        hidden
        data-testid="import-input"
        onChange={(e) => {
          if (e.target.files) void importFiles(e.target.files);
          e.target.value = '';
        }}
      />
      <button type="button" className="primary" onClick={() => input.current?.click()} disabled={importing}>
        Import checkpoint
      </button>
      {importing ? <p role="status">Checking…</p> : null}
      {error ? (
        <p className="error-box" role="alert" data-testid="import-error" style={{ whiteSpace: 'pre-wrap', textAlign: 'left', marginTop: 10 }}>
          Import refused, nothing was written. {error}
        </p>
      ) : null}
    </div>
  );
}

function CheckpointRow(props: { c: CheckpointRecord }) {
  const { c } = props;
  const [name, setName] = useState(c.name);
  const rename = useCheckpoints((s) => s.rename);
  const remove = useCheckpoints((s) => s.remove);
  const exportCheckpoint = useCheckpoints((s) => s.exportCheckpoint);
  const set = useExperiment((s) => s.set);
  const current = useExperiment((s) => s.checkpoint) === `db:${c.id}`;
  useEffect(() => setName(c.name), [c.name]);
  return (
    <tr data-testid="checkpoint-row" aria-current={current || undefined}>
      <td className="name-cell">
        <form
          className="row"
          style={{ flexWrap: 'nowrap' }}
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim() && name !== c.name) void rename(c.id, name);
          }}
        >
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} aria-label={`Name of checkpoint ${c.name}`} maxLength={120} />
          <button type="submit" disabled={!name.trim() || name === c.name}>
            Rename
          </button>
        </form>
      </td>
      <td>{c.kind}</td>
      <td>{c.behavior ?? '—'}</td>
      <td className="num">{c.step ?? '—'}</td>
      <td className="num">{formatBytes(c.size)}</td>
      <td>{formatDate(c.createdAt)}</td>
      <td>
        <div className="row" style={{ gap: 6 }}>
          <button
            type="button"
            onClick={() => {
              set({ ...(c.behavior && isBehavior(c.behavior) ? { behavior: c.behavior } : {}), checkpoint: `db:${c.id}` });
              notify({ kind: 'info', text: `Loading “${c.name}”.` });
            }}
            disabled={current}
          >
            {current ? 'Loaded' : 'Load'}
          </button>
          <button type="button" onClick={() => void exportCheckpoint(`db:${c.id}`)}>
            Export checkpoint
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (confirm(`Delete the checkpoint “${c.name}”? This cannot be undone.`)) void remove(c.id);
            }}
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

/** A run's status, and for one that did not finish whether it can be resumed (and from which step). */
function RunStatusCell(props: { r: RunRecord; onPage: boolean; elsewhere: boolean }) {
  const checkpoints = useCheckpoints((s) => s.checkpoints);
  const { r } = props;
  const res = resumability(r, checkpoints, props.elsewhere);
  const live = props.onPage && (r.status === 'running' || r.status === 'paused');
  return (
    <td data-testid="run-status-cell">
      <strong>{r.status}</strong>
      {r.message ? <span className="muted"> — {r.message}</span> : null}
      {r.status !== 'finished' && !live ? (
        <div className={res.ok ? 'resume-ok' : 'muted'} data-testid="resumability">
          {res.text}
        </div>
      ) : null}
    </td>
  );
}

function AutosaveButton(props: { r: RunRecord }) {
  const checkpoints = useCheckpoints((s) => s.checkpoints);
  const set = useExperiment((s) => s.set);
  const current = useExperiment((s) => s.checkpoint);
  const auto = props.r.autosaveId ? checkpoints.find((c) => c.id === props.r.autosaveId) : undefined;
  if (!auto) return null;
  const ref = `db:${auto.id}`;
  return (
    <button
      type="button"
      disabled={current === ref}
      title="Load the weights of this run's last auto-save (in the Steer view, for instance)"
      onClick={() => set({ ...(isBehavior(props.r.behavior) ? { behavior: props.r.behavior } : {}), checkpoint: ref })}
    >
      {current === ref ? 'Auto-save loaded' : `Load auto-save (step ${auto.step ?? '?'})`}
    </button>
  );
}

function Runs() {
  const runs = useCheckpoints((s) => s.runs);
  const checkpoints = useCheckpoints((s) => s.checkpoints);
  const exportRun = useCheckpoints((s) => s.exportRun);
  const deleteRun = useCheckpoints((s) => s.deleteRun);
  const reopen = useTrain((s) => s.reopen);
  const resumeStored = useTrain((s) => s.resumeStored);
  const onPage = useTrain((s) => s.runs);
  const liveRuns = useCheckpoints((s) => s.liveRuns);
  const set = useExperiment((s) => s.set);
  if (!runs.length) return <p className="muted">No runs stored yet. Every training run is recorded here with its config and metrics.</p>;
  return (
    <div className="table-wrap">
      <table className="data" data-testid="runs">
        <thead>
          <tr>
            <th>run</th>
            <th>behavior</th>
            <th>method</th>
            <th>status</th>
            <th className="num">steps</th>
            <th>started</th>
            <th>actions</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            // The worker records every step of a live run into its stored record: deleting it would fail them all.
            const live = onPage.some((x) => x.id === r.id && isLive(x));
            // Held by a worker yet not followed here: another tab is training it.
            const elsewhere = !!liveRuns?.has(r.id) && !onPage.some((x) => x.id === r.id);
            return (
              <tr key={r.id} data-testid="run-row">
                <td>
                  <RunName id={r.id} name={r.name} />
                </td>
                <td>{r.behavior}</td>
                <td>{r.method}</td>
                <RunStatusCell r={r} onPage={onPage.some((x) => x.id === r.id && x.status !== 'interrupted')} elsewhere={elsewhere} />
                <td className="num">{r.stepsDone}</td>
                <td>{formatDate(r.createdAt)}</td>
                <td>
                  <div className="row" style={{ gap: 6 }}>
                    <button
                      type="button"
                      onClick={async () => {
                        await reopen(r.id);
                        set({ view: 'compare', ...(isBehavior(r.behavior) ? { behavior: r.behavior, checkpoint: useExperiment.getState().checkpoint } : {}) });
                      }}
                    >
                      {onPage.some((x) => x.id === r.id) ? 'Show charts' : 'Open charts'}
                    </button>
                    {resumability(r, checkpoints, elsewhere).ok && !live ? (
                      <button type="button" onClick={() => void resumeStored(r.id)} title="Continue from the last auto-save">
                        Resume
                      </button>
                    ) : null}
                    <AutosaveButton r={r} />
                    <button type="button" onClick={() => void exportRun(r.id, 'json')}>
                      Export JSON
                    </button>
                    <button type="button" onClick={() => void exportRun(r.id, 'csv')}>
                      Export CSV
                    </button>
                    <button
                      type="button"
                      className="danger"
                      disabled={live || elsewhere}
                      title={live || elsewhere ? `This run is training in ${live ? 'this' : 'another'} tab: stop it there first (its steps are recorded into it), then delete it.` : undefined}
                      onClick={() => {
                        if (confirm(`Delete the run “${r.name}” with its metrics and auto-saves?`)) void deleteRun(r.id);
                      }}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function CheckpointsView() {
  const s = useCheckpoints();
  // Auto-saves and run starts live under their run (the Runs table below), not in this list.
  const shown = s.checkpoints.filter((c) => !isRunCheckpoint(c));
  const hidden = s.checkpoints.length - shown.length;
  const set = useExperiment((x) => x.set);
  const checkpoint = useExperiment((x) => x.checkpoint);
  useEffect(() => {
    void s.refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <div className="view checkpoints-view">
      <section className="panel" aria-labelledby="ck-title">
        <div className="row">
          <h2 id="ck-title" style={{ margin: 0 }}>
            Checkpoints
          </h2>
          <span className="spacer" />
          <Storage />
        </div>
        {s.error ? (
          <p className="error-box" role="alert">
            {s.error}
          </p>
        ) : null}
        <div style={{ margin: '12px 0' }}>
          <ModelInfoLine />
          <SaveCurrent />
        </div>
        <Import />
        <div className="row" style={{ marginTop: 16 }}>
          <h3 style={{ margin: 0 }}>Stored in this browser</h3>
          {hidden ? <span className="muted">(auto-saves are listed with their run, under Runs)</span> : null}
        </div>
        {shown.length ? (
          <div className="table-wrap">
            <table className="data" data-testid="checkpoints">
              <thead>
                <tr>
                  <th>name</th>
                  <th>kind</th>
                  <th>behavior</th>
                  <th className="num">step</th>
                  <th className="num">size</th>
                  <th>created</th>
                  <th>actions</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((c) => (
                  <CheckpointRow key={c.id} c={c} />
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted" data-testid="no-checkpoints">
            {s.loaded ? (hidden ? 'No saved checkpoints yet; the runs’ auto-saves are under Runs.' : 'No checkpoints stored yet.') : 'Reading IndexedDB…'}
          </p>
        )}
        <h3 style={{ marginTop: 16 }}>Shipped with the app</h3>
        <table className="data" data-testid="shipped">
          <tbody>
            {s.shipped.map((x) => (
              <tr key={x.behavior}>
                <td>
                  <code>public/checkpoints/{x.behavior}.safetensors</code>
                </td>
                <td>{x.available === null ? 'checking…' : x.available ? (x.size ? formatBytes(x.size) : 'available') : 'missing'}</td>
                <td>
                  <div className="row" style={{ gap: 6 }}>
                    <button type="button" disabled={!x.available || checkpoint === shippedRef(x.behavior)} onClick={() => set({ behavior: x.behavior, checkpoint: shippedRef(x.behavior) })}>
                      {checkpoint === shippedRef(x.behavior) ? 'Loaded' : 'Load'}
                    </button>
                    <button type="button" disabled={!x.available} onClick={() => void s.exportCheckpoint(shippedRef(x.behavior))}>
                      Export checkpoint
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        <Runs />
      </section>
    </div>
  );
}
