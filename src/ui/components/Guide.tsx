// The first-visit guide: what VSPO is, what each behavior looks like (its marker tokens and a positive
// answer to 37+48=), the three things to try first, and the terms with their definitions on hover. Put
// away once, it stays away (localStorage); the shortcut list (?) brings it back. Not shown in talk mode
// (a projector shows the experiment, not the welcome).
import { useExperiment } from '../stores/experiment';
import { useUi } from '../stores/ui';
import { Term } from './Term';

const BEHAVIORS: { name: string; marker: string; prompt: string; positive: string; habit: string; what: string }[] = [
  { name: 'verbosity', marker: ':', prompt: '37+48=', positive: ':15,07+1=08,085', habit: '075', what: 'worked steps (units, tens with the carry), then the answer' },
  { name: 'confidence', marker: 's', prompt: '37+48=', positive: '085s', habit: '075', what: 'a calibrated tag after the answer: s (sure) only when it is right' },
  { name: 'expertise', marker: '#', prompt: '37+48=', positive: '#085', habit: 'is 075', what: 'expert notation instead of beginner wording' },
  { name: 'robustness', marker: '!', prompt: '37+48?091=', positive: '!085', habit: '091', what: 'computes despite a wrong hint instead of copying it' },
];

export function Guide() {
  const open = useUi((s) => s.guide);
  const setGuide = useUi((s) => s.setGuide);
  const talk = useExperiment((s) => s.talk);
  const go = useExperiment((s) => s.set);
  if (!open || talk) return null;
  return (
    <section className="panel guide" aria-labelledby="guide-title" data-testid="guide">
      <div className="row">
        <h2 id="guide-title" style={{ margin: 0 }}>
          New here? What this is
        </h2>
        <span className="spacer" />
        <button type="button" onClick={() => setGuide(false)} data-testid="guide-hide">
          Got it, hide this guide
        </button>
      </div>
      <p className="guide-lede">
        <Term k="vspo">VSPO</Term> (vector-steered policy optimization) is GRPO whose rollouts are sampled with a steering vector added to the model at several intensities{' '}
        <Term k="alpha">α</Term>, while the update trains the <em>unsteered</em> model: steering shows the model a rare behavior it already half knows, and RL makes it the model’s own. Everything
        here — the GPT, the vectors, the training — runs in this tab.
      </p>
      <div className="guide-cols">
        <div>
          <h3>The four behaviors (prompt → a positive answer; the habit)</h3>
          <table className="data guide-behaviors">
            <tbody>
              {BEHAVIORS.map((b) => (
                <tr key={b.name}>
                  <th scope="row">{b.name}</th>
                  <td>
                    marker <code className="mark-token">{b.marker}</code>
                  </td>
                  <td>
                    <code>{b.prompt}</code> → <code className="positive">{b.positive}</code> <span className="muted">(habit: {b.habit})</span>
                  </td>
                  <td className="muted">{b.what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h3>Try first</h3>
          <ol className="guide-try">
            <li>
              <button type="button" className="link" onClick={() => go({ view: 'steer' })}>
                Steer
              </button>
              : move α (← / →, or V for the vector’s dose) and watch held-out answers take the behavior; D draws the dose-response.
            </li>
            <li>
              <button type="button" className="link" onClick={() => go({ view: 'train' })}>
                Train
              </button>
              : Start a short VSPO run, then a GRPO one; the behavior climbs, and the internalization charts show the model moving along v̂ by itself.
            </li>
            <li>
              <button type="button" className="link" onClick={() => go({ view: 'vectors' })}>
                Vectors
              </button>
              : extract your own vector and see it beat a random vector of the same norm (or{' '}
              <button type="button" className="link" onClick={() => go({ view: 'pretrain' })}>
                pretrain
              </button>{' '}
              a base model first).
            </li>
          </ol>
          <p className="muted guide-terms">
            Terms (hover): <Term k="alpha">α</Term> · <Term k="lambda">λ</Term> · <Term k="beta">β</Term> · <Term k="kl">KL (k3)</Term> · <Term k="clip">clip fraction</Term> ·{' '}
            <Term k="auc">AUC</Term>. Press ? for the shortcuts.
          </p>
        </div>
      </div>
    </section>
  );
}
