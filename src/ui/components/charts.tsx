// The chart kinds the workbench draws, themed for normal and talk mode. Animation is off: data arrive
// a few times a second (throttled) and every frame should show the data, not a tween.
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import { useChartTheme, type ChartTheme } from './chartTheme';
import type { BandPoint } from '../lib/stats';
import { useChartHeight } from './ChartCard';

export interface SeriesSpec {
  key: string;
  name: string;
  color: string;
  dashed?: boolean;
  /** Thinner line (individual seeds under a mean). */
  faint?: boolean;
}

export type Row = Record<string, number | null | undefined | [number, number]>;

const fmtTick = (v: number) => (Math.abs(v) >= 1000 ? v.toExponential(0) : Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 0.1 ? 3 : 2));

function axes(t: ChartTheme, xLabel: string, yLabel: string, xDomain?: [number | string, number | string], yDomain?: [number | string, number | string], xKey = 'x', xTicks?: number[]) {
  const tick = { fontSize: t.tick, fill: t.text };
  return [
    <CartesianGrid key="grid" stroke={t.grid} strokeDasharray={t.talk ? undefined : '3 3'} />,
    <XAxis
      key="x"
      dataKey={xKey}
      type="number"
      domain={xDomain ?? ['dataMin', 'dataMax']}
      allowDecimals
      ticks={xTicks}
      tick={tick}
      tickFormatter={fmtTick}
      tickMargin={t.talk ? 8 : 4}
      height={t.xHeight}
      padding={{ left: t.talk ? 16 : 8, right: t.talk ? 16 : 8 }}
      stroke={t.axis}
      strokeWidth={t.talk ? 2 : 1}
      label={{ value: xLabel, position: 'insideBottom', offset: 0, fontSize: t.label, fill: t.text, fontWeight: 600 }}
    />,
    <YAxis
      key="y"
      type="number"
      domain={yDomain ?? ['auto', 'auto']}
      tick={tick}
      tickFormatter={fmtTick}
      stroke={t.axis}
      strokeWidth={t.talk ? 2 : 1}
      width={t.yWidth}
      tickMargin={t.talk ? 8 : 4}
      label={{ value: yLabel, angle: -90, position: 'insideLeft', offset: t.talk ? 0 : 4, fontSize: t.label, fill: t.text, fontWeight: 600, style: { textAnchor: 'middle' } }}
    />,
  ];
}

function legend(t: ChartTheme) {
  return <Legend key="legend" verticalAlign="top" align="left" wrapperStyle={{ fontSize: t.legend, color: t.text, paddingBottom: t.talk ? 12 : 4, fontWeight: t.talk ? 600 : 400 }} iconSize={t.talk ? 28 : 14} />;
}

function tooltip(t: ChartTheme) {
  return <Tooltip key="tip" isAnimationActive={false} contentStyle={{ fontSize: t.tick }} formatter={(v: unknown) => (typeof v === 'number' ? fmtTick(v) : Array.isArray(v) ? v.map((x) => fmtTick(Number(x))).join(' – ') : String(v))} />;
}

