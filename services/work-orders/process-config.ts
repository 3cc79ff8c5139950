import { z } from 'zod';
import { categories, checklistStepSchema, priorities } from '../shared/vocabulary.ts';
import { parseDuration } from '../shared/duration.ts';

/** A positive duration written as text (`30m`, `3d`), in milliseconds. */
export const duration = (example: string) =>
  z
    .string()
    .refine((s) => (parseDuration(s) ?? 0) > 0, `expected a duration such as ${example}`)
    .transform((s) => parseDuration(s)!);

/** The `workOrders` block of the FMS_CONFIG file: acceptance, closing, repeat faults, procedures. */
export const processConfigSchema = z
  .strictObject({
    /** Sensor verification: how long the fault must stay away after the repair (a rule may set `workOrder.verifyFor`). */
    sensorWindow: duration('30m').default(30 * 60_000),
    /** Verified orders close by themselves after this long (the time for feedback). */
    closeAfter: duration('3d').default(3 * 86_400_000),
    /** The same fault within this long after closing reopens the order as a repeat fault. */
    repeatWindow: duration('30d').default(30 * 86_400_000),
    /** A verified complaint gets a follow-up visit due within this long (DOMAIN.md: 48 h). */
    followUpVisit: duration('48h').default(48 * 3_600_000),
    /** Requests with a requester need the requester's confirmation. */
    requesterConfirmation: z.boolean().default(true),
    /** Orders that need a QC second inspection by a supervisor (质检). */
    qc: z
      .strictObject({ categories: z.array(z.enum(categories)).default(['complaint']), priorities: z.array(z.enum(priorities)).default(['P1']) })
      .prefault({}),
    /** Procedures by category for orders that bring none of their own (a rule's or a PM plan's). */
    checklists: z.partialRecord(z.enum(categories), z.array(checklistStepSchema).max(100)).default({}),
  })
  .prefault({});
export type ProcessConfig = z.infer<typeof processConfigSchema>;
