// The Compare view's launcher: which methods, how many seeds, and the teacher grid (accuracies × styles,
// for distill and guide), then the launched grid's progress. The grid itself is src/ui/lib/teacherGrid.ts;
// the runs go through train.ts's queue one after another, each started as `start(run)`, so a run's
// teacher fields override the trainer form's for that run only (and are validated there again).
import { create } from 'zustand';
import type { TeacherStyle } from '../../data/types';
import type { Method, RlConfig } from '../../rl/config';
import { parseRlDraft } from '../lib/rlForm';
import { planGrid, type GridInputs, type GridPlan } from '../lib/teacherGrid';
import { useExperiment } from './experiment';
import { useSession } from './session';
import { activeRun, isLive, useTrain } from './train';
import { notify } from './ui';

/** How a launched grid ended: every run finished, a run stopped (train.ts then drops the queue), or the queue was cancelled. */
export type GridEnd = 'done' | 'stopped' | 'cancelled';

export interface LaunchedGrid {
  total: number;
  /** The page's runs of this grid, in start order. */
  runIds: string[];
  startedAt: number;
  cancelled: boolean;
  ended: GridEnd | null;
}

interface CompareState {
  methods: Method[];
  seeds: number;
  /** The teacher accuracies as typed; null = the trainer form's (Train view, Baselines). */
  accuracies: string | null;
  /** The teacher styles ticked; null = the trainer form's. */
  styles: TeacherStyle[] | null;
  grid: LaunchedGrid | null;
  set(patch: Partial<Pick<CompareState, 'methods' | 'seeds' | 'accuracies' | 'styles'>>): void;
  launch(): Promise<void>;
  cancel(): void;
}

/** The launcher's inputs, with the trainer form's teacher where the user has not picked one here. */
export function gridInputs(s: Pick<CompareState, 'methods' | 'seeds' | 'accuracies' | 'styles'>, form: Pick<RlConfig, 'teacherAccuracy' | 'teacherStyle'> | undefined): GridInputs {
  return {
    methods: s.methods,
    seeds: s.seeds,
    accuracies: s.accuracies ?? String(form?.teacherAccuracy ?? 1),
    styles: s.styles ?? [form?.teacherStyle ?? 'own'],
  };
}

/** The grid for the current form and loaded vector (what the button would run), or why not. */
export function currentPlan(s: CompareState = useCompare.getState()): GridPlan {
  const vector = useSession.getState().model?.vector;
  const parsed = parseRlDraft(useExperiment.getState().rl, vector);
  if (!parsed.config) return { error: 'fix the trainer settings first (Train view)' };
  return planGrid(gridInputs(s, parsed.config), parsed.values, vector);
}

const STOPPED = new Set(['stopped', 'failed', 'halted', 'device-lost']);

export const useCompare = create<CompareState>((set, get) => ({
  methods: ['vspo', 'grpo'],
  seeds: 3,
  accuracies: null,
  styles: null,
  grid: null,
  set: (patch) => set(patch),

  async launch() {
    const train = useTrain.getState();
    if (train.queue.length || isLive(activeRun(train))) return;
    const plan = currentPlan(get());
    if (plan.error !== undefined) {
      notify({ kind: 'error', text: `Cannot run the comparison: ${plan.error}` });
      return;
    }
    const [first, ...rest] = plan.runs;
    set({ grid: { total: plan.runs.length, runIds: [], startedAt: Date.now(), cancelled: false, ended: null } });
    useTrain.setState({ queue: rest });
    await useTrain.getState().start(first);
    // start() refused (worker not ready, a pretraining…) and said why: nothing of the grid runs.
    const g = get().grid;
    if (g && !g.runIds.length) {
      useTrain.setState({ queue: [] });
      set({ grid: { ...g, ended: 'stopped' } });
    }
  },

  cancel() {
    useTrain.getState().cancelQueue();
    const g = get().grid;
    if (g && !g.ended) set({ grid: { ...g, cancelled: true } });
  },
}));

/** Follows the page's runs: a new one belongs to the open grid; the grid ends when its last run finishes or one stops. */
function follow(runs: ReturnType<typeof useTrain.getState>['runs'], prev: typeof runs) {
  const g = useCompare.getState().grid;
  if (!g || g.ended || runs === prev) return;
  const known = new Set(prev.map((r) => r.id));
  const fresh = runs.filter((r) => !known.has(r.id) && r.startedAt >= g.startedAt && !g.runIds.includes(r.id)).map((r) => r.id);
  const runIds = fresh.length ? [...g.runIds, ...fresh].slice(0, g.total) : g.runIds;
  const mine = runs.filter((r) => runIds.includes(r.id));
  const last = mine.find((r) => r.id === runIds[runIds.length - 1]);
  const ended: GridEnd | null = mine.some((r) => STOPPED.has(r.status))
    ? 'stopped'
    : last?.status === 'finished' && runIds.length === g.total
      ? 'done'
      : last?.status === 'finished' && g.cancelled && !useTrain.getState().queue.length
        ? 'cancelled'
        : null;
  if (runIds !== g.runIds || ended) useCompare.setState({ grid: { ...g, runIds, ended } });
}

useTrain.subscribe((s, prev) => follow(s.runs, prev.runs));
