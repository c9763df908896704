// The Bandit page's two chart kinds, themed like charts.tsx (normal and talk mode, full screen):
//   IterationsCurve — iterations-to-τ against alignment x, log y, mean ± std bands over seeds, runs that
//                     hit the cap marked, the crossover marked;
//   ArmMassChart    — one run's unsteered policy mass per arm over iterations, target arms highlighted.
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ArmKind, Comparison } from '../../../bandit';
import { ChartFrame, useChartExport } from '../ChartCard';
import { wideTable } from '../../lib/chartExport';
import { methodColor, useChartTheme, type ChartTheme } from '../chartTheme';
import type { Trace } from './protocol';

/** 1 200 → "1.2k", 20 000 → "20k", 0.25 → "0.25". */
export function fmtCount(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (Math.abs(v) >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(Math.abs(v) < 0.1 ? 2 : 3)));
}

const fmtX = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toFixed(2))));

function tickStyle(t: ChartTheme) {
  return { fontSize: t.tick, fill: t.text };
}

function xAxis(t: ChartTheme, label: string, domain: [number, number], ticks?: number[], fmt: (v: number) => string = fmtX) {
  return (
    <XAxis
      dataKey="x"
      type="number"
      domain={domain}
      ticks={ticks}
      allowDecimals
      tick={tickStyle(t)}
      tickFormatter={fmt}
      tickMargin={t.talk ? 8 : 4}
      height={t.xHeight}
      padding={{ left: t.talk ? 16 : 8, right: t.talk ? 16 : 8 }}
      stroke={t.axis}
      strokeWidth={t.talk ? 3 : 1}
      label={{ value: label, position: 'insideBottom', offset: 0, fontSize: t.label, fill: t.text, fontWeight: 600 }}
    />
  );
}

function yLabel(t: ChartTheme, value: string) {
  return { value, angle: -90, position: 'insideLeft' as const, offset: t.talk ? 0 : 4, fontSize: t.label, fill: t.text, fontWeight: 600, style: { textAnchor: 'middle' as const } };
}

function tooltip(t: ChartTheme, labelPrefix: string) {
  return (
    <Tooltip
      isAnimationActive={false}
      contentStyle={{ fontSize: t.tick }}
      labelFormatter={(v: unknown) => `${labelPrefix}${typeof v === 'number' ? fmtX(v) : String(v)}`}
      formatter={(v: unknown) => (typeof v === 'number' ? fmtCount(v) : Array.isArray(v) ? v.map((x) => fmtCount(Number(x))).join(' – ') : String(v))}
    />
  );
}

/** Round ticks from 0 to about `max` (steps of 1, 2 or 5 × 10^k, at most 6 ticks). */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Powers of ten in [lo, hi]; with 2× and 5× too when the range spans fewer than three decades. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.round(Math.log10(lo));
  const b = Math.round(Math.log10(hi));
  const out: number[] = [];
  for (let e = a; e <= b; e++) {
    out.push(10 ** e);
    if (b - a < 3 && e < b) out.push(2 * 10 ** e, 5 * 10 ** e);
  }
  return out;
}

/** A line's point marker: a filled circle, or a hollow upward triangle ("at least this") for a mean that includes runs stopped at the cap. */
function curveDot(method: 'vspo' | 'grpo', color: string, t: ChartTheme, censoredAt: Map<number, number>) {
  return (props: unknown) => {
    const { cx, cy, payload, index } = props as { cx?: number; cy?: number; payload?: { x: number }; index?: number };
    const key = `${method}-${index ?? payload?.x}`;
    if (cx === undefined || cy === undefined || !Number.isFinite(cx) || !Number.isFinite(cy)) return <g key={key} />;
    const n = payload ? (censoredAt.get(payload.x) ?? 0) : 0;
    if (n > 0) {
      const h = t.talk ? 15 : 8;
      return (
        <path
          key={key}
          className="bandit-dot censored"
          data-method={method}
          d={`M${cx},${cy - h} L${cx + h * 0.95},${cy + h * 0.65} L${cx - h * 0.95},${cy + h * 0.65} Z`}
          fill="#ffffff"
          stroke={color}
          strokeWidth={t.talk ? 4 : 2.2}
        />
      );
    }
    return <circle key={key} className="bandit-dot" data-method={method} cx={cx} cy={cy} r={t.dot} fill={color} stroke={color} />;
  };
}

