// The UI's pure rules behind issue 14 (a speaker's and a newcomer's walk through the app): which key
// is a shortcut with what focused, round axis ticks, the grid error on the grid field, readable hints,
// a garbage import in words, whether an interrupted run can be resumed, Back / Forward between views,
// chart CSV, the swept intensities, the backend speed words.
import { describe, expect, it } from 'vitest';
import { focusKind, shortcutFor } from '../../src/ui/lib/keys';
import { decimalsOf, formatTick, niceScale } from '../../src/ui/lib/ticks';
import { fieldErrorText, hintText, parseRlDraft } from '../../src/ui/lib/rlForm';
import { notSafetensors } from '../../src/store/safetensors';
import { isRunCheckpoint, resumability } from '../../src/ui/lib/runs';
import { isStale } from '../../src/worker/runLocks';
import { toCsv, wideTable, svgHeader } from '../../src/ui/lib/chartExport';
import { sweepAlphasOf } from '../../src/ui/lib/dose';
import { formatRate, isSoftwareAdapter, speedup } from '../../src/ui/lib/backend';
import { historyMode } from '../../src/ui/stores/experiment';
import type { CheckpointRecord, RunRecord } from '../../src/store/db';

describe('shortcuts', () => {
  it('a focused slider keeps only its own keys: T, D, R, V, F, ?, digits and Space still work', () => {
    const slider = focusKind({ tagName: 'INPUT', type: 'range' });
    expect(slider).toBe('slider');
    for (const k of ['ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp']) expect(shortcutFor(k, slider, 5)).toBeNull();
    expect(shortcutFor('t', slider, 5)).toEqual({ type: 'talk' });
    expect(shortcutFor('D', slider, 5)).toEqual({ type: 'sweep' });
    expect(shortcutFor('r', slider, 5)).toEqual({ type: 'regenerate' });
    expect(shortcutFor('v', slider, 5)).toEqual({ type: 'vector-dose' });
    expect(shortcutFor('f', slider, 5)).toEqual({ type: 'fullscreen' });
    expect(shortcutFor('?', slider, 5)).toEqual({ type: 'help' });
    expect(shortcutFor('3', slider, 5)).toEqual({ type: 'view', index: 2 });
    expect(shortcutFor(' ', slider, 5)).toEqual({ type: 'space' });
  });
  it('text fields keep every key; a button keeps Space and Enter; digits past the views do nothing', () => {
    for (const el of [{ tagName: 'INPUT', type: 'text' }, { tagName: 'INPUT' }, { tagName: 'TEXTAREA' }, { tagName: 'SELECT' }, { tagName: 'DIV', isContentEditable: true }]) {
      const f = focusKind(el);
      expect(f).toBe('text');
      expect(shortcutFor('t', f, 5)).toBeNull();
      expect(shortcutFor(' ', f, 5)).toBeNull();
    }
    const button = focusKind({ tagName: 'BUTTON' });
    expect(shortcutFor(' ', button, 5)).toBeNull();
    expect(shortcutFor('Enter', button, 5)).toBeNull();
    expect(shortcutFor('t', button, 5)).toEqual({ type: 'talk' });
    expect(focusKind({ tagName: 'INPUT', type: 'checkbox' })).toBe('control');
    expect(shortcutFor('6', 'other', 5)).toBeNull();
    expect(shortcutFor('ArrowRight', 'other', 5)).toEqual({ type: 'nudge', direction: 1 });
  });
});

