// The model-lab commands (pretrain, vector, sweep, eval) as scripts on a tiny model: the JSON contract,
// the vector stored in the checkpoint, and every bad input as exit code 2 with one line on stderr.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { getTask } from '../../src/data/tasks';
import { initParams } from '../../src/model/init';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd(), timeout: 120_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const oneLine = (r: { code: number; stderr: string }) => {
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
};

test('pretrain → vector → sweep / eval on a tiny model, and bad input exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vspo-lab-'));
  const base = join(dir, 'base.safetensors');
  const withVector = join(dir, 'steered.safetensors');
  const pre = await cli('pretrain', '--behavior', 'verbosity', '--seed', '3', '--steps', '3', '--batch', '4', '--d-model', '8', '--layers', '1', '--heads', '2', '--out', base);
  expect(pre.code, pre.stderr).toBe(0);
  const meta = decodeCheckpoint(new Uint8Array(readFileSync(base))).metadata as Record<string, any>;
  expect(meta.pretrain).toMatchObject({ seed: 3, steps: 3, stepsDone: 3, batchSize: 4, corpusRate: null, backend: 'cpu' });
  expect(meta.pretrain.command).toMatch(/pretrain --behavior verbosity --seed 3 --steps 3/);
  expect(meta.pretrain.evaluation).toMatchObject({ split: 'validation', samples: 256 });
  // The validation loss (mean cross-entropy on corpus examples with validation operands), in the file and on stdout.
  expect(meta.pretrain.validationLoss).toBeGreaterThan(0);
  expect(JSON.parse(pre.stdout)).toMatchObject({ out: base, steps: 3, validationLoss: meta.pretrain.validationLoss });
  expect(meta.tokenizer.vocab).toEqual(getTask('verbosity').tokenizer.vocab);

  const vec = await cli('vector', '--checkpoint', base, '--behavior', 'verbosity', '--mode', 'unembed', '--layer', '0', '--pairs', '4', '--grid', '0,1,2,3', '--out', withVector);
  expect(vec.code, vec.stderr).toBe(0);
  const stored = decodeCheckpoint(new Uint8Array(readFileSync(withVector))).steering.verbosity;
  expect(stored.meta).toMatchObject({ mode: 'unembed', layer: 0, window: 'decision', grid: [0, 1, 2, 3] });

  const [sweep, evaluation] = await Promise.all([
    cli('sweep', '--checkpoint', withVector, '--behavior', 'verbosity', '--intensities', '-2,0,1', '--samples', '4', '--seed', '1', '--json'),
    cli('eval', '--checkpoint', withVector, '--behavior', 'verbosity', '--samples', '4', '--json'),
  ]);
  expect(sweep.code, sweep.stderr).toBe(0);
  const points = sweep.stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(points.map((p) => p.alpha)).toEqual([-2, 0, 1]);
  for (const p of points) expect(Object.keys(p).sort()).toEqual(['accuracy', 'alpha', 'behavior', 'counted', 'n', 'rewarded', 'samples', 'split']);
  expect(points[0].split).toBe('validation');
  expect(evaluation.code, evaluation.stderr).toBe(0);
  expect(JSON.parse(evaluation.stdout)).toMatchObject({ behavior: 'verbosity', split: 'test', alpha: 0, samples: 4 });

  // A checkpoint with no tokenizer in its metadata.
  const task = getTask('verbosity');
  const config = { vocabSize: task.tokenizer.vocabSize, contextLength: 22, dModel: 8, nLayers: 1, nHeads: 2 };
  const bare = join(dir, 'bare.safetensors');
  writeFileSync(bare, encodeCheckpoint({ config, params: initParams(config, 1), metadata: {} }));

  const bad = await Promise.all([
    cli('sweep', '--checkpoint', withVector, '--behavior', 'honesty', '--intensities', '1'),
    cli('sweep', '--checkpoint', withVector, '--behavior', 'verbosity', '--intensities', ''),
    cli('sweep', '--checkpoint', withVector, '--behavior', 'verbosity', '--intensities', '1,x'),
    cli('sweep', '--checkpoint', base, '--behavior', 'verbosity', '--intensities', '1'),
    cli('eval', '--checkpoint', bare, '--behavior', 'verbosity'),
    cli('vector', '--checkpoint', base, '--behavior', 'verbosity', '--mode', 'magic', '--out', withVector),
    cli('eval', '--checkpoint', withVector, '--behavior', 'verbosity', '--split', 'train'),
  ]);
  bad.forEach(oneLine);
  expect(bad[0].stderr).toMatch(/unknown behavior "honesty"/);
  expect(bad[1].stderr).toMatch(/--intensities/);
  expect(bad[2].stderr).toMatch(/"x" is not a number/);
  expect(bad[3].stderr).toMatch(/no steering vector for "verbosity"/);
  expect(bad[4].stderr).toMatch(/no tokenizer/);
  expect(bad[5].stderr).toMatch(/unknown --mode "magic"/);
  expect(bad[6].stderr).toMatch(/--split must be one of test, validation/);
}, 240_000);
