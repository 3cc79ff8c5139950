import { z } from 'zod';

/**
 * The words every part of FMS shares: how bad an alarm is, how urgent and what kind of work an order
 * is, and the steps of a written procedure (作业指导书). Rules, alarms, work orders, PM plans and the
 * API all take them from here.
 */

/** Alarm severities, weakest first. */
export const severities = ['info', 'warning', 'major', 'critical'] as const;
export type Severity = (typeof severities)[number];
/** Work-order priorities (DOMAIN.md's time-limit table): P1 critical … P4 planned. */
export const priorities = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof priorities)[number];
/** What kind of work an order is (the service standard's classification). */
export const categories = ['repair', 'complaint', 'suggestion', 'inspection', 'preventive'] as const;
export type Category = (typeof categories)[number];

/** Severities from weakest to strongest, to compare them. */
export const severityRank: Record<string, number> = { info: 0, warning: 1, major: 2, critical: 3 };

/** One step of the written procedure (作业指导书): a plain check by default. */
export const checklistStepSchema = z.union([
  z
    .string()
    .min(1)
    .max(500)
    .transform((step) => ({ step, type: 'check' as const })),
  z.strictObject({
    step: z.string().min(1).max(500),
    type: z.enum(['check', 'measurement', 'pass_fail', 'photo']).default('check'),
    /** For measurements: the unit and the limits a good reading stays within. */
    unit: z.string().max(20).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  }),
]);
export type ChecklistStep = z.infer<typeof checklistStepSchema>;
