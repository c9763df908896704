// bench/gpu-report.mjs, the summary gpu-server.sh prints after a GPU-server run: given JSON lines as the
// bench writes them, it names the adapter, the GPU_TUNING edits the variants argue for (≥ 5% faster, same
// greedy tokens) and judges issue 15's real-GPU targets (matmul ≥ 1.5× TF.js at 512²–4096², ≥ 40% of the
// FP32 peak at 4096², GPT-2-small step ≥ 3×, ≤ 51 dispatches per shipped-model step).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function report(lines: object[], env: Record<string, string> = {}): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'gpu-report-')), 'bench.jsonl');
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  // The script writes to stderr; 2>&1 in a shell keeps both in one ordered stream.
  const out = execFileSync('sh', ['-c', `"${process.execPath}" bench/gpu-report.mjs "${file}" 2>&1`], { env: { ...process.env, VSPO_FP32_PEAK_TFLOPS: '', ...env }, encoding: 'utf8' });
  return out.trim().split('\n');
}

const h200 = { bench: 'adapter', adapter: 'nvidia / hopper / NVIDIA H200', swiftshader: false, mode: 'full' };
const matmul = (shape: string, ours: number, ratio: number) => ({ bench: 'matmul', tuning: 'gpu', shape, ours, tfjs: ours / ratio, unit: 'GFLOP/s', ratio });
const run = [
  h200,
  matmul('square 256', 900, 0.9), // outside the 512-4096 target
  matmul('square 512', 4000, 2),
  matmul('square 4096', 30000, 1.2),
  { bench: 'train_step', tuning: 'gpu', model: 'gpt2-small', ours: 100, tfjs: 350, unit: 'ms', ratio: 3.5 },
  { bench: 'train_step', tuning: 'gpu', model: 'small', ours: 3, tfjs: 6, unit: 'ms', ratio: 2, oursDispatchesPerStep: [51] },
  { bench: 'variants', model: 'gpt2-small', ms: {}, vsGpu: { flash: 1.1, grids: 1.01 }, change: { flash: { attention: 'flash' }, grids: { matmulFill: 256 } } },
  { bench: 'variants_generate', model: 'gpt2-small', tokensPerSecond: {}, vsGpu: { f16: 1.3, subgroups: 1.06 }, tokensDiffering: { f16: 2, subgroups: 0 }, change: { f16: { f16Weights: true }, subgroups: { subgroups: true } } },
];

describe('the GPU-server report', () => {
  it('judges the targets on the gpu tuning, with the datasheet peak of the adapter', () => {
    const out = report(run);
    expect(out[0]).toBe('[gpu-server] adapter: nvidia / hopper / NVIDIA H200; mode full');
    const targets = out.filter((l) => l.startsWith('[gpu-server] target'));
    expect(targets).toEqual([
      '[gpu-server] target     matmul square 512 >= 1.5x TF.js: 2x, met',
      '[gpu-server] target     matmul square 4096 >= 1.5x TF.js: 1.2x, NOT met',
      '[gpu-server] target     matmul square 4096 >= 40% of an FP32 peak of 67 TFLOP/s (the datasheet figure for this adapter; VSPO_FP32_PEAK_TFLOPS overrides it): 44.8% (30000 GFLOP/s), met',
      '[gpu-server] target     GPT-2-small training step >= 3x TF.js: 3.5x, met',
      '[gpu-server] target     dispatches per training step of the shipped model <= 51: 51, met',
    ]);
  });

  it('suggests only the variants ≥ 5% faster with the same greedy tokens', () => {
    const suggests = report(run).filter((l) => l.includes('suggests'));
    expect(suggests).toEqual([
      `[gpu-server] suggests   GPU_TUNING {"attention":"flash"}: flash 1.1x the gpu tuning's training step`,
      "[gpu-server] suggests   SUBGROUPS_BY_DEFAULT.gpu = true: subgroups 1.06x the gpu tuning's generation",
    ]);
  });

  it('reads what it can of a run cut short in the middle of a line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpu-report-')), 'bench.jsonl');
    writeFileSync(file, [h200, matmul('square 512', 4000, 2)].map((l) => JSON.stringify(l)).join('\n') + '\n{"bench":"matmul","tun');
    const out = execFileSync('sh', ['-c', `"${process.execPath}" bench/gpu-report.mjs "${file}" 2>&1`], { encoding: 'utf8' });
    expect(out).toContain('[gpu-server] 1 line(s) of 3 are not JSON (a run cut short?): skipped');
    expect(out).toContain('[gpu-server] target     matmul square 512 >= 1.5x TF.js: 2x, met');
  });

  it('takes the peak from VSPO_FP32_PEAK_TFLOPS, or says it knows none; a CPU adapter is named as such', () => {
    expect(report(run, { VSPO_FP32_PEAK_TFLOPS: '100' }).find((l) => l.includes('of an FP32 peak'))).toMatch(/peak of 100 TFLOP\/s \(VSPO_FP32_PEAK_TFLOPS\): 30\.0% .*, NOT met$/);
    const other = report([{ ...h200, adapter: 'some / gpu / Unknown 9000' }, matmul('square 4096', 30000, 2)]);
    expect(other).toContain('[gpu-server] target     matmul square 4096 at 30000 GFLOP/s: no FP32 peak known for this adapter (set VSPO_FP32_PEAK_TFLOPS to judge the 40% target)');
    const cpu = report([{ bench: 'adapter', adapter: 'google / swiftshader', swiftshader: true, mode: 'swiftshader-reduced' }, matmul('square 512', 1, 3)]);
    expect(cpu[0]).toMatch(/NO GPU adapter was found/);
    expect(cpu).toContain('[gpu-server] target     matmul square 512 >= 1.5x TF.js: 3x, met (a CPU adapter: not the real-GPU figure)');
  });
});
