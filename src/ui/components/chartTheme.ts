// Chart sizes and colours for the two modes. Talk mode is for a projector at the back of a room:
// large ticks and labels, thick lines, big dots, dark-on-white with saturated colours (projectors wash
// out dark themes and pale hues).
import { useExperiment } from '../stores/experiment';
import { useUi } from '../stores/ui';
import type { Method } from '../../rl/config';

export interface ChartTheme {
  talk: boolean;
  height: number;
  tick: number;
  label: number;
  legend: number;
  stroke: number;
  thin: number;
  dot: number;
  grid: string;
  axis: string;
  text: string;
  margin: { top: number; right: number; bottom: number; left: number };
  yWidth: number;
  /** Height of the x-axis band: ticks, then the axis title below them. */
  xHeight: number;
}

const normal: ChartTheme = {
  talk: false,
  height: 300,
  tick: 13,
  label: 14,
  legend: 14,
  stroke: 2.5,
  thin: 1.5,
  dot: 3.5,
  grid: '#d9dde3',
  axis: '#4a5260',
  text: '#1b1f27',
  margin: { top: 12, right: 24, bottom: 6, left: 12 },
  yWidth: 56,
  xHeight: 46,
};

const talk: ChartTheme = {
  talk: true,
  height: 520,
  tick: 24,
  label: 28,
  legend: 26,
  stroke: 6,
  thin: 4,
  dot: 8,
  grid: '#9aa1ab',
  axis: '#000000',
  text: '#000000',
  margin: { top: 28, right: 40, bottom: 10, left: 24 },
  yWidth: 96,
  xHeight: 84,
};

/** Talk-mode chart height: a card (title, note, legend, axes) fits a 768 px projector screen. */
export const talkChartHeight = (viewportHeight: number) => Math.round(Math.min(520, Math.max(300, viewportHeight - 400)));

const talkThemes = new Map<number, ChartTheme>();

export function useChartTheme(): ChartTheme {
  const isTalk = useExperiment((s) => s.talk);
  const vh = useUi((s) => s.viewport.height);
  if (!isTalk) return normal;
  const h = talkChartHeight(vh);
  let t = talkThemes.get(h);
  if (!t) talkThemes.set(h, (t = { ...talk, height: h }));
  return t;
}

/** Okabe–Ito: distinguishable for colour-blind viewers; talk mode uses darker variants for projectors. */
export const METHOD_COLORS: Record<Method, { normal: string; talk: string }> = {
  vspo: { normal: '#D55E00', talk: '#C23B00' },
  grpo: { normal: '#0072B2', talk: '#004C99' },
  distill: { normal: '#009E73', talk: '#007050' },
  guide: { normal: '#CC79A7', talk: '#A0266E' },
  steer: { normal: '#E69F00', talk: '#8A5A00' },
};

export function methodColor(method: string, t: ChartTheme): string {
  const c = METHOD_COLORS[method as Method];
  return c ? (t.talk ? c.talk : c.normal) : t.talk ? '#000000' : '#555555';
}

export const BEHAVIOR_COLOR = { normal: '#D55E00', talk: '#C23B00' };
export const ACCURACY_COLOR = { normal: '#0072B2', talk: '#004C99' };
export const pick = (c: { normal: string; talk: string }, t: ChartTheme) => (t.talk ? c.talk : c.normal);

/** Further series (per-intensity rates, etc.): ordered, distinguishable. */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8B4513'];

/**
 * One colour per RUN (several runs of one method must be told apart): Okabe–Ito, then Tol's muted
 * colours; talk mode swaps the pale ones for darker variants. A run keeps its slot while on the page.
 */
export const RUN_COLORS = {
  normal: ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#882255', '#000000', '#44AA99', '#999933', '#AA4499', '#661100'],
  talk: ['#004C99', '#C23B00', '#007050', '#A0266E', '#8A5A00', '#1F6FB4', '#6A1040', '#000000', '#2A7A6E', '#6E6E10', '#7A2A70', '#661100'],
};

export function runColor(run: { colorIndex?: number }, t: ChartTheme): string {
  const p = t.talk ? RUN_COLORS.talk : RUN_COLORS.normal;
  return p[(run.colorIndex ?? 0) % p.length];
}
