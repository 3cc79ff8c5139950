import { z } from 'zod';
import { categories, priorities, type Priority } from '../shared/vocabulary.ts';
import { duration as positiveDuration } from './process-config.ts';
import { addWorkingTime, ALWAYS, parseHours, weekdayNames, workingTimeBetween, type Calendar } from './business-calendar.ts';

/** The three SLA clocks of DOMAIN.md, all measured from when the order opens. */
export const clockNames = ['acknowledge', 'onSite', 'resolve'] as const;
export type ClockName = (typeof clockNames)[number];

export interface SlaClock {
  /** When the clock started (the order opened or was reopened). */
  start: number;
  /** The deadline; moved later by pauses (on hold for a reason that stops the clock). */
  due: number;
  /** When the order escalates as approaching its deadline (e.g. 75 % of the time used). */
  warnAt: number;
  /** When the step was done; null while it is not. */
  metAt: number | null;
  /** Escalations already made for this clock. */
  escalated: ('approaching' | 'breached')[];
}

export interface OrderSla {
  /** `always` for urgent priorities; `business` counts only working hours of the site. */
  calendar: 'always' | 'business';
  clocks: Partial<Record<ClockName, SlaClock>>;
  /** Set while the order is on hold for a reason that stops the clock. */
  pausedSince: number | null;
}

// ---------------------------------------------------------------------------------------------
// Policy (the `sla` block of the FMS_CONFIG file)

const duration = positiveDuration('5m, 4h or 3d');

const limitsSchema = z.strictObject({
  acknowledge: duration.optional(),
  onSite: duration.optional(),
  resolve: duration.optional(),
  /** `always` runs around the clock; `business` only in the calendar's working hours. */
  clock: z.enum(['always', 'business']).optional(),
});
export type Limits = z.infer<typeof limitsSchema>;

const calendarSchema = z.strictObject({
  days: z.array(z.enum(weekdayNames, { error: `expected weekdays among ${weekdayNames.join(', ')}` })).min(1, 'expected at least one working day'),
  hours: z.string().refine((h) => parseHours(h) !== undefined, 'expected working hours such as 08:00-18:00'),
  holidays: z.array(z.iso.date({ error: 'expected a date such as 2026-10-01' })).default([]),
  /** IANA time zone; the site's, then FMS_TZ, when absent. */
  timeZone: z.string().optional(),
});

/** DOMAIN.md: urgent work runs around the clock; only P3 and P4 may count business hours. */
const prioritiesSchema = z.partialRecord(z.enum(priorities), limitsSchema).superRefine((ps, ctx) => {
  for (const p of ['P1', 'P2'] as const) {
    if (ps[p]?.clock === 'business')
      ctx.addIssue({ code: 'custom', path: [p, 'clock'], message: `${p} runs around the clock; only P3 and P4 may count business hours` });
  }
});

const policyLayer = {
  priorities: prioritiesSchema.default({}),
  /** Limits for a category that win over the priority's (e.g. a complaint is acknowledged within 24 h). */
  categories: z.partialRecord(z.enum(categories), limitsSchema).default({}),
  calendar: calendarSchema.optional(),
};

export const slaConfigSchema = z
  .strictObject({
    ...policyLayer,
    /** Share of a clock's time after which the order escalates as approaching its deadline. */
    escalateAt: z.number().gt(0, 'expected a share between 0 and 1, e.g. 0.75').lt(1, 'expected a share between 0 and 1, e.g. 0.75').default(0.75),
    /** Per-site layers over the estate-wide policy. */
    sites: z.record(z.string(), z.strictObject(policyLayer)).default({}),
  })
  .prefault({});
export type SlaConfig = z.infer<typeof slaConfigSchema>;

