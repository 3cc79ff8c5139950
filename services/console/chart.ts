import { DateTime } from 'luxon';
import { html, raw, type Html } from './html.ts';

/**
 * A small line chart drawn on the server as SVG: the page needs no script and no chart library (the
 * reports' vega-lite renders at a fixed size and takes ~100 ms a chart; a trend line with a band and a
 * few reference lines is 150 lines of SVG). The viewBox scales it to the width of its box; it is sized
 * for a phone's column (about 340 px), where its text stays readable.
 */

export interface ChartPoint {
  /** Epoch ms (the middle of its bucket). */
  t: number;
  v: number | null;
}
export interface ChartBand {
  t: number;
  lo: number | null;
  hi: number | null;
}
/** A reference level: the healthy level, a warning level or a limit. */
export interface ChartLine {
  value: number;
  kind: 'normal' | 'warning' | 'limit';
  label: string;
}
export interface ChartStats {
  min: number;
  max: number;
  last: number;
  lastAt: number;
}

export interface LineChartInput {
  /** Unique on the page: ids of the title and description derive from it. */
  id: string;
  title: string;
  from: number;
  to: number;
  /** Time zone of the axis labels (the site's). */
  zone: string;
  points: readonly ChartPoint[];
  /** The min–max band around the line, when the page read them. */
  band?: readonly ChartBand[];
  lines?: readonly ChartLine[];
  /** The text a screen reader gets (and the page shows under the chart), from the series' figures. */
  describe: (stats: ChartStats) => string;
}

/** Text is 12 units, 15 on a phone (app.css): the margins leave room for the larger. */
export const CHART = { width: 420, height: 200, top: 10, right: 10, bottom: 24, font: 12, largeFont: 15 } as const;

/** Lowest, highest and last value of a series (the band's extremes when there is one). */
export function chartStats(points: readonly ChartPoint[], band?: readonly ChartBand[]): ChartStats | null {
  const vals = points.filter((p): p is { t: number; v: number } => p.v !== null && Number.isFinite(p.v));
  if (vals.length === 0) return null;
  const lows = [...vals.map((p) => p.v), ...(band ?? []).flatMap((b) => (b.lo === null ? [] : [b.lo]))];
  const highs = [...vals.map((p) => p.v), ...(band ?? []).flatMap((b) => (b.hi === null ? [] : [b.hi]))];
  const last = vals.at(-1)!;
  return { min: Math.min(...lows), max: Math.max(...highs), last: last.v, lastAt: last.t };
}

/** A value as people read it: three significant figures at most, no trailing zeros. */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(v.toFixed(digits)));
}

/** Ticks at round numbers (1, 2, 2.5 or 5 × 10ⁿ) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 4): { lo: number; hi: number; step: number; ticks: number[] } {
  if (hi - lo < 1e-9) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw * 0.999)!;
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= end + step * 1e-6; v += step) ticks.push(Number(v.toFixed(10)));
  return { lo: start, hi: end, step, ticks };
}

const decimalsOf = (step: number) =>
  Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (Number((step / 10 ** Math.floor(Math.log10(step))).toFixed(3)) === 2.5 ? 1 : 0));

type TimeStep = { hours: number } | { days: number } | { week: true } | { halfMonth: true };
const timeSteps: TimeStep[] = [
  { hours: 1 },
  { hours: 2 },
  { hours: 3 },
  { hours: 6 },
  { hours: 12 },
  { days: 1 },
  { days: 2 },
  { week: true },
  { halfMonth: true },
];

/** Time ticks on local boundaries (whole hours, midnights, Mondays, the 1st and 16th) in [from, to], at most `max`. */
export function timeTicks(from: number, to: number, zone: string, max = 6): { t: number; label: string }[] {
  const approxMs = (s: TimeStep) => ('hours' in s ? s.hours * 3_600_000 : 'days' in s ? s.days * 86_400_000 : 'week' in s ? 7 * 86_400_000 : 15 * 86_400_000);
  for (const step of timeSteps) {
    // Walking a quarter hour by hour to find it has too many ticks would cost thousands of date steps.
    if ((to - from) / approxMs(step) > max + 1 && step !== timeSteps.at(-1)) continue;
    const out: number[] = [];
    let d = DateTime.fromMillis(from, { zone }).startOf('day');
    if ('week' in step) d = d.startOf('week');
    if ('halfMonth' in step) d = d.startOf('month');
    for (let i = 0; i < 2000 && d.toMillis() <= to; i++) {
      if (d.toMillis() >= from) out.push(d.toMillis());
      if ('hours' in step) d = d.plus({ hours: step.hours });
      else if ('days' in step) d = d.plus({ days: step.days });
      else if ('week' in step) d = d.plus({ weeks: 1 });
      else d = d.day === 1 ? d.set({ day: 16 }) : d.plus({ months: 1 }).set({ day: 1 });
    }
    if (out.length <= max) {
      return out.map((t) => {
        const l = DateTime.fromMillis(t, { zone });
        return { t, label: 'hours' in step && (l.hour !== 0 || l.minute !== 0) ? l.toFormat('HH:mm') : l.toFormat('MM-dd') };
      });
    }
  }
  return [];
}

