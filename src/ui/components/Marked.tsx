// A response with the judge's markers highlighted. Text nodes only — never innerHTML.
import { segments } from '../lib/highlight';

export function Marked(props: { text: string; markers: readonly (readonly [number, number])[]; cursor?: boolean }) {
  const segs = segments(props.text, props.markers);
  return (
    <span className="marked">
      {segs.map((s, i) => (s.marked ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
      {props.cursor ? <span className="cursor" aria-hidden="true">▍</span> : null}
    </span>
  );
}
