// Every shell command README.md shows runs as written, on the smallest budget its own flags allow.
//
// Which commands: each line of a ```sh / ```bash block and each inline code span (joined across line
// breaks) that starts with npm, npx, bash or node, after optional VAR=value words. The `npm run -s vspo --`
// examples are tests/unit/readme-examples.test.ts's. Every other one must have a PLAN below: the command
// as the README writes it with flags or environment appended that only shrink the budget (placeholders
// such as OUT become temporary folders). The CI commands (npm ci, npm test, .ci/run) are what CI runs;
// here only .ci/run's text is checked. A README command without a plan fails the first test, so a command
// added to the README is run as soon as it is added.
//
// In the e2e project because two of them (the screenshots) drive the built app: they reuse this
// project's build (E2E_SKIP_BUILD=1) and write their images to a temporary SHOT_DIR, never to the repo.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { freePort } from './harness';

const repo = process.cwd();
const sh = promisify(execFile);
const temp = (name: string) => mkdtempSync(join(tmpdir(), `vspo-readme-${name}-`));

// ------------------------------------------------------------------------------ the README's commands

const STARTS = /^(?:[A-Z_]+=\S+ )*(?:npm|npx|bash|node) /;
const SHELL_FENCES = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

/** The shell commands README.md shows, each once, in order. */
export function readmeCommands(md: string): string[] {
  const found = new Set<string>();
  const prose: string[] = [];
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const open = line.match(/^```(\w*)/);
    if (open) fence = fence === null ? open[1] : null;
    else if (fence === null) prose.push(line);
    else if (SHELL_FENCES.has(fence)) {
      const cmd = line.replace(/^\$ /, '').replace(/\s+#.*$/, '').trim();
      if (STARTS.test(cmd)) found.add(cmd);
    }
    if (open || fence !== null) prose.push('');
  }
  for (const m of prose.join('\n').matchAll(/`([^`]+)`/g)) {
    const cmd = m[1].replace(/\s*\n\s*/g, ' ').trim();
    if (STARTS.test(cmd)) found.add(cmd);
  }
  return [...found].filter((c) => !c.startsWith('npm run -s vspo --'));
}

// ------------------------------------------------------------------------------ how each one is run

interface Result {
  stdout: string;
  stderr: string;
}

/** Runs `cmd` with bash in the repo; throws with its stderr's tail when it exits non-zero. */
async function run(cmd: string, env: Record<string, string> = {}, cwd = repo): Promise<Result> {
  try {
    return await sh('bash', ['-c', cmd], { cwd, env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    throw new Error(`\`${cmd}\` exited ${err.code}:\n${(err.stderr ?? '').slice(-3000)}`);
  }
}

/** stdout (or a file) as JSON lines: every line parses, the text ends in a newline. */
function jsonLines(text: string): Record<string, unknown>[] {
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const SMALLEST_GPU_BENCH = '--quick --only counters --tuning gpu';

/** A GPU bench's lines: an adapter was found, counters under the gpu tuning, no error. */
function expectCounters(lines: Record<string, unknown>[]): void {
  expect(lines.find((l) => l.bench === 'adapter')?.found).not.toBe(false);
  expect(lines.some((l) => l.bench === 'counters' && l.tuning === 'gpu')).toBe(true);
  expect(lines.filter((l) => l.bench === 'error')).toEqual([]);
}

/** The one .jsonl file a gpu-server run wrote into `out`. */
function serverLines(out: string): Record<string, unknown>[] {
  const files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  return jsonLines(readFileSync(join(out, files[0]), 'utf8'));
}

/** `npm run dev` serves the app and the shipped checkpoint it opens on; stopped once both answered. */
async function devServer(): Promise<void> {
  const port = await freePort();
  const child = spawn('npm', ['run', '-s', 'dev', '--', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: repo, detached: true, stdio: 'ignore' });
  try {
    const url = `http://127.0.0.1:${port}`;
    let page = '';
    for (let i = 0; i < 120 && !page; i++) {
      page = await fetch(url).then((r) => (r.ok ? r.text() : ''), () => '');
      if (!page) await new Promise((r) => setTimeout(r, 500));
    }
    expect(page).toMatch(/<div id="root">/);
    const ckpt = await fetch(`${url}/checkpoints/verbosity.safetensors`);
    expect(ckpt.status).toBe(200);
    expect((await ckpt.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
  }
}

/** bench/cpu-train-runs.sh with `args` on a 2-step budget: one whole JSON line per run, in order. */
async function cpuTrainRuns(args: string, behaviors: string[]): Promise<void> {
  const lines = jsonLines((await run(`bash bench/cpu-train-runs.sh${args}`, { TRAIN_EXTRA: `--steps 2 --config ${TRAINER}` })).stdout);
  expect(lines.map((l) => l.behavior)).toEqual(behaviors);
  expect(lines.every((l) => l.bench === 'cpu-train-run' && l.steps === 2 && Number(l.wall_s) > 0)).toBe(true);
}

/** State the grid tests share: the grid's output folders, written by the grid commands. */
const grid = { teacher: temp('grid-teacher'), internalization: temp('grid-int') };
const TRAINER = '{"evalSamples":8,"batchPrompts":1,"groupSize":8}';
const GRID_EXTRA = `--steps 2 --seeds 2 --config {"evalAlignment":true,"evalSamples":8,"batchPrompts":1,"groupSize":8}`;
const kit = join(temp('kit'), 'kit');

type Plan = { run: () => Promise<void>; timeout?: number } | { same: string };

/** CI runs `.ci/run` on a fresh clone of every push: checked here is that it installs with npm ci and tests with npm test. */
const CI: Plan = {
  run: async () => {
    const script = readFileSync(join(repo, '.ci/run'), 'utf8');
    expect(script).toMatch(/^npm ci\b/m);
    expect(script).toMatch(/\bnpm test\b/);
  },
};

const PLANS: Record<string, Plan> = {
  'bash .ci/run': CI,
  'npm ci': CI,
  'npm test': CI,
  'npm install && npm test': CI,
  'npm install && npm run dev': { run: devServer }, // npm install: as CI's npm ci
  'npm run bench': {
    run: async () => expectCounters(jsonLines((await run(`npm run -s bench -- ${SMALLEST_GPU_BENCH}`)).stdout)),
  },
  'npm run -s bench -- --node --json': {
    run: async () => {
      // also the per-kernel profile (once here: it is the slowest of the --quick benchmarks on SwiftShader)
      const lines = jsonLines((await run(`npm run -s bench -- --node --json ${SMALLEST_GPU_BENCH.replace('counters', 'counters,profile')}`)).stdout);
      expectCounters(lines);
      const profile = lines.find((l) => l.bench === 'train_profile' && l.tuning === 'gpu') as { commands: number; kernels: { share: number }[] } | undefined;
      expect(profile?.kernels.length).toBeGreaterThan(0);
      expect(profile!.kernels.reduce((s, k) => s + k.share, 0)).toBeCloseTo(1, 2);
    },
  },
  'npm run -s bench -- --node --json --only attention': {
    run: async () => {
      const lines = jsonLines((await run('npm run -s bench -- --node --json --only attention --quick')).stdout);
      const attention = lines.filter((l) => l.bench === 'attention');
      expect(attention.length).toBeGreaterThan(0);
      for (const l of attention) {
        expect(l).toMatchObject({ bitEqual: true, tiledVsRows: expect.any(Number), flashVsTiled: expect.any(Number) });
        expect(Number(l.flashRelErr)).toBeLessThan(1e-4);
        const state = l.stateBytes as Record<string, number>;
        expect(state.flash).toBeLessThan(state.tiled); // a max and a sum per row, not the [T, T] weights
      }
    },
  },
  'npm run -s bench -- --node --json --only check': {
    run: async () => {
      const lines = jsonLines((await run('npm run -s bench -- --node --json --only check --quick --tuning gpu')).stdout);
      const checks = lines.filter((l) => l.bench === 'check');
      expect(checks.map((l) => l.variant)).toEqual(expect.arrayContaining(['gpu', 'gpu, tiled attention', 'gpu, skinny matmul, f16 weights']));
      for (const l of checks) expect(l, String(l.variant)).toMatchObject({ pass: true, gradRelErr: expect.any(Number), worstGrad: expect.any(String), tokensDiffering: 0 });
      expect(lines.find((l) => l.bench === 'summary')).toMatchObject({ check: { pass: true, failed: [] } });
    },
  },
  'bash bench/gpu-server.sh OUT': {
    run: async () => {
      const usage = await sh('bash', ['bench/gpu-server.sh'], { cwd: repo }).catch((e: { code: number; stderr: string }) => e);
      expect(usage, 'without OUT_DIR').toMatchObject({ code: 2, stderr: expect.stringMatching(/usage: bash bench\/gpu-server.sh OUT_DIR/) });
      const out = temp('gpu-server');
      const { stderr } = await run(`bash bench/gpu-server.sh ${out} ${SMALLEST_GPU_BENCH}`);
      expect(stderr).toMatch(/\[gpu-server\] adapter: /);
      expectCounters(serverLines(out));
    },
  },
  'bash bench/gpu-server.sh OUT_DIR': { same: 'bash bench/gpu-server.sh OUT' },
  'bash bench/gpu-kit.sh': { run: async () => void (await run(`bash bench/gpu-kit.sh ${kit}`, { XZ_OPT: '-0' })) },
  'bash .gpu-kit/run.sh OUT_DIR': {
    // from a copy outside the repo, with PATH's node out of reach and a fresh TMPDIR, so the kit's own Node is unpacked and used
    run: async () => {
      const elsewhere = temp('kit-copy');
      cpSync(kit, join(elsewhere, '.gpu-kit'), { recursive: true });
      const tmp = temp('kit-node');
      const { stderr } = await run(`bash .gpu-kit/run.sh out ${SMALLEST_GPU_BENCH}`, { TMPDIR: tmp, PATH: '/usr/bin:/bin', VSPO_NODE: '' }, elsewhere);
      expect(readdirSync(tmp)).toContain('vspo-kit-node');
      expect(stderr).toMatch(/\[gpu-server\] adapter: /);
      expectCounters(serverLines(join(elsewhere, 'out')));
    },
  },
  'npm run -s bench -- --cpu --json': {
    run: async () => {
      const lines = jsonLines((await run('npm run -s bench -- --cpu --json --quick')).stdout);
      expect(lines.filter((l) => l.bench === 'cpu-matmul').map((l) => l.n)).toEqual([256, 512, 1024]);
      expect(lines.some((l) => l.bench === 'cpu-train-step' && Number(l.ratio_vs_plain) > 0)).toBe(true);
    },
  },
  'bash bench/cpu-train-runs.sh': { run: () => cpuTrainRuns('', ['verbosity', 'verbosity', 'confidence', 'expertise', 'robustness', 'robustness']) },
  'bash bench/cpu-train-runs.sh "verbosity confidence expertise robustness" ""': {
    run: () => cpuTrainRuns(' "verbosity confidence expertise robustness" ""', ['verbosity', 'confidence', 'expertise', 'robustness']),
  },
  'npx tsx bench/subgroups.ts': {
    run: async () => {
      const lines = jsonLines((await run('npx tsx bench/subgroups.ts --runs 1')).stdout);
      expect(lines[0]).toMatchObject({ bench: 'adapter', features: expect.arrayContaining(['subgroups']) });
      expect(lines.filter((l) => l.bench === 'subgroups' && Number(l.offOverOn) > 0).length).toBeGreaterThanOrEqual(8);
    },
  },
  'npm run bench:soak': {
    run: async () => {
      const lines = jsonLines((await run('npm run -s bench:soak -- --cpu-steps 20 --webgpu-steps 10 --every 10 --eval-every 10')).stdout);
      expect(lines.filter((l) => l.bench === 'soak_summary').map((l) => l.backend)).toEqual(['cpu', 'webgpu']);
    },
  },
  'bash bench/trainer-phases.sh': {
    run: async () => {
      const rows = (await run('bash bench/trainer-phases.sh 2 1 verbosity')).stdout.trim().split('\n');
      expect(rows.slice(2).map((r) => r.split('|')[2].trim())).toEqual(['cpu', 'webgpu']);
    },
  },
  "bash bench/teacher-internalization-grid.sh OUT 'distill@0.7_own,foreign-confidence distill@1_foreign-confidence guide@0.7_own-confidence guide@0.7_foreign-confidence'":
    {
      run: async () => {
        await run(`bash bench/teacher-internalization-grid.sh ${grid.teacher} 'distill@0.7_own,foreign-confidence distill@1_foreign-confidence guide@0.7_own-confidence guide@0.7_foreign-confidence'`, { GRID_EXTRA });
        expect(readdirSync(grid.teacher).filter((f) => f.endsWith('.jsonl'))).toHaveLength(4);
      },
      timeout: 600_000,
    },
  'npx tsx bench/grid-tables.ts teacher OUT/*.jsonl': {
    run: async () => {
      const rows = (await run(`npx tsx bench/grid-tables.ts teacher ${grid.teacher}/*.jsonl`)).stdout.trim().split('\n');
      const settings = rows.map((r) => r.split('|').slice(1, 3).map((c) => c.trim()).join(' '));
      expect(settings.sort()).toEqual(['0.7 foreign', '0.7 own', '1 foreign']);
    },
  },
  'bash bench/teacher-internalization-grid.sh OUT int-confidence int-expertise': {
    run: async () => {
      await run(`bash bench/teacher-internalization-grid.sh ${grid.internalization} int-confidence int-expertise`, { GRID_EXTRA });
      expect(readdirSync(grid.internalization).filter((f) => f.endsWith('.jsonl')).sort()).toEqual(['int-confidence.jsonl', 'int-expertise.jsonl']);
    },
    timeout: 600_000,
  },
  'npx tsx bench/grid-tables.ts internalization OUT/int-B.jsonl α 0 100 200': {
    // B = confidence, α = its shipped dose (4); steps 0 and 2 (the budget here is 2 steps, not 200)
    run: async () => {
      const rows = (await run(`npx tsx bench/grid-tables.ts internalization ${grid.internalization}/int-confidence.jsonl 4 0 2`)).stdout.trim().split('\n');
      expect(rows.map((r) => r.split('|')[1].trim())).toEqual(['confidence vspo (2 seeds)', 'confidence grpo (2 seeds)']);
    },
  },
  'npm run screenshots': {
    run: async () => {
      const dir = temp('shots');
      await run('npm run -s screenshots', { SHOT_DIR: dir, SHOT_STEPS: '2', E2E_SKIP_BUILD: '1' });
      for (const f of ['steer.png', 'steer-talk.png', 'train.png', 'train-talk.png', 'compare.png', 'no-webgpu.png']) expect(existsSync(join(dir, f)), f).toBe(true);
    },
    timeout: 900_000,
  },
  'SHOT_ONLY=teacher npm run screenshots': {
    run: async () => {
      const dir = temp('shots-teacher');
      await run('SHOT_ONLY=teacher npm run -s screenshots', { SHOT_DIR: dir, SHOT_STEPS: '1', E2E_SKIP_BUILD: '1' });
      for (const f of ['compare-teacher.png', 'compare-teacher-talk.png']) expect(existsSync(join(dir, f)), f).toBe(true);
    },
    timeout: 900_000,
  },
};

// ------------------------------------------------------------------------------ the tests

const commands = readmeCommands(readFileSync(join(repo, 'README.md'), 'utf8'));

test('every shell command of the README has a plan here', () => {
  expect(commands.filter((c) => !(c in PLANS)), 'README commands this file does not run: add a plan').toEqual([]);
  expect(Object.keys(PLANS).filter((c) => !commands.includes(c)), 'plans for commands the README no longer shows').toEqual([]);
});

// One test per command (a command the README shows twice in other words, `same`, runs once); README order,
// so the kit is built before it runs and each grid before its table.
describe.each(commands.filter((c) => c in PLANS && !('same' in PLANS[c])))('README: %s', (cmd) => {
  const plan = PLANS[cmd] as Exclude<Plan, { same: string }>;
  test('runs as written', plan.run, plan.timeout ?? 300_000);
});