/** An HTML legend above a chart: a line sample (or a marker) and a label per entry. */
export function HtmlLegend(props: { items: { label: string; color: string; width?: number; dashed?: boolean; marker?: 'dot' | 'triangle' | 'none'; vertical?: boolean; halo?: boolean }[] }) {
  const t = useChartTheme();
  const w = t.talk ? 44 : 26;
  const h = t.talk ? 22 : 14;
  return (
    <ul aria-label="Legend" style={{ listStyle: 'none', margin: '0 0 4px', padding: 0, display: 'flex', flexWrap: 'wrap', gap: t.talk ? '6px 28px' : '2px 16px', fontSize: t.legend, color: t.text, fontWeight: t.talk ? 600 : 400 }}>
      {props.items.map((it) => (
        <li key={it.label} style={{ display: 'flex', alignItems: 'center' }}>
          <svg width={w} height={h} aria-hidden="true" style={{ marginRight: 6, flex: 'none' }}>
            {it.halo ? <line x1={0} x2={w} y1={h / 2} y2={h / 2} stroke={it.color} strokeOpacity={0.3} strokeWidth={(it.width ?? t.stroke) * 2.2} /> : null}
            {it.vertical ? (
              <line x1={w / 2} x2={w / 2} y1={0} y2={h} stroke={it.color} strokeWidth={it.width ?? t.stroke} strokeDasharray={it.dashed ? '4 3' : undefined} />
            ) : it.marker === 'triangle' ? null : it.halo ? null : (
              <line x1={0} x2={w} y1={h / 2} y2={h / 2} stroke={it.color} strokeWidth={it.width ?? t.stroke} strokeDasharray={it.dashed ? (t.talk ? '10 5' : '5 3') : undefined} />
            )}
            {it.marker === 'dot' ? <circle cx={w / 2} cy={h / 2} r={t.dot * 0.8} fill={it.color} /> : null}
            {it.marker === 'triangle' ? (
              <path d={`M${w / 2},${1.5} L${w / 2 + h * 0.55},${h - 1.5} L${w / 2 - h * 0.55},${h - 1.5} Z`} fill="#ffffff" stroke={it.color} strokeWidth={t.talk ? 3 : 1.8} />
            ) : null}
          </svg>
          {it.label}
        </li>
      ))}
    </ul>
  );
}

export interface CurveStats {
  vspoPoints: number;
  grpoPoints: number;
  censoredPoints: number;
}

export function curveStats(rows: Comparison[]): CurveStats {
  return {
    vspoPoints: rows.filter((r) => Number.isFinite(r.vspo.mean)).length,
    grpoPoints: rows.filter((r) => Number.isFinite(r.grpo.mean)).length,
    censoredPoints: rows.filter((r) => r.vspo.censored > 0 || r.grpo.censored > 0).length,
  };
}

