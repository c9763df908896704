// A chart's legend as buttons: click (or Enter / Space) an entry to hide its series, again to show it.
// Hidden entries are struck through; the state lives in the charts store, per chart.
import { useCharts, useHidden } from '../stores/charts';
import { useChartCard } from './ChartCard';
import { useChartTheme } from './chartTheme';

export interface LegendItem {
  key: string;
  name: string;
  color: string;
  dashed?: boolean;
  faint?: boolean;
  /** A dot instead of a line sample (scatter paths). */
  dot?: boolean;
}

export function ChartLegend(props: { items: LegendItem[] }) {
  const t = useChartTheme();
  const { id } = useChartCard();
  const hidden = useHidden(id);
  const toggle = useCharts((s) => s.toggle);
  if (!props.items.length) return null;
  const w = t.talk ? 40 : 24;
  const h = t.talk ? 20 : 12;
  return (
    <ul className="chart-legend" aria-label="Legend: click an entry to hide or show it" style={{ fontSize: t.legend }}>
      {props.items.map((it) => {
        const off = hidden.includes(it.key);
        return (
          <li key={it.key}>
            <button type="button" aria-pressed={!off} className={off ? 'off' : undefined} onClick={() => toggle(id, it.key)} title={off ? 'Show this series' : 'Hide this series'}>
              <svg width={w} height={h} aria-hidden="true">
                {it.dot ? (
                  <circle cx={w / 2} cy={h / 2} r={h / 2.4} fill={it.color} />
                ) : (
                  <line x1={0} x2={w} y1={h / 2} y2={h / 2} stroke={it.color} strokeOpacity={it.faint ? 0.5 : 1} strokeWidth={it.faint ? t.thin : t.stroke} strokeDasharray={it.dashed ? (t.talk ? '10 6' : '5 3') : undefined} />
                )}
              </svg>
              {it.name}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
