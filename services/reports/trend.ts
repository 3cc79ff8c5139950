/**
 * Degradation trend and remaining useful life, as pure functions over a series of readings.
 *
 * The fit is Theil–Sen (the median of the slopes between all pairs of points): it ignores up to ~29 %
 * outliers and needs no assumption about the noise. Two models are fitted — linear, and exponential
 * (linear in the logarithm: wear that feeds on itself, like a bearing) — and the one with the smaller
 * median relative residual is kept. The spread of the pairwise slopes gives the range of the crossing
 * time at the stated confidence. Only readings after the last repair (a level drop, or a given repair
 * time) count: a repair starts a new trend.
 */

export interface Point {
  /** Epoch ms. */
  t: number;
  value: number;
}

export type TrendStatus = 'trend' | 'no_trend' | 'insufficient_data' | 'beyond_limit';

export interface TrendEstimate {
  status: TrendStatus;
  /** Why, in a sentence a manager can read. */
  summary: string;
  model: 'linear' | 'exponential' | null;
  /** Change per day at the last reading (units of the series). */
  slopePerDay: number | null;
  /** When the limit will be crossed: likely, and the range at `confidence`. */
  crossing: { earliest: number; likely: number; latest: number } | null;
  confidence: number;
  /** When the estimate was made, and from which readings. */
  estimatedAt: number;
  from: number | null;
  points: number;
}

export interface TrendOptions {
  /** The limit the indicator is heading for (e.g. 7.1 mm/s). */
  limit: number;
  /** The estimate is made at this time. */
  now: number;
  /** Known repairs (work orders resolved on the asset): readings before the last one are ignored. */
  repairs?: readonly number[];
  /** Fewer readings than this after the last repair: not enough to say. */
  minPoints?: number;
  /** Share of pairwise slopes cut off each side for the range (0.1 → an 80 % range). */
  tail?: number;
}

const DAY = 86_400_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, (sorted.length - 1) * q));
  const lo = Math.floor(i);
  return sorted[lo]! + (sorted[Math.ceil(i)]! - sorted[lo]!) * (i - lo);
}

/** Pairwise slopes, thinned to at most ~20,000 pairs for long series (every k-th point). */
function pairwiseSlopes(xs: number[], ys: number[]): number[] {
  const n = xs.length;
  const step = Math.max(1, Math.ceil(n / 200));
  const slopes: number[] = [];
  for (let i = 0; i < n; i += step) {
    for (let j = i + step; j < n; j += step) {
      const dx = xs[j]! - xs[i]!;
      if (dx > 0) slopes.push((ys[j]! - ys[i]!) / dx);
    }
  }
  return slopes.sort((a, b) => a - b);
}

interface Fit {
  model: 'linear' | 'exponential';
  slopes: number[];
  slope: number;
  intercept: number;
  /** Median relative residual, to choose between models. */
  error: number;
}

function fit(model: Fit['model'], xs: number[], values: number[]): Fit | undefined {
  if (model === 'exponential' && values.some((v) => v <= 0)) return undefined;
  const ys = model === 'linear' ? values : values.map(Math.log);
  const slopes = pairwiseSlopes(xs, ys);
  if (slopes.length === 0) return undefined;
  const slope = median(slopes);
  const intercept = median(ys.map((y, i) => y - slope * xs[i]!));
  const predict = (x: number) => (model === 'linear' ? intercept + slope * x : Math.exp(intercept + slope * x));
  const error = median(values.map((v, i) => Math.abs(v - predict(xs[i]!)) / Math.max(Math.abs(v), 1e-9)));
  return { model, slopes, slope, intercept, error };
}

/** When a fit with this slope (through the median of the data) reaches the limit, in days from the origin. */
function crossingDays(f: Fit, slope: number, xs: number[], values: number[], limit: number): number | undefined {
  if (slope <= 0) return undefined;
  const ys = f.model === 'linear' ? values : values.map(Math.log);
  const intercept = median(ys.map((y, i) => y - slope * xs[i]!));
  const target = f.model === 'linear' ? limit : Math.log(limit);
  return (target - intercept) / slope;
}

/** Readings after the last repair: a given repair time, or a level drop the data itself shows. */
export function sinceLastRepair(points: readonly Point[], repairs: readonly number[] = []): Point[] {
  const lastRepair = Math.max(-Infinity, ...repairs);
  let segment = points.filter((p) => p.t > lastRepair);
  // A drop of the running level (median of a window) by more than half of it: a repair nobody recorded.
  const w = Math.max(5, Math.floor(segment.length / 20));
  for (let i = segment.length - w; i >= w; i--) {
    const before = median(segment.slice(i - w, i).map((p) => p.value));
    const after = median(segment.slice(i, i + w).map((p) => p.value));
    if (before > 0 && after < before * 0.6) {
      segment = segment.slice(i);
      break;
    }
  }
  return segment;
}

export function estimateTrend(series: readonly Point[], o: TrendOptions): TrendEstimate {
  const confidence = 1 - 2 * (o.tail ?? 0.1);
  const base = { estimatedAt: o.now, confidence };
  const points = sinceLastRepair(
    [...series].sort((a, b) => a.t - b.t),
    o.repairs,
  );
  const none = (status: TrendStatus, summary: string, extra: Partial<TrendEstimate> = {}): TrendEstimate => ({
    status,
    summary,
    model: null,
    slopePerDay: null,
    crossing: null,
    from: points[0]?.t ?? null,
    points: points.length,
    ...base,
    ...extra,
  });
  if (points.length < (o.minPoints ?? 10)) return none('insufficient_data', `only ${points.length} readings since the last repair: not enough to see a trend`);

  const origin = points[0]!.t;
  const xs = points.map((p) => (p.t - origin) / DAY);
  const values = points.map((p) => p.value);
  const recent = median(values.slice(-Math.max(3, Math.floor(values.length / 10))));
  if (recent >= o.limit) return none('beyond_limit', `already at ${round(recent)}, beyond the limit of ${o.limit}`);

  const fits = [fit('linear', xs, values), fit('exponential', xs, values)].filter((f): f is Fit => !!f);
  const best = fits.sort((a, b) => a.error - b.error)[0]!;
  const tail = o.tail ?? 0.1;
  const low = quantile(best.slopes, tail);
  const high = quantile(best.slopes, 1 - tail);
  // No trend: the slopes do not agree that it is rising.
  if (low <= 0 || best.slope <= 0)
    return none('no_trend', `no rising trend: the readings since ${new Date(origin).toISOString().slice(0, 10)} are flat within their noise`);

  const likely = crossingDays(best, best.slope, xs, values, o.limit)!;
  const earliest = crossingDays(best, high, xs, values, o.limit)!;
  const latest = crossingDays(best, low, xs, values, o.limit)!;
  const at = (days: number) => Math.max(o.now, origin + days * DAY);
  const lastX = xs[xs.length - 1]!;
  const slopePerDay = best.model === 'linear' ? best.slope : best.slope * Math.exp(best.intercept + best.slope * lastX);
  const crossing = { earliest: at(earliest), likely: at(likely), latest: at(latest) };
  const days = (t: number) => Math.round((t - o.now) / DAY);
  return {
    status: 'trend',
    summary: `rising ${best.model === 'exponential' ? 'faster and faster' : 'steadily'} (${round(slopePerDay)} per day now): reaches ${o.limit} in about ${days(crossing.likely)} days (${days(crossing.earliest)}–${days(crossing.latest)} days, ${Math.round(confidence * 100)} % range)`,
    model: best.model,
    slopePerDay,
    crossing,
    from: origin,
    points: points.length,
    ...base,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
