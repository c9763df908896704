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
  /** The window's inner size (charts in talk mode fit the screen's height). */
  viewport: { width: number; height: number };
  notices: Notice[];
  setHelp(open: boolean): void;
  notify(n: Omit<Notice, 'id'>): number;
  dismiss(id: number): void;
}

let nextId = 1;

const viewportNow = () => (typeof window !== 'undefined' ? { width: window.innerWidth, height: window.innerHeight } : { width: 1440, height: 900 });

export const useUi = create<UiState>((set, get) => ({
  help: false,
  viewport: viewportNow(),
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

if (typeof window !== 'undefined') window.addEventListener('resize', () => useUi.setState({ viewport: viewportNow() }));
