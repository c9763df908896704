// The chart kinds the workbench draws, themed for normal and talk mode. Animation is off: data arrive
// a few times a second (throttled) and every frame should show the data, not a tween. Every chart has
// round ticks (lib/ticks), a clickable legend (hide a series), a tooltip that names its x ("α = 4",
// "step 12"), hands its data to the card for export, and may sync its hover with the charts of a run.
import { Area, CartesianGrid, ComposedChart, ErrorBar, Line, LineChart, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { useChartTheme, type ChartTheme } from './chartTheme';
import { errorDeltas, type BandPoint } from '../lib/stats';
import { ChartFrame, useChartCard, useChartExport } from './ChartCard';
import { ChartLegend } from './ChartLegend';
import { useHidden } from '../stores/charts';
import { extent, formatTick, niceScale, type NiceScale } from '../lib/ticks';
import { wideTable } from '../lib/chartExport';

export interface SeriesSpec {
  key: string;
  name: string;
  color: string;
  dashed?: boolean;
  /** Thinner line (individual seeds under a mean). */
  faint?: boolean;
  /** No dots on this line (a dense series, e.g. a loss every step). */
  noDots?: boolean;
  /** Row key of this series' interval [low, high] (absolute values), drawn as error bars and exported as two columns. */
  ci?: string;
  /** What the interval is, for the export's column names (default "95% CI"). */
  ciName?: string;
}

export type Row = Record<string, number | null | undefined | [number, number]>;

/** The tooltip's header for an x value: "α = 4" on an intensity axis, "step 12" on a step axis. */
export function xTipFor(xLabel: string): (x: number) => string {
  const v = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toFixed(3))));
  if (/α/.test(xLabel)) return (x) => `α = ${v(x)}`;
  if (/step/i.test(xLabel)) return (x) => `step ${v(x)}`;
  if (/^accuracy$/i.test(xLabel)) return (x) => `accuracy ${v(x)}`;
  return (x) => `${xLabel} = ${v(x)}`;
}

function axes(t: ChartTheme, xLabel: string, yLabel: string, xs: NiceScale, ys: NiceScale, xKey = 'x', xTicks?: number[]) {
  const tick = { fontSize: t.tick, fill: t.text };
  return [
    <CartesianGrid key="grid" stroke={t.grid} strokeDasharray={t.talk ? undefined : '3 3'} />,
    <XAxis
      key="x"
      dataKey={xKey}
      type="number"
      domain={xs.domain}
      ticks={xTicks ?? xs.ticks}
      interval={0}
      tick={tick}
      tickFormatter={(v: number) => (xTicks ? String(Number(v.toFixed(3))) : formatTick(v, xs.decimals))}
      tickMargin={t.talk ? 8 : 4}
      height={t.xHeight}
      padding={{ left: t.talk ? 16 : 8, right: t.talk ? 16 : 8 }}
      stroke={t.axis}
      strokeWidth={t.talk ? 3 : 1}
      label={{ value: xLabel, position: 'insideBottom', offset: 0, fontSize: t.label, fill: t.text, fontWeight: 600 }}
    />,
    <YAxis
      key="y"
      type="number"
      domain={ys.domain}
      ticks={ys.ticks}
      interval={0}
      tick={tick}
      tickFormatter={(v: number) => formatTick(v, ys.decimals)}
      stroke={t.axis}
      strokeWidth={t.talk ? 3 : 1}
      width={t.yWidth}
      tickMargin={t.talk ? 8 : 4}
      label={{ value: yLabel, angle: -90, position: 'insideLeft', offset: t.talk ? 0 : 4, fontSize: t.label, fill: t.text, fontWeight: 600, style: { textAnchor: 'middle' } }}
    />,
  ];
}

function tooltip(t: ChartTheme, xTip: (x: number) => string, decimals: number) {
  const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(Math.max(2, Math.min(4, decimals + 1))));
  return (
    <Tooltip
      key="tip"
      isAnimationActive={false}
      contentStyle={{ fontSize: t.tick, border: `${t.talk ? 2 : 1}px solid ${t.axis}` }}
      labelStyle={{ fontWeight: 700 }}
      labelFormatter={(v: unknown) => (typeof v === 'number' ? xTip(v) : String(v ?? ''))}
      formatter={(v: unknown) => (typeof v === 'number' ? num(v) : Array.isArray(v) ? v.map((x) => num(Number(x))).join(' – ') : String(v))}
    />
  );
}

