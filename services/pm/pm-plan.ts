import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { catalog, deviceTypes } from '../../devices/catalog.ts';
import { checklistStepSchema, priorities } from '../shared/vocabulary.ts';
import { parseDuration } from '../shared/duration.ts';

/** A calendar interval: days and weeks are fixed lengths; months and years follow the calendar (the 31st → the 30th). */
export interface Interval {
  unit: 'days' | 'months';
  count: number;
}

/** `15d`, `2w`, `1mo`, `3mo`, `6mo`, `1y`. */
export function parseInterval(text: string): Interval | undefined {
  const m = /^(\d+)(d|w|mo|y)$/.exec(text.trim());
  if (!m || Number(m[1]) < 1) return undefined;
  const n = Number(m[1]);
  return m[2] === 'd'
    ? { unit: 'days', count: n }
    : m[2] === 'w'
      ? { unit: 'days', count: 7 * n }
      : m[2] === 'mo'
        ? { unit: 'months', count: n }
        : { unit: 'months', count: 12 * n };
}

/** Approximate length of an interval, for the "within 10 % of the interval" compliance. */
export function intervalMs(i: Interval): number {
  return i.unit === 'days' ? i.count * 86_400_000 : Math.round(i.count * 30.4375 * 86_400_000);
}

const intervalSchema = z
  .string()
  .refine((s) => parseInterval(s) !== undefined, 'expected an interval such as 15d, 2w, 1mo, 3mo, 6mo or 1y')
  .transform((s) => parseInterval(s)!);

const triggerSchema = z.union(
  [
    z.strictObject({
      /** Every so often: from the plan's start (fixed) or from the last completion (floating). */
      every: intervalSchema,
    }),
    z.strictObject({
      /** A cron expression (minute hour day month weekday) in the site's time zone. */
      cron: z.string().refine((s) => {
        try {
          CronExpressionParser.parse(s, { tz: 'UTC' });
          return s.trim().split(/\s+/).length === 5;
        } catch {
          return false;
        }
      }, 'expected a cron expression with five fields, e.g. "0 9 1,16 * *" (09:00 on the 1st and 16th)'),
    }),
    z.strictObject({
      /** Usage: every so much growth of a counter (run_hours, starts, trips, door_cycles, passages). */
      usage: z.strictObject({ metric: z.string().min(1), every: z.number().positive('expected a positive amount of the counter') }),
    }),
  ],
  { error: 'expected a trigger: { every: 15d }, { cron: "0 9 * * 1" } or { usage: { metric: run_hours, every: 500 } }' },
);
export type Trigger = z.infer<typeof triggerSchema>;

/** One tier of a cumulative regime: every `every`-th occurrence is this tier, with the items of every lower tier. */
const tierSchema = z.strictObject({
  name: z.string().min(1).max(50),
  every: z.number().int().min(1),
  checklist: z.array(checklistStepSchema).max(200).default([]),
});

export const pmPlanSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'expected a lower-case id such as elevator.half-monthly'),
    title: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    assetType: z.enum(deviceTypes, { error: `expected one of ${deviceTypes.join(', ')}` }),
    /** Narrows the plan to some sites, assets or tags (all given lists must match). */
    select: z.strictObject({ sites: z.array(z.string()).optional(), assets: z.array(z.string()).optional(), tags: z.array(z.string()).optional() }).optional(),
    /** One trigger, or several: whichever comes first (then the schedule floats from the last completion). */
    trigger: z.union([triggerSchema, z.array(triggerSchema).min(2, 'expected at least two triggers for "whichever comes first"')]),
    /** `fixed`: due dates from the plan's start; `floating`: from the last completion. */
    schedule: z.enum(['fixed', 'floating']).default('fixed'),
    /** Fixed schedules count from this date (local, in the site's time zone); default: when FMS first saw the asset under this plan. */
    start: z.iso.date({ error: 'expected a date such as 2026-01-01' }).optional(),
    /** Open the order this long before it is due. */
    leadTime: z
      .string()
      .refine((s) => parseDuration(s) !== undefined, 'expected a duration such as 3d')
      .transform((s) => parseDuration(s)!)
      .default(0),
    category: z.enum(['preventive', 'inspection']).default('preventive'),
    priority: z.enum(priorities).default('P4'),
    /** Who gets it: a team (dispatch among its technicians) or one technician; default: dispatch as usual. */
    assign: z.strictObject({ team: z.string().optional(), assignee: z.string().optional() }).optional(),
    checklist: z.array(checklistStepSchema).max(200).default([]),
    /** Cumulative regimes (elevators): the n-th occurrence takes the highest tier with n % every == 0 and the items of every tier below. */
    tiers: z.array(tierSchema).max(10).optional(),
    /** After downtime: one order per missed occurrence (`each`) or one order for the latest (`combined`). */
    catchUp: z.enum(['each', 'combined']).default('combined'),
    /** A corrective repair of the asset restarts a floating schedule. */
    resetOnRepair: z.boolean().default(false),
    enabled: z.boolean().default(true),
  })
  .superRefine((plan, ctx) => {
    const triggers = Array.isArray(plan.trigger) ? plan.trigger : [plan.trigger];
    for (const [i, t] of triggers.entries()) {
      if ('usage' in t) {
        const m = catalog[plan.assetType].metrics.find((x) => x.name === t.usage.metric);
        if (!m || m.kind !== 'counter') {
          const counters = catalog[plan.assetType].metrics.filter((x) => x.kind === 'counter').map((x) => x.name);
          ctx.addIssue({
            code: 'custom',
            path: ['trigger', ...(Array.isArray(plan.trigger) ? [i] : []), 'usage', 'metric'],
            message: `"${t.usage.metric}" is not a ${plan.assetType} counter (expected one of ${counters.join(', ')})`,
          });
        }
      }
    }
    if (plan.tiers) {
      if (plan.tiers[0]?.every !== 1)
        ctx.addIssue({ code: 'custom', path: ['tiers', 0, 'every'], message: 'the first tier is the base visit: expected every: 1' });
      plan.tiers.forEach((t, i) => {
        const prev = plan.tiers![i - 1];
        if (prev && (t.every <= prev.every || t.every % prev.every !== 0))
          ctx.addIssue({ code: 'custom', path: ['tiers', i, 'every'], message: `expected a multiple of the tier below (${prev.every}) and larger` });
      });
    }
  });
export type PmPlan = z.infer<typeof pmPlanSchema>;
export type PmPlanInput = z.input<typeof pmPlanSchema>;

export function triggersOf(plan: PmPlan): Trigger[] {
  return Array.isArray(plan.trigger) ? plan.trigger : [plan.trigger];
}

/** Several triggers (whichever comes first) and usage triggers always count from the last completion. */
export function isFloating(plan: PmPlan): boolean {
  const ts = triggersOf(plan);
  return plan.schedule === 'floating' || ts.length > 1;
}
