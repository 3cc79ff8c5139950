import { HOUR } from '../hours.ts';
import { median } from '../robust.ts';
import type { Recommendation } from '../types.ts';
import type { BearingReplay } from './ims-replay.ts';

/** What counts as "flagged": a repair is scheduled or demanded now. */
export const FLAGGED: readonly Recommendation[] = ['schedule_repair', 'repair_now'];

export interface BearingScore {
  bearing: number;
  failed: boolean;
  /** End of life minus the first report time from which the bearing stays flagged (hours); 0 if not flagged at the end. */
  leadHours: number;
  /** Same for `watch` or stronger: how long the bearing had been on the watch list. */
  watchLeadHours: number;
  /** Hours before end of life of the first report time flagged at all (null: never). */
  firstFlagHours: number | null;
  /** Hours before end of life at which the warning (4.5 mm/s, 5 min) and critical (7.1, 60 s) rules first fire on any channel. */
  warningRuleHours: number | null;
  criticalRuleHours: number | null;
  /** Hours before end of life at which the level first reached the limit, per channel (null: never). */
  crossingHours: (number | null)[];
  /** Report times before the actual crossing with an interval, and how many of those intervals contain it. */
  intervals: number;
  covered: number;
  /** Widths (high − low, hours) of those intervals, and the report time (hours before the crossing) of each. */
  widths: { before: number; width: number; inside: boolean }[];
  /** Channels that never crossed: intervals ending before the end of life (a crossing claimed that did not happen). */
  censoredMisses: number;
  censoredIntervals: number;
  /** Report times before the end of life at which a crossing interval existed, of all report times in the last 7 days. */
  lastWeekWithInterval: number;
  lastWeekReports: number;
}

const hoursBefore = (end: number, t: number | null) => (t === null ? null : (end - t) / HOUR);

export function scoreBearing(r: BearingReplay, end: number): BearingScore {
  const flagged = r.reports.map((p) => FLAGGED.includes(p.recommendation));
  const streak = (xs: boolean[]) => {
    let from = xs.length;
    while (from > 0 && xs[from - 1]) from--;
    return from < xs.length ? (end - r.reports[from]!.at) / HOUR : 0;
  };
  const leadHours = streak(flagged);
  const watchLeadHours = streak(r.reports.map((p) => p.recommendation !== 'none'));
  const first = flagged.indexOf(true);
  const earliest = (xs: (number | null)[]) => xs.reduce<number | null>((m, x) => (x !== null && (m === null || x < m) ? x : m), null);
  const s: BearingScore = {
    bearing: r.bearing,
    failed: r.failed,
    leadHours,
    watchLeadHours,
    firstFlagHours: first < 0 ? null : (end - r.reports[first]!.at) / HOUR,
    warningRuleHours: hoursBefore(end, earliest(r.warningRule)),
    criticalRuleHours: hoursBefore(end, earliest(r.criticalRule)),
    crossingHours: r.crossing.map((c) => hoursBefore(end, c)),
    intervals: 0,
    covered: 0,
    widths: [],
    censoredMisses: 0,
    censoredIntervals: 0,
    lastWeekWithInterval: 0,
    lastWeekReports: 0,
  };
  r.crossing.forEach((actual, ch) => {
    for (const p of r.reports) {
      const c = p.assessments[ch]!.crossing;
      if (ch === 0 && p.at < end && p.at >= end - 7 * 24 * HOUR) {
        s.lastWeekReports++;
        if (p.assessments.some((a) => a.crossing)) s.lastWeekWithInterval++;
      }
      if (!c) continue;
      if (actual === null) {
        // Never crossed before the end of life: only an interval that ends before it is surely wrong.
        s.censoredIntervals++;
        if (c.high < end) s.censoredMisses++;
      } else if (p.at < actual) {
        const inside = c.low <= actual && actual <= c.high;
        s.intervals++;
        if (inside) s.covered++;
        s.widths.push({ before: (actual - p.at) / HOUR, width: (c.high - c.low) / HOUR, inside });
      }
    }
  });
  return s;
}

export interface TestScore {
  bearings: BearingScore[];
  /** Healthy bearings flagged before the first failing bearing was (first flag times compared). */
  healthyFlaggedFirst: number[];
  /** Report times at which a failed bearing was flagged and a healthy one had a larger change; of all such report times. */
  rankedAbove: number;
  rankedReports: number;
}

export function scoreTest(replays: readonly BearingReplay[], end: number): TestScore {
  const bearings = replays.map((r) => scoreBearing(r, end));
  const failedFirst = Math.max(...bearings.filter((b) => b.failed).map((b) => b.firstFlagHours ?? 0));
  const healthyFlaggedFirst = bearings.filter((b) => !b.failed && b.firstFlagHours !== null && b.firstFlagHours > failedFirst).map((b) => b.bearing);
  let rankedAbove = 0;
  let rankedReports = 0;
  const change = (r: BearingReplay, i: number) => Math.max(...r.reports[i]!.assessments.map((a) => a.change));
  const n = replays[0]!.reports.length;
  for (let i = 0; i < n; i++) {
    for (const f of replays.filter((r) => r.failed && FLAGGED.includes(r.reports[i]!.recommendation))) {
      rankedReports++;
      if (replays.some((h) => !h.failed && change(h, i) > change(f, i))) rankedAbove++;
    }
  }
  return { bearings, healthyFlaggedFirst, rankedAbove, rankedReports };
}

export function medianWidth(scores: readonly BearingScore[]): number | null {
  const w = scores.flatMap((s) => s.widths.map((x) => x.width)).filter(Number.isFinite);
  return w.length ? median(w) : null;
}