/** x scale: explicit ticks keep their own ends; otherwise round ticks over the data (integers for steps). */
function xScaleOf(rows: Row[], xKey: string, xDomain?: [number, number], xTicks?: number[], extra: number[] = []): NiceScale {
  if (xDomain) return niceScale(0, 0, { fixed: xDomain });
  const [lo, hi] = extent([...rows, ...extra.map((x) => ({ [xKey]: x }))], [xKey]);
  if (xTicks?.length) {
    const a = Math.min(lo, ...xTicks);
    const b = Math.max(hi, ...xTicks);
    return { domain: [a, b === a ? a + 1 : b], ticks: xTicks, decimals: 3 };
  }
  const integer = rows.every((r) => Number.isInteger(r[xKey] as number));
  return niceScale(lo, hi, { integer, count: 6 });
}

function yScaleOf(rows: Row[], keys: string[], yDomain?: [number, number], extra: number[] = []): NiceScale {
  if (yDomain) return niceScale(0, 0, { fixed: yDomain });
  const [lo, hi] = extent([...rows, ...extra.map((y) => ({ y }))], [...keys, 'y']);
  return niceScale(lo, hi);
}

export interface XMark {
  x: number;
  label: string;
  /** Dotted instead of dashed (a second mark, e.g. the vector's dose). */
  dotted?: boolean;
}

