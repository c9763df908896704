// Bandit page state: the settings the sliders move, the alignment figures at those settings (computed
// here, cheap), one VSPO and one GRPO trace (a worker, recomputed when the settings change), and the
// sweep of iterations-to-τ against alignment (a worker, with progress, cancellable). Heavy work never
// runs on the main thread; cancelling terminates the worker.
import { create } from 'zustand';
import { alignmentFigures, DEFAULTS, settingsError, type AlignmentSummary, type BanditSettings, type Comparison, type SweepSummary } from '../../bandit';
import { alignmentsOf, parseGrid, type BanditReply, type BanditRequest, type Trace } from '../components/bandit/protocol';
import { CHART_REDRAW_MS, throttle } from '../lib/throttle';

/** Ranges of the sliders (the simulator's own limits are wider: src/bandit/config.ts LIMITS). */
export const RANGES = {
  alignment: { min: -1, max: 1, step: 0.05 },
  /** log10 of the base rate. */
  baseRateExp: { min: -5, max: -1, step: 0.25 },
  group: { min: 2, max: 64, step: 1 },
  seeds: { min: 1, max: 20, step: 1 },
  /** Odd, so x = 0 is always swept. */
  points: { min: 3, max: 21, step: 2 },
} as const;

export const CAPS = [5000, 20000, 50000, 200000] as const;

export interface BanditInputs {
  alignment: number;
  baseRateExp: number;
  group: number;
  gridText: string;
  seeds: number;
  points: number;
  maxIterations: number;
}

/** Small by default so a sweep takes seconds: 5 seeds, 9 alignments, runs capped at 20 000 iterations. */
export const BANDIT_INPUT_DEFAULTS: BanditInputs = {
  alignment: DEFAULTS.alignment,
  baseRateExp: Math.log10(DEFAULTS.baseRate),
  group: DEFAULTS.group,
  gridText: DEFAULTS.grid.join(', '),
  seeds: 5,
  points: 9,
  maxIterations: 20000,
};

export interface SweepResult {
  rows: Comparison[];
  summary: SweepSummary | null;
  alignments: number[];
  settings: BanditSettings;
  key: string;
  status: 'running' | 'done' | 'cancelled' | 'failed';
}

export interface TraceResult {
  key: string;
  settings: BanditSettings;
  vspo: Trace;
  grpo: Trace;
}

interface BanditState extends BanditInputs {
  /** The full simulator settings, or null when an input is invalid (see the errors). */
  settings: BanditSettings | null;
  gridError: string | null;
  /** A problem with the settings as a whole (not the grid's own syntax). */
  settingsError: string | null;
  figures: AlignmentSummary | null;
  sweep: SweepResult | null;
  progress: { done: number; total: number; label: string } | null;
  sweepError: string | null;
  trace: TraceResult | null;
  tracing: boolean;
  traceError: string | null;

  set(patch: Partial<BanditInputs>): void;
  reset(): void;
  runSweep(): void;
  cancelSweep(): void;
  /** Computes the traces for the current settings unless they are already there (page opened). */
  ensureTrace(): void;
}

/** The inputs a link carries (URL hash keys `b.<input>`, `b.grid` for the grid's text); a value out of its slider's range is ignored. */
export function banditInputsFromHash(raw: Record<string, string>): BanditInputs {
  const out = { ...BANDIT_INPUT_DEFAULTS };
  const num = (k: keyof typeof RANGES | 'maxIterations', ok: (n: number) => boolean) => {
    const n = raw[k] !== undefined && raw[k].trim() !== '' ? Number(raw[k]) : NaN;
    if (Number.isFinite(n) && ok(n)) out[k] = n;
  };
  const inRange = (k: keyof typeof RANGES) => (n: number) => n >= RANGES[k].min && n <= RANGES[k].max;
  num('alignment', inRange('alignment'));
  num('baseRateExp', inRange('baseRateExp'));
  num('group', (n) => Number.isInteger(n) && inRange('group')(n));
  num('seeds', (n) => Number.isInteger(n) && inRange('seeds')(n));
  num('points', (n) => Number.isInteger(n) && n % 2 === 1 && inRange('points')(n));
  num('maxIterations', (n) => (CAPS as readonly number[]).includes(n));
  // The grid goes in as typed, so an invalid one round-trips and shows its error next to the field.
  if (raw.grid !== undefined && raw.grid.length <= 200) out.gridText = raw.grid;
  return out;
}

