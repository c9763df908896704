// `vspo train` and `vspo compare` end to end on a tiny random checkpoint (CPU backend).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import { initParams } from '../../src/model/init';
import { CliError, parseArgs } from '../../src/cli/args';
import { parseThreshold, validationContext, validOrThrow } from '../../src/cli/commands/train';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint';
import { createRng } from '../../src/util/rng';

const dir = mkdtempSync(join(tmpdir(), 'vspo-rl-cli-'));
const ckpt = join(dir, 'tiny.safetensors');
const cfg = join(dir, 'cfg.json');
/** The same weights with a vector whose metadata documents a budget (steps, lr), as `vspo vector --train-steps/--train-lr` writes. */
const budgeted = join(dir, 'budgeted.safetensors');
/** The same weights with a vector whose metadata recommends a 3-intensity grid (the CLI default has 4). */
const gridded = join(dir, 'gridded.safetensors');

beforeAll(() => {
  const task = getTask('verbosity');
  const config = { vocabSize: task.tokenizer.vocabSize, contextLength: 24, dModel: 16, nLayers: 2, nHeads: 2 };
  const rng = createRng(1);
  const vector = Float32Array.from({ length: 16 }, () => rng.normal());
  writeFileSync(
    ckpt,
    encodeCheckpoint({
      config,
      params: initParams(config, 1),
      metadata: { tokenizer: task.tokenizer.toJSON(), task: { behavior: 'verbosity' }, step: 0 },
      steering: { verbosity: { vector, meta: { behavior: 'verbosity', mode: 'random', pca: false, layer: 1, window: 'decision', norm: 4, relativeScale: 1, pairs: 0 } } },
    }),
  );
  const c = decodeCheckpoint(readFileSync(ckpt));
  c.steering.verbosity.meta = { ...c.steering.verbosity.meta, steps: 2, lr: 0.002 } as typeof c.steering.verbosity.meta;
  writeFileSync(budgeted, encodeCheckpoint(c));
  const g = decodeCheckpoint(readFileSync(ckpt));
  g.steering.verbosity.meta = { ...g.steering.verbosity.meta, grid: [0, 2, 3] };
  writeFileSync(gridded, encodeCheckpoint(g));
  writeFileSync(cfg, JSON.stringify({ batchPrompts: 2, groupSize: 4, evalSamples: 4, evalEvery: 2, saveEvery: 2 }));
});

