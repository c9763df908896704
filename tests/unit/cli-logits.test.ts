// The `logits` and `grads` CLI commands as scripts: JSON shape on stdout, the CPU model's numbers, and
// bad input as exit code 2 with one line on stderr.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { paramSpecs, type GPTConfig } from '../../src/model/config';
import { createCpuModel } from '../../src/model/cpu-model';
import { initParams } from '../../src/model/init';
import { encodeCheckpoint } from '../../src/store/checkpoint';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd(), timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const config: GPTConfig = { vocabSize: 11, contextLength: 8, dModel: 8, nLayers: 2, nHeads: 2 };

describe('vspo logits / grads', () => {
  test('JSON on stdout matching the CPU model; missing file and bad tokens exit 2 with one stderr line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vspo-cli-'));
    const path = join(dir, 'tiny.safetensors');
    const params = initParams(config, 5);
    writeFileSync(path, encodeCheckpoint({ config, params, metadata: { step: 0 } }));
    const [logits, grads, missing, range, mismatch] = await Promise.all([
      cli('logits', '--checkpoint', path, '--tokens', '1,2,3'),
      cli('grads', '--checkpoint', path, '--tokens', '1,2,3', '--targets', '2,3,4'),
      cli('logits', '--checkpoint', join(dir, 'nope.safetensors'), '--tokens', '1'),
      cli('logits', '--checkpoint', path, '--tokens', '1,11'),
      cli('grads', '--checkpoint', path, '--tokens', '1,2', '--targets', '2'),
    ]);

    expect(logits.code, logits.stderr).toBe(0);
    const lines = logits.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]) as { logits: number[][] };
    expect(out.logits).toHaveLength(3);
    for (const row of out.logits) expect(row).toHaveLength(config.vocabSize);
    const model = createCpuModel(config, params);
    const ref = await model.logits({ tokens: new Int32Array([1, 2, 3]), B: 1, T: 3 });
    expect(out.logits.flat()).toEqual(Array.from(ref));

    expect(grads.code, grads.stderr).toBe(0);
    const g = JSON.parse(grads.stdout) as { loss: number; grads: Record<string, number[]> };
    expect(Object.keys(g.grads)).toEqual(paramSpecs(config).map((s) => s.name));
    expect(g.grads['h.0.attn.c_attn.weight']).toHaveLength(8 * 24);
    expect(g.loss).toBeCloseTo(Math.log(config.vocabSize), 1);
    const { logprobs } = await model.logprobs({ tokens: new Int32Array([1, 2, 3]), B: 1, T: 3 }, new Int32Array([2, 3, 4]));
    expect(g.loss).toBeCloseTo(-(logprobs[0] + logprobs[1] + logprobs[2]) / 3, 6);

    for (const bad of [missing, range, mismatch]) {
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(missing.stderr).toMatch(/checkpoint not found/);
    expect(range.stderr).toMatch(/not a token id in \[0, 11\)/);
    expect(mismatch.stderr).toMatch(/must match/);
  });
});
