// `npx tsx bench/cpu-prefill.ts [--runs N] [--vocab V,V,...]`: CpuModel.generate's cost with one new
// token (the prompt prefill plus the first sample: maxNewTokens = 1) and with 16 (prefill + 15 decode
// steps), on the shipped shape (C 64, L 3, NH 4; WASM kernels) at B = 32 and a 24-token prompt, for each
// vocabulary size (default 24, the shipped one, and 2000). One JSON line per case: the median ms per call
// and [min, max] over the timed calls, on wall time and on the process's CPU time (which waits for a core
// on a loaded machine do not inflate; generate is single-threaded). There is no old/new switch in the code, so a change is measured by
// running this script before and after it (several times each, the machine's load drifts).
import { createCpuModel } from '../src/model/cpu-model';
import type { GPTConfig } from '../src/model/config';
import { createRng } from '../src/util/rng';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg('--runs') ?? 15);
const vocabs = (arg('--vocab') ?? '24,2000').split(',').map(Number);
const B = 32, P = 24;

for (const V of vocabs) {
  const config: GPTConfig = { vocabSize: V, contextLength: 64, dModel: 64, nLayers: 3, nHeads: 4 };
  const model = createCpuModel(config);
  const rng = createRng(1);
  const prompt = Int32Array.from({ length: B * P }, () => rng.int(V));
  for (const M of [1, 16]) {
    const req = { prompt, B, P, maxNewTokens: M, temperature: 1, topK: 0, seed: 7 };
    for (let i = 0; i < 3; i++) await model.generate(req); // warm-up: buffers, WASM memory
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await model.generate(req);
      const c = process.cpuUsage(c0);
      wall.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
    }
    const r = (x: number) => Math.round(x * 1000) / 1000;
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { median: r(s[s.length >> 1]), range: [r(s[0]), r(s[s.length - 1])] };
    };
    const w = stats(wall), c = stats(cpu);
    console.log(JSON.stringify({ bench: 'cpu-generate', V, B, P, M, runs, medianMs: w.median, rangeMs: w.range, cpuMedianMs: c.median, cpuRangeMs: c.range }));
  }
}
