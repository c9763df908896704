// A chart with a visible title (its accessible name), an optional note, and a full-screen button.
import { createContext, useContext, useId, useRef, useState, useEffect, type ReactNode } from 'react';

/** True inside a chart card that is full screen: charts then take the screen's height. */
const FullContext = createContext(false);

/** The height a chart should take: its own, or the screen's when its card is full screen. */
export function useChartHeight(normal: number): number {
  const full = useContext(FullContext);
  const [h, setH] = useState(() => (typeof window !== 'undefined' ? window.innerHeight : 800));
  useEffect(() => {
    if (!full) return;
    const on = () => setH(window.innerHeight);
    on();
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, [full]);
  return full ? Math.max(normal, h - 220) : normal;
}

export function ChartCard(props: { title: string; note?: ReactNode; children: ReactNode; actions?: ReactNode; testId?: string; points?: number; className?: string }) {
  const id = useId();
  const ref = useRef<HTMLElement>(null);
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
          {props.actions}
          <button type="button" className="ghost" onClick={toggle} title="Full screen (F on a focused chart)" aria-label={`${full ? 'Exit full screen' : 'Full screen'}: ${props.title}`}>
            {full ? '⤡' : '⤢'}
          </button>
        </div>
      </header>
      {props.note ? <p className="chart-note">{props.note}</p> : null}
      <div className="chart-body">
        <FullContext.Provider value={full}>{props.children}</FullContext.Provider>
      </div>
    </section>
  );
}

export function EmptyChart(props: { text: string }) {
  return <div className="chart-empty">{props.text}</div>;
}
