// Every trainer setting, validated inline by the trainer's own validator: the field and its allowed range.
import { useMemo } from 'react';
import { ADVANTAGE_STDS, AGGREGATIONS, EVAL_SPLITS, INTENSITY_MODES, METHODS, SHRINK_SCHEDULES, WINDOW_SETTINGS, defaultRlConfig } from '../../rl/config';
import { TEACHER_STYLES } from '../../data/types';
import { useExperiment } from '../stores/experiment';
import { RL_GROUPS, RL_LABELS, effectiveDefaultText, fieldErrorText, hintText, parseRlDraft, type RlKey } from '../lib/rlForm';
import { useSession } from '../stores/session';
import { GLOSSARY, type GlossaryKey } from '../lib/glossary';

/** Settings whose label names a glossary symbol: hovering the label shows the definition. */
const FIELD_GLOSSARY: Partial<Record<RlKey, GlossaryKey>> = { lambda: 'lambda', beta: 'beta', grid: 'alpha', steerAlpha: 'alpha', epsLow: 'clip', epsHigh: 'clip' };

const CHOICES: Partial<Record<RlKey, readonly string[]>> = {
  method: METHODS,
  aggregation: AGGREGATIONS,
  advantageStd: ADVANTAGE_STDS,
  evalSplit: EVAL_SPLITS,
  teacherStyle: TEACHER_STYLES,
  intensityMode: INTENSITY_MODES,
  shrink: SHRINK_SCHEDULES,
  window: WINDOW_SETTINGS,
};

/** Fields shown without opening "All settings". */
const PRIMARY: RlKey[] = ['method', 'steps', 'seed', 'batchPrompts', 'groupSize', 'grid', 'lambda', 'beta', 'lr', 'evalEvery', 'evalAlignment'];

/** The settings a run is started with, shown next to Start (the rest of the form is below the charts). */
export const ESSENTIALS: RlKey[] = ['method', 'steps', 'seed', 'batchPrompts', 'groupSize', 'grid'];

export function useParsedRl() {
  const rl = useExperiment((s) => s.rl);
  const vector = useSession((s) => s.model?.vector);
  return useMemo(() => parseRlDraft(rl, vector), [rl, vector]);
}

export function Field(props: { k: RlKey; error?: string; disabled?: boolean; compact?: boolean }) {
  const { k } = props;
  const vectorMeta = useSession((s) => s.model?.vector);
  const text = useExperiment((s) => s.rl[k]) ?? effectiveDefaultText(k, vectorMeta);
  const setRl = useExperiment((s) => s.setRl);
  const id = `rl-${k}`;
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const describedBy = props.error ? `${errId} ${hintId}` : hintId;
  const choices = CHOICES[k];
  const isBool = typeof defaultRlConfig[k] === 'boolean';
  let input;
  if (choices)
    input = (
      <select id={id} value={text} aria-invalid={!!props.error} aria-describedby={describedBy} disabled={props.disabled} onChange={(e) => setRl(k, e.target.value)}>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    );
  else if (isBool)
    input = (
      <input
        id={id}
        type="checkbox"
        checked={text === 'true' || text === '1'}
        aria-invalid={!!props.error}
        aria-describedby={describedBy}
        disabled={props.disabled}
        onChange={(e) => setRl(k, e.target.checked ? 'true' : 'false')}
      />
    );
  else
    input = (
      <input
        id={id}
        type="text"
        inputMode={k === 'grid' ? 'text' : 'decimal'}
        spellCheck={false}
        autoComplete="off"
        value={text}
        aria-invalid={!!props.error}
        aria-describedby={describedBy}
        disabled={props.disabled}
        onChange={(e) => setRl(k, e.target.value)}
      />
    );
  return (
    <div className={'field' + (props.compact ? ' compact' : '')}>
      <label htmlFor={id} title={FIELD_GLOSSARY[k] ? `${GLOSSARY[FIELD_GLOSSARY[k]!]} (setting ${k})` : `setting ${k}`} className={FIELD_GLOSSARY[k] ? 'term' : undefined}>
        {RL_LABELS[k]}
      </label>
      {input}
      <span className="hint" id={hintId}>
        {hintText(k)}
      </span>
      {props.error ? (
        <span className="err" id={errId} role="alert">
          {fieldErrorText(k, props.error)}
        </span>
      ) : null}
    </div>
  );
}

export function ConfigForm(props: { disabled?: boolean; exclude?: RlKey[] }) {
  const exclude = props.exclude ?? [];
  const parsed = useParsedRl();
  const resetRl = useExperiment((s) => s.resetRl);
  const changed = Object.keys(useExperiment((s) => s.rl)).length;
  const errorCount = Object.keys(parsed.errors).length;
  const otherErrors = Object.entries(parsed.errors).filter(([k]) => !(k in defaultRlConfig));
  const renderGroup = (keys: RlKey[], title: string) =>
    keys.length ? (
      <fieldset key={title}>
        <legend>{title}</legend>
        {keys.map((k) => (
          <Field key={k} k={k} error={parsed.errors[k]} disabled={props.disabled} />
        ))}
      </fieldset>
    ) : null;
  // Invalid fields are always visible, even when they live under "All settings".
  const shown = (k: RlKey) => !exclude.includes(k);
  const primaryGroups = RL_GROUPS.map((g) => ({ title: g.title, keys: g.keys.filter((k) => shown(k) && (PRIMARY.includes(k) || parsed.errors[k])) }));
  const restGroups = RL_GROUPS.map((g) => ({ title: g.title, keys: g.keys.filter((k) => shown(k) && !PRIMARY.includes(k) && !parsed.errors[k]) }));
  return (
    <form className="panel" aria-label="Trainer settings" onSubmit={(e) => e.preventDefault()} noValidate>
      <div className="row">
        <h2 style={{ margin: 0 }}>{exclude.length ? 'More trainer settings' : 'Trainer settings'}</h2>
        <span className="spacer" />
        {errorCount ? (
          <span className="badge bad" role="status">
            {errorCount} invalid setting{errorCount > 1 ? 's' : ''}
          </span>
        ) : (
          <span className="badge ok">valid</span>
        )}
        <button type="button" onClick={resetRl} disabled={!changed || props.disabled}>
          Reset to defaults
        </button>
      </div>
      {otherErrors.map(([k, m]) => (
        <p key={k} className="error-box" role="alert">
          {m}
        </p>
      ))}
      <div className="config-form">{primaryGroups.map((g) => renderGroup(g.keys, g.title))}</div>
      <details className="advanced">
        <summary>All settings</summary>
        <div className="config-form">{restGroups.map((g) => renderGroup(g.keys, g.title))}</div>
      </details>
    </form>
  );
}
