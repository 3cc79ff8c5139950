import { z } from 'zod';
import { catalog, type DeviceType, type EventSpec, type MetricSpec } from './catalog.ts';

/** 2000-01-01T00:00:00Z: anything earlier is a clock that was never set, or seconds instead of milliseconds. */
export const EARLIEST_TS = 946_684_800_000;

/** `ts`: epoch milliseconds or an ISO-8601 string (CONTRACT.md). */
export const timestampSchema = z.union(
  [
    z.number().int('expected whole epoch milliseconds').min(EARLIEST_TS, 'expected epoch milliseconds after 2000-01-01 (seconds are not accepted)'),
    z.iso.datetime({ offset: true, local: false, error: 'expected an ISO-8601 date-time with a zone, e.g. 2026-11-24T08:00:00Z' }),
  ],
  { error: 'expected epoch milliseconds or an ISO-8601 string' },
);

function metricSchema(m: MetricSpec): z.ZodType<number | boolean> {
  if (m.kind === 'state') return z.boolean({ error: `expected true or false` });
  const unit = m.unit ? ` ${m.unit}` : '';
  let s = z.number({ error: `expected a number${unit ? ` in${unit}` : ''}` });
  if (m.min !== undefined) s = s.min(m.min, `expected ${m.min} to ${m.max}${unit}: outside the plausible range`);
  if (m.max !== undefined) s = s.max(m.max, `expected ${m.min} to ${m.max}${unit}: outside the plausible range`);
  return s;
}

function eventSchema(type: DeviceType, e: EventSpec) {
  const shape: Record<string, z.ZodType> = { type: z.literal(e.type), ts: timestampSchema.optional() };
  for (const [name, d] of Object.entries(e.details ?? {})) {
    const base = d.type === 'string' ? z.string().max(200) : d.type === 'number' ? z.number() : z.boolean();
    shape[name] = d.required ? base : base.optional();
  }
  // Details beyond the catalogue's are kept (devices add vendor fields), but only scalars.
  return z
    .object(shape)
    .catchall(z.union([z.string().max(200), z.number(), z.boolean()], { error: `expected a string, number or boolean (${type} event details are flat)` }));
}

/** Per device type: the telemetry payload schema (strict: unknown metrics are rejected). */
export const telemetrySchemas: Readonly<Record<DeviceType, z.ZodType<Record<string, unknown>>>> = Object.fromEntries(
  Object.values(catalog).map((spec) => {
    const shape: Record<string, z.ZodType> = { ts: timestampSchema.optional() };
    for (const m of spec.metrics) shape[m.name] = metricSchema(m).optional();
    return [spec.type, z.strictObject(shape)];
  }),
) as unknown as Record<DeviceType, z.ZodType<Record<string, unknown>>>;

/** Per device type: the event payload schema, discriminated by `type`. */
export const eventSchemas: Readonly<Record<DeviceType, z.ZodType<Record<string, unknown> & { type: string }>>> = Object.fromEntries(
  Object.values(catalog).map((spec) => {
    const known = spec.events.map((e) => e.type).join(', ');
    const options = spec.events.map((e) => eventSchema(spec.type, e));
    return [spec.type, z.discriminatedUnion('type', options as unknown as [z.ZodObject, ...z.ZodObject[]], { error: `expected "type" to be one of ${known}` })];
  }),
) as unknown as Record<DeviceType, z.ZodType<Record<string, unknown> & { type: string }>>;
