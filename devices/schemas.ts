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

/** A reading that passed `readingAtSpeed`: its `ts` (epoch ms, if the device sent one) and its metrics. */
export interface QuickReading {
  ts: number | undefined;
  fields: Record<string, number | boolean>;
}

/**
 * Per device type, a check of a telemetry object that gives exactly what `telemetrySchemas` gives for
 * the readings devices send all day (numbers in range, booleans, `ts` as epoch milliseconds), without
 * zod's cost on every message; undefined for anything else — an unknown or missing metric, a wrong
 * type, a value out of range, `ts` as a string, no metric at all — which the schema then checks and
 * words. Its metrics come out in the catalogue's order, as the schema's do
 * (`schemas.property.test.ts` holds it to the schema).
 */
export const readingAtSpeed: Readonly<Record<DeviceType, (value: Record<string, unknown>) => QuickReading | undefined>> = Object.fromEntries(
  Object.values(catalog).map((spec) => {
    const metrics = spec.metrics.map((m) => ({ name: m.name, state: m.kind === 'state', min: m.min ?? -Infinity, max: m.max ?? Infinity }));
    const check = (value: Record<string, unknown>): QuickReading | undefined => {
      let keys = 0;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return undefined;
        keys++;
      }
      const ts = value.ts;
      if (ts !== undefined && (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < EARLIEST_TS)) return undefined;
      const fields: Record<string, number | boolean> = {};
      let n = 0;
      for (const m of metrics) {
        const v = value[m.name];
        if (v === undefined) continue;
        if (m.state ? typeof v !== 'boolean' : typeof v !== 'number' || !Number.isFinite(v) || v < m.min || v > m.max) return undefined;
        fields[m.name] = v as number | boolean;
        n++;
      }
      // A key that is neither `ts` nor a metric of the type: the schema refuses it and says which.
      if (n === 0 || n + (ts === undefined ? 0 : 1) !== keys) return undefined;
      return { ts, fields };
    };
    return [spec.type, check];
  }),
) as unknown as Record<DeviceType, (value: Record<string, unknown>) => QuickReading | undefined>;