/** DOMAIN.md's default time limits. P4 has no clocks of its own: it is due by its due date. */
export const DEFAULT_LIMITS: Record<Priority, Limits> = {
  P1: { acknowledge: 5 * 60_000, onSite: 30 * 60_000, resolve: 4 * 3_600_000, clock: 'always' },
  P2: { acknowledge: 15 * 60_000, onSite: 2 * 3_600_000, resolve: 24 * 3_600_000, clock: 'always' },
  P3: { acknowledge: 4 * 3_600_000, onSite: 24 * 3_600_000, resolve: 3 * 24 * 3_600_000, clock: 'always' },
  P4: { clock: 'always' },
};
/** DOMAIN.md: a complaint is acknowledged within 24 h. */
export const DEFAULT_CATEGORY_LIMITS: Partial<Record<(typeof categories)[number], Limits>> = { complaint: { acknowledge: 24 * 3_600_000 } };

export interface SlaPolicy {
  /** The limits and calendar for an order of this site, priority and category. */
  limitsFor(site: string | null, priority: Priority, category: string): { limits: Limits; calendar: Calendar };
  /** The business calendar of a site (for pauses of orders on the business clock). */
  calendarOf(site: string | null, kind: OrderSla['calendar']): Calendar;
  escalateAt: number;
}