function vspo(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', cwd: process.cwd(), timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vspo train', () => {
  test('one JSON line per step, a summary line, and the trained checkpoint in --out', () => {
    const out = join(dir, 'out.safetensors');
    const r = vspo('train', '--checkpoint', ckpt, '--behavior', 'verbosity', '--method', 'vspo', '--steps', '3', '--seed', '1', '--config', cfg, '--out', out, '--json');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['step', 'step', 'step', 'step', 'summary']);
    expect(lines.slice(0, 4).map((l) => l.step)).toEqual([0, 1, 2, 3]);
    expect(lines[1]).toHaveProperty('perIntensity');
    expect(lines[1]).toHaveProperty('ms.rollout');
    expect(lines[2].eval.step).toBe(2);
    const s = lines[4];
    expect(s).toMatchObject({ behavior: 'verbosity', method: 'vspo', seed: 1, steps: 3, budget: 3, complete: true, halted: null });
    expect(s.final.step).toBe(3);
    expect(s.config.batchPrompts).toBe(2);
    const saved = decodeCheckpoint(readFileSync(out));
    expect(saved.metadata.step).toBe(3);
    expect((saved.metadata.training as { method: string }).method).toBe('vspo');
    expect(saved.steering.verbosity).toBeDefined();
  });

  test.each([
    [['--method', 'ppo', '--steps', '2', '--seed', '1'], /method must be one of vspo/],
    [['--steps', '2', '--seed', '1'], /--method is required/],
    [['--method', 'vspo', '--steps', '2', '--seed', '1', '--config', '/no/such.json'], /cannot read --config/],
    [['--method', 'vspo', '--steps', '2', '--seed', '1', '--backend', 'tpu'], /--backend/],
    [['--method', 'vspo', '--seed', '1', '--config', '{"groupSize":1073741824}'], /invalid config: groupSize/],
    [['--method', 'vspo', '--seed', '1', '--config', '{"groupSize":'], /--config is not valid JSON/],
    [['--method', 'vspo', '--seed', '1', '--config', '[1,2]'], /cannot read --config \[1,2\]/],
    [['--method', 'vspo', '--seed', '1', '--sampels', '8'], /unknown flag --sampels for train/],
    // The RNG takes seed >>> 0: seed 2^32 would silently be seed 0.
    [['--method', 'vspo', '--seed', '4294967296', '--steps', '2', '--config', cfg], /invalid config: seed must be an integer in \[0, 4294967295\] \(got 4294967296\)/],
    [['--method', 'vspo', '--seed', '1', '--steps', '2', '--config', cfg, '--threshold', '2'], /--threshold must be in \(0, 1\] \(got 2\)/],
    [['--method', 'vspo', '--seed', '1', '--steps', '2', '--config', cfg, '--threshold', '-1'], /--threshold must be in \(0, 1\] \(got -1\)/],
  ])('bad input %j → one line, exit 2', (extra, msg) => {
    const r = vspo('train', '--checkpoint', ckpt, '--behavior', 'verbosity', ...extra);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(msg);
  });

  test('without --steps the run takes the budget the vector documents (steps, lr), as compare does', () => {
    const r = vspo('train', '--checkpoint', budgeted, '--behavior', 'verbosity', '--method', 'grpo', '--seed', '0', '--config', '{"batchPrompts":1,"groupSize":4,"evalSamples":4}', '--json');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const s = lines.at(-1);
    expect(s).toMatchObject({ type: 'summary', steps: 2 });
    expect(s.config).toMatchObject({ steps: 2, lr: 0.002, batchPrompts: 1 });
    expect(lines.filter((l) => l.type === 'step').map((l) => l.step)).toEqual([0, 1, 2]);
    expect(r.stderr).toMatch(/2 steps \(the vector's documented budget\)/);
    // An explicit --steps still wins over the vector's budget.
    const explicit = vspo('train', '--checkpoint', budgeted, '--behavior', 'verbosity', '--method', 'grpo', '--seed', '0', '--steps', '1', '--config', '{"batchPrompts":1,"groupSize":4,"evalSamples":4}', '--json');
    expect(explicit.code, explicit.stderr).toBe(0);
    expect(JSON.parse(explicit.stdout.trim().split('\n').at(-1)!)).toMatchObject({ steps: 1, config: { steps: 1, lr: 0.002 } });
  });

  test('B·G beyond what the model can hold is a CliError (the ValidationContext the CLI passes)', () => {
    const small = validationContext({ vocabSize: 24, contextLength: 22, dModel: 64, nLayers: 3, nHeads: 4 });
    expect(small.maxSequences).toBeGreaterThan(4096);
    const huge = validationContext({ vocabSize: 50_000, contextLength: 2048, dModel: 1024, nLayers: 1, nHeads: 16 });
    expect(huge.maxSequences).toBe(1);
    expect(() => validOrThrow({ method: 'grpo', batchPrompts: 1, groupSize: 2 }, huge)).toThrow(CliError);
    expect(() => validOrThrow({ method: 'grpo', batchPrompts: 1, groupSize: 2 }, huge)).toThrow(/invalid config: B·G = 2 sequences exceed/);
    expect(validOrThrow({ batchPrompts: 8, groupSize: 8 }, small).groupSize).toBe(8);
  });

  test('--threshold: 0 < τ ≤ 1 (a behavior score is in [0, 1])', () => {
    const t = (v: string) => parseThreshold(parseArgs(['--threshold', v]));
    expect(parseThreshold(parseArgs([]))).toBe(0.5);
    expect(t('1')).toBe(1);
    expect(t('0.05')).toBe(0.05);
    for (const bad of ['0', '-1', '2', '1.0001']) expect(() => t(bad), bad).toThrow(new CliError(`--threshold must be in (0, 1] (got ${Number(bad)})`));
  });

  test("groupSize is checked against the vector's recommended grid, not the default one (as the worker does)", () => {
    // The vector's grid [0, 2, 3] fills in the unset grid: G = 6 is a multiple of its 3 intensities.
    const r = vspo('train', '--checkpoint', gridded, '--behavior', 'verbosity', '--method', 'vspo', '--seed', '0', '--steps', '1', '--config', '{"batchPrompts":1,"groupSize":6,"evalSamples":4}', '--json');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).config).toMatchObject({ grid: [0, 2, 3], groupSize: 6 });
    // …and G = 4 is refused against that grid: one line, before any run starts.
    const bad = vspo('train', '--checkpoint', gridded, '--behavior', 'verbosity', '--method', 'vspo', '--seed', '0', '--steps', '1', '--config', '{"batchPrompts":1,"groupSize":4}');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['vspo: invalid config: groupSize (G = 4) must be a multiple of the grid size (3) in grid mode']);
  });

  test('a config that breaks a rule names the field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ groupSize: 6 }));
    const r = vspo('train', '--checkpoint', ckpt, '--behavior', 'verbosity', '--method', 'vspo', '--steps', '2', '--seed', '1', '--config', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/groupSize \(G = 6\) must be a multiple of the grid size \(4\)/);
  });
});