/** The inputs that differ from the defaults, as URL hash values (keys without the `b.` prefix). */
export function banditHashEntries(i: BanditInputs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(BANDIT_INPUT_DEFAULTS) as (keyof BanditInputs)[])
    if (i[k] !== BANDIT_INPUT_DEFAULTS[k]) out[k === 'gridText' ? 'grid' : k] = String(i[k]);
  return out;
}

/** The store's current inputs (what the hash mirrors). */
export function banditInputs(s: BanditInputs = useBandit.getState()): BanditInputs {
  return { alignment: s.alignment, baseRateExp: s.baseRateExp, group: s.group, gridText: s.gridText, seeds: s.seeds, points: s.points, maxIterations: s.maxIterations };
}

export const baseRateOf = (exp: number) => Number((10 ** exp).toPrecision(3));

function derive(i: BanditInputs): Pick<BanditState, 'settings' | 'gridError' | 'settingsError' | 'figures'> {
  const parsed = parseGrid(i.gridText);
  if ('error' in parsed) return { settings: null, gridError: parsed.error, settingsError: null, figures: null };
  const s: BanditSettings = {
    ...DEFAULTS,
    alignment: i.alignment,
    baseRate: baseRateOf(i.baseRateExp),
    group: i.group,
    grid: parsed.grid,
    seeds: i.seeds,
    maxIterations: i.maxIterations,
  };
  const err = settingsError(s);
  if (err) {
    // Grid-size problems belong next to the grid field; the rest go in the page's alert.
    const aboutGrid = /^grid\b|grid size/.test(err);
    return { settings: null, gridError: aboutGrid ? `Intensity grid: ${err}` : null, settingsError: aboutGrid ? null : err, figures: null };
  }
  let figures: AlignmentSummary | null = null;
  try {
    figures = alignmentFigures(s);
  } catch (e) {
    return { settings: null, gridError: null, settingsError: (e as Error)?.message ?? String(e), figures: null };
  }
  return { settings: s, gridError: null, settingsError: null, figures };
}

/** What a sweep depends on (alignment x does not: the sweep covers every x). */
export function sweepKeyOf(s: BanditSettings, points: number): string {
  return JSON.stringify([s.baseRate, s.group, s.grid, s.seeds, s.maxIterations, points]);
}
export const traceKeyOf = (s: BanditSettings) => JSON.stringify([s.alignment, s.baseRate, s.group, s.grid, s.maxIterations]);

function spawn(): Worker {
  return new Worker(new URL('../components/bandit/bandit.worker.ts', import.meta.url), { type: 'module', name: 'vspo-bandit' });
}

let sweepWorker: Worker | null = null;
/** Hands the running sweep's not-yet-drawn rows to the store (on cancel). */
let flushSweepRows: (() => void) | null = null;
let traceWorker: Worker | null = null;
let traceTimer: ReturnType<typeof setTimeout> | null = null;
/** Points per trace sent back: enough for a smooth curve, few enough to redraw instantly. */
const TRACE_POINTS = 400;

