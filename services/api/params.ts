import { z } from 'zod';
import { parseDuration } from '../shared/duration.ts';

/** A time in a query string: epoch milliseconds or an ISO-8601 date-time. */
export const timeParam = z.string().transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a time: expected epoch milliseconds or ISO-8601 such as 2026-11-24T08:00:00Z` });
    return z.NEVER;
  }
  return ms;
});

/** A duration in a query string such as 30s, 5m, 1h. */
export const durationParam = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration: expected e.g. 30s, 5m, 1h, 1d` });
    return z.NEVER;
  }
  return ms;
});

export const pageParams = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};

/** `a,b` or repeated parameters into a list. */
export function listParam<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(item));
}