/** Layers: defaults, then the estate's policy, then the site's (categories win over priorities in each). */
export function createSlaPolicy(config: SlaConfig, siteTimeZone: (site: string | null) => string): SlaPolicy {
  function calendarOf(site: string | null, kind: OrderSla['calendar']): Calendar {
    if (kind === 'always') return ALWAYS;
    const c = (site ? config.sites[site]?.calendar : undefined) ?? config.calendar;
    // Without a calendar, `business` has nothing to count: Monday to Friday, 08:00-18:00.
    const days = c?.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'];
    const [startMinute, endMinute] = parseHours(c?.hours ?? '08:00-18:00')!;
    return {
      kind: 'business',
      timeZone: c?.timeZone ?? siteTimeZone(site),
      days: days.map((d) => weekdayNames.indexOf(d) + 1),
      startMinute,
      endMinute,
      holidays: new Set(c?.holidays ?? []),
    };
  }
  return {
    escalateAt: config.escalateAt,
    calendarOf,
    limitsFor(site, priority, category) {
      const siteLayer = site ? config.sites[site] : undefined;
      const cat = category as (typeof categories)[number];
      const limits: Limits = {
        ...DEFAULT_LIMITS[priority],
        ...DEFAULT_CATEGORY_LIMITS[cat],
        ...config.priorities[priority],
        ...config.categories[cat],
        ...siteLayer?.priorities[priority],
        ...siteLayer?.categories[cat],
      };
      // Urgent work runs around the clock whatever a category says.
      const clock = priority === 'P1' || priority === 'P2' ? 'always' : (limits.clock ?? 'always');
      return { limits, calendar: calendarOf(site, clock) };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Clocks

function clock(start: number, limit: number, calendar: Calendar, escalateAt: number): SlaClock {
  return {
    start,
    due: addWorkingTime(start, limit, calendar),
    warnAt: addWorkingTime(start, Math.round(limit * escalateAt), calendar),
    metAt: null,
    escalated: [],
  };
}

/**
 * The clocks of an order opening (or reopening) at `at`. A due date (planned work, P4) is the
 * resolve deadline when the policy gives none.
 */
export function startClocks(at: number, limits: Limits, calendar: Calendar, escalateAt: number, dueAt: number | null): OrderSla {
  const clocks: OrderSla['clocks'] = {};
  if (limits.acknowledge) clocks.acknowledge = clock(at, limits.acknowledge, calendar, escalateAt);
  if (limits.onSite) clocks.onSite = clock(at, limits.onSite, calendar, escalateAt);
  if (limits.resolve) clocks.resolve = clock(at, limits.resolve, calendar, escalateAt);
  if (dueAt !== null && (!clocks.resolve || dueAt < clocks.resolve.due)) {
    const span = Math.max(0, dueAt - at);
    clocks.resolve = { start: at, due: dueAt, warnAt: at + Math.round(span * escalateAt), metAt: null, escalated: [] };
  }
  return { calendar: calendar.kind, clocks, pausedSince: null };
}

/** Marks a clock met (first time only). */
export function meet(sla: OrderSla, name: ClockName, at: number): OrderSla {
  const c = sla.clocks[name];
  if (!c || c.metAt !== null) return sla;
  return { ...sla, clocks: { ...sla.clocks, [name]: { ...c, metAt: at } } };
}

/** Rework: the resolution did not hold, so the resolve clock runs again towards its old deadline. */
export function unmeet(sla: OrderSla, name: ClockName): OrderSla {
  const c = sla.clocks[name];
  if (!c || c.metAt === null) return sla;
  return { ...sla, clocks: { ...sla.clocks, [name]: { ...c, metAt: null } } };
}

export function pause(sla: OrderSla, at: number): OrderSla {
  return sla.pausedSince === null ? { ...sla, pausedSince: at } : sla;
}

/**
 * Ends a pause: every running clock gets back the working time it had left when the pause began,
 * so its deadline (and its warning point) move later by the paused working time.
 */
export function resume(sla: OrderSla, at: number, calendar: Calendar): OrderSla {
  const since = sla.pausedSince;
  if (since === null) return sla;
  const shift = (t: number) => (t <= since ? t : addWorkingTime(at, workingTimeBetween(since, t, calendar), calendar));
  const clocks: OrderSla['clocks'] = {};
  for (const name of clockNames) {
    const c = sla.clocks[name];
    if (!c) continue;
    clocks[name] = c.metAt !== null ? c : { ...c, due: shift(c.due), warnAt: shift(c.warnAt) };
  }
  return { ...sla, clocks, pausedSince: null };
}

export interface DueEscalation {
  clock: ClockName;
  level: 'approaching' | 'breached';
}

/** Escalations due at `now` that have not been made yet (none while the clocks are paused). */
export function dueEscalations(sla: OrderSla, now: number): DueEscalation[] {
  if (sla.pausedSince !== null) return [];
  const out: DueEscalation[] = [];
  for (const name of clockNames) {
    const c = sla.clocks[name];
    if (!c || c.metAt !== null) continue;
    if (now >= c.due && !c.escalated.includes('breached')) out.push({ clock: name, level: 'breached' });
    else if (now >= c.warnAt && now < c.due && !c.escalated.includes('approaching')) out.push({ clock: name, level: 'approaching' });
  }
  return out;
}

export function markEscalated(sla: OrderSla, e: DueEscalation): OrderSla {
  const c = sla.clocks[e.clock]!;
  // A breach also stands for the warning that would have come before it.
  const escalated = e.level === 'breached' ? [...new Set([...c.escalated, 'approaching' as const, 'breached' as const])] : [...c.escalated, e.level];
  return { ...sla, clocks: { ...sla.clocks, [e.clock]: { ...c, escalated } } };
}

/** The next moment an escalation falls due, or null (all met, paused, or all escalations made). */
export function nextEscalationAt(sla: OrderSla): number | null {
  if (sla.pausedSince !== null) return null;
  let next: number | null = null;
  for (const name of clockNames) {
    const c = sla.clocks[name];
    if (!c || c.metAt !== null) continue;
    const t = !c.escalated.includes('approaching') ? c.warnAt : !c.escalated.includes('breached') ? c.due : null;
    if (t !== null && (next === null || t < next)) next = t;
  }
  return next;
}

/** Whether any clock missed its deadline (met late, or still running past it). */
export function isBreached(sla: OrderSla, now: number): boolean {
  return clockNames.some((name) => {
    const c = sla.clocks[name];
    if (!c) return false;
    if (c.metAt !== null) return c.metAt > c.due;
    return sla.pausedSince === null ? now > c.due : sla.pausedSince > c.due;
  });
}
