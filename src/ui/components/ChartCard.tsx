// A chart with a visible title (its accessible name), an optional note, export (PNG, SVG, CSV of its
// data) and a full-screen button. Full screen is a flex column: the title and note take what they need
// and the plot (ChartFrame) takes the rest, so the axes always stay on the screen.
import { createContext, useContext, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { pngOfSvg, svgOfCard, toCsv, type ChartExport } from '../lib/chartExport';
import { downloadBlob, safeFilename } from '../lib/download';
import { notify } from '../stores/ui';
import type { GlossaryKey } from '../lib/glossary';
import { TermHint } from './Term';

interface CardContext {
  /** The chart's id (its title): hidden legend entries are kept per chart. */
  id: string;
  full: boolean;
  exportRef: { current: ChartExport | null };
}

const Ctx = createContext<CardContext>({ id: '', full: false, exportRef: { current: null } });

export const useChartCard = () => useContext(Ctx);

/** Called by a chart on every render: the data its card exports. */
export function useChartExport(data: ChartExport | null) {
  const ref = useContext(Ctx).exportRef;
  useLayoutEffect(() => {
    ref.current = data;
  });
}

/** The plot's box: `height` px, or in a full-screen card whatever is left below the title. */
export function ChartFrame(props: { height: number; children: ReactNode }) {
  const { full } = useContext(Ctx);
  return (
    <div className="chart-plot" style={full ? undefined : { height: props.height }}>
      {props.children}
    </div>
  );
}

function ExportMenu(props: { title: string; card: { current: HTMLElement | null }; data: { current: ChartExport | null } }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const base = safeFilename(props.title, '');
  const run = async (kind: 'png' | 'svg' | 'csv') => {
    if (menu.current) menu.current.open = false;
    const d = props.data.current;
    try {
      if (kind === 'csv') {
        if (!d) throw new Error('this chart has no data yet');
        return downloadBlob(toCsv(d), `${base}.csv`, 'text/csv');
      }
      const s = props.card.current && svgOfCard(props.card.current, props.title, d?.legend ?? []);
      if (!s) throw new Error('this chart has nothing drawn yet');
      if (kind === 'svg') return downloadBlob(s.svg, `${base}.svg`, 'image/svg+xml');
      downloadBlob(await pngOfSvg(s.svg, s.width, s.height), `${base}.png`, 'image/png');
    } catch (e) {
      notify({ kind: 'error', text: `Could not export the chart: ${(e as Error)?.message ?? e}` });
    }
  };
  return (
    <details className="export-menu" ref={menu}>
      <summary aria-label={`Export: ${props.title}`} title="Export the chart (PNG, SVG) or its data (CSV)">
        Export
      </summary>
      <div className="menu" role="group" aria-label="Export as">
        <button type="button" onClick={() => void run('png')}>
          PNG image
        </button>
        <button type="button" onClick={() => void run('svg')}>
          SVG drawing
        </button>
        <button type="button" onClick={() => void run('csv')}>
          CSV data
        </button>
      </div>
    </details>
  );
}

export function ChartCard(props: {
  title: string;
  note?: ReactNode;
  children: ReactNode;
  actions?: ReactNode;
  testId?: string;
  points?: number;
  className?: string;
  /** Glossary entries for the title's symbols (a "?" with the definition, outside the title so its name stays the title). */
  glossary?: GlossaryKey[];
}) {
  const id = useId();
  const ref = useRef<HTMLElement>(null);
  const exportRef = useRef<ChartExport | null>(null);
  const [full, setFull] = useState(false);
  useEffect(() => {
    const on = () => setFull(document.fullscreenElement === ref.current);
    document.addEventListener('fullscreenchange', on);
    return () => document.removeEventListener('fullscreenchange', on);
  }, []);
  const toggle = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void ref.current?.requestFullscreen?.().catch(() => undefined);
  };
  return (
    <section
      ref={ref}
      className={'chart-card' + (props.className ? ' ' + props.className : '')}
      aria-labelledby={id}
      role="figure"
      data-testid={props.testId}
      data-points={props.points}
      data-chart-card=""
    >
      <header className="chart-head">
        <h3 id={id}>{props.title}</h3>
        <div className="chart-actions">
          {props.glossary?.map((k) => <TermHint key={k} k={k} />)}
          {props.actions}
          <ExportMenu title={props.title} card={ref} data={exportRef} />
          <button type="button" className="ghost" onClick={toggle} title="Full screen (F on a focused chart)" aria-label={`${full ? 'Exit full screen' : 'Full screen'}: ${props.title}`}>
            {full ? '⤡' : '⤢'}
          </button>
        </div>
      </header>
      {props.note ? <p className="chart-note">{props.note}</p> : null}
      <div className="chart-body">
        <Ctx.Provider value={{ id: props.title, full, exportRef }}>{props.children}</Ctx.Provider>
      </div>
    </section>
  );
}

export function EmptyChart(props: { text: string }) {
  return <div className="chart-empty">{props.text}</div>;
}
