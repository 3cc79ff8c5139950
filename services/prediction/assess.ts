import { DEFAULT_PRIOR } from './fleet-prior.ts';
import { forecastCrossing } from './forecast.ts';
import { HOUR, recentLevel, usableHours } from './hours.ts';
import { detectOnset } from './onset.ts';
import { median, normalCdf } from './robust.ts';
import type { Assessment, DegradationFit, FleetPrior, HourBucket, IndicatorState, Recommendation } from './types.ts';

/**
 * The assessment of one condition indicator of one asset (e.g. a pump's vibration), as the weekly
 * report, `GET /api/assets/{id}/health` and a predictive work-order trigger all need it: where the
 * level stands, since when it degrades, when it will reach its limit and what to do. Pure and cheap:
 * 90 days of hourly buckets take about a millisecond.
 */

export interface AssessOptions {
  /** When the assessment is made (epoch ms). Only hours complete by then count. */
  at: number;
  /** The limit the level must not reach (e.g. 7.1 mm/s, ISO 10816 "unacceptable"). */
  limit: number;
  /** Level from which the asset is "at limit" (e.g. 4.5 mm/s); default `WARNING_SHARE × limit`. */
  warning?: number;
  /** Level up to which the asset runs as it should (e.g. 2.8 mm/s); above it without growth: watch. */
  normal?: number;
  /** What past failures of this asset type say about degradation paths; `DEFAULT_PRIOR` otherwise. */
  prior?: FleetPrior;
  /** Times of repairs (epoch ms): history before the last one is ignored. */
  repairs?: readonly number[];
  /** Coverage of the crossing interval (default 0.8: from the 10th to the 90th percentile). */
  coverage?: number;
}

/**
 * ISO 10816 zone boundaries form a series of ratio ≈ 1.6 (… 2.8, 4.5, 7.1, 11.2 mm/s): the boundary
 * below a limit is 4.5/7.1 ≈ 0.63 of it. Used when no warning level is given.
 */
export const WARNING_SHARE = 0.63;
/** A repair should be planned when the limit is likely reached within two weekly report cycles (as the report's own rule). */
export const PLANNING_HOURS = 14 * 24;
/** …and done now when it is likely reached within a day. */
export const URGENT_HOURS = 24;
/** Degradation is credible when the growth rate is positive with this probability… */
export const CREDIBLE_GROWTH = 0.9;
/** …and the level is at least this many baseline spreads above the baseline. */
export const CREDIBLE_CHANGE = 2;
/**
 * A repair is recommended from a trend only once the change is significant in the sense of ISO 10816-1
 * (1995, §5.3.2; ISO 20816-1:2016, criterion II): a rise of more than 25 % of the upper boundary of
 * zone B — the warning level — whatever the baseline. Smaller credible rises get `watch`: on real
 * machines steps of 10–15 % come and go (the IMS test 3 healthy bearings show two).
 */
export const SIGNIFICANT_SHARE = 0.25;
/**
 * An onset puts an asset on the watch list once the level has moved at least one baseline spread from
 * its healthy level (or its growth is credible): a healthy pump's motor temperature trips the CUSUM with
 * its daily load cycle now and then, a fraction of a spread above normal.
 */
export const WATCH_CHANGE = 1;
/**
 * …and its last day's median (a whole load cycle) has moved at least half a spread too. Without it a
 * healthy simulated pump went on the watch list at 25 of 126 report times over two days (its motor
 * temperature's evening peak, 1.4–2.2 spreads for a few hours); with it, at none, and the IMS bearings'
 * watch lead times are unchanged (evaluate.test.ts).
 */
export const WATCH_DAY_CHANGE = 0.5;
/** Hours after the onset before a path is fitted. */
export const MIN_FIT_HOURS = 3;

