// The experiment config: everything a link must carry to reproduce what is on screen (seeded).
// It is mirrored into the URL hash (replaceState, throttled) and read back on load and on hashchange.
import { create } from 'zustand';
import { BEHAVIORS, isBehavior, type Behavior } from '../../data/types';
import { encodeHash, splitHash, decodeValue } from '../lib/hash';
import { RL_KEYS, type RlDraft, type RlKey } from '../lib/rlForm';
import { throttle } from '../lib/throttle';
import { BANDIT_INPUT_DEFAULTS, banditHashEntries, banditInputs, banditInputsFromHash, useBandit, type BanditInputs } from './bandit';

/** In tab order; digit k opens the k-th (lib/keys.ts). New views go at the end, so the digits people know keep their view. */
export const VIEWS = ['steer', 'train', 'compare', 'checkpoints', 'bandit', 'pretrain', 'vectors'] as const;
export type View = (typeof VIEWS)[number];
export const VIEW_LABELS: Record<View, string> = {
  steer: 'Steer',
  train: 'Train',
  compare: 'Compare',
  checkpoints: 'Checkpoints',
  bandit: 'Bandit',
  pretrain: 'Pretrain',
  vectors: 'Vectors',
};

/** 'shipped:<behavior>' (public/checkpoints) or 'db:<id>' (IndexedDB). */
export type CheckpointRef = string;
export const shippedRef = (b: Behavior): CheckpointRef => `shipped:${b}`;

export const ALPHA_MIN = -8;
export const ALPHA_MAX = 12;
export const ALPHA_STEP = 0.5;
export const clampAlpha = (a: number) => Math.min(ALPHA_MAX, Math.max(ALPHA_MIN, Math.round(a / ALPHA_STEP) * ALPHA_STEP));

export interface ExperimentState {
  view: View;
  /** Backend asked for: WebGPU, or the CPU backend (tiny models only). */
  backend: 'webgpu' | 'cpu';
  talk: boolean;
  behavior: Behavior;
  checkpoint: CheckpointRef;
  /** Steering intensity of the Steer view. */
  alpha: number;
  /** Seed of the live generations and of the dose-response sweep. */
  seed: number;
  /** Held-out prompts regenerated live. */
  prompts: number;
  temperature: number;
  /** Dose-response grid. */
  sweepAlphas: number[];
  /** Prompts per intensity of the dose-response sweep. */
  sweepSamples: number;
  /** The trainer form: the fields the user typed, as typed (the rest show the effective defaults). */
  rl: RlDraft;

  set(patch: Partial<Omit<ExperimentState, 'set' | 'setRl' | 'resetRl' | 'nudgeAlpha'>>): void;
  setRl(key: RlKey, text: string): void;
  resetRl(): void;
  nudgeAlpha(direction: 1 | -1): void;
}

type Data = Omit<ExperimentState, 'set' | 'setRl' | 'resetRl' | 'nudgeAlpha'>;

export const experimentDefaults: Data = {
  view: 'steer',
  backend: 'webgpu',
  talk: false,
  behavior: 'verbosity',
  checkpoint: shippedRef('verbosity'),
  alpha: 0,
  seed: 1,
  prompts: 4,
  temperature: 0,
  sweepAlphas: [-2, 0, 1, 2, 4, 6, 8],
  sweepSamples: 32,
  rl: {},
};

/** Parses a hash onto the defaults; bad values fall back to the default. */
export function dataFromHash(hash: string): Data {
  const { top, trainer } = splitHash(hash);
  const d: Data = { ...experimentDefaults, rl: {} };
  if (top.view && (VIEWS as readonly string[]).includes(top.view)) d.view = top.view as View;
  if (top.backend === 'cpu' || top.backend === 'webgpu') d.backend = top.backend;
  if (top.talk !== undefined) d.talk = decodeValue(top.talk, false) === true;
  if (top.behavior && isBehavior(top.behavior)) {
    d.behavior = top.behavior;
    d.checkpoint = shippedRef(top.behavior);
  }
  // unsaved:<name> names weights only a page's worker holds: kept so Back / Forward do not drop them (a reload says they are gone).
  if (top.checkpoint && /^(shipped:[a-z]+|db:[A-Za-z0-9._:-]+|unsaved:[^\n]{1,200})$/.test(top.checkpoint)) d.checkpoint = top.checkpoint;
  const num = (k: keyof Data, ok: (n: number) => boolean) => {
    const n = top[k] !== undefined ? decodeValue(top[k], 0) : undefined;
    if (typeof n === 'number' && ok(n)) (d as unknown as Record<string, unknown>)[k] = n;
  };
  num('alpha', (n) => n >= ALPHA_MIN && n <= ALPHA_MAX);
  num('seed', (n) => Number.isInteger(n) && n >= 0);
  num('prompts', (n) => Number.isInteger(n) && n >= 1 && n <= 16);
  num('temperature', (n) => n >= 0 && n <= 4);
  num('sweepSamples', (n) => Number.isInteger(n) && n >= 1 && n <= 1024);
  if (top.sweep !== undefined) {
    const list = decodeValue(top.sweep, [] as number[]);
    if (Array.isArray(list) && list.length > 0 && list.length <= 32) d.sweepAlphas = list;
  }
  // Kept even when equal to the global default: the loaded vector's own default (e.g. its budget) may differ.
  for (const [k, v] of Object.entries(trainer)) if ((RL_KEYS as string[]).includes(k)) d.rl[k as RlKey] = v;
  return d;
}

