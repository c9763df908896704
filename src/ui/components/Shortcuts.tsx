// Global keyboard shortcuts and the `?` overlay that lists them.
import { useEffect, useRef } from 'react';
import { clampAlpha, useExperiment, VIEWS, VIEW_LABELS } from '../stores/experiment';
import { useUi } from '../stores/ui';

export interface ShortcutHandlers {
  toggleTraining(): void;
}

export const SHORTCUTS: { keys: string; what: string }[] = [
  ...VIEWS.map((v, i) => ({ keys: String(i + 1), what: `${VIEW_LABELS[v]} view` })),
  { keys: 'Space', what: 'Start / pause training' },
  { keys: '← / →', what: 'Steering intensity down / up (0.5 a press)' },
  { keys: 'V', what: "Steering intensity to the vector's recommended dose" },
  { keys: 'T', what: 'Talk mode (large type, high contrast)' },
  { keys: 'F', what: 'Full screen the focused chart (or the first on the page); Esc leaves' },
  { keys: 'R', what: 'Regenerate the steered samples' },
  { keys: 'D', what: 'Compute the dose-response curve' },
  { keys: '?', what: 'Show / hide this list' },
];

function typingInto(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return (el as HTMLInputElement).type !== 'checkbox' && (el as HTMLInputElement).type !== 'radio';
  return false;
}

export function useGlobalShortcuts(h: { toggleTraining(): void; regenerate(): void; sweep(): void; recommendedAlpha(): number | undefined }): void {
  const ref = useRef(h);
  ref.current = h;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const ui = useUi.getState();
      const exp = useExperiment.getState();
      if (e.key === 'Escape' && ui.help) {
        ui.setHelp(false);
        return;
      }
      if (typingInto(e.target)) return;
      const target = e.target as HTMLElement | null;
      const onRange = target instanceof HTMLInputElement && target.type === 'range';
      if (e.key === '?') {
        e.preventDefault();
        ui.setHelp(!ui.help);
        return;
      }
      const digit = Number(e.key);
      if (Number.isInteger(digit) && digit >= 1 && digit <= VIEWS.length && e.key.length === 1) {
        e.preventDefault();
        exp.set({ view: VIEWS[digit - 1] });
        return;
      }
      switch (e.key) {
        case ' ':
        case 'Spacebar': {
          // A focused button or checkbox keeps Space for itself.
          if (target && (target.tagName === 'BUTTON' || (target instanceof HTMLInputElement && !onRange))) return;
          e.preventDefault();
          ref.current.toggleTraining();
          return;
        }
        case 'ArrowLeft':
        case 'ArrowRight':
          if (onRange) return; // the slider moves itself
          e.preventDefault();
          exp.nudgeAlpha(e.key === 'ArrowRight' ? 1 : -1);
          return;
        case 'v':
        case 'V': {
          const a = ref.current.recommendedAlpha();
          if (a !== undefined) exp.set({ alpha: clampAlpha(a) });
          return;
        }
        case 't':
        case 'T':
          exp.set({ talk: !exp.talk });
          return;
        case 'f':
        case 'F': {
          const focused = (document.activeElement as HTMLElement | null)?.closest?.('[data-chart-card]');
          const card = (focused ?? document.querySelector('main [data-chart-card]')) as HTMLElement | null;
          if (document.fullscreenElement) void document.exitFullscreen();
          else void card?.requestFullscreen?.().catch(() => undefined);
          return;
        }
        case 'r':
        case 'R':
          ref.current.regenerate();
          return;
        case 'd':
        case 'D':
          ref.current.sweep();
          return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
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
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
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
        <p className="muted">Shortcuts are ignored while typing in a field. The whole config is in the address bar: copy the link to reproduce this experiment.</p>
        <button ref={closeRef} type="button" onClick={() => setHelp(false)}>
          Close
        </button>
      </div>
    </div>
  );
}
