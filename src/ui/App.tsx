// The app shell: the top bar (views, what is in progress, backend switch, talk mode), notices, the `?`
// overlay, and the page shown when WebGPU is missing. Views read and write zustand stores; only the stores talk to the worker.
import { useEffect } from 'react';
import { bindHash, useExperiment, VIEW_LABELS, type View } from './stores/experiment';
import { useSession } from './stores/session';
import { useCheckpoints } from './stores/checkpoints';
import { ShortcutsOverlay, useGlobalShortcuts } from './components/Shortcuts';
import { TopBar } from './components/TopBar';
import { Notices } from './components/Notices';
import { NoWebGpu } from './views/NoWebGpu';
import { SteerView } from './views/SteerView';
import { TrainView } from './views/TrainView';
import { CompareView } from './views/CompareView';
import { CheckpointsView } from './views/CheckpointsView';
import { BanditView } from './views/BanditView';
import { PretrainView } from './views/PretrainView';
import { VectorsView } from './views/VectorsView';
import { Guide } from './components/Guide';

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
    case 'pretrain':
      return <PretrainView />;
    case 'vectors':
      return <VectorsView />;
  }
}

export function App() {
  const view = useExperiment((s) => s.view);
  const talk = useExperiment((s) => s.talk);
  const status = useSession((s) => s.status);
  const noGpuReason = useSession((s) => s.noWebGpuReason);

  useEffect(() => bindHash(), []);
  useEffect(() => {
    void useSession.getState().connect();
    // The stored checkpoints and runs (runs whose tab closed are marked interrupted here, once).
    void useCheckpoints.getState().refresh();
  }, []);
  useEffect(() => {
    document.documentElement.classList.toggle('talk', talk);
  }, [talk]);
  useEffect(() => {
    document.title = `VSPO Workbench — ${VIEW_LABELS[view]}`;
  }, [view]);

  useGlobalShortcuts();

  if (status === 'no-webgpu')
    return (
      <>
        <NoWebGpu reason={noGpuReason ?? 'WebGPU is not available.'} onUseCpu={() => void useSession.getState().connect('cpu')} onRetry={() => void useSession.getState().connect('webgpu')} />
        <ShortcutsOverlay />
      </>
    );

  return (
    <>
      <TopBar />
      <Notices />
      <main>
        <Guide />
        <ViewSwitch view={view} />
      </main>
      <ShortcutsOverlay />
    </>
  );
}
