// The `logits` and `grads` CLI commands as scripts: JSON shape on stdout, the CPU model's numbers, and
// bad input as exit code 2 with one line on stderr; a multi-megabyte answer arrives whole through a pipe.
import { execFile, spawn } from 'node:child_process';
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

/**
 * Runs the CLI with stdout to a pipe that is not read for the first `stallMs` (so the child fills the
 * pipe's 64 KiB and must wait for it to drain), then reads everything and counts the bytes.
 */
function cliThroughPipe(args: string[], stallMs = 500): Promise<{ code: number | null; bytes: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), stallMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, bytes: Buffer.concat(out), stderr }));
  });
}

describe('output through a pipe', () => {
  test('a ≥ 1 MB logits answer arrives whole (byte count = the JSON of the CPU model\'s logits + newline)', async () => {
    // V = 4096 and T = 24: 98,304 logits, about 2 MB of JSON (before the fix a pipe got 65,536 bytes).
    const big: GPTConfig = { vocabSize: 4096, contextLength: 24, dModel: 8, nLayers: 1, nHeads: 2 };
    const dir = mkdtempSync(join(tmpdir(), 'vspo-cli-pipe-'));
    const path = join(dir, 'wide.safetensors');
    const params = initParams(big, 7);
    writeFileSync(path, encodeCheckpoint({ config: big, params, metadata: { step: 0 } }));
    const tokens = Array.from({ length: big.contextLength }, (_, i) => (i * 977) % big.vocabSize);

    const [r, grads, bad] = await Promise.all([
      cliThroughPipe(['logits', '--checkpoint', path, '--tokens', tokens.join(',')]),
      cliThroughPipe(['grads', '--checkpoint', path, '--tokens', tokens.join(','), '--targets', tokens.map((t) => (t + 1) % big.vocabSize).join(',')]),
      cliThroughPipe(['logits', '--checkpoint', path, '--tokens', `1,${big.vocabSize}`]),
    ]);

    expect(r.code, r.stderr).toBe(0);
    const model = createCpuModel(big, params);
    const T = tokens.length;
    const flat = await model.logits({ tokens: Int32Array.from(tokens), B: 1, T });
    const rows: number[][] = [];
    for (let t = 0; t < T; t++) rows.push(Array.from(flat.subarray(t * big.vocabSize, (t + 1) * big.vocabSize)));
    const expected = JSON.stringify({ logits: rows }) + '\n';
    expect(Buffer.byteLength(expected)).toBeGreaterThan(1 << 20);
    expect(r.bytes.length).toBe(Buffer.byteLength(expected));
    expect(r.bytes.toString('utf8')).toBe(expected);
    expect((JSON.parse(r.bytes.toString('utf8')) as { logits: number[][] }).logits).toHaveLength(T);

    // grads: every parameter's gradient (several pipe buffers' worth); whole, parseable, one line.
    expect(grads.code, grads.stderr).toBe(0);
    expect(grads.bytes.length).toBeGreaterThan(256 * 1024);
    const text = grads.bytes.toString('utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const g = JSON.parse(text) as { loss: number; grads: Record<string, number[]> };
    expect(Buffer.byteLength(JSON.stringify(g) + '\n')).toBe(grads.bytes.length);
    expect(Object.keys(g.grads)).toEqual(paramSpecs(big).map((s) => s.name));

    // Bad input still exits 2 with one line and nothing on stdout.
    expect(bad.code).toBe(2);
    expect(bad.bytes.length).toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/not a token id in \[0, 4096\)/);
  });
});