const fixed = (x: number) => Number(x.toFixed(1));

/** The chart as SVG, or null when the series has no value in the period. */
export function lineChart(c: LineChartInput): { svg: Html; stats: ChartStats } | null {
  const stats = chartStats(c.points, c.band);
  if (!stats) return null;
  const lines = c.lines ?? [];
  const y = niceTicks(Math.min(stats.min, ...lines.map((l) => l.value)), Math.max(stats.max, ...lines.map((l) => l.value)));
  const decimals = decimalsOf(y.step);
  const yLabels = y.ticks.map((v) => v.toFixed(decimals));
  const left = Math.max(...yLabels.map((l) => l.length)) * CHART.largeFont * 0.6 + 8;
  const { width: W, height: H, top, right, bottom } = CHART;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const sx = (t: number) => fixed(left + ((t - c.from) / (c.to - c.from)) * plotW);
  const sy = (v: number) => fixed(top + (1 - (v - y.lo) / (y.hi - y.lo)) * plotH);

  // Runs of consecutive values: a gap in the readings is a gap in the line, not a straight bridge.
  const runs = <T>(xs: readonly T[], ok: (x: T) => boolean) => {
    const out: T[][] = [];
    let cur: T[] = [];
    for (const x of xs) {
      if (ok(x)) cur.push(x);
      else if (cur.length) {
        out.push(cur);
        cur = [];
      }
    }
    if (cur.length) out.push(cur);
    return out;
  };
  const pointRuns = runs(c.points, (p) => p.v !== null);
  const lineD = pointRuns
    .filter((r) => r.length > 1)
    .map((r) => `M${r.map((p) => `${sx(p.t)} ${sy(p.v!)}`).join('L')}`)
    .join('');
  // A reading alone between gaps is a dot: a line needs two.
  const dots = pointRuns
    .filter((r) => r.length === 1)
    .map((r) => `<circle class="dot" cx="${sx(r[0]!.t)}" cy="${sy(r[0]!.v!)}" r="3"/>`)
    .join('');
  const bandD = runs(c.band ?? [], (b) => b.lo !== null && b.hi !== null)
    .map(
      (r) =>
        `M${r.map((b) => `${sx(b.t)} ${sy(b.hi!)}`).join('L')}L${[...r]
          .reverse()
          .map((b) => `${sx(b.t)} ${sy(b.lo!)}`)
          .join('L')}Z`,
    )
    .join('');
  // Reference labels sit above their line, or below it when the one above would overlap them.
  const refs: (ChartLine & { y: number; labelY: number })[] = [];
  let lastBaseline = -Infinity;
  for (const l of [...lines].sort((a, b) => b.value - a.value)) {
    const y = sy(l.value);
    const fits = (b: number) => b - CHART.largeFont >= Math.max(lastBaseline, 0);
    const labelY = fits(y - 3) ? y - 3 : fits(y + CHART.largeFont - 2) ? y + CHART.largeFont - 2 : lastBaseline + CHART.largeFont;
    lastBaseline = labelY;
    refs.push({ ...l, y, labelY: fixed(labelY) });
  }
  const xTicks = timeTicks(c.from, c.to, c.zone);
  // A label at either end of the axis stays inside the picture.
  const anchor = (x: number, label: string) => {
    const half = label.length * CHART.largeFont * 0.3;
    return x + half > W ? 'end' : x - half < 0 ? 'start' : 'middle';
  };
  const tId = `${c.id}-t`;
  const dId = `${c.id}-d`;
  const svg = `<svg class="chart-svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${tId} ${dId}" font-size="${CHART.font}">${html`<title id="${tId}">${c.title}</title><desc id="${dId}">${c.describe(stats)}</desc>`}
<g class="grid">${y.ticks.map((v) => `<line x1="${left}" x2="${W - right}" y1="${sy(v)}" y2="${sy(v)}"/>`).join('')}</g>
<g class="ticks">${y.ticks.map((v, i) => `<text class="ytick" x="${fixed(left - 6)}" y="${sy(v)}" dy="0.35em" text-anchor="end">${yLabels[i]}</text>`).join('')}${xTicks
    .map(
      (k) =>
        `<line x1="${sx(k.t)}" x2="${sx(k.t)}" y1="${H - bottom}" y2="${H - bottom + 4}"/><text class="xtick" x="${sx(k.t)}" y="${H - 3}" text-anchor="${anchor(sx(k.t), k.label)}">${k.label}</text>`,
    )
    .join('')}</g>
<line class="axis" x1="${left}" x2="${W - right}" y1="${H - bottom}" y2="${H - bottom}"/>
${bandD ? `<path class="band" d="${bandD}"/>` : ''}
${refs
  .map(
    (l) =>
      html`<g class="ref ref-${l.kind}"
        ><line x1="${left}" x2="${W - right}" y1="${l.y}" y2="${l.y}" /><text x="${W - right - 2}" y="${l.labelY}" text-anchor="end">${l.label}</text></g
      >`.value,
  )
  .join('')}
${lineD ? `<path class="line" d="${lineD}"/>` : ''}${dots}
</svg>`;
  return { svg: raw(svg), stats };
}
