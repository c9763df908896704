import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run('npx', ['tsx', 'src/cli/main.ts', 'bandit', ...args], { cwd: process.cwd(), timeout: 30_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('vspo bandit CLI', () => {
  test('--json prints one object with iteration counts and alignment figures; bad input exits 2', async () => {
    const [ok, sweep, abc, range] = await Promise.all([
      cli('--json', '--seeds', '3', '--alignment', '0.9', '--max-iter', '5000'),
      cli('--sweep', '--json', '--alignments', '0,1', '--seeds', '2', '--max-iter', '3000'),
      cli('--alignment', 'abc', '--json'),
      cli('--base-rate', '2', '--json'),
    ]);
    expect(ok.code).toBe(0);
    const lines = ok.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]);
    expect(o.settings.alignment).toBe(0.9);
    expect(o.vspo.iterations).toHaveLength(3);
    expect(o.grpo.iterations).toHaveLength(3);
    expect(o.alignment.tvAtMax.mean).toBeGreaterThan(0);
    expect(o.alignment.tvAtMax.mean).toBeLessThanOrEqual(1);
    expect(o.alignment.perIntensity.map((p: { alpha: number }) => p.alpha)).toEqual([0, 1, 2, 4]);
    expect(typeof o.test.p).toBe('number');

    expect(sweep.code).toBe(0);
    const rows = sweep.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.alignment)).toEqual([0, 1, undefined]);
    expect(rows[2].summary).toBe(true);
    expect(rows[2]).toHaveProperty('crossover');

    for (const bad of [abc, range]) {
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(abc.stderr).toMatch(/--alignment must be a number/);
    expect(range.stderr).toMatch(/--base-rate/);
  });
});
