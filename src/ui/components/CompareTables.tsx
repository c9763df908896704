// The Compare view's two tables: pooled groups (seeds of one config, numbers from src/rl/summary.ts)
// and the runs that are not pooled, each with its reason and its own numbers.
import { formatEstimate, formatInterval, type Estimate } from '../../rl/summary';
import { budgetText, evalText, runFinals, runStepsText, seText, stepsText, THRESHOLD, type ApartRun, type PooledGroup } from '../lib/compare';
import { runLabel, runTeacher } from '../lib/runs';
import { methodColor, runColor, useChartTheme } from './chartTheme';
import { Term } from './Term';
import { GLOSSARY } from '../lib/glossary';

const BUDGET_TITLE = 'Mean work of one training step: distinct prompts / sampled rollouts / teacher traces';

function Est(props: { e: Estimate; className?: string }) {
  const ci = formatInterval(props.e);
  return (
    <td className={['num est', props.className].filter(Boolean).join(' ')}>
      {formatEstimate(props.e)}
      {ci ? <div className="muted">{ci}</div> : null}
    </td>
  );
}

export function PooledTable(props: { groups: PooledGroup[] }) {
  const t = useChartTheme();
  if (!props.groups.length) return <p className="muted">No pooled groups yet: pooling needs ≥ 2 finished seeds of one config (same method, settings and budget).</p>;
  return (
    <div className="table-wrap">
      <table className="data" data-testid="compare-summary">
        <thead>
          <tr>
            <th>method</th>
            <th className="num">seeds (n)</th>
            <th className="num">steps to behavior ≥ {THRESHOLD} (median)</th>
            <th className="num" title={GLOSSARY.auc}>
              behavior <Term k="auc">AUC</Term> (sampled) mean ± std [95% CI]
            </th>
            <th className="num">final accuracy (greedy)</th>
            <th className="num">final behavior (sampled)</th>
            <th className="num talk-hide" title="Fraction of final sampled responses that are correct AND behavior-positive: what the reward pays">
              rewarded (correct & behavior)
            </th>
            <th className="talk-hide">eval split · size</th>
            <th className="num talk-hide" title={BUDGET_TITLE}>
              per step: prompts / rollouts / teacher
            </th>
          </tr>
        </thead>
        <tbody>
          {props.groups.map((g) => {
            const s = stepsText(g.summary.stepsToThreshold);
            return (
              <tr key={g.key} data-testid="pooled-row">
                <th scope="row" className="group-label" style={{ color: methodColor(g.method, t) }}>
                  {g.label}
                  <div className="muted talk-hide">{g.runs.map(runLabel).join(', ')}</div>
                </th>
                <td className="num">
                  {g.runs.length}
                  <div className="muted">seeds {g.runs.map((r) => r.seed).join(', ')}</div>
                  {g.duplicates ? <div className="muted">{g.duplicates} duplicate{g.duplicates > 1 ? 's' : ''} left out</div> : null}
                </td>
                <td className="num">
                  {s.median}
                  <div className="muted">{s.reached}</div>
                </td>
                <Est e={g.summary.auc} />
                <Est e={g.summary.finalAccuracy.greedy} />
                <Est e={g.summary.finalBehavior.sampled} />
                <Est e={g.summary.finalRewarded} className="talk-hide" />
                <td className="talk-hide" title={seText(g.summaries[0])}>
                  {evalText(g.split, g.evalSamples)}
                  <div className="muted">budget {g.budget} steps</div>
                </td>
                <td className="num talk-hide">{budgetText(g.summary.perStep)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ApartTable(props: { runs: ApartRun[] }) {
  const t = useChartTheme();
  if (!props.runs.length) return null;
  return (
    <section className="panel" aria-labelledby="apart-title">
      <h3 id="apart-title">Not pooled ({props.runs.length})</h3>
      <p className="muted" style={{ marginTop: 0 }}>
        Each run on its own: only finished runs with the whole budget and one run per seed of the same config are averaged as seeds.
      </p>
      <div className="table-wrap">
        <table className="data" data-testid="compare-apart">
          <thead>
            <tr>
              <th>run</th>
              <th>method</th>
              <th className="num">seed</th>
              <th>why not pooled</th>
              <th className="num">steps to behavior ≥ {THRESHOLD}</th>
              <th className="num" title={GLOSSARY.auc}>
                behavior <Term k="auc">AUC</Term>
              </th>
              <th className="num">final accuracy (greedy)</th>
              <th className="num">final behavior (sampled)</th>
              <th className="num">rewarded</th>
              <th className="talk-hide">eval split · size</th>
              <th className="num talk-hide" title={BUDGET_TITLE}>
                per step
              </th>
            </tr>
          </thead>
          <tbody>
            {props.runs.map(({ run, summary, reason }) => {
              const f = runFinals(summary);
              return (
                <tr key={run.id} data-testid="apart-row">
                  <th scope="row" style={{ color: runColor(run, t) }}>
                    {runLabel(run)}
                  </th>
                  <td>{[run.method, runTeacher(run)].filter(Boolean).join(' · ')}</td>
                  <td className="num">{run.seed}</td>
                  <td data-testid="apart-reason">{reason}</td>
                  <td className="num">{runStepsText(summary)}</td>
                  <td className="num">{f.auc}</td>
                  <td className="num">{f.accuracy}</td>
                  <td className="num">{f.behavior}</td>
                  <td className="num">{f.rewarded}</td>
                  <td className="talk-hide" title={seText(summary)}>
                    {evalText(summary.final?.split, summary.evalSamples)}
                  </td>
                  <td className="num talk-hide">{budgetText(summary.perStep)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
