// Chart view state that is not part of an experiment's link: which legend entries are hidden (click a
// legend entry to hide its series, click again to show it), per chart title.
import { create } from 'zustand';

interface ChartsState {
  /** Chart id (its title) → hidden series keys. */
  hidden: Record<string, string[]>;
  toggle(chart: string, key: string): void;
  showAll(chart: string): void;
}

const NONE: string[] = [];

export const useCharts = create<ChartsState>((set, get) => ({
  hidden: {},
  toggle(chart, key) {
    const cur = get().hidden[chart] ?? NONE;
    set({ hidden: { ...get().hidden, [chart]: cur.includes(key) ? cur.filter((k) => k !== key) : [...cur, key] } });
  },
  showAll(chart) {
    const { [chart]: _, ...rest } = get().hidden;
    set({ hidden: rest });
  },
}));

/** The hidden series keys of one chart (a stable empty list when none). */
export const useHidden = (chart: string): string[] => useCharts((s) => s.hidden[chart] ?? NONE);
