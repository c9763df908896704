// Exporting a chart: its data as CSV (a column per series, a ± band as two columns), and the drawing
// as SVG or PNG with the title and the legend drawn in (the on-screen legend is HTML). The table and
// the SVG text are pure; only svgOfCard and the PNG step touch the DOM.

export interface ExportSeries {
  key: string;
  name: string;
  color: string;
  dashed?: boolean;
}

/** What a chart hands its card for export: a table and the legend. */
export interface ChartExport {
  header: string[];
  rows: (string | number | null | undefined)[][];
  legend: ExportSeries[];
}

type Cell = string | number | null | undefined;

/** A wide table: x, then a column per series; a [lo, hi] value becomes two columns. */
export function wideTable(rows: Record<string, unknown>[], xKey: string, xLabel: string, series: { key: string; name: string }[]): Pick<ChartExport, 'header' | 'rows'> {
  const isRange = series.map((s) => rows.some((r) => Array.isArray(r[s.key])));
  const header = [xLabel, ...series.flatMap((s, i) => (isRange[i] ? [`${s.name} (low)`, `${s.name} (high)`] : [s.name]))];
  const out = rows.map((r) => [
    r[xKey] as Cell,
    ...series.flatMap((s, i) => {
      const v = r[s.key];
      if (isRange[i]) return Array.isArray(v) ? [v[0] as Cell, v[1] as Cell] : [null, null];
      return [typeof v === 'number' && Number.isFinite(v) ? v : null];
    }),
  ]);
  return { header, rows: out };
}

const csvCell = (v: Cell) => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

export function toCsv(t: Pick<ChartExport, 'header' | 'rows'>): string {
  return [t.header, ...t.rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The header drawn above an exported chart: the title and the legend entries, wrapped to `width`. */
export function svgHeader(title: string, legend: ExportSeries[], width: number, fontSize = 14): { svg: string; height: number } {
  const pad = 12;
  const titleSize = Math.round(fontSize * 1.2);
  let y = pad + titleSize;
  const parts = [`<text x="${pad}" y="${y}" font-size="${titleSize}" font-weight="700" fill="#000">${esc(title)}</text>`];
  let x = pad;
  y += Math.round(fontSize * 1.6);
  const charW = fontSize * 0.58;
  for (const s of legend) {
    const w = 30 + s.name.length * charW + 18;
    if (x + w > width - pad && x > pad) {
      x = pad;
      y += Math.round(fontSize * 1.5);
    }
    parts.push(
      `<line x1="${x}" x2="${x + 24}" y1="${y - fontSize * 0.35}" y2="${y - fontSize * 0.35}" stroke="${esc(s.color)}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${x + 30}" y="${y}" font-size="${fontSize}" fill="#000">${esc(s.name)}</text>`,
    );
    x += w;
  }
  return { svg: parts.join(''), height: y + Math.round(fontSize * 0.8) };
}

/** The chart's SVG (the largest one in the card) as a standalone document with the title and legend on top. */
export function svgOfCard(card: HTMLElement, title: string, legend: ExportSeries[]): { svg: string; width: number; height: number } | null {
  const svgs = [...card.querySelectorAll<SVGSVGElement>('.chart-body svg')];
  const main = svgs.sort((a, b) => b.clientWidth * b.clientHeight - a.clientWidth * a.clientHeight)[0];
  if (!main) return null;
  const width = Math.round(main.clientWidth || Number(main.getAttribute('width')) || 800);
  const height = Math.round(main.clientHeight || Number(main.getAttribute('height')) || 400);
  const talk = document.documentElement.classList.contains('talk');
  const head = svgHeader(title, legend, width, talk ? 22 : 14);
  const total = head.height + height;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${head.svg}<g transform="translate(0, ${head.height})">${main.innerHTML}</g></svg>`;
  return { svg, width, height: total };
}

/** Renders an SVG document to PNG bytes (2× for a sharp picture). */
export async function pngOfSvg(svg: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise<Blob>((res, rej) => canvas.toBlob((b) => (b ? res(b) : rej(new Error('the PNG could not be made'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
