// The GPU-server benchmark scripts run as the README shows them: `bash bench/gpu-server.sh OUT` and the
// kit (`bash bench/gpu-kit.sh`, then `bash KIT/run.sh OUT` from a copy outside the repo). Here Dawn finds
// only SwiftShader, so each run is the smallest one (`--quick --only counters --tuning gpu`): what is
// checked is that the scripts find the adapter, run the suite and write whole JSON lines to OUT.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const repo = process.cwd();
const SMALLEST = ['--quick', '--only', 'counters', '--tuning', 'gpu'];
const temp = (name: string) => mkdtempSync(join(tmpdir(), `vspo-${name}-`));

/** The JSON lines the script wrote to OUT (every line must parse). */
function jsonLines(out: string): Record<string, unknown>[] {
  const files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  const text = readFileSync(join(out, files[0]), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function expectCounters(lines: Record<string, unknown>[]): void {
  const adapter = lines.find((l) => l.bench === 'adapter');
  expect(adapter?.found).not.toBe(false);
  const counters = lines.filter((l) => l.bench === 'counters');
  expect(counters.length).toBeGreaterThan(0);
  expect(counters.every((l) => l.tuning === 'gpu' && typeof l.adapter === 'string')).toBe(true);
  expect(lines.some((l) => l.bench === 'error')).toBe(false);
}

describe('bench/gpu-server.sh', () => {
  test('without OUT_DIR: usage, exit 2', async () => {
    const r = await run('bash', ['bench/gpu-server.sh'], { cwd: repo }).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2 });
    expect((r as { stderr: string }).stderr).toMatch(/usage: bash bench\/gpu-server.sh OUT_DIR/);
  });

  test('finds the adapter and writes the JSON lines to OUT_DIR', async () => {
    const out = temp('gpu-server');
    const { stderr } = await run('bash', ['bench/gpu-server.sh', out, ...SMALLEST], { cwd: repo, maxBuffer: 1 << 24 });
    expect(stderr).toMatch(/\[gpu-server\] adapter: /);
    expectCounters(jsonLines(out));
  }, 300_000);
});

describe('bench/gpu-kit.sh', () => {
  test('the kit runs from a copy outside the repo, with its own Node', async () => {
    const kit = join(temp('kit'), 'kit');
    await run('bash', ['bench/gpu-kit.sh', kit], { cwd: repo, env: { ...process.env, XZ_OPT: '-0' }, maxBuffer: 1 << 24 });
    const elsewhere = temp('kit-copy');
    cpSync(kit, join(elsewhere, 'kit'), { recursive: true });
    const out = join(elsewhere, 'out');
    const nodeDir = temp('kit-node'); // run.sh unpacks Node into TMPDIR: a fresh one, so that step runs
    const { stderr } = await run('bash', [join(elsewhere, 'kit/run.sh'), out, ...SMALLEST], {
      cwd: elsewhere,
      env: { ...process.env, TMPDIR: nodeDir, PATH: '/usr/bin:/bin' },
      maxBuffer: 1 << 24,
    });
    expect(readdirSync(nodeDir)).toContain('vspo-kit-node');
    expect(stderr).toMatch(/\[gpu-server\] adapter: /);
    expectCounters(jsonLines(out));
  }, 300_000);
});