export function LinesChart(props: {
  rows: Row[];
  series: SeriesSpec[];
  xLabel: string;
  yLabel: string;
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Vertical markers (e.g. the current α, the vector's dose). */
  marks?: XMark[];
  dots?: boolean;
  height?: number;
  /** Explicit x ticks (e.g. the swept intensities). */
  xTicks?: number[];
  /** Charts with the same id show their tooltips together, at the same x (e.g. the charts of a run). */
  syncId?: string;
}) {
  const t = useChartTheme();
  const { id } = useChartCard();
  const hidden = useHidden(id);
  const visible = props.series.filter((s) => !hidden.includes(s.key));
  const marks = props.marks ?? [];
  const xs = xScaleOf(props.rows, 'x', props.xDomain, props.xTicks, marks.map((m) => m.x));
  const ys = yScaleOf(props.rows, visible.map((s) => s.key), props.yDomain);
  const exported = props.series.flatMap((s) => (s.ci ? [s, { key: s.ci, name: `${s.name} ${s.ciName ?? '95% CI'}` }] : [s]));
  useChartExport({ ...wideTable(props.rows, 'x', props.xLabel, exported), legend: props.series });
  return (
    <div className="chart-grow">
      <ChartLegend items={props.series} />
      <ChartFrame height={props.height ?? t.height}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={props.rows} margin={marks.length ? { ...t.margin, top: t.margin.top + t.label + 6 } : t.margin} syncId={props.syncId} syncMethod="value">
            {axes(t, props.xLabel, props.yLabel, xs, ys, 'x', props.xTicks)}
            {tooltip(t, xTipFor(props.xLabel), ys.decimals)}
            {marks.map((m, i) => (
              <ReferenceLine
                key={`mark${i}`}
                x={m.x}
                stroke={t.text}
                strokeWidth={t.talk ? 4 : 2}
                strokeDasharray={m.dotted ? '2 5' : '6 4'}
                label={{ value: m.label, position: i % 2 ? 'insideBottomRight' : 'top', fontSize: t.label, fill: t.text, fontWeight: 700 }}
              />
            ))}
            {props.series.map((s) => (
              <Line
                key={s.key}
                dataKey={s.key}
                name={s.name}
                type="linear"
                hide={hidden.includes(s.key)}
                stroke={s.color}
                strokeWidth={s.faint ? t.thin : t.stroke}
                strokeOpacity={s.faint ? 0.45 : 1}
                strokeDasharray={s.dashed ? (t.talk ? '14 8' : '7 4') : undefined}
                dot={props.dots === false || s.faint || s.noDots ? false : { r: t.dot, fill: s.color, stroke: s.color }}
                activeDot={{ r: t.dot + 2 }}
                connectNulls
                isAnimationActive={false}
              >
                {s.ci ? <ErrorBar dataKey={errorDeltas(s.key, s.ci)} width={t.talk ? 14 : 8} strokeWidth={t.talk ? 4 : 2} stroke={s.color} direction="y" isAnimationActive={false} /> : null}
              </Line>
            ))}
          </LineChart>
        </ResponsiveContainer>
      </ChartFrame>
    </div>
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
  const { id } = useChartCard();
  const hidden = useHidden(id);
  const unit = niceScale(0, 0, { fixed: [0, 1] });
  const legend = props.runs.map((r) => ({ key: r.id, name: r.name, color: r.color, faint: r.faint, dot: true }));
  useChartExport({
    header: ['run', 'step', 'accuracy', 'behavior'],
    rows: props.runs.flatMap((r) => r.points.map((p) => [r.name, p.step, p.accuracy, p.behavior])),
    legend,
  });
  return (
    <div className="chart-grow">
      <ChartLegend items={legend} />
      <ChartFrame height={props.height ?? t.height}>
        <ResponsiveContainer width="100%" height="100%">
          <ScatterChart margin={t.margin}>
            {axes(t, 'Accuracy', 'Behavior score', unit, unit, 'accuracy')}
            <ZAxis type="number" dataKey="step" range={t.talk ? [260, 260] : [60, 60]} name="step" />
            <Tooltip isAnimationActive={false} contentStyle={{ fontSize: t.tick }} formatter={(v: unknown, name: unknown) => [typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(3)) : String(v), String(name)]} />
            {props.runs.map((r) => (
              <Scatter
                key={r.id}
                name={r.name}
                hide={hidden.includes(r.id)}
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
      </ChartFrame>
    </div>
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

/** The rows of a band chart: per step, each group's mean and its ±1 std band cut to the axis. */
export function bandRows(groups: BandGroup[], yDomain?: [number, number]): Row[] {
  const byStep = new Map<number, Row>();
  for (const g of groups)
    for (const p of g.band) {
      const row = byStep.get(p.step) ?? byStep.set(p.step, { x: p.step }).get(p.step)!;
      row[g.key + '_mean'] = p.mean;
      // mean ± std can leave the score's range (a score is in [0, 1]): the band stops at the axis.
      const lo = yDomain ? Math.min(yDomain[1], Math.max(yDomain[0], p.lo)) : p.lo;
      const hi = yDomain ? Math.max(yDomain[0], Math.min(yDomain[1], p.hi)) : p.hi;
      row[g.key + '_band'] = [lo, hi];
    }
  return [...byStep.values()].sort((a, b) => (a.x as number) - (b.x as number));
}

/** Mean over seeds as a line with a ±1 std band. */
export function BandChart(props: { groups: BandGroup[]; xLabel: string; yLabel: string; yDomain?: [number, number]; height?: number }) {
  const t = useChartTheme();
  const { id } = useChartCard();
  const hidden = useHidden(id);
  const rows = bandRows(props.groups, props.yDomain);
  const visible = props.groups.filter((g) => !hidden.includes(g.key));
  const xs = xScaleOf(rows, 'x');
  const ys = yScaleOf(rows, visible.flatMap((g) => [g.key + '_mean', g.key + '_band']), props.yDomain);
  const legend = props.groups.map((g) => ({ key: g.key, name: g.name, color: g.color, dashed: g.dashed }));
  const columns = props.groups.flatMap((g) => [
    { key: g.key + '_mean', name: `${g.name} mean` },
    { key: g.key + '_band', name: `${g.name} ±1 std` },
  ]);
  useChartExport({ ...wideTable(rows, 'x', props.xLabel, columns), legend });
  return (
    <div className="chart-grow">
      <ChartLegend items={legend} />
      <ChartFrame height={props.height ?? t.height}>
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={rows} margin={t.margin}>
            {axes(t, props.xLabel, props.yLabel, xs, ys)}
            {tooltip(t, xTipFor(props.xLabel), ys.decimals)}
            {props.groups.map((g) => (
              <Area
                key={g.key + '_band'}
                dataKey={g.key + '_band'}
                name={`${g.name} ± std`}
                hide={hidden.includes(g.key)}
                stroke="none"
                fill={g.color}
                fillOpacity={t.talk ? 0.25 : 0.18}
                connectNulls
                isAnimationActive={false}
                legendType="none"
              />
            ))}
            {props.groups.map((g) => (
              <Line
                key={g.key + '_mean'}
                dataKey={g.key + '_mean'}
                name={g.name}
                hide={hidden.includes(g.key)}
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
      </ChartFrame>
    </div>
  );
}
