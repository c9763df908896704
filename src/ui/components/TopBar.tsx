// The top bar: the seven views (digits 1–7), what is in progress (visible from every view), the backend
// switch with each backend's measured speed, talk mode and the shortcut list. One row at 1440 px; at
// most two in talk mode at 1024 px (a fifth of a 768 px projector screen).
import { useExperiment, VIEWS, VIEW_LABELS } from '../stores/experiment';
import { useSession } from '../stores/session';
import { useSpeed } from '../stores/speed';
import { useSteer } from '../stores/steer';
import { activeRun, useTrain } from '../stores/train';
import { useBandit } from '../stores/bandit';
import { useUi } from '../stores/ui';
import { isPretraining, usePretrain } from '../stores/pretrain';
import { useVectors } from '../stores/vectors';
import { runLabel } from '../lib/runs';
import { formatRate, isSoftwareAdapter, shortAdapter, speedup } from '../lib/backend';
import type { Backend } from '../worker/types';

function Tabs() {
  const view = useExperiment((s) => s.view);
  const set = useExperiment((s) => s.set);
  return (
    <nav className="tabs" aria-label="Views">
      {VIEWS.map((v, i) => (
        <button key={v} type="button" aria-current={v === view ? 'page' : undefined} onClick={() => set({ view: v })} aria-keyshortcuts={String(i + 1)}>
          <kbd aria-hidden="true">{i + 1}</kbd>
          {VIEW_LABELS[v]}
        </button>
      ))}
    </nav>
  );
}

/** What runs now, from any view: the training run (step, pausing…), the dose-response sweep, the bandit sweep. */
function useActivity(): { text: string; view: 'train' | 'steer' | 'bandit' | 'pretrain' | 'vectors'; pct: number | null; pending?: boolean } | null {
  const run = useTrain(activeRun);
  const progress = useTrain((s) => s.progress);
  const starting = useTrain((s) => s.busy);
  const queued = useTrain((s) => s.queue.length);
  const sweep = useSteer((s) => s.sweepProgress);
  const bandit = useBandit((s) => s.progress);
  const pretrainPhase = usePretrain((s) => s.phase);
  const pretrainProgress = usePretrain((s) => s.progress);
  const pretrainSteps = usePretrain((s) => s.running?.steps ?? 0);
  const extracting = useVectors((s) => s.extracting);
  const labSweep = useVectors((s) => s.sweeping);
  const live = run && ['running', 'paused', 'pausing', 'stopping', 'starting'].includes(run.status);
  if (live && run) {
    const at = progress ? `${progress.step}/${progress.steps}` : '';
    const verb = { running: 'Training', paused: 'Paused', pausing: 'Pausing', stopping: 'Stopping', starting: 'Starting' }[run.status as 'running'] ?? run.status;
    const pct = progress && progress.steps ? progress.step / progress.steps : null;
    // The step first: a narrow bar cuts the name, not the count.
    return { text: `${verb} · step ${at} · ${runLabel(run)}${queued ? ` · ${queued} queued` : ''}`, view: 'train', pct, pending: run.status === 'pausing' || run.status === 'stopping' };
  }
  if (starting) return { text: 'Starting a run…', view: 'train', pct: null };
  if (isPretraining({ phase: pretrainPhase })) {
    const step = pretrainProgress?.step ?? 0;
    const verb = { running: 'Pretraining', pausing: 'Pausing', paused: 'Paused', stopping: 'Saving' }[pretrainPhase as 'running'] ?? 'Pretraining';
    return { text: `${verb} · step ${step}/${pretrainSteps}`, view: 'pretrain', pct: pretrainSteps ? step / pretrainSteps : null, pending: pretrainPhase === 'pausing' || pretrainPhase === 'stopping' };
  }
  if (extracting) return { text: `Extracting a vector ${Math.round((100 * extracting.done) / Math.max(1, extracting.total))}%`, view: 'vectors', pct: extracting.done / Math.max(1, extracting.total) };
  if (labSweep) return { text: `Vector dose-response ${Math.round((100 * labSweep.done) / Math.max(1, labSweep.total))}%`, view: 'vectors', pct: labSweep.done / Math.max(1, labSweep.total) };
  if (sweep) return { text: `Dose-response ${Math.round((100 * sweep.done) / Math.max(1, sweep.total))}%`, view: 'steer', pct: sweep.done / Math.max(1, sweep.total) };
  if (bandit) return { text: `Bandit sweep ${Math.round((100 * bandit.done) / Math.max(1, bandit.total))}%`, view: 'bandit', pct: bandit.done / Math.max(1, bandit.total) };
  return null;
}