/** The hash for the experiment config and (under `b.`) the Bandit page's inputs that differ from their defaults. */
export function hashFromData(d: Data, bandit: BanditInputs = BANDIT_INPUT_DEFAULTS): string {
  const top: Record<string, string | number | boolean | number[]> = { view: d.view };
  if (d.talk) top.talk = true;
  if (d.backend !== 'webgpu') top.backend = d.backend;
  top.behavior = d.behavior;
  if (d.checkpoint !== shippedRef(d.behavior)) top.checkpoint = d.checkpoint;
  top.alpha = d.alpha;
  top.seed = d.seed;
  if (d.prompts !== experimentDefaults.prompts) top.prompts = d.prompts;
  if (d.temperature !== experimentDefaults.temperature) top.temperature = d.temperature;
  if (d.sweepAlphas.join() !== experimentDefaults.sweepAlphas.join()) top.sweep = d.sweepAlphas;
  if (d.sweepSamples !== experimentDefaults.sweepSamples) top.sweepSamples = d.sweepSamples;
  const rl: Record<string, string> = {};
  for (const k of RL_KEYS) if (d.rl[k] !== undefined) rl[k] = d.rl[k]!;
  // Trainer values go in as the typed text, so even an invalid draft round-trips (and shows its error).
  const base = encodeHash(top, undefined);
  const prefixed = [...Object.entries(rl).map(([k, v]) => ['t.' + k, v]), ...Object.entries(banditHashEntries(bandit)).map(([k, v]) => ['b.' + k, v])];
  const extra = new URLSearchParams(prefixed).toString().replace(/%2C/g, ',');
  return extra ? `${base}&${extra}` : base;
}

const initial = typeof location !== 'undefined' ? dataFromHash(location.hash) : experimentDefaults;

export const useExperiment = create<ExperimentState>((set, get) => ({
  ...initial,
  set: (patch) => {
    const next: Partial<Data> = { ...patch };
    // Picking another behavior moves to its shipped checkpoint unless a checkpoint is given as well.
    if (patch.behavior && patch.behavior !== get().behavior && !patch.checkpoint) next.checkpoint = shippedRef(patch.behavior);
    set(next);
  },
  // What the user typed is kept as typed, even when it equals a default: "Reset" clears it.
  setRl: (key, text) => set({ rl: { ...get().rl, [key]: text } }),
  resetRl: () => set({ rl: {} }),
  nudgeAlpha: (direction) => set({ alpha: clampAlpha(get().alpha + direction * ALPHA_STEP) }),
}));

export function experimentData(s: ExperimentState = useExperiment.getState()): Data {
  const { set: _s, setRl: _r, resetRl: _x, nudgeAlpha: _n, ...data } = s;
  return data;
}

let applyingHash = false;

/** Sets the Bandit page's inputs from a hash, only when they differ (a change recomputes its traces). */
function applyBanditHash(hash: string) {
  const next = banditInputsFromHash(splitHash(hash).bandit);
  if (JSON.stringify(next) !== JSON.stringify(banditInputs())) useBandit.getState().set(next);
}

/**
 * How a new hash goes into the history: a change of view is a new entry (so Back / Forward move between
 * views), anything else replaces the current one (dragging a slider must not fill the history).
 */
export function historyMode(current: string, next: string): 'push' | 'replace' | 'none' {
  if (current === next) return 'none';
  const was = splitHash(current).top.view;
  const now = splitHash(next).top.view;
  return was !== undefined && now !== undefined && was !== now ? 'push' : 'replace';
}

/** Keeps the URL hash and the stores (experiment, bandit inputs) in step. Returns an unsubscribe function. */
export function bindHash(): () => void {
  const write = throttle(() => {
    if (applyingHash) return;
    const h = hashFromData(experimentData(), banditInputs());
    const mode = historyMode(location.hash, h);
    if (mode === 'push') history.pushState(null, '', h);
    else if (mode === 'replace') history.replaceState(null, '', h);
  }, 200);
  const onHash = () => {
    if (location.hash === hashFromData(experimentData(), banditInputs())) return;
    write.cancel();
    const d = dataFromHash(location.hash);
    applyingHash = true;
    useExperiment.setState(d);
    applyBanditHash(location.hash);
    applyingHash = false;
  };
  applyBanditHash(location.hash); // before subscribing, so nothing writes back yet
  const unsubs = [
    useExperiment.subscribe((s, prev) => {
      write();
      // A new view goes into the history at once (not after the throttle), so Back returns to the one before.
      if (s.view !== prev.view) write.flush();
    }),
    useBandit.subscribe(write),
  ];
  window.addEventListener('hashchange', onHash);
  window.addEventListener('popstate', onHash);
  write();
  return () => {
    for (const u of unsubs) u();
    write.cancel();
    window.removeEventListener('hashchange', onHash);
    window.removeEventListener('popstate', onHash);
  };
}

export { BEHAVIORS };