/** Assesses one indicator from its hourly buckets. See `Assessment` for what comes back. */
export function assessIndicator(hours: readonly HourBucket[], o: AssessOptions): Assessment {
  const prior = o.prior ?? DEFAULT_PRIOR;
  const coverage = o.coverage ?? 0.8;
  const warning = o.warning ?? WARNING_SHARE * o.limit;
  // The verdict is made as of the end of the last complete hour, whatever the minute of `at`.
  const asOf = Math.floor(o.at / HOUR) * HOUR;
  const usable = usableHours(hours, o.at, o.repairs);
  const level = recentLevel(usable);
  const why: Assessment['why'] = {
    hours: usable.length,
    limit: o.limit,
    warning,
    normal: o.normal ?? null,
    asOf,
    lastHour: usable.at(-1)?.t ?? null,
    priorFailures: prior.failures,
  };
  const empty = { baseline: null, onset: null, change: 0, model: null, crossing: null, rulHours: null };
  if (level === null) return { state: 'normal', level: null, ...empty, recommendation: 'none', why: { ...why, reason: 'no_data' } };

  const stateOf = (degrading: boolean): IndicatorState =>
    level >= o.limit ? 'beyond_limit' : level >= warning ? 'at_limit' : degrading ? 'degrading' : 'normal';
  const means = usable.map((h) => h.mean);
  const found = detectOnset(means, { ceiling: warning });
  if (!found) {
    const state = stateOf(false);
    return { state, level, ...empty, recommendation: byState(state, level, o.normal), why: { ...why, reason: 'learning_baseline' } };
  }
  const baseline = { level: found.baseline.level, spread: found.baseline.spread };
  const change = (level - baseline.level) / baseline.spread;
  Object.assign(why, { baselineFrom: usable[found.baselineFrom]!.t, shifts: found.shifts.length, change: round(change) });
  const onset = found.onset === null ? null : usable[found.onset]!.t;

  let model: DegradationFit | null = null;
  let credible = false;
  let crossing: Assessment['crossing'] = null;
  let rulHours: Assessment['rulHours'] = null;
  if (found.onset !== null && usable.length - found.onset >= MIN_FIT_HOURS) {
    const fc = forecastCrossing(usable.slice(found.onset), found.baseline, prior, o.limit);
    const st = fc.state;
    const betaSd = Math.sqrt(Math.max(0, st.P[2]));
    const pGrowth = normalCdf(st.beta / Math.max(betaSd, 1e-12));
    model = {
      kind: 'exponential',
      phi: baseline.level,
      logExcess: { mean: st.mu, sd: Math.sqrt(Math.max(0, st.P[0])) },
      beta: { mean: st.beta, sd: betaSd },
      hours: st.n,
    };
    credible = pGrowth >= CREDIBLE_GROWTH && change >= CREDIBLE_CHANGE;
    Object.assign(why, { pGrowth: round(pGrowth), betaPerHour: round(st.beta, 5), credible });
    const likely = credible && level < o.limit ? (fc.dist?.quantile(0.5) ?? null) : null;
    if (fc.dist && likely !== null) {
      const tail = (1 - coverage) / 2;
      const { low, high } =
        prior.errors.length >= MIN_ERRORS ? conformal(likely, prior.errors, tail) : { low: fc.dist.quantile(tail) ?? 0, high: fc.dist.quantile(1 - tail) };
      const at = (h: number) => Math.max(asOf, fc.tState + h * HOUR);
      crossing = { likely: at(likely), low: at(low), high: high === null ? Infinity : at(high), coverage };
      rulHours = { likely: (crossing.likely - asOf) / HOUR, low: (crossing.low - asOf) / HOUR, high: (crossing.high - asOf) / HOUR };
      why.openEnded = high === null;
    }
  }

  const state = stateOf(credible);
  const significant = level - baseline.level >= SIGNIFICANT_SHARE * warning;
  why.significant = significant;
  let recommendation = byState(state, level, o.normal);
  if (crossing && significant && recommendation !== 'repair_now') {
    const hoursLeft = (crossing.likely - asOf) / HOUR;
    if (hoursLeft <= URGENT_HOURS) recommendation = 'repair_now';
    else if (hoursLeft <= PLANNING_HOURS) recommendation = 'schedule_repair';
  }
  // A rise worth watching: credible growth, or an onset the level has really moved from (a daily load
  // cycle trips the CUSUM now and then, and a healthy pump on the watch list every evening is noise).
  // The move is judged on the last day's median too, a whole load cycle: a healthy pump's evening peak
  // stands above its healthy level for hours, a real change stays there all day.
  const dayChange = (median(usable.slice(-24).map((h) => h.mean)) - baseline.level) / baseline.spread;
  why.dayChange = round(dayChange);
  if (recommendation === 'none' && (credible || (onset !== null && change >= WATCH_CHANGE && dayChange >= WATCH_DAY_CHANGE))) recommendation = 'watch';
  return { state, level, baseline, onset, change, model, crossing, rulHours, recommendation, why };
}

/** Past forecast errors needed before the interval is taken from them rather than from the model. */
export const MIN_ERRORS = 20;

/**
 * The interval from past forecast errors: the likely hours scaled by the error quantiles, with the
 * finite-sample correction of split-conformal prediction (the ⌈(n+1)(1−α)⌉-th of n errors).
 */
function conformal(likely: number, errors: readonly number[], tail: number): { low: number; high: number } {
  const n = errors.length;
  const k = Math.min(n - 1, Math.ceil((n + 1) * (1 - tail)) - 1);
  const lo = errors[n - 1 - k]!;
  const hi = errors[k]!;
  return { low: Math.max(0, (likely + 1) * Math.exp(lo) - 1), high: (likely + 1) * Math.exp(hi) - 1 };
}

const RANK: Recommendation[] = ['none', 'watch', 'schedule_repair', 'repair_now'];

/** The more urgent of two recommendations (an asset with several indicators takes the worst). */
export function moreUrgent(a: Recommendation, b: Recommendation): Recommendation {
  return RANK.indexOf(a) >= RANK.indexOf(b) ? a : b;
}

function byState(state: IndicatorState, level: number, normal: number | undefined): Recommendation {
  if (state === 'beyond_limit') return 'repair_now';
  if (state === 'at_limit') return 'schedule_repair';
  if (state === 'degrading' || (normal !== undefined && level > normal)) return 'watch';
  return 'none';
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
