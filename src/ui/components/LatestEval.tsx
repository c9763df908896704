// The latest unsteered evaluation of a run: split and size, then accuracy, behavior score (over the
// prompts the behavior counts) and the rewarded rate (correct AND behavior-positive: what the reward
// pays), greedy and sampled.
import { fmt } from '../lib/format';
import { runLabel, type RunView } from '../lib/runs';

export function LatestEval(props: { run: RunView | undefined }) {
  const last = props.run ? [...props.run.history].reverse().find((m) => m.eval)?.eval : undefined;
  if (!props.run || !last) return null;
  const rows = [
    ['greedy', last.greedy],
    ['sampled (T = 1)', last.sampled],
  ] as const;
  return (
    <section className="panel" aria-labelledby="latest-eval-title">
      <h3 id="latest-eval-title" style={{ margin: '0 0 6px' }}>
        Latest evaluation: {runLabel(props.run)}, step {last.step} · <span data-testid="eval-split">{last.split ?? '?'}</span> split, {last.samples} prompts
      </h3>
      <table className="data" data-testid="latest-eval">
        <thead>
          <tr>
            <th>decoding</th>
            <th className="num">accuracy</th>
            <th className="num">behavior score</th>
            <th className="num" title="Fraction of responses that are correct AND behavior-positive: what the reward pays">
              rewarded (correct & behavior)
            </th>
            <th className="num">prompts the behavior counts</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, s]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className="num">{fmt(s.accuracy, 2)}</td>
              <td className="num">{fmt(s.behavior, 2)}</td>
              <td className="num">{fmt(s.rewarded, 2)}</td>
              <td className="num">{s.counted ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
