// Transient UI state that does not belong in a link: overlays and notices.
import { create } from 'zustand';

export interface Notice {
  id: number;
  kind: 'info' | 'error' | 'warning' | 'success';
  text: string;
  /** Optional action button. */
  action?: { label: string; run: () => void };
  sticky?: boolean;
}

interface UiState {
  help: boolean;
  notices: Notice[];
  setHelp(open: boolean): void;
  notify(n: Omit<Notice, 'id'>): number;
  dismiss(id: number): void;
}

let nextId = 1;

export const useUi = create<UiState>((set, get) => ({
  help: false,
  notices: [],
  setHelp: (help) => set({ help }),
  notify: (n) => {
    const id = nextId++;
    set({ notices: [...get().notices.filter((x) => x.text !== n.text), { ...n, id }] });
    if (!n.sticky && n.kind !== 'error') setTimeout(() => get().dismiss(id), 6000);
    return id;
  },
  dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
}));

export const notify = (n: Omit<Notice, 'id'>) => useUi.getState().notify(n);