export function LinesChart(props: {
  rows: Row[];
  series: SeriesSpec[];
  xLabel: string;
  yLabel: string;
  xDomain?: [number | string, number | string];
  yDomain?: [number | string, number | string];
  /** A vertical marker (e.g. the current α). */
  markX?: { x: number; label: string };
  dots?: boolean;
  height?: number;
  /** Explicit x ticks (e.g. the swept intensities). */
  xTicks?: number[];
}) {
  const t = useChartTheme();
  const height = useChartHeight(props.height ?? t.height);
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart data={props.rows} margin={t.margin}>
        {axes(t, props.xLabel, props.yLabel, props.xDomain, props.yDomain, 'x', props.xTicks)}
        {tooltip(t)}
        {legend(t)}
        {props.markX ? (
          <ReferenceLine
            x={props.markX.x}
            stroke={t.text}
            strokeWidth={t.talk ? 4 : 2}
            strokeDasharray="6 4"
            label={{ value: props.markX.label, position: 'top', fontSize: t.label, fill: t.text, fontWeight: 700 }}
            ifOverflow="extendDomain"
          />
        ) : null}
        {props.series.map((s) => (
          <Line
            key={s.key}
            dataKey={s.key}
            name={s.name}
            type="linear"
            stroke={s.color}
            strokeWidth={s.faint ? t.thin : t.stroke}
            strokeOpacity={s.faint ? 0.45 : 1}
            strokeDasharray={s.dashed ? (t.talk ? '14 8' : '7 4') : undefined}
            dot={props.dots === false || s.faint ? false : { r: t.dot, fill: s.color, stroke: s.color }}
            activeDot={{ r: t.dot + 2 }}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}

export interface TrajectoryRun {
  id: string;
  name: string;
  color: string;
  faint?: boolean;
  points: { step: number; accuracy: number; behavior: number }[];
}

/** Behavior against accuracy, one path per run in step order (start hollow, end large). */
export function TrajectoryChart(props: { runs: TrajectoryRun[]; height?: number }) {
  const t = useChartTheme();
  const height = useChartHeight(props.height ?? t.height);
  return (
    <ResponsiveContainer width="100%" height={height}>
      <ScatterChart margin={t.margin}>
        {axes(t, 'Accuracy', 'Behavior score', [0, 1], [0, 1], 'accuracy')}
        <ZAxis type="number" dataKey="step" range={t.talk ? [260, 260] : [60, 60]} name="step" />
        {tooltip(t)}
        {legend(t)}
        {props.runs.map((r) => (
          <Scatter
            key={r.id}
            name={r.name}
            data={[...r.points].sort((a, b) => a.step - b.step)}
            dataKey="behavior"
            fill={r.color}
            stroke={r.color}
            fillOpacity={r.faint ? 0.35 : 1}
            line={{ stroke: r.color, strokeWidth: r.faint ? t.thin : t.stroke, strokeOpacity: r.faint ? 0.45 : 1 }}
            lineType="joint"
            isAnimationActive={false}
          />
        ))}
      </ScatterChart>
    </ResponsiveContainer>
  );
}

export interface BandGroup {
  key: string;
  name: string;
  color: string;
  /** Drawn dashed (a second pooled config of the same method). */
  dashed?: boolean;
  band: BandPoint[];
}

/** Mean over seeds as a line with a ±1 std band. */
export function BandChart(props: { groups: BandGroup[]; xLabel: string; yLabel: string; yDomain?: [number, number]; height?: number }) {
  const t = useChartTheme();
  const byStep = new Map<number, Row>();
  for (const g of props.groups)
    for (const p of g.band) {
      const row = byStep.get(p.step) ?? byStep.set(p.step, { x: p.step }).get(p.step)!;
      row[g.key + '_mean'] = p.mean;
      // mean ± std can leave the score's range (a score is in [0, 1]): the band stops at the axis.
      row[g.key + '_band'] = props.yDomain ? [Math.max(props.yDomain[0], p.lo), Math.min(props.yDomain[1], p.hi)] : [p.lo, p.hi];
    }
  const rows = [...byStep.values()].sort((a, b) => (a.x as number) - (b.x as number));
  const height = useChartHeight(props.height ?? t.height);
  return (
    <ResponsiveContainer width="100%" height={height}>
      <ComposedChart data={rows} margin={t.margin}>
        {axes(t, props.xLabel, props.yLabel, undefined, props.yDomain)}
        {tooltip(t)}
        {legend(t)}
        {props.groups.map((g) => (
          <Area key={g.key + '_band'} dataKey={g.key + '_band'} name={`${g.name} ± std`} stroke="none" fill={g.color} fillOpacity={t.talk ? 0.25 : 0.18} connectNulls isAnimationActive={false} legendType="none" />
        ))}
        {props.groups.map((g) => (
          <Line
            key={g.key + '_mean'}
            dataKey={g.key + '_mean'}
            name={g.name}
            stroke={g.color}
            strokeWidth={t.stroke}
            strokeDasharray={g.dashed ? (t.talk ? '14 8' : '7 4') : undefined}
            dot={{ r: t.dot, fill: g.color }}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </ComposedChart>
    </ResponsiveContainer>
  );
}