function Activity() {
  const a = useActivity();
  const set = useExperiment((s) => s.set);
  if (!a) return null;
  return (
    <button type="button" className={'activity' + (a.pending ? ' pending' : '')} data-testid="activity" onClick={() => set({ view: a.view })} title="In progress: click to go to its view">
      <span className="pulse" aria-hidden="true" />
      <span role="status">{a.text}</span>
      {a.pct !== null ? (
        <span className="mini-bar" aria-hidden="true">
          <span style={{ width: `${Math.round(a.pct * 100)}%` }} />
        </span>
      ) : null}
    </button>
  );
}

function BackendButton(props: { b: Backend }) {
  const current = useSession((s) => s.backend);
  const status = useSession((s) => s.status);
  const tps = useSpeed((s) => s.speeds[props.b]);
  const measuring = useSpeed((s) => s.measuring === props.b);
  const missing = useSpeed((s) => s.unavailable[props.b]);
  const adapter = useSpeed((s) => s.webgpuAdapter) ?? (current === 'webgpu' ? useSession.getState().adapter : undefined);
  const training = useTrain((s) => s.runs.some((r) => ['running', 'paused', 'pausing', 'stopping'].includes(r.status)));
  const pretraining = usePretrain((s) => isPretraining(s));
  const live = training || pretraining;
  const switchTo = useSpeed((s) => s.switchTo);
  const on = current === props.b;
  const label = props.b === 'webgpu' ? 'WebGPU' : 'CPU';
  const rate = measuring ? 'measuring…' : missing ? 'n/a' : formatRate(tps);
  const kernels = useSession((s) => (on ? s.kernels : undefined));
  const title =
    (props.b === 'webgpu' ? `WebGPU${adapter ? ` on ${adapter}` : ''}` : 'The CPU backend (in the worker)') +
    (kernels ? `, ${kernels}` : '') +
    (missing ? ` — not available: ${missing}` : tps ? ` — ${Math.round(tps)} tokens/s on a probe of 8 × 16 tokens` : '') +
    (on ? ' (in use)' : live ? ' — stop the run (or the pretraining) to switch' : ' — click to switch (reloads the checkpoint)');
  return (
    <button type="button" aria-pressed={on} data-testid={`backend-${props.b}`} disabled={(!on && (live || status !== 'ready')) || (!!missing && !on)} onClick={() => void switchTo(props.b)} title={title}>
      {label}
      {rate ? <small data-testid={`speed-${props.b}`}>{rate}</small> : null}
    </button>
  );
}

/** Suggests the CPU backend when the WebGPU adapter is a CPU emulator (and says by how much it is faster). */
function BackendHint() {
  const backend = useSession((s) => s.backend);
  const adapter = useSession((s) => s.adapter);
  const speeds = useSpeed((s) => s.speeds);
  const switchTo = useSpeed((s) => s.switchTo);
  const training = useTrain((s) => s.busy || s.runs.some((r) => ['running', 'paused', 'pausing', 'stopping'].includes(r.status)));
  const pretraining = usePretrain((s) => isPretraining(s));
  if (backend !== 'webgpu' || !isSoftwareAdapter(adapter) || training || pretraining) return null;
  const x = speedup(speeds.cpu, speeds.webgpu);
  if (speeds.cpu && speeds.webgpu && !x) return null;
  return (
    <button type="button" className="backend-hint" data-testid="backend-hint" onClick={() => void switchTo('cpu')} title={`This WebGPU adapter (${shortAdapter(adapter, 60)}) emulates a GPU on the CPU: the CPU backend does the same work faster here. Click to switch.`}>
      {x ? `CPU ${x.toFixed(x >= 10 ? 0 : 1)}× faster here` : 'Software GPU: try CPU'} →
    </button>
  );
}

function BackendSwitch() {
  const status = useSession((s) => s.status);
  const text = status === 'starting' ? 'starting…' : status === 'restarting' ? 'restarting…' : status === 'failed' ? 'worker failed' : null;
  return (
    <div className="backend-switch" role="group" aria-label="Backend">
      <BackendButton b="webgpu" />
      <BackendButton b="cpu" />
      {text ? (
        <span className="status" role="status" aria-live="polite">
          {text}
        </span>
      ) : null}
      <BackendHint />
    </div>
  );
}

export function TopBar() {
  const talk = useExperiment((s) => s.talk);
  const set = useExperiment((s) => s.set);
  const setHelp = useUi((s) => s.setHelp);
  return (
    <header className="topbar">
      <div className="brand">
        VSPO<span className="long"> Workbench</span>
        <small>vector-steered policy optimization</small>
      </div>
      <Tabs />
      <Activity />
      <span className="spacer" />
      <BackendSwitch />
      <button type="button" className="toggle" aria-pressed={talk} onClick={() => set({ talk: !talk })} aria-keyshortcuts="t" title="Talk mode (T)">
        Talk mode
      </button>
      <button type="button" className="toggle" onClick={() => setHelp(true)} aria-keyshortcuts="?" title="Keyboard shortcuts (?)" aria-label="Shortcuts">
        <kbd>?</kbd>
      </button>
    </header>
  );
}
