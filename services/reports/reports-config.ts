import { z } from 'zod';

/** The `reports:` block of the estate file (docs/reports.md, "When reports are made"). */
export const reportsConfigSchema = z
  .strictObject({
    /** Which scheduled reports to make: weekly (for Monday to Monday), monthly (for the past month); [] for none. */
    schedule: z.array(z.enum(['weekly', 'monthly'], { error: 'expected weekly or monthly' })).default(['weekly', 'monthly']),
    /** Local time on the first day after the period when the report is made (late readings get in first). */
    at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:MM, e.g. 06:00')
      .default('06:00'),
    /** Language of scheduled reports; a site's `language` overrides it. */
    language: z.enum(['en', 'zh'], { error: 'expected en or zh' }).default('en'),
    /** Also one report for every site together (in FMS_TZ). */
    estate: z.boolean().default(true),
    /** Who gets scheduled reports by email (docs/notifications.md, "Reports by email"): people of the directory or addresses. */
    subscribers: z
      .array(
        z
          .strictObject({
            person: z.string().min(1).max(64).optional(),
            email: z.email({ error: 'expected an email address' }).optional(),
            /** Only these sites' reports (default: every site's and the estate's). */
            sites: z.array(z.string().min(1).max(64)).optional(),
            /** An address's language (a person's own language comes first). */
            language: z.enum(['en', 'zh'], { error: 'expected en or zh' }).optional(),
          })
          .refine((s) => (s.person === undefined) !== (s.email === undefined), 'expected either person or email'),
      )
      .default([]),
    /** Managers of the teams serving a site get its reports by email (and every manager the estate's). */
    toManagers: z.boolean().default(true),
  })
  .prefault({});

export type ReportsConfig = z.infer<typeof reportsConfigSchema>;
