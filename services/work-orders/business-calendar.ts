import { DateTime } from 'luxon';

/**
 * When the SLA clock of a non-urgent order runs: working days, working hours and holidays in the
 * site's time zone. Urgent priorities run on the `always` calendar (around the clock).
 */
export interface BusinessCalendar {
  kind: 'business';
  timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  days: readonly number[];
  /** Minutes after local midnight when work starts and ends, e.g. 480 and 1080 for 08:00–18:00. */
  startMinute: number;
  endMinute: number;
  /** Local dates that are not working days, as yyyy-MM-dd. */
  holidays: ReadonlySet<string>;
}
export type Calendar = { kind: 'always' } | BusinessCalendar;

export const ALWAYS: Calendar = { kind: 'always' };

/** Ten years of days: a calendar with no working day at all is refused at config time, this is a guard. */
const MAX_DAYS = 3660;

function workingWindow(day: DateTime, cal: BusinessCalendar): [number, number] | undefined {
  if (!cal.days.includes(day.weekday) || cal.holidays.has(day.toISODate()!)) return undefined;
  const midnight = day.startOf('day');
  return [midnight.plus({ minutes: cal.startMinute }).toMillis(), midnight.plus({ minutes: cal.endMinute }).toMillis()];
}

/** The moment `ms` of working time after `from`. */
export function addWorkingTime(from: number, ms: number, cal: Calendar): number {
  if (cal.kind === 'always') return from + ms;
  let cursor = from;
  let left = ms;
  let day = DateTime.fromMillis(from, { zone: cal.timeZone }).startOf('day');
  for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 })) {
    const w = workingWindow(day, cal);
    if (!w) continue;
    const start = Math.max(cursor, w[0]);
    if (start >= w[1]) continue;
    if (left <= w[1] - start) return start + left;
    left -= w[1] - start;
    cursor = w[1];
  }
  throw new Error('the business calendar has no working time in ten years');
}

/** Working time between two moments (0 when `to` is not after `from`). */
export function workingTimeBetween(from: number, to: number, cal: Calendar): number {
  if (to <= from) return 0;
  if (cal.kind === 'always') return to - from;
  let total = 0;
  let day = DateTime.fromMillis(from, { zone: cal.timeZone }).startOf('day');
  for (let i = 0; i < MAX_DAYS && day.toMillis() < to; i++, day = day.plus({ days: 1 })) {
    const w = workingWindow(day, cal);
    if (!w) continue;
    const a = Math.max(from, w[0]);
    const b = Math.min(to, w[1]);
    if (b > a) total += b - a;
  }
  return total;
}

const weekdayNames = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayName = (typeof weekdayNames)[number];
export { weekdayNames };

/**
 * `08:00-18:00` into minutes after midnight; undefined when malformed. With `overnight`, a window
 * that ends before it starts (`20:00-08:00`, a night shift) runs into the next day.
 */
export function parseHours(hours: string, overnight = false): [number, number] | undefined {
  const m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(hours.trim());
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (Number(m[2]) > 59 || Number(m[4]) > 59 || start >= 24 * 60 || end > 24 * 60 || start === end) return undefined;
  if (start > end && !overnight) return undefined;
  return [start, end];
}

/** Whether a moment falls inside any of the given weekly windows (on-duty schedules, night shifts included). */
export function withinWeeklyWindows(at: number, timeZone: string, windows: readonly { days: readonly WeekdayName[]; hours: string }[]): boolean {
  const t = DateTime.fromMillis(at, { zone: timeZone });
  const minute = t.hour * 60 + t.minute;
  const today = weekdayNames[t.weekday - 1]!;
  const yesterday = weekdayNames[(t.weekday + 5) % 7]!;
  return windows.some((w) => {
    const [start, end] = parseHours(w.hours, true) ?? [0, 0];
    if (start < end) return w.days.includes(today) && minute >= start && minute < end;
    return (w.days.includes(today) && minute >= start) || (w.days.includes(yesterday) && minute < end);
  });
}
