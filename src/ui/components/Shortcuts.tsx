// Global keyboard shortcuts (rules in lib/keys.ts) and the `?` overlay that lists them.
import { useEffect, useRef } from 'react';
import { clampAlpha, useExperiment, VIEWS, VIEW_LABELS } from '../stores/experiment';
import { useSession } from '../stores/session';
import { useSteer } from '../stores/steer';
import { activeRun, useTrain } from '../stores/train';
import { notify, useUi } from '../stores/ui';
import { focusKind, shortcutFor, type ShortcutAction } from '../lib/keys';
import { usePretrain } from '../stores/pretrain';
import { useVectors } from '../stores/vectors';

export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: VIEWS.map((_, i) => i + 1).join(' '), what: VIEWS.map((v) => VIEW_LABELS[v]).join(' · ') + ' view' },
  { keys: 'Space', what: 'Train view: start / pause / resume the run. Pretrain view: pause / resume the pretraining. Elsewhere: pauses a running run, never starts one' },
  { keys: '← / →', what: 'Steer view: intensity α down / up by 0.5 (also while the slider has the focus)' },
  { keys: 'V', what: "Steer view: α to the vector's recommended dose" },
  { keys: 'R', what: 'Steer view: regenerate the samples' },
  { keys: 'D', what: 'Steer and Vectors views: compute the dose-response curve' },
  { keys: 'F', what: 'Full screen the focused chart (else the first on the page); Esc leaves' },
  { keys: 'T', what: 'Talk mode: large type, thick lines, for a projector' },
  { keys: '?', what: 'Show / hide this list' },
];

const onSteer = () => useExperiment.getState().view === 'steer';

/** Space: the Train view's start / pause / resume; on any other view it only ever pauses. */
function space() {
  const train = useTrain.getState();
  const view = useExperiment.getState().view;
  if (view === 'train') return train.toggle();
  if (view === 'pretrain') {
    const p = usePretrain.getState();
    if (p.phase === 'running') return void p.pause();
    if (p.phase === 'paused') return void p.resume();
  }
  const r = activeRun(train);
  if (r?.status === 'running') {
    void train.pause();
    notify({ kind: 'info', text: 'Pausing the run (Space). Resume it on the Train view.' });
  }
}

function fullscreen() {
  const focused = (document.activeElement as HTMLElement | null)?.closest?.('[data-chart-card]');
  const card = (focused ?? document.querySelector('main [data-chart-card]')) as HTMLElement | null;
  if (document.fullscreenElement) void document.exitFullscreen();
  else void card?.requestFullscreen?.().catch(() => undefined);
}

function run(a: ShortcutAction) {
  const exp = useExperiment.getState();
  switch (a.type) {
    case 'help':
      return useUi.getState().setHelp(!useUi.getState().help);
    case 'view':
      return exp.set({ view: VIEWS[a.index] });
    case 'space':
      return space();
    case 'nudge':
      return onSteer() ? exp.nudgeAlpha(a.direction) : undefined;
    case 'vector-dose': {
      const dose = useSession.getState().model?.vector?.alpha;
      return onSteer() && dose !== undefined ? exp.set({ alpha: clampAlpha(dose) }) : undefined;
    }
    case 'talk':
      return exp.set({ talk: !exp.talk });
    case 'fullscreen':
      return fullscreen();
    case 'regenerate':
      return onSteer() ? void useSteer.getState().regenerate() : undefined;
    case 'sweep':
      if (exp.view === 'vectors') return void useVectors.getState().runSweep();
      return onSteer() ? void useSteer.getState().runSweep() : undefined;
  }
}

export function useGlobalShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const ui = useUi.getState();
      if (e.key === 'Escape' && ui.help) return ui.setHelp(false);
      if (e.key === 'Escape' && document.fullscreenElement) return void document.exitFullscreen().catch(() => undefined);
      const action = shortcutFor(e.key, focusKind(e.target as HTMLInputElement | null), VIEWS.length);
      if (!action) return;
      e.preventDefault();
      run(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** Brings the first-visit guide back (it is remembered as put away). */
function GuideAgain() {
  const shown = useUi((s) => s.guide);
  const setGuide = useUi((s) => s.setGuide);
  const setHelp = useUi((s) => s.setHelp);
  if (shown) return null;
  return (
    <p>
      <button
        type="button"
        className="link"
        onClick={() => {
          setGuide(true);
          setHelp(false);
        }}
      >
        Show the first-visit guide again
      </button>
    </p>
  );
}

export function ShortcutsOverlay() {
  const open = useUi((s) => s.help);
  const setHelp = useUi((s) => s.setHelp);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) closeRef.current?.focus();
  }, [open]);
  if (!open) return null;
  return (
    <div className="overlay" onClick={() => setHelp(false)}>
      <div className="dialog shortcuts-dialog" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <div className="dialog-head">
          <h2>Keyboard shortcuts</h2>
          <button ref={closeRef} type="button" onClick={() => setHelp(false)}>
            Close
          </button>
        </div>
        <div className="dialog-body">
          <table className="shortcuts">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.keys}>
                  <th scope="row">
                    <kbd>{s.keys}</kbd>
                  </th>
                  <td>{s.what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">Ignored while typing in a field. Back / Forward move between views. The whole config is in the address bar: copy the link to reproduce this experiment.</p>
          <GuideAgain />
        </div>
      </div>
    </div>
  );
}