export function IterationsCurve(props: { rows: Comparison[]; cap: number; seeds: number; alignments: number[]; crossover: number | null; height?: number }) {
  const t = useChartTheme();
  const height = props.height ?? t.height + 60;
  const rows = [...props.rows].sort((a, b) => a.alignment - b.alignment);
  const means = rows.flatMap((r) => [r.vspo.mean, r.grpo.mean]).filter((v) => v > 0);
  const his = rows.flatMap((r) => [r.vspo.mean + r.vspo.std, r.grpo.mean + r.grpo.std]);
  const anyCensored = rows.some((r) => r.vspo.censored || r.grpo.censored);
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...means, ...rows.flatMap((r) => [...r.vspo.iterations, ...r.grpo.iterations]).filter((v) => v > 0)))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(10 * lo, ...his, anyCensored ? props.cap : 0)));
  const clampLo = (v: number) => Math.max(lo, v);
  const data = rows.map((r) => ({
    x: r.alignment,
    vspo: r.vspo.mean,
    vspoBand: [clampLo(r.vspo.mean - r.vspo.std), r.vspo.mean + r.vspo.std] as [number, number],
    grpo: r.grpo.mean,
    grpoBand: [clampLo(r.grpo.mean - r.grpo.std), r.grpo.mean + r.grpo.std] as [number, number],
  }));
  const cens = (m: 'vspo' | 'grpo') => new Map(rows.filter((r) => r[m].censored > 0).map((r) => [r.alignment, r[m].censored]));
  const vspoCens = cens('vspo');
  const grpoCens = cens('grpo');
  const vspoC = methodColor('vspo', t);
  const grpoC = methodColor('grpo', t);
  const xTicks = props.alignments.length <= 11 ? props.alignments : props.alignments.filter((_, i) => i % 2 === 0);
  const seedsText = `mean ± std over ${props.seeds} seed${props.seeds > 1 ? 's' : ''}`;
  useChartExport({
    ...wideTable(data, 'x', 'alignment x', [
      { key: 'vspo', name: 'VSPO iterations (mean)' },
      { key: 'vspoBand', name: 'VSPO ±1 std' },
      { key: 'grpo', name: 'GRPO iterations (mean)' },
      { key: 'grpoBand', name: 'GRPO ±1 std' },
    ]),
    legend: [
      { key: 'vspo', name: 'VSPO', color: vspoC },
      { key: 'grpo', name: 'GRPO', color: grpoC, dashed: true },
    ],
  });
  return (
    <div className="chart-grow">
      <HtmlLegend
        items={[
          { label: `VSPO (${seedsText})`, color: vspoC, marker: 'dot' },
          { label: `GRPO (${seedsText})`, color: grpoC, marker: 'dot', dashed: true },
          ...(anyCensored ? [{ label: 'mean includes runs stopped at the cap (a lower bound)', color: t.text, marker: 'triangle' as const }] : []),
          ...(props.crossover !== null ? [{ label: 'crossover', color: t.text, vertical: true, dashed: true, width: t.talk ? 4 : 2 }] : []),
        ]}
      />
      <ChartFrame height={height}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ ...t.margin, top: t.margin.top + (t.talk ? 12 : 6) }}>
          <CartesianGrid stroke={t.grid} strokeDasharray={t.talk ? undefined : '3 3'} />
          {xAxis(t, 'Alignment knob x  (−1: toward decoys · 0: random · 1: toward the target)', [-1, 1], xTicks)}
          <YAxis
            type="number"
            scale="log"
            domain={[lo, hi]}
            allowDataOverflow
            ticks={logTicks(lo, hi)}
            tick={tickStyle(t)}
            tickFormatter={fmtCount}
            stroke={t.axis}
            strokeWidth={t.talk ? 3 : 1}
            width={t.yWidth}
            tickMargin={t.talk ? 8 : 4}
            label={yLabel(t, 'Iterations to τ (log)')}
          />
          {tooltip(t, 'x = ')}
          {anyCensored ? (
            <ReferenceLine
              y={props.cap}
              stroke={t.text}
              strokeWidth={t.talk ? 3 : 1.5}
              strokeDasharray="2 4"
              label={{ value: `cap ${fmtCount(props.cap)}: runs stopped here`, position: 'insideBottomRight', fontSize: t.tick, fill: t.text }}
            />
          ) : null}
          {props.crossover !== null ? (
            <ReferenceLine
              x={props.crossover}
              stroke={t.text}
              strokeWidth={t.talk ? 5 : 2.5}
              strokeDasharray="8 5"
              label={{ value: `crossover x ≈ ${props.crossover.toFixed(2)}`, position: 'insideTopRight', fontSize: t.label, fill: t.text, fontWeight: 700 }}
            />
          ) : null}
          <Area dataKey="grpoBand" name="GRPO ± std" stroke="none" fill={grpoC} fillOpacity={t.talk ? 0.22 : 0.16} isAnimationActive={false} legendType="none" />
          <Area dataKey="vspoBand" name="VSPO ± std" stroke="none" fill={vspoC} fillOpacity={t.talk ? 0.22 : 0.16} isAnimationActive={false} legendType="none" />
          <Line dataKey="grpo" name="GRPO" stroke={grpoC} strokeWidth={t.stroke} strokeDasharray={t.talk ? '14 8' : '7 4'} dot={curveDot('grpo', grpoC, t, grpoCens)} activeDot={false} isAnimationActive={false} />
          <Line dataKey="vspo" name="VSPO" stroke={vspoC} strokeWidth={t.stroke} dot={curveDot('vspo', vspoC, t, vspoCens)} activeDot={false} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
      </ChartFrame>
    </div>
  );
}

