import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { addWorkingTime, withinWeeklyWindows, workingTimeBetween, type Calendar } from './business-calendar.ts';
import { createSlaPolicy, dueEscalations, isBreached, markEscalated, meet, nextEscalationAt, pause, resume, slaConfigSchema, startClocks } from './sla.ts';

const MIN = 60_000;
const H = 60 * MIN;
const local = (iso: string, zone = 'Asia/Shanghai') => DateTime.fromISO(iso, { zone }).toMillis();
const show = (ms: number, zone = 'Asia/Shanghai') => DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-MM-dd HH:mm');

function policy(config: unknown = {}, zone = 'Asia/Shanghai') {
  return createSlaPolicy(slaConfigSchema.parse(config), () => zone);
}

describe('SLA deadlines', () => {
  it("uses DOMAIN.md's defaults: P1 acknowledge 5 min, on site 30 min, resolve 4 h, around the clock", () => {
    const t = local('2026-11-28T23:50'); // a Saturday night
    const { limits, calendar } = policy().limitsFor('riverside', 'P1', 'repair');
    const sla = startClocks(t, limits, calendar, 0.75, null);
    expect(sla.clocks.acknowledge).toMatchObject({ due: t + 5 * MIN, warnAt: t + 3.75 * MIN });
    expect(sla.clocks.onSite!.due).toBe(t + 30 * MIN);
    expect(sla.clocks.resolve!.due).toBe(t + 4 * H);
  });

  it('gives P4 no clocks but its due date, and a complaint 24 h to be acknowledged', () => {
    const t = local('2026-11-24T09:00');
    const p4 = policy().limitsFor('riverside', 'P4', 'preventive');
    expect(startClocks(t, p4.limits, p4.calendar, 0.75, null).clocks).toEqual({});
    expect(startClocks(t, p4.limits, p4.calendar, 0.75, t + 10 * 24 * H).clocks.resolve!.due).toBe(t + 10 * 24 * H);
    expect(policy().limitsFor('riverside', 'P3', 'complaint').limits.acknowledge).toBe(24 * H);
  });

  it('lets a site change its limits per priority and category, over the estate-wide policy', () => {
    const p = policy({
      priorities: { P3: { acknowledge: '2h' } },
      sites: { lakeview: { priorities: { P3: { acknowledge: '1h' } }, categories: { complaint: { acknowledge: '30m' } } } },
    });
    expect(p.limitsFor('riverside', 'P3', 'repair').limits.acknowledge).toBe(2 * H);
    expect(p.limitsFor('lakeview', 'P3', 'repair').limits.acknowledge).toBe(1 * H);
    expect(p.limitsFor('lakeview', 'P3', 'complaint').limits.acknowledge).toBe(30 * MIN);
    expect(p.limitsFor('lakeview', 'P3', 'repair').limits.resolve).toBe(3 * 24 * H);
  });

  it('counts business hours for non-urgent priorities: Friday 17:00 + 4 h is Monday 11:00, Tuesday after a holiday', () => {
    const config = { priorities: { P3: { clock: 'business' } }, calendar: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '08:00-18:00' } };
    const friday = local('2026-11-27T17:00');
    const p = policy(config).limitsFor('riverside', 'P3', 'repair');
    expect(show(startClocks(friday, p.limits, p.calendar, 0.75, null).clocks.acknowledge!.due)).toBe('Mon 2026-11-30 11:00');
    const withHoliday = policy({ ...config, calendar: { ...config.calendar, holidays: ['2026-11-30'] } }).limitsFor('riverside', 'P3', 'repair');
    expect(show(startClocks(friday, withHoliday.limits, withHoliday.calendar, 0.75, null).clocks.acknowledge!.due)).toBe('Tue 2026-12-01 11:00');
    // P1 still runs around the clock.
    const p1 = policy(config).limitsFor('riverside', 'P1', 'repair');
    expect(startClocks(friday, p1.limits, p1.calendar, 0.75, null).clocks.acknowledge!.due).toBe(friday + 5 * MIN);
  });

  it("counts in the site's time zone, across a daylight-saving change", () => {
    const ny: Calendar = {
      kind: 'business',
      timeZone: 'America/New_York',
      days: [1, 2, 3, 4, 5],
      startMinute: 8 * 60,
      endMinute: 18 * 60,
      holidays: new Set(),
    };
    // New York moves to summer time on Sunday 2026-03-08: Friday 17:00 EST + 4 working hours = Monday 11:00 EDT.
    const due = addWorkingTime(local('2026-03-06T17:00', 'America/New_York'), 4 * H, ny);
    expect(new Date(due).toISOString()).toBe('2026-03-09T15:00:00.000Z');
    const sh: Calendar = { ...ny, timeZone: 'Asia/Shanghai' };
    expect(new Date(addWorkingTime(Date.parse('2026-03-06T22:00:00Z'), 4 * H, sh)).toISOString()).toBe('2026-03-09T04:00:00.000Z'); // Saturday 06:00 there
    expect(workingTimeBetween(local('2026-11-27T16:00'), local('2026-11-30T10:00'), sh)).toBe(4 * H);
  });

  it('pauses while on hold: the deadline moves by the paused time, in working time on the business clock', () => {
    const t = local('2026-11-24T09:00');
    const p2 = policy().limitsFor('riverside', 'P2', 'repair');
    let sla = startClocks(t, p2.limits, p2.calendar, 0.75, null);
    sla = meet(sla, 'acknowledge', t + 5 * MIN);
    sla = pause(sla, t + 1 * H);
    expect(dueEscalations(sla, t + 100 * H)).toEqual([]);
    expect(nextEscalationAt(sla)).toBeNull();
    sla = resume(sla, t + 3 * H, p2.calendar);
    expect(sla.clocks.resolve!.due).toBe(t + 26 * H);
    expect(sla.clocks.onSite!.due).toBe(t + 4 * H);
    expect(sla.clocks.acknowledge!.due).toBe(t + 15 * MIN); // met before the pause: untouched

    const business = policy({ priorities: { P3: { clock: 'business' } } }).limitsFor('riverside', 'P3', 'repair');
    let b = startClocks(local('2026-11-27T09:00'), business.limits, business.calendar, 0.75, null);
    const before = b.clocks.acknowledge!.due; // Friday 13:00
    b = resume(pause(b, local('2026-11-27T10:00')), local('2026-11-30T09:00'), business.calendar); // Friday 10:00 → Monday 09:00
    // Due Friday 13:00; paused at 10:00 with 3 working hours left; resumed Monday 09:00: due 12:00.
    expect(show(before)).toBe('Fri 2026-11-27 13:00');
    expect(show(b.clocks.acknowledge!.due)).toBe('Mon 2026-11-30 12:00');
  });

  it('escalates at 75 % and at the deadline, once each, and knows when the next one falls due', () => {
    const t = local('2026-11-24T09:00');
    const p1 = policy().limitsFor('riverside', 'P1', 'repair');
    let sla = startClocks(t, p1.limits, p1.calendar, 0.75, null);
    expect(nextEscalationAt(sla)).toBe(t + 3.75 * MIN);
    expect(dueEscalations(sla, t + 3 * MIN)).toEqual([]);
    expect(dueEscalations(sla, t + 4 * MIN)).toEqual([{ clock: 'acknowledge', level: 'approaching' }]);
    sla = markEscalated(sla, { clock: 'acknowledge', level: 'approaching' });
    expect(nextEscalationAt(sla)).toBe(t + 5 * MIN);
    expect(isBreached(sla, t + 5 * MIN)).toBe(false);
    expect(dueEscalations(sla, t + 6 * MIN)).toEqual([{ clock: 'acknowledge', level: 'breached' }]);
    expect(isBreached(sla, t + 6 * MIN)).toBe(true);
    sla = meet(markEscalated(sla, { clock: 'acknowledge', level: 'breached' }), 'acknowledge', t + 7 * MIN);
    expect(isBreached(sla, t + 8 * MIN)).toBe(true); // met late stays a breach
    expect(nextEscalationAt(sla)).toBe(t + 22.5 * MIN); // on site at 75 % of 30 min
  });

  it('refuses a calendar that cannot work', () => {
    expect(slaConfigSchema.safeParse({ calendar: { days: [], hours: '08:00-18:00' } }).success).toBe(false);
    expect(slaConfigSchema.safeParse({ calendar: { days: ['mon'], hours: '18:00-08:00' } }).success).toBe(false);
    expect(slaConfigSchema.safeParse({ escalateAt: 1.5 }).success).toBe(false);
    expect(slaConfigSchema.safeParse({ priorities: { P1: { acknowledge: 'soon' } } }).success).toBe(false);
    expect(slaConfigSchema.safeParse({ priorities: { P2: { clock: 'business' } } }).error?.issues[0]?.message).toBe(
      'P2 runs around the clock; only P3 and P4 may count business hours',
    );
    // A category on the business clock does not slow down an urgent order of that category.
    expect(policy({ categories: { complaint: { clock: 'business' } } }).limitsFor('riverside', 'P1', 'complaint').calendar.kind).toBe('always');
  });
});

describe('on-duty windows', () => {
  it('includes a night shift that runs past midnight', () => {
    const nights = [{ days: ['mon' as const], hours: '20:00-08:00' }];
    expect(withinWeeklyWindows(local('2026-11-30T21:00'), 'Asia/Shanghai', nights)).toBe(true); // Monday night
    expect(withinWeeklyWindows(local('2026-12-01T07:30'), 'Asia/Shanghai', nights)).toBe(true); // Tuesday early
    expect(withinWeeklyWindows(local('2026-12-01T21:00'), 'Asia/Shanghai', nights)).toBe(false); // Tuesday night
    expect(withinWeeklyWindows(local('2026-11-30T12:00'), 'Asia/Shanghai', nights)).toBe(false);
  });
});