export const useBandit = create<BanditState>((set, get) => {
  const inputs = (): BanditInputs => banditInputs(get());

  const startTrace = () => {
    const s = get().settings;
    traceWorker?.terminate();
    traceWorker = null;
    if (!s) {
      set({ tracing: false });
      return;
    }
    const key = traceKeyOf(s);
    if (get().trace?.key === key) {
      set({ tracing: false, traceError: null });
      return;
    }
    let w: Worker;
    try {
      w = spawn();
    } catch (e) {
      set({ tracing: false, traceError: (e as Error)?.message ?? String(e) });
      return;
    }
    traceWorker = w;
    set({ tracing: true, traceError: null });
    const done = () => {
      w.terminate();
      if (traceWorker === w) traceWorker = null;
    };
    w.onmessage = (e: MessageEvent<BanditReply>) => {
      if (traceWorker !== w) return;
      const m = e.data;
      if (m.kind === 'trace-done') set({ trace: { key, settings: s, vspo: m.vspo, grpo: m.grpo }, tracing: false });
      else if (m.kind === 'error') set({ tracing: false, traceError: m.message });
      done();
    };
    w.onerror = (e) => {
      if (traceWorker !== w) return;
      set({ tracing: false, traceError: e.message || 'the bandit worker failed to start' });
      done();
    };
    w.postMessage({ kind: 'trace', settings: s, maxPoints: TRACE_POINTS } satisfies BanditRequest);
  };

  const scheduleTrace = () => {
    if (traceTimer) clearTimeout(traceTimer);
    // Dragging a slider fires many changes: trace once it rests.
    traceTimer = setTimeout(() => {
      traceTimer = null;
      startTrace();
    }, 150);
    if (get().settings) set({ tracing: true });
  };

  return {
    ...BANDIT_INPUT_DEFAULTS,
    ...derive(BANDIT_INPUT_DEFAULTS),
    sweep: null,
    progress: null,
    sweepError: null,
    trace: null,
    tracing: false,
    traceError: null,

    set(patch) {
      const next = { ...inputs(), ...patch };
      set({ ...patch, ...derive(next) });
      scheduleTrace();
    },

    reset() {
      set({ ...BANDIT_INPUT_DEFAULTS, ...derive(BANDIT_INPUT_DEFAULTS) });
      scheduleTrace();
    },

    ensureTrace() {
      const s = get().settings;
      if (s && get().trace?.key !== traceKeyOf(s) && !traceWorker) startTrace();
    },

    runSweep() {
      const s = get().settings;
      if (!s || get().progress) return;
      const alignments = alignmentsOf(get().points);
      const key = sweepKeyOf(s, get().points);
      let w: Worker;
      try {
        w = spawn();
      } catch (e) {
        set({ sweepError: (e as Error)?.message ?? String(e) });
        return;
      }
      sweepWorker = w;
      const total = s.seeds * (alignments.length + 1);
      const progress = throttle((p: { done: number; total: number; label: string }) => {
        if (sweepWorker === w) set({ progress: p });
      }, 100);
      // Finished alignments reach the chart at most CHART_REDRAW_MS apart (each redraw is a full chart).
      let pending: Comparison[] = [];
      const flushRows = throttle(() => {
        const cur = get().sweep;
        if (sweepWorker !== w || !cur || !pending.length) return;
        set({ sweep: { ...cur, rows: [...cur.rows, ...pending] } });
        pending = [];
      }, CHART_REDRAW_MS);
      const finish = (patch: Partial<BanditState>) => {
        flushRows.flush();
        flushRows.cancel();
        progress.cancel();
        w.terminate();
        if (sweepWorker === w) sweepWorker = null;
        set({ progress: null, ...patch });
      };
      flushSweepRows = () => flushRows.flush();
      set({ sweep: { rows: [], summary: null, alignments, settings: s, key, status: 'running' }, progress: { done: 0, total, label: 'starting' }, sweepError: null });
      w.onmessage = (e: MessageEvent<BanditReply>) => {
        if (sweepWorker !== w) return;
        const m = e.data;
        if (m.kind === 'progress') progress(m);
        else if (m.kind === 'row') {
          pending.push(m.row);
          flushRows();
        } else if (m.kind === 'sweep-done') {
          flushRows.flush();
          const cur = get().sweep;
          if (cur) finish({ sweep: { ...cur, summary: m.summary, status: 'done' } });
        } else if (m.kind === 'error') {
          flushRows.flush();
          const cur = get().sweep;
          finish({ sweep: cur ? { ...cur, status: 'failed' } : null, sweepError: m.message });
        }
      };
      w.onerror = (e) => {
        if (sweepWorker !== w) return;
        flushRows.flush();
        const cur = get().sweep;
        finish({ sweep: cur ? { ...cur, status: 'failed' } : null, sweepError: e.message || 'the bandit worker failed' });
      };
      w.postMessage({ kind: 'sweep', settings: s, alignments } satisfies BanditRequest);
    },

    cancelSweep() {
      const w = sweepWorker;
      if (!w) return;
      flushSweepRows?.();
      flushSweepRows = null;
      w.terminate();
      sweepWorker = null;
      const cur = get().sweep;
      set({ progress: null, sweep: cur ? { ...cur, status: 'cancelled' } : null });
    },
  };
});
