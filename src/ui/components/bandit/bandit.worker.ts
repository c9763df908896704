// The Bandit page's worker: runs the simulator off the main thread so the page never freezes. One
// request per worker; the store terminates the worker to cancel (or when settings change under a trace).
// The sweep is `sweep` from src/bandit done step by step (GRPO once, then `compare` per alignment with
// the same GRPO), so each finished alignment is posted as soon as it exists.
import { compare, findCrossover, measuredThresholds, modelOf, runGrpo, runOne, softmax, targetMass, type BanditSettings, type Comparison } from '../../../bandit';
import { downsample, type BanditReply, type BanditRequest, type Trace, type TracePoint } from './protocol';

const post = (m: BanditReply) => (self as unknown as Worker).postMessage(m);

function runSweep(s: BanditSettings, alignments: number[]) {
  // Highest alignment first: those runs are the quick ones, so the interesting end of the curve shows early.
  const xs = [...alignments].sort((a, b) => b - a);
  const total = s.seeds * (xs.length + 1);
  const grpo = runGrpo(s, (p) => post({ kind: 'progress', done: p.done, total, label: `GRPO seed ${p.done + 1} of ${s.seeds}` }));
  const rows: Comparison[] = [];
  xs.forEach((x, i) => {
    const offset = s.seeds * (i + 1);
    const row = compare(s, x, grpo, (p) => post({ kind: 'progress', done: offset + p.done, total, label: `VSPO at x = ${x}, seed ${p.done + 1} of ${s.seeds}` }));
    rows.push(row);
    post({ kind: 'row', row });
  });
  post({ kind: 'progress', done: total, total, label: 'done' });
  post({ kind: 'sweep-done', summary: { ...findCrossover(rows), thresholds: measuredThresholds(rows, s.baseRate) } });
}

/**
 * One run's trace with bounded memory: keep every `stride`-th step; when the buffer is full, drop every
 * other point and double the stride. The first and the last step are always kept.
 */
function trace(s: BanditSettings, method: 'vspo' | 'grpo', maxPoints: number): Trace {
  const model = modelOf(s);
  const p0 = softmax(model.theta0);
  let kept: TracePoint[] = [{ iteration: 0, probs: p0, targetMass: targetMass(model, p0) }];
  let stride = 1;
  let last: TracePoint = kept[0];
  const result = runOne(s, method, 0, s.alignment, (info) => {
    last = { iteration: info.iteration, probs: info.probs, targetMass: info.targetMass };
    if (info.iteration % stride !== 0) return;
    kept.push(last);
    if (kept.length >= 2 * maxPoints) {
      kept = kept.filter((_, i) => i % 2 === 0);
      stride *= 2;
    }
  });
  if (kept[kept.length - 1].iteration !== last.iteration) kept.push(last);
  return { points: downsample(kept, maxPoints), iterations: result.iterations, censored: result.censored };
}

self.onmessage = (e: MessageEvent<BanditRequest>) => {
  const req = e.data;
  try {
    if (req.kind === 'sweep') runSweep(req.settings, req.alignments);
    else post({ kind: 'trace-done', vspo: trace(req.settings, 'vspo', req.maxPoints), grpo: trace(req.settings, 'grpo', req.maxPoints) });
  } catch (err) {
    post({ kind: 'error', message: (err as Error)?.message ?? String(err) });
  }
};
