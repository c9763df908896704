// Splits a response into plain and highlighted segments from the judge's markers ([start, end) spans).
// The UI renders segments as text nodes — never as HTML — so a model's output cannot inject markup.

export interface Segment {
  text: string;
  marked: boolean;
}

export function segments(text: string, markers: readonly (readonly [number, number])[]): Segment[] {
  const spans = markers
    .map(([s, e]) => [Math.max(0, Math.min(s, text.length)), Math.max(0, Math.min(e, text.length))] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const out: Segment[] = [];
  let pos = 0;
  for (const [s, e] of spans) {
    const start = Math.max(s, pos);
    if (e <= start) continue;
    if (start > pos) out.push({ text: text.slice(pos, start), marked: false });
    out.push({ text: text.slice(start, e), marked: true });
    pos = e;
  }
  if (pos < text.length) out.push({ text: text.slice(pos), marked: false });
  return out;
}
