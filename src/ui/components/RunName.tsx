// A run's name with an inline rename (Enter saves, Escape cancels); it is stored with the run in
// IndexedDB, so the run list, the charts' legends and exports use it.
import { useState } from 'react';
import { useTrain } from '../stores/train';

export function RunName(props: { id: string; name: string }) {
  const rename = useTrain((s) => s.renameRun);
  const [draft, setDraft] = useState<string | null>(null);
  if (draft === null)
    return (
      <span className="run-name" data-testid="run-name">
        {props.name}
        <button type="button" className="ghost" aria-label={`Rename run ${props.name}`} title="Rename" onClick={() => setDraft(props.name)}>
          ✎
        </button>
      </span>
    );
  const save = async () => {
    if (draft.trim() && draft.trim() !== props.name) await rename(props.id, draft);
    setDraft(null);
  };
  return (
    <form
      className="run-name"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input
        type="text"
        value={draft}
        maxLength={120}
        autoFocus
        aria-label={`New name for run ${props.name}`}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && setDraft(null)}
      />
      <button type="submit" disabled={!draft.trim()}>
        Save
      </button>
      <button type="button" onClick={() => setDraft(null)}>
        Cancel
      </button>
    </form>
  );
}
