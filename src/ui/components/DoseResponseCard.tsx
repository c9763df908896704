// The dose-response card of the Steer and Vectors views: a sweep of steering intensities with its
// controls (the intensities, prompts per α), Compute/Recompute or Cancel, progress, error, "Sweep
// cancelled.", and the chart once there are points. What is swept and drawn is the view's (Steer: the
// loaded vector against α; Vectors: a candidate against a same-norm random vector); the card is the frame
// and the controls, so both look and answer to the same names.
import type { ReactNode } from 'react';
import { ChartCard, EmptyChart } from './ChartCard';
import { ProgressBar } from './Progress';
import type { GlossaryKey } from '../lib/glossary';

export interface DoseResponseCardProps {
  title: string;
  testId: string;
  note: ReactNode;
  glossary?: GlossaryKey[];
  /** Points of the drawn curve (0: none yet, the button says "Compute dose-response"; else "Recompute"). */
  points: number;
  progress: { done: number; total: number } | null;
  /** After "samples" in the progress line, e.g. "the random control". */
  progressDetail?: string;
  cancel: 'requested' | 'done' | null;
  error: string | null;
  onCompute(): void;
  onCancel(): void;
  computeDisabled?: boolean;
  computeTitle?: string;
  /** The intensities as text; `commit` returns false for text it refuses (the field then shows the last good list). */
  intensities: { text: string; commit(text: string): boolean; after?: ReactNode };
  samples: { value: number; options: number[]; onChange(n: number): void; ariaLabel?: string };
  controlsClassName?: string;
  emptyText: string;
  /** The chart, when there are points. */
  children: ReactNode;
}

export function DoseResponseCard(p: DoseResponseCardProps) {
  return (
    <ChartCard
      title={p.title}
      testId={p.testId}
      points={p.points}
      glossary={p.glossary}
      note={p.note}
      actions={
        p.progress ? (
          <button type="button" className="danger" onClick={p.onCancel} disabled={p.cancel === 'requested'}>
            {p.cancel === 'requested' ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : (
          <button type="button" className="primary" onClick={p.onCompute} disabled={p.computeDisabled} aria-keyshortcuts="d" title={p.computeTitle}>
            {p.points ? 'Recompute' : 'Compute dose-response'}
          </button>
        )
      }
    >
      <div className={['controls', p.controlsClassName].filter(Boolean).join(' ')} style={{ marginBottom: 6 }}>
        <label>
          Intensities
          <input
            type="text"
            defaultValue={p.intensities.text}
            key={p.intensities.text}
            onBlur={(e) => {
              if (!p.intensities.commit(e.target.value)) e.target.value = p.intensities.text;
            }}
          />
        </label>
        {p.intensities.after}
        <label>
          Prompts per α
          <select value={p.samples.value} onChange={(e) => p.samples.onChange(Number(e.target.value))} aria-label={p.samples.ariaLabel}>
            {p.samples.options.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
      </div>
      {p.progress ? (
        <ProgressBar value={p.progress.done} max={p.progress.total} label="Dose-response progress">
          <span>
            {p.progress.done} / {p.progress.total} samples{p.progressDetail ? ` · ${p.progressDetail}` : ''}
          </span>
        </ProgressBar>
      ) : null}
      {p.error ? (
        <p className="error-box" role="alert">
          {p.error}
        </p>
      ) : null}
      {p.cancel === 'done' && !p.progress ? (
        <p className="muted" role="status" data-testid="sweep-cancelled">
          Sweep cancelled.
        </p>
      ) : null}
      {p.points ? p.children : <EmptyChart text={p.progress ? 'Computing…' : p.emptyText} />}
    </ChartCard>
  );
}