describe('vspo compare', () => {
  test('a grid of methods × seeds with mean ± std per method', () => {
    const r = vspo('compare', '--checkpoint', ckpt, '--behavior', 'verbosity', '--methods', 'vspo,grpo,distill,guide', '--seeds', '2', '--steps', '2', '--config', cfg, '--json');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'run')).toHaveLength(8);
    const s = lines.at(-1);
    expect(s.type).toBe('summary');
    expect(s.seeds).toEqual([0, 1]);
    expect(Object.keys(s.results)).toEqual(['vspo', 'grpo', 'distill', 'guide']);
    for (const m of Object.values(s.results) as { runs: number; auc: { n: number }; stepsToThreshold: { reached: number } }[]) {
      expect(m.runs).toBe(2);
      expect(m.auc.n).toBe(2);
      expect(m.stepsToThreshold).toHaveProperty('reached');
    }
    expect(r.stderr).toMatch(/behavior AUC/);
  });

  test('a teacher grid gives distill one row per (accuracy, style) and runs vspo once; a bad value is one line', () => {
    const r = vspo('compare', '--checkpoint', ckpt, '--behavior', 'verbosity', '--methods', 'vspo,distill', '--seeds', '1', '--steps', '2', '--config', cfg, '--teacher-accuracy', '1,0.5', '--teacher-style', 'own,foreign', '--json');
    expect(r.code).toBe(0);
    const s = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    expect(Object.keys(s.results)).toEqual(['vspo', 'distill[acc 1, own]', 'distill[acc 1, foreign]', 'distill[acc 0.5, own]', 'distill[acc 0.5, foreign]']);
    expect(s.teachers['distill[acc 0.5, foreign]']).toEqual({ accuracy: 0.5, style: 'foreign', noise: 0 });
    expect(s.configs['distill[acc 0.5, foreign]']).toMatchObject({ teacherAccuracy: 0.5, teacherStyle: 'foreign' });
    const bad = vspo('compare', '--checkpoint', ckpt, '--behavior', 'verbosity', '--methods', 'distill', '--steps', '2', '--teacher-style', 'alien');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--teacher-style values must be own or foreign/);
  });

  test('a teacher grid of accuracies only is labelled with the style the runs use', () => {
    const r = vspo('compare', '--checkpoint', ckpt, '--behavior', 'verbosity', '--methods', 'distill', '--seeds', '1', '--steps', '2', '--config', '{"batchPrompts":2,"groupSize":4,"evalSamples":4,"evalEvery":2,"teacherStyle":"foreign"}', '--teacher-accuracy', '1,0.5', '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    expect(Object.keys(s.results)).toEqual(['distill[acc 1, foreign]', 'distill[acc 0.5, foreign]']);
    expect(s.teachers['distill[acc 0.5, foreign]']).toEqual({ accuracy: 0.5, style: 'foreign', noise: 0 });
  });

  test.each([
    // A repeated teacher value would run every seed twice into one row (n doubled).
    [['--methods', 'distill', '--teacher-accuracy', '1,0.5,1'], '--teacher-accuracy lists 1 twice'],
    [['--methods', 'guide', '--teacher-style', 'own,foreign,own'], '--teacher-style lists own twice'],
    // Seeds past 2^32 − 1 wrap (the RNG takes seed >>> 0): the last seed of the grid must fit.
    [['--methods', 'grpo', '--seed-base', '4294967295', '--seeds', '2'], '--seed-base 4294967295 with --seeds 2 reaches seed 4294967296; seeds must be integers in [0, 4294967295]'],
    [['--methods', 'grpo', '--threshold', '1.5'], '--threshold must be in (0, 1] (got 1.5)'],
    [['--methods', 'grpo', '--threshold', '0'], '--threshold must be in (0, 1] (got 0)'],
  ])('compare %j → one line, exit 2', (extra, msg) => {
    const r = vspo('compare', '--checkpoint', ckpt, '--behavior', 'verbosity', '--steps', '2', '--config', cfg, ...extra);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`vspo: ${msg}`]);
  });

  test("compare validates each variant once, after the vector's defaults (its grid), before any run", () => {
    const r = vspo('compare', '--checkpoint', gridded, '--behavior', 'verbosity', '--methods', 'vspo', '--seeds', '1', '--steps', '1', '--config', '{"batchPrompts":1,"groupSize":6,"evalSamples":4}', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).configs.vspo).toMatchObject({ grid: [0, 2, 3], groupSize: 6 });
    const bad = vspo('compare', '--checkpoint', gridded, '--behavior', 'verbosity', '--methods', 'vspo', '--seeds', '1', '--steps', '1', '--config', '{"batchPrompts":1,"groupSize":4}');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['vspo: invalid config: groupSize (G = 4) must be a multiple of the grid size (3) in grid mode']);
  });

  test('bad method list → one line, exit 2', () => {
    const r = vspo('compare', '--checkpoint', ckpt, '--behavior', 'verbosity', '--methods', 'vspo,ppo', '--steps', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--methods must be/);
  });
});
