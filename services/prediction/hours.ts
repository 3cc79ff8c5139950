import { median } from './robust.ts';
import type { HourBucket } from './types.ts';

/** One hour, in ms. */
export const HOUR = 3_600_000;

/**
 * The hours an assessment at `at` may use: complete hours only (the bucket ended at or before `at`),
 * after the last repair, in time order, with empty or non-finite buckets dropped. Using complete
 * hours only makes the verdict the same whatever the minute of the hour the assessment runs.
 */
export function usableHours(hours: readonly HourBucket[], at: number, repairs: readonly number[] = []): HourBucket[] {
  const lastRepair = repairs.reduce((m, r) => (r <= at && r > m ? r : m), -Infinity);
  const out = hours.filter((h) => h.count > 0 && Number.isFinite(h.mean) && h.t + HOUR <= at && h.t >= lastRepair);
  return out.sort((a, b) => a.t - b.t);
}

/** Hours averaged into the recent level: three, so one odd hour (a spike, a half-empty hour) cannot move it. */
export const LEVEL_HOURS = 3;

/**
 * The robust recent level: the median of the last `LEVEL_HOURS` complete hourly means. It follows a
 * real change within two hours, and is what "at limit" and "beyond limit" are judged on — the same
 * statistic the evaluation uses to say when a limit was actually crossed.
 */
export function recentLevel(hours: readonly HourBucket[]): number | null {
  if (hours.length === 0) return null;
  return median(hours.slice(-LEVEL_HOURS).map((h) => h.mean));
}
