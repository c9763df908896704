// Which shortcut a key press means, given what has the focus: pure, so the rules are tested without a
// browser. Fields you type into keep every key; a slider keeps only the keys that move it (arrows,
// Home / End, Page Up / Down), so T, D, R, V, F, ?, the view digits and Space still work after dragging it;
// a focused button, checkbox or link keeps Space and Enter. View digits: 1 Steer, 2 Train, 3 Compare,
// 4 Checkpoints, 5 Bandit, 6 Pretrain, 7 Vectors (VIEWS in stores/experiment.ts; at most 9).

export type FocusKind = 'text' | 'slider' | 'control' | 'other';

export type ShortcutAction =
  | { type: 'help' }
  | { type: 'view'; index: number }
  | { type: 'space' }
  | { type: 'nudge'; direction: 1 | -1 }
  | { type: 'vector-dose' }
  | { type: 'talk' }
  | { type: 'fullscreen' }
  | { type: 'regenerate' }
  | { type: 'sweep' };

const SLIDER_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);

/** Input types that take typed text (everything but these). */
const NOT_TEXT = new Set(['checkbox', 'radio', 'range', 'button', 'submit', 'reset', 'color', 'file', 'image']);

/** What kind of element has the focus, for the shortcut rules. */
export function focusKind(el: { tagName?: string; type?: string; isContentEditable?: boolean } | null | undefined): FocusKind {
  if (!el || !el.tagName) return 'other';
  if (el.isContentEditable) return 'text';
  const tag = el.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return 'text';
  if (tag === 'INPUT') {
    const type = (el.type ?? 'text').toLowerCase();
    if (type === 'range') return 'slider';
    return NOT_TEXT.has(type) ? 'control' : 'text';
  }
  if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY') return 'control';
  return 'other';
}

/** How many views the digits reach: 1 … VIEW_DIGITS (digits past the views do nothing). */
export const VIEW_DIGITS = 7;

/** The shortcut for `key` (KeyboardEvent.key) with the focus on `focus`; null leaves the key alone. */
export function shortcutFor(key: string, focus: FocusKind, views: number = VIEW_DIGITS): ShortcutAction | null {
  if (focus === 'text') return null;
  if (focus === 'slider' && SLIDER_KEYS.has(key)) return null;
  if ((key === ' ' || key === 'Spacebar' || key === 'Enter') && focus === 'control') return null;
  if (key === '?') return { type: 'help' };
  if (key.length === 1 && key >= '1' && key <= String(Math.min(9, views))) return { type: 'view', index: Number(key) - 1 };
  switch (key) {
    case ' ':
    case 'Spacebar':
      return { type: 'space' };
    case 'ArrowLeft':
      return { type: 'nudge', direction: -1 };
    case 'ArrowRight':
      return { type: 'nudge', direction: 1 };
  }
  switch (key.toLowerCase()) {
    case 'v':
      return { type: 'vector-dose' };
    case 't':
      return { type: 'talk' };
    case 'f':
      return { type: 'fullscreen' };
    case 'r':
      return { type: 'regenerate' };
    case 'd':
      return { type: 'sweep' };
  }
  return null;
}