/** Arm kinds: target arms stand out (thick, saturated); the others are thin and muted. */
const KIND_STYLE: Record<ArmKind, { normal: string; talk: string; label: string }> = {
  target: { normal: '#009E73', talk: '#006B4E', label: 'target arm (correct + behavior)' },
  correct: { normal: '#56B4E9', talk: '#1F6FA8', label: 'correct, no behavior' },
  decoy: { normal: '#CC79A7', talk: '#99306F', label: 'decoy (behavior, wrong)' },
  wrong: { normal: '#8C8C8C', talk: '#555555', label: 'wrong' },
};

export function kindColor(kind: ArmKind, t: ChartTheme): string {
  return t.talk ? KIND_STYLE[kind].talk : KIND_STYLE[kind].normal;
}

export function ArmMassChart(props: { trace: Trace; kinds: ArmKind[]; tau: number; height?: number }) {
  const t = useChartTheme();
  const height = props.height ?? t.height;
  const data = props.trace.points.map((p) => {
    const row: Record<string, number> = { x: p.iteration, total: p.targetMass };
    p.probs.forEach((v, i) => (row['a' + i] = v));
    return row;
  });
  const last = props.trace.points[props.trace.points.length - 1]?.iteration ?? 1;
  const present = (['target', 'correct', 'decoy', 'wrong'] as ArmKind[]).filter((k) => props.kinds.includes(k));
  // The target mass first, as a wide translucent halo (a target arm that carries all of it stays visible
  // on top), then the muted arms, then the target arms.
  const order = props.kinds.map((k, i) => ({ k, i })).sort((a, b) => Number(a.k === 'target') - Number(b.k === 'target'));
  useChartExport({
    ...wideTable(data, 'x', 'iteration', [{ key: 'total', name: 'target mass' }, ...props.kinds.map((k, i) => ({ key: 'a' + i, name: `arm ${i + 1} (${k})` }))]),
    legend: present.map((k) => ({ key: k, name: KIND_STYLE[k].label, color: kindColor(k, t) })),
  });
  return (
    <div className="chart-grow">
      <HtmlLegend
        items={[
          ...present.map((k) => ({ label: `${KIND_STYLE[k].label} ×${props.kinds.filter((x) => x === k).length}`, color: kindColor(k, t), width: k === 'target' ? t.stroke : t.thin })),
          { label: 'target mass π(T) (sum over target arms)', color: t.text, halo: true },
        ]}
      />
      <ChartFrame height={height}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={t.margin}>
          <CartesianGrid stroke={t.grid} strokeDasharray={t.talk ? undefined : '3 3'} />
          {xAxis(t, 'Iteration', [0, Math.max(1, last)], niceTicks(Math.max(1, last)), fmtCount)}
          <YAxis
            type="number"
            domain={[0, 1]}
            ticks={[0, 0.25, 0.5, 0.75, 1]}
            tick={tickStyle(t)}
            tickFormatter={(v: number) => String(v)}
            stroke={t.axis}
            strokeWidth={t.talk ? 3 : 1}
            width={t.yWidth}
            tickMargin={t.talk ? 8 : 4}
            label={yLabel(t, 'Probability π_θ(arm)')}
          />
          {tooltip(t, 'iteration ')}
          <ReferenceLine
            y={props.tau}
            stroke={t.text}
            strokeWidth={t.talk ? 3 : 1.5}
            strokeDasharray={t.talk ? '4 6' : '2 4'}
            label={{ value: `τ = ${props.tau}`, position: 'insideTopLeft', fontSize: t.tick, fill: t.text, fontWeight: 600 }}
          />
          <Line dataKey="total" name="target mass π(T)" type="linear" stroke={t.text} strokeOpacity={0.3} strokeWidth={t.stroke * 2.2} dot={false} isAnimationActive={false} />
          {order.map(({ k, i }) => (
            <Line
              key={i}
              dataKey={'a' + i}
              name={`arm ${i + 1} (${k})`}
              type="linear"
              stroke={kindColor(k, t)}
              strokeWidth={k === 'target' ? t.stroke : t.thin}
              strokeOpacity={k === 'target' ? 1 : 0.8}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      </ChartFrame>
    </div>
  );
}
