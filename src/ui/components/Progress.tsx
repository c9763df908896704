export function ProgressBar(props: { value: number; max: number; label: string; children?: React.ReactNode }) {
  const pct = props.max > 0 ? Math.min(100, Math.max(0, (props.value / props.max) * 100)) : 0;
  return (
    <div className="progress">
      <div className="bar" role="progressbar" aria-label={props.label} aria-valuemin={0} aria-valuemax={props.max} aria-valuenow={props.value}>
        <div className="fill" style={{ width: `${pct}%` }} />
      </div>
      {props.children ? <div className="meta">{props.children}</div> : null}
    </div>
  );
}
