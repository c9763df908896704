// Hostile input and faults at the CLI boundary: checkpoint paths that are not regular files (/dev/zero,
// /dev/urandom, a FIFO, a directory) or are too large, refused before they are opened; atomic output
// writes that never replace the input checkpoint; and bad flags / bad stored metadata as exit code 2 with
// one line on stderr, never a stack trace.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, linkSync, symlinkSync, mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { CliError } from '../../src/cli/args';
import { loadCheckpointFile, loadedCheckpointFiles, MAX_CHECKPOINT_FILE_BYTES } from '../../src/cli/backend';
import { writeOut } from '../../src/cli/common';
import { getTask } from '../../src/data/tasks';
import { initParams } from '../../src/model/init';
import { decodeSafetensors, encodeSafetensors } from '../../src/store/safetensors';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd(), timeout: 120_000 }).then(
    (r) => ({ code: 0 as number | null, ...r }),
    (e: { code: number | null; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
/** Exit code 2, exactly one line on stderr, no stack trace; returns that line. */
const oneLine = (r: { code: number | null; stderr: string }) => {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  return lines[0];
};

/** The refusal's message; fails (within `ms`, instead of hanging or reading on) when there is none. */
async function refusal(p: Promise<unknown>, ms = 5000): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no refusal within ${ms} ms (reading or blocked)`)), ms);
  });
  try {
    await Promise.race([p, late]);
  } catch (e) {
    clearTimeout(timer);
    expect(e).toBeInstanceOf(CliError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  clearTimeout(timer);
  throw new Error('expected a refusal, but it was accepted');
}

const dir = mkdtempSync(join(tmpdir(), 'vspo-hostile-'));
const ckpt = join(dir, 'tiny.safetensors');
const bogusWindow = join(dir, 'bogus-window.safetensors');
const bomb = join(dir, 'bomb.safetensors');
const meta = { behavior: 'verbosity', mode: 'unembed', pca: false, layer: 0, window: 'decision', norm: 1, relativeScale: 0.5, pairs: 4 };

beforeAll(() => {
  const task = getTask('verbosity');
  const config = { vocabSize: task.tokenizer.vocabSize, contextLength: 24, dModel: 8, nLayers: 1, nHeads: 2 };
  const vector = Float32Array.from({ length: 8 }, (_, i) => (i - 4) / 8);
  const bytes = encodeCheckpoint({
    config,
    params: initParams(config, 1),
    metadata: { tokenizer: task.tokenizer.toJSON(), task: { behavior: 'verbosity' } },
    steering: { verbosity: { vector, meta } },
  });
  writeFileSync(ckpt, bytes);
  const { tensors, metadata } = decodeSafetensors(bytes);
  writeFileSync(bogusWindow, encodeSafetensors(tensors, { ...metadata, steering: JSON.stringify({ verbosity: { ...meta, window: 'bogus' } }) }));
  writeFileSync(bomb, encodeSafetensors(tensors, { ...metadata, config: JSON.stringify({ ...config, nLayers: 1e9 }) }));
});

describe('checkpoint paths that are not a bounded regular file are refused before opening', () => {
  test('/dev/zero and /dev/urandom (would read until memory runs out)', async () => {
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      if (!existsSync(dev)) continue;
      expect(await refusal(loadCheckpointFile(dev))).toBe(`checkpoint ${dev} is a character device, not a regular file; give the path of a .safetensors file`);
    }
  });

  test('a FIFO (would hang forever)', async (ctx) => {
    const fifo = join(dir, 'pipe.safetensors');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      ctx.skip();
    }
    const start = performance.now();
    expect(await refusal(loadCheckpointFile(fifo))).toMatch(/is a FIFO \(named pipe\), not a regular file/);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  test('a directory, a missing file, and a file over the size cap (sparse: nothing is allocated)', async () => {
    expect(await refusal(loadCheckpointFile(dir))).toBe(`checkpoint path is a directory: ${dir}`);
    expect(await refusal(loadCheckpointFile(join(dir, 'nope.safetensors')))).toMatch(/^checkpoint not found/);
    const huge = join(dir, 'huge.safetensors');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, MAX_CHECKPOINT_FILE_BYTES + 1);
    closeSync(fd);
    expect(MAX_CHECKPOINT_FILE_BYTES).toBe(2 ** 30);
    expect(await refusal(loadCheckpointFile(huge))).toBe(`checkpoint ${huge} is 1073741825 bytes (1.1 GB); the limit is 1073741824 bytes (1 GiB)`);
  });

  test('a regular checkpoint still loads', async () => {
    const c = await loadCheckpointFile(ckpt);
    expect(c.config.nLayers).toBe(1);
    expect(c.steering.verbosity.meta).toEqual(meta);
  });
});

describe('writeOut is atomic and never replaces the input', () => {
  const tmpLeft = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

  test('writes through a temporary file and a rename (a new inode; no temp file left)', () => {
    const d = mkdtempSync(join(tmpdir(), 'vspo-out-'));
    const out = join(d, 'out.safetensors');
    writeFileSync(out, 'old contents');
    const before = statSync(out).ino;
    writeOut(out, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(out))).toEqual([1, 2, 3]);
    expect(statSync(out).ino).not.toBe(before); // replaced by rename, not rewritten in place
    expect(tmpLeft(d)).toEqual([]);
  });

  test('a failed write leaves the old file whole and no temp file', () => {
    const d = mkdtempSync(join(tmpdir(), 'vspo-out-'));
    const sub = join(d, 'sub');
    mkdirSync(sub);
    expect(() => writeOut(sub, new Uint8Array(4))).toThrow(/^cannot write .*: it is a directory$/);
    expect(() => writeOut(join(d, 'missing-dir', 'x.safetensors'), new Uint8Array(4))).toThrow(CliError);
    expect(tmpLeft(d)).toEqual([]);
  });

  test('the checkpoint this process read is not overwritten (also through another path to it)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'vspo-out-'));
    const input = join(d, 'in.safetensors');
    writeFileSync(input, readFileSync(ckpt));
    await loadCheckpointFile(input);
    expect(loadedCheckpointFiles.some((f) => f.path === input)).toBe(true);
    const viaSymlink = join(d, 'link.safetensors');
    symlinkSync(input, viaSymlink);
    const viaHardLink = join(d, 'hard.safetensors');
    linkSync(input, viaHardLink);
    for (const p of [input, viaSymlink, viaHardLink]) {
      expect(() => writeOut(p, new Uint8Array(4))).toThrow(`--out ${p} is the input checkpoint (--checkpoint); refusing to overwrite it, choose another --out path`);
    }
    expect(readFileSync(input).equals(readFileSync(ckpt))).toBe(true);
  });
});

describe('the CLI: one line on stderr and exit code 2', () => {
  test('bad checkpoint files, bad flags and bad stored metadata', async () => {
    const out = join(dir, 'with-vector.safetensors');
    const inputBytes = readFileSync(ckpt);
    const common = ['--behavior', 'verbosity', '--intensities', '0,1', '--samples', '2'];
    const rs = await Promise.all([
      cli('logits', '--checkpoint', '/dev/zero', '--tokens', '1,2'),
      cli('logits', '--checkpoint', bomb, '--tokens', '1,2'),
      cli('sweep', '--checkpoint', ckpt, ...common, '--temperature', '-1'),
      cli('sweep', '--checkpoint', ckpt, ...common, '--mode', 'random', '--layer', '99'),
      cli('sweep', '--checkpoint', bogusWindow, ...common),
      cli('vector', '--checkpoint', ckpt, '--behavior', 'verbosity', '--mode', 'unembed', '--pairs', '4', '--out', ckpt),
      cli('vector', '--checkpoint', ckpt, '--behavior', 'verbosity', '--mode', 'unembed', '--pairs', '4', '--train-steps', '0', '--out', out),
    ]);
    const lines = rs.map(oneLine);
    expect(lines[0]).toBe('vspo: checkpoint /dev/zero is a character device, not a regular file; give the path of a .safetensors file');
    expect(lines[1]).toMatch(/^vspo: bad checkpoint .*: invalid config: config\.nLayers must be at most 48 \(got 1000000000\); the model would need .* of weights/);
    expect(lines[2]).toBe('vspo: --temperature must be ≥ 0 (got -1)');
    expect(lines[3]).toBe('vspo: --layer must be an integer in [0, 1) for this 1-layer checkpoint (got 99)');
    expect(lines[4]).toMatch(/^vspo: bad checkpoint .*: steering "verbosity": window must be one of decision, response, all \(got "bogus"\)$/);
    expect(lines[5]).toBe(`vspo: --out ${ckpt} is the input checkpoint (--checkpoint); refusing to overwrite it, choose another --out path`);
    expect(lines[6]).toBe('vspo: --train-steps must be a positive integer (got 0)');
    expect(readFileSync(ckpt).equals(inputBytes)).toBe(true);
    expect(existsSync(out)).toBe(false);

    // and a good run writes the output (atomically: no temp file left beside it)
    const ok = await cli('vector', '--checkpoint', ckpt, '--behavior', 'verbosity', '--mode', 'unembed', '--layer', '0', '--pairs', '4', '--train-steps', '5', '--out', out);
    expect(ok.code, ok.stderr).toBe(0);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(out))).steering.verbosity.meta).toMatchObject({ mode: 'unembed', layer: 0, steps: 5 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 240_000);
});
