// What a GPU-server run found, from its JSON lines (bench/gpu-server.sh runs this after the bench; plain
// Node, no dependencies, so the GPU kit can run it): the adapter, the device checks, every ratio over
// TF.js, the tuning variants, the GPU_TUNING edits they argue for, and issue 15's real-GPU targets.
//
//   node bench/gpu-report.mjs BENCH.jsonl        (prints to stderr, one "[gpu-server] ..." line each)
//
// The FP32 peak the 40 % target is measured against: VSPO_FP32_PEAK_TFLOPS, else the adapter's entry
// in PEAKS (vendor datasheet figures, non-tensor FP32), else none (the target is then not judged).
import { readFileSync } from 'node:fs';

/** Datasheet FP32 (non-tensor) TFLOP/s by adapter name. */
const PEAKS = [
  [/H200|H100 SXM|H100 80GB HBM3/i, 67],
  [/H100/i, 51],
  [/A100/i, 19.5],
  [/L40S/i, 91.6],
  [/RTX 4090/i, 82.6],
];
/** Issue 15's targets on a real GPU. */
const MATMUL_RATIO = 1.5; // over TF.js, square 512 … 4096
const PEAK_SHARE = 0.4; // of FP32 peak, square 4096
const GPT2_STEP_RATIO = 3; // GPT-2-small training step over TF.js
const SHIPPED_DISPATCHES = 51; // per training step of the shipped model: half of the 103 the issue started from

// A run cut short by its time limit can end in half a line: skip what does not parse, and say so.
const raw = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const lines = raw.flatMap((l) => {
  try {
    return [JSON.parse(l)];
  } catch {
    return [];
  }
});
const say = (s) => process.stderr.write(`[gpu-server] ${s}\n`);
const mark = (ok) => (ok ? 'met' : 'NOT met');
if (lines.length < raw.length) say(`${raw.length - lines.length} line(s) of ${raw.length} are not JSON (a run cut short?): skipped`);

const adapter = lines.find((l) => l.bench === 'adapter');
if (!adapter) say('no adapter line: the bench did not start (see the log)');
else if (adapter.found === false) say(`NO WebGPU adapter was found: ${adapter.error}`);
else say(`adapter: ${adapter.adapter}${adapter.swiftshader ? ' — a CPU implementation of Vulkan (SwiftShader or llvmpipe): NO GPU adapter was found' : ''}; mode ${adapter.mode}`);
for (const l of lines.filter((x) => x.bench === 'check')) {
  say(`check      ${l.variant.padEnd(24)} ${l.model.padEnd(11)} ${l.pass ? 'pass' : 'FAIL'}  relative error: logits ${l.logitsRelErr}, gradients ${l.gradRelErr} (${l.worstGrad}); greedy tokens differing ${l.tokensDiffering}`);
}
for (const l of lines.filter((x) => 'ratio' in x && 'tuning' in x)) {
  say(`${l.bench.padEnd(10)} ${String(l.tuning).padEnd(11)} ${String(l.shape ?? l.model).padEnd(44)} ours ${l.ours} tfjs ${l.tfjs} ${l.unit}  ratio ${l.ratio}`);
}
for (const l of lines.filter((x) => x.bench === 'variants')) {
  say(`variants   ${l.model}: training step ms ${JSON.stringify(l.ms)}; vs the gpu tuning (> 1: faster) ${JSON.stringify(l.vsGpu)}`);
}
for (const l of lines.filter((x) => x.bench === 'variants_generate')) {
  say(`variants   ${l.model}: generation tokens/s ${JSON.stringify(l.tokensPerSecond)}; vs the gpu tuning ${JSON.stringify(l.vsGpu)}; greedy tokens differing ${JSON.stringify(l.tokensDiffering)}`);
}
// the GPU_TUNING edits the variants argue for: >= 5% faster than the gpu tuning, same greedy tokens
for (const l of lines.filter((x) => x.bench === 'variants' || x.bench === 'variants_generate')) {
  for (const [variant, r] of Object.entries(l.vsGpu)) {
    if (r < 1.05 || l.tokensDiffering?.[variant] > 0) continue;
    const change = l.change?.[variant] ?? {};
    const where = 'subgroups' in change ? 'SUBGROUPS_BY_DEFAULT.gpu = true' : `GPU_TUNING ${JSON.stringify(change)}`; // src/engine/launch.ts
    say(`suggests   ${where}: ${variant} ${r}x the gpu tuning's ${l.bench === 'variants' ? 'training step' : 'generation'}`);
  }
}

// issue 15's real-GPU targets, judged on the gpu tuning (on a CPU adapter they say nothing about a GPU)
const gpu = (bench) => lines.filter((x) => x.bench === bench && x.tuning === 'gpu');
const note = adapter?.swiftshader ? ' (a CPU adapter: not the real-GPU figure)' : '';
for (const l of gpu('matmul').filter((x) => /^square (\d+)$/.test(x.shape ?? ''))) {
  const n = Number(l.shape.slice(7));
  if (n >= 512 && n <= 4096) say(`target     matmul ${l.shape} >= ${MATMUL_RATIO}x TF.js: ${l.ratio}x, ${mark(l.ratio >= MATMUL_RATIO)}${note}`);
}
const big = gpu('matmul').find((x) => x.shape === 'square 4096');
if (big) {
  const env = Number(process.env.VSPO_FP32_PEAK_TFLOPS);
  const known = PEAKS.find(([re]) => re.test(adapter?.adapter ?? ''));
  const peak = env > 0 ? env : known?.[1];
  const whence = env > 0 ? 'VSPO_FP32_PEAK_TFLOPS' : 'the datasheet figure for this adapter; VSPO_FP32_PEAK_TFLOPS overrides it';
  if (peak) say(`target     matmul square 4096 >= ${PEAK_SHARE * 100}% of an FP32 peak of ${peak} TFLOP/s (${whence}): ${((big.ours / 1000 / peak) * 100).toFixed(1)}% (${big.ours} GFLOP/s), ${mark(big.ours / 1000 >= PEAK_SHARE * peak)}${note}`);
  else say(`target     matmul square 4096 at ${big.ours} GFLOP/s: no FP32 peak known for this adapter (set VSPO_FP32_PEAK_TFLOPS to judge the ${PEAK_SHARE * 100}% target)`);
}
for (const l of gpu('train_step').filter((x) => x.model === 'gpt2-small')) say(`target     GPT-2-small training step >= ${GPT2_STEP_RATIO}x TF.js: ${l.ratio}x, ${mark(l.ratio >= GPT2_STEP_RATIO)}${note}`);
for (const l of gpu('train_step').filter((x) => x.model === 'small' && x.oursDispatchesPerStep?.length)) {
  const d = Math.max(...l.oursDispatchesPerStep);
  say(`target     dispatches per training step of the shipped model <= ${SHIPPED_DISPATCHES}: ${d}, ${mark(d <= SHIPPED_DISPATCHES)}`);
}
for (const l of lines.filter((x) => x.bench === 'error')) say(`error in ${l.in}: ${l.error}`);