describe('axis ticks', () => {
  it('a [0, 1] axis reads 0, 0.2 … 1; bands never push it below 0', () => {
    const s = niceScale(-0.055, 0.54, { fixed: [0, 1] });
    expect(s.domain).toEqual([0, 1]);
    expect(s.ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
  it('an auto axis gets round ends and round steps (no −0.055, 0.24, 0.54)', () => {
    const s = niceScale(-0.055, 0.54);
    expect(s.ticks).toEqual([-0.2, 0, 0.2, 0.4, 0.6]);
    expect(s.domain).toEqual([-0.2, 0.6]);
    expect(niceScale(0.2, 1.4).ticks).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]);
    expect(niceScale(1, 20, { integer: true, count: 6 }).ticks).toEqual([0, 5, 10, 15, 20]);
    expect(niceScale(0, 3, { integer: true, count: 6 }).ticks).toEqual([0, 1, 2, 3]);
    expect(niceScale(5, 5).ticks.length).toBeGreaterThan(1);
  });
  it('labels show the decimals the step needs', () => {
    expect(decimalsOf(0.25)).toBe(2);
    expect(decimalsOf(5)).toBe(0);
    expect(formatTick(0.5, 2)).toBe('0.50');
    expect(formatTick(25000, 0)).toBe('25k');
  });
});

describe('trainer form', () => {
  it('a grid whose length does not divide G is an error on the grid field when the grid was typed', () => {
    const p = parseRlDraft({ grid: '0,2,4' });
    expect(p.errors.grid).toMatch(/the grid has 3 intensities, which does not divide the group size G = 8.*use 1, 2, 4, 8 intensities/);
    expect(p.errors.groupSize).toBeUndefined();
    const q = parseRlDraft({ groupSize: '6' });
    expect(q.errors.groupSize).toMatch(/groupSize \(G = 6\) must be a multiple of the grid size \(4\)/);
    expect(q.errors.grid).toBeUndefined();
    const both = parseRlDraft({ groupSize: '6', grid: '0,2,4,6' });
    expect(both.errors.grid).toBeDefined();
    expect(both.errors.groupSize).toBeDefined();
    // Other errors are still found after it.
    expect(parseRlDraft({ grid: '0,2,4', lr: '-1' }).errors.lr).toMatch(/lr must be/);
  });
  it("validates against the loaded vector's defaults, as the run will", () => {
    expect(parseRlDraft({ groupSize: '6' }, { grid: [0, 3, 6] }).config?.grid).toEqual([0, 3, 6]);
  });
  it('hints and errors read as sentences, not raw keys', () => {
    expect(hintText('batchPrompts')).toMatch(/^integer ≥ 1/);
    expect(hintText('batchPrompts')).not.toMatch(/batchPrompts|^B:/);
    expect(fieldErrorText('epsLow', 'epsLow must be 0 < ε_low < 1 (got 1.5)')).toBe('Must be 0 < ε_low < 1 (got 1.5)');
    expect(fieldErrorText('groupSize', 'groupSize (G = 6) must be a multiple')).toBe('groupSize (G = 6) must be a multiple');
  });
});

describe('importing a file that is not a checkpoint', () => {
  it('says so in words instead of a 19-digit header length', () => {
    const m = notSafetensors(new TextEncoder().encode('hello, not a checkpoint'));
    expect(m).toMatch(/^not a safetensors checkpoint/);
    expect(m).toMatch(/it starts with "hello, not a che"/);
    expect(m).not.toMatch(/\d{10}/);
    expect(notSafetensors(new Uint8Array(3))).toMatch(/only 3 bytes/);
    const h = new Uint8Array(13);
    new DataView(h.buffer).setBigUint64(0, 4096n, true);
    h.set(new TextEncoder().encode('{"a":'), 8);
    expect(notSafetensors(h)).toMatch(/cut short: its header alone needs 4096 bytes/);
    const ok = new Uint8Array(8 + 2);
    new DataView(ok.buffer).setBigUint64(0, 2n, true);
    ok.set(new TextEncoder().encode('{}'), 8);
    expect(notSafetensors(ok)).toBeNull();
  });
});

describe('interrupted runs', () => {
  const ck = (o: Partial<CheckpointRecord>): CheckpointRecord => ({ id: 'c', name: 'x', createdAt: 0, size: 1, kind: 'autosave', ...o });
  const run = (o: Partial<RunRecord>): RunRecord => ({ id: 'r', name: 'r', createdAt: 0, updatedAt: 0, behavior: 'verbosity', method: 'vspo', config: { saveEvery: 10, beta: 0.01, method: 'vspo' }, status: 'interrupted', stepsDone: 7, ...o });
  it('is resumable from its auto-save, or honestly not', () => {
    expect(resumability(run({}), []).text).toBe('cannot be resumed: it stopped at step 7, before the first auto-save (every 10 steps)');
    expect(resumability(run({ config: { saveEvery: 0 } }), []).text).toMatch(/auto-saves were off/);
    const auto = ck({ id: 'a1', runId: 'r', step: 20 });
    const start = ck({ id: 's1', runId: 'r', kind: 'run-start', step: 0 });
    expect(resumability(run({ stepsDone: 23, autosaveId: 'a1' }), [auto]).ok).toBe(false); // β > 0 needs the start
    const r = resumability(run({ stepsDone: 23, autosaveId: 'a1' }), [auto, start]);
    expect(r).toMatchObject({ ok: true, text: 'resumable from the auto-save at step 20 (steps 21–23 are redone)' });
    expect(resumability(run({ stepsDone: 23, autosaveId: 'gone' }), [start]).text).toMatch(/its auto-save was deleted/);
    expect(resumability(run({ status: 'running', stepsDone: 23, autosaveId: 'a1' }), [auto, start], true)).toMatchObject({ ok: false, text: expect.stringMatching(/^live in another tab/) });
    expect(isRunCheckpoint(auto) && isRunCheckpoint(start) && !isRunCheckpoint(ck({ kind: 'manual' }))).toBe(true);
  });
  it('a running or paused run no tab holds is stale', () => {
    const r = { id: 'a', status: 'running', updatedAt: 0 };
    expect(isStale(r, new Set())).toBe(true);
    expect(isStale(r, new Set(['a']))).toBe(false);
    expect(isStale({ ...r, status: 'finished' }, new Set())).toBe(false);
    // Without the Locks API: stale once silent for ten minutes.
    expect(isStale({ ...r, updatedAt: 1000 }, null, 1000 + 60_000)).toBe(false);
    expect(isStale({ ...r, updatedAt: 1000 }, null, 1000 + 11 * 60_000)).toBe(true);
  });
});

describe('Back / Forward between views', () => {
  it('a new view is a new history entry; any other change replaces the entry', () => {
    expect(historyMode('#view=steer&alpha=0', '#view=train&alpha=0')).toBe('push');
    expect(historyMode('#view=steer&alpha=0', '#view=steer&alpha=1')).toBe('replace');
    expect(historyMode('', '#view=steer')).toBe('replace');
    expect(historyMode('#view=steer', '#view=steer')).toBe('none');
  });
});

describe('chart export and details', () => {
  it('CSV: x, a column per series, a band as low / high', () => {
    const rows = [
      { x: 0, a: 0.5, b: [0.1, 0.3] as [number, number] },
      { x: 5, a: null, b: [0.2, 0.4] as [number, number] },
    ];
    const t = wideTable(rows, 'x', 'Training step', [
      { key: 'a', name: 'VSPO, "mean"' },
      { key: 'b', name: 'VSPO ±1 std' },
    ]);
    expect(toCsv(t)).toBe('Training step,"VSPO, ""mean""",VSPO ±1 std (low),VSPO ±1 std (high)\n0,0.5,0.1,0.3\n5,,0.2,0.4\n');
    expect(svgHeader('A <title>', [{ key: 'a', name: 'x & y', color: '#000' }], 400).svg).toContain('A &lt;title&gt;');
  });
  it("the dose-response sweep includes the vector's recommended α", () => {
    expect(sweepAlphasOf([-2, 0, 1, 2, 4, 6, 8], 3)).toEqual([-2, 0, 1, 2, 3, 4, 6, 8]);
    expect(sweepAlphasOf([4, 0, 2], 2)).toEqual([0, 2, 4]);
    expect(sweepAlphasOf([0, 1], undefined)).toEqual([0, 1]);
  });
  it('speeds and software adapters', () => {
    expect(isSoftwareAdapter('google swiftshader Vulkan 1.3')).toBe(true);
    expect(isSoftwareAdapter('llvmpipe (LLVM 15.0.7, 256 bits)')).toBe(true);
    expect(isSoftwareAdapter('nvidia ampere NVIDIA GeForce RTX 3080')).toBe(false);
    expect(formatRate(312.4)).toBe('312 tok/s');
    expect(formatRate(2870)).toBe('2.9k tok/s');
    expect(speedup(3000, 800)).toBeCloseTo(3.75);
    expect(speedup(900, 800)).toBeNull();
  });
});
