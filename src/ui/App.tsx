// The app shell: top bar with the five views (digits 1–5), talk mode, notices, the `?` overlay, and the
// page shown when WebGPU is missing. Views read and write zustand stores; only the stores talk to the worker.
import { useEffect } from 'react';
import { bindHash, useExperiment, VIEWS, VIEW_LABELS, type View } from './stores/experiment';
import { useSession } from './stores/session';
import { useUi } from './stores/ui';
import { useTrain } from './stores/train';
import { useSteer } from './stores/steer';
import { ShortcutsOverlay, useGlobalShortcuts } from './components/Shortcuts';
import { Notices } from './components/Notices';
import { NoWebGpu } from './views/NoWebGpu';
import { SteerView } from './views/SteerView';
import { TrainView } from './views/TrainView';
import { CompareView } from './views/CompareView';
import { CheckpointsView } from './views/CheckpointsView';
import { BanditView } from './views/BanditView';

function ViewSwitch(props: { view: View }) {
  switch (props.view) {
    case 'steer':
      return <SteerView />;
    case 'train':
      return <TrainView />;
    case 'compare':
      return <CompareView />;
    case 'checkpoints':
      return <CheckpointsView />;
    case 'bandit':
      return <BanditView />;
  }
}

function BackendStatus() {
  const s = useSession();
  let text: string;
  if (s.status === 'starting') text = 'starting the worker…';
  else if (s.status === 'ready') text = s.backend === 'cpu' ? 'CPU backend' : `WebGPU${s.adapter ? ` · ${s.adapter}` : ''}`;
  else if (s.status === 'restarting') text = 'restarting the worker…';
  else if (s.status === 'no-webgpu') text = 'no WebGPU';
  else text = 'worker failed';
  return (
    <span className="status" role="status" aria-live="polite">
      {text}
    </span>
  );
}

export function App() {
  const view = useExperiment((s) => s.view);
  const talk = useExperiment((s) => s.talk);
  const set = useExperiment((s) => s.set);
  const status = useSession((s) => s.status);
  const noGpuReason = useSession((s) => s.noWebGpuReason);
  const setHelp = useUi((s) => s.setHelp);

  useEffect(() => bindHash(), []);
  useEffect(() => {
    void useSession.getState().connect();
  }, []);
  useEffect(() => {
    document.documentElement.classList.toggle('talk', talk);
  }, [talk]);
  useEffect(() => {
    document.title = `VSPO Workbench — ${VIEW_LABELS[view]}`;
  }, [view]);

  useGlobalShortcuts({
    toggleTraining: () => useTrain.getState().toggle(),
    regenerate: () => {
      if (useExperiment.getState().view === 'steer') void useSteer.getState().regenerate();
    },
    sweep: () => {
      if (useExperiment.getState().view === 'steer') void useSteer.getState().runSweep();
    },
    recommendedAlpha: () => useSession.getState().model?.vector?.alpha,
  });

  if (status === 'no-webgpu')
    return (
      <>
        <NoWebGpu reason={noGpuReason ?? 'WebGPU is not available.'} onUseCpu={() => void useSession.getState().connect('cpu')} onRetry={() => void useSession.getState().connect('webgpu')} />
        <ShortcutsOverlay />
      </>
    );

  return (
    <>
      <header className="topbar">
        <div className="brand">
          VSPO Workbench<small>vector-steered policy optimization</small>
        </div>
        <nav className="tabs" aria-label="Views">
          {VIEWS.map((v, i) => (
            <button key={v} type="button" aria-current={v === view ? 'page' : undefined} onClick={() => set({ view: v })} aria-keyshortcuts={String(i + 1)}>
              <kbd aria-hidden="true">{i + 1}</kbd>
              {VIEW_LABELS[v]}
            </button>
          ))}
        </nav>
        <span className="spacer" />
        <BackendStatus />
        <button type="button" className="toggle" aria-pressed={talk} onClick={() => set({ talk: !talk })} aria-keyshortcuts="t" title="Talk mode (T)">
          Talk mode
        </button>
        <button type="button" className="toggle" onClick={() => setHelp(true)} aria-keyshortcuts="?" title="Keyboard shortcuts (?)">
          Shortcuts <kbd>?</kbd>
        </button>
      </header>
      <Notices />
      <main>
        <ViewSwitch view={view} />
      </main>
      <ShortcutsOverlay />
    </>
  );
}
