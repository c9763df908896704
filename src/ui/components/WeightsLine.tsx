// Which weights the model in the worker has now — "checkpoint <name>" or "run <name> at step N" — so
// trained weights never pass for the checkpoint; "Reset to checkpoint" puts the checkpoint back.
import { useSession } from '../stores/session';
import { isLive, useTrain } from '../stores/train';
import { useWeights, weightsLabel } from '../stores/weights';

export function WeightsLine() {
  const weights = useWeights((s) => s.weights);
  const resetting = useWeights((s) => s.resetting);
  const reset = useWeights((s) => s.reset);
  const model = useSession((s) => s.model);
  const runs = useTrain((s) => s.runs);
  const live = runs.some(isLive);
  if (!model || !weights) return null;
  const label = weightsLabel(weights, model.name, (id) => runs.find((r) => r.id === id)?.name);
  return (
    <p className={'weights-line' + (weights.kind === 'run' ? ' trained' : '')} data-testid="weights" role="status" aria-live="polite">
      Weights: <strong>{label}</strong>
      {weights.kind === 'run' ? (
        <>
          {' '}
          <span className="muted">(not the checkpoint’s: save a checkpoint to keep them)</span>{' '}
          <button type="button" onClick={() => void reset()} disabled={live || resetting} title={live ? 'Stop the run first' : undefined}>
            Reset to checkpoint
          </button>
        </>
      ) : null}
    </p>
  );
}
