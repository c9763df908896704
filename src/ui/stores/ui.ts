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

/** localStorage key remembering that the first-visit guide was put away. */
export const GUIDE_KEY = 'vspo-workbench.guide-hidden';

function guideHidden(): boolean {
  try {
    return typeof localStorage !== 'undefined' && localStorage.getItem(GUIDE_KEY) === '1';
  } catch {
    return false; // storage blocked: show it (once per page load)
  }
}

interface UiState {
  help: boolean;
  /** The first-visit guide is shown (until put away; remembered in localStorage). */
  guide: boolean;
  setGuide(open: boolean): void;
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
  guide: !guideHidden(),
  setGuide: (guide) => {
    try {
      if (guide) localStorage.removeItem(GUIDE_KEY);
      else localStorage.setItem(GUIDE_KEY, '1');
    } catch {
      /* storage blocked: this page load only */
    }
    set({ guide });
  },
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
