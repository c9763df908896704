// The UI's pure logic (no browser needed): the URL-hash round trip, the trainer form's inline validation,
// marker segments (text only), the chart throttle, mean ± std bands over seeds, a colour per run. (The
// Compare view's grouping and summary numbers: tests/unit/ui-compare.test.ts.)
import { describe, expect, it, vi } from 'vitest';
import { dataFromHash, experimentDefaults, hashFromData } from '../../src/ui/stores/experiment';
import { parseRlDraft } from '../../src/ui/lib/rlForm';
import { splitHash } from '../../src/ui/lib/hash';
import { BANDIT_INPUT_DEFAULTS, banditInputsFromHash } from '../../src/ui/stores/bandit';
import { segments } from '../../src/ui/lib/highlight';
import { throttle } from '../../src/ui/lib/throttle';
import { meanStd } from '../../src/ui/lib/stats';
import { behaviorAccuracyRows, type RunView } from '../../src/ui/lib/runs';
import { checkpointBehavior } from '../../src/store/checkpoint';
import type { StepMetrics } from '../../src/rl/loop';

describe('URL hash', () => {
  it('round-trips the whole experiment config', () => {
    const d = { ...experimentDefaults, view: 'train' as const, talk: true, behavior: 'confidence' as const, checkpoint: 'db:ckpt-1', alpha: 2.5, seed: 9, prompts: 6, sweepAlphas: [0, 1, 3], rl: { steps: '12', grid: '0,2,4', method: 'grpo' } };
    const h = hashFromData(d);
    expect(h).toContain('t.grid=0,2,4');
    const back = dataFromHash(h);
    expect(back).toEqual(d);
  });
  it('ignores unknown keys and falls back on bad values', () => {
    const d = dataFromHash('#view=nope&behavior=evil&alpha=abc&seed=-1&t.bogus=1&t.steps=7&checkpoint=javascript:alert(1)');
    expect(d.view).toBe('steer');
    expect(d.behavior).toBe('verbosity');
    expect(d.alpha).toBe(0);
    expect(d.seed).toBe(experimentDefaults.seed);
    expect(d.checkpoint).toBe('shipped:verbosity');
    expect(d.rl).toEqual({ steps: '7' });
  });
  it('carries the Bandit page inputs under b., only where they differ from the defaults', () => {
    const bandit = { ...BANDIT_INPUT_DEFAULTS, alignment: 0.35, baseRateExp: -3.5, group: 16, gridText: '0, 2, 4, 8', points: 11, maxIterations: 50000 };
    const h = hashFromData(experimentDefaults, bandit);
    expect(h).toContain('b.alignment=0.35');
    expect(h).not.toContain('b.seeds');
    expect(banditInputsFromHash(splitHash(h).bandit)).toEqual(bandit);
    expect(hashFromData(experimentDefaults)).not.toContain('b.');
    // Out-of-range, non-integer, even point counts and unknown caps fall back to the defaults.
    const bad = banditInputsFromHash(splitHash('#b.alignment=3&b.group=2.5&b.points=8&b.maxIterations=7&b.seeds=abc').bandit);
    expect(bad).toEqual(BANDIT_INPUT_DEFAULTS);
  });
  it('keeps a typed trainer value even when it equals the global default (a vector may default otherwise)', () => {
    const d = dataFromHash('#view=train&behavior=confidence&t.steps=60&t.lr=0.0003');
    expect(d.rl).toEqual({ steps: '60', lr: '0.0003' });
    expect(hashFromData(d)).toContain('t.steps=60');
  });
  it('a behavior in the link picks its shipped checkpoint', () => {
    expect(dataFromHash('#behavior=robustness').checkpoint).toBe('shipped:robustness');
  });
});

describe('trainer form', () => {
  it('accepts the defaults', () => {
    expect(parseRlDraft({}).config).toBeDefined();
  });
  it('names every invalid field with its allowed range', () => {
    const p = parseRlDraft({ groupSize: '1', lr: '-1', epsLow: 'x' });
    expect(p.config).toBeUndefined();
    expect(p.errors.groupSize).toMatch(/groupSize must be G: integer ≥ 2/);
    expect(p.errors.lr).toMatch(/lr must be number > 0/);
    expect(p.errors.epsLow).toMatch(/epsLow must be 0 < ε_low < 1 \(got "x"\)/);
  });
  it('reports cross-field rules on the field', () => {
    const p = parseRlDraft({ grid: '0,1,2', groupSize: '8' });
    expect(p.errors.groupSize).toMatch(/multiple of the grid size \(3\)/);
  });
});

describe('marker segments', () => {
  it('splits text into marked and plain parts, clamping and merging bad spans', () => {
    const s = segments('<b>x</b>:12', [[8, 11], [9, 10], [-3, 0], [20, 30]]);
    expect(s).toEqual([
      { text: '<b>x</b>', marked: false },
      { text: ':12', marked: true },
    ]);
  });
});

describe('throttle', () => {
  it('calls at most once per window and always delivers the last call', () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const t = throttle((x: number) => seen.push(x), 250);
    for (let i = 0; i < 100; i++) {
      t(i);
      vi.advanceTimersByTime(10); // steps every 10 ms
    }
    vi.advanceTimersByTime(300);
    expect(seen.length).toBeLessThanOrEqual(6);
    expect(seen[seen.length - 1]).toBe(99);
    vi.useRealTimers();
  });
});

describe('runs and seeds', () => {
  const metrics = (step: number, beh: number, acc: number) => ({ step, eval: { step, alpha: 0, greedy: { accuracy: acc, behavior: beh }, sampled: { accuracy: acc, behavior: beh }, samples: 8, ms: 1 } }) as unknown as StepMetrics;
  const run = (id: string, method: string, pts: [number, number, number][]): RunView => ({ id, name: id, behavior: 'verbosity', method, seed: 0, config: {}, status: 'finished', startedAt: 0, history: pts.map(([s, b, a]) => metrics(s, b, a)) });
  it('mean ± std aligns seeds by step', () => {
    const band = meanStd([
      [{ step: 0, value: 0 }, { step: 5, value: 0.4 }],
      [{ step: 0, value: 0 }, { step: 5, value: 0.6 }],
    ]);
    expect(band[1].mean).toBeCloseTo(0.5);
    expect(band[1].std).toBeCloseTo(Math.sqrt(0.02));
  });
  it('draws one behavior point per evaluation, a colour per run (not per method)', () => {
    const d = behaviorAccuracyRows([run('a', 'vspo', [[0, 0, 0.5], [1, 0.2, 0.5]]), run('b', 'vspo', [[0, 0, 0.5]])], 'sampled', (r) => r.id);
    expect(d.points).toBe(3);
    expect(d.series.map((s) => s.color)).toEqual(['a', 'a', 'b', 'b']);
    expect(d.series[0].name).toBe('a [VSPO] behavior');
    expect(d.series.filter((s) => s.dashed).length).toBe(2);
  });
  it('finds a checkpoint’s behavior from its metadata or its only vector', () => {
    const v = { vector: new Float32Array(1), meta: {} as never };
    expect(checkpointBehavior({ metadata: { task: { behavior: 'confidence' } } as never, steering: {} })).toBe('confidence');
    expect(checkpointBehavior({ metadata: {} as never, steering: { robustness: v } })).toBe('robustness');
    expect(checkpointBehavior({ metadata: { task: 'nonsense' } as never, steering: { a: v, b: v } })).toBeUndefined();
    expect(checkpointBehavior({ metadata: { task: 'expertise' } as never, steering: {} })).toBe('expertise');
  });
});
