import type { z } from 'zod';
import type { DeviceType } from '../../devices/catalog.ts';
import { eventSchemas, readingAtSpeed, telemetrySchemas } from '../../devices/schemas.ts';

/** Largest payload ingest reads; devices send a few hundred bytes (CONTRACT.md telemetry example: ~120). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/** Readings stamped further ahead than this are a device clock that is wrong, not data. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export interface Reading {
  ts: number;
  fields: Record<string, number | boolean>;
}

export interface DeviceEvent {
  ts: number;
  type: string;
  details: Record<string, string | number | boolean>;
}

type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseTelemetry(type: DeviceType, payload: Buffer, receivedAt: number): Result<Reading> {
  const json = parseJsonObject(payload);
  if (!json.ok) return json;
  return checkReading(type, json.value, receivedAt);
}

/** Checks one reading (a telemetry payload's object) against its device type's schema. */
export function checkReading(type: DeviceType, value: unknown, receivedAt: number): Result<Reading> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, reason: `a reading must be a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})` };
  // The readings devices send all day pass a quick check that gives what the schema would; the rest
  // (including every reading the schema refuses) go through the schema, which words what is wrong.
  let reading: { ts?: number | string | undefined; fields: Record<string, number | boolean> } | undefined = readingAtSpeed[type](
    value as Record<string, unknown>,
  );
  if (!reading) {
    const checked = telemetrySchemas[type].safeParse(value);
    if (!checked.success) return { ok: false, reason: describe(checked.error, value as Record<string, unknown>) };
    const { ts, ...fields } = checked.data as { ts?: number | string } & Record<string, number | boolean>;
    if (Object.keys(fields).length === 0) return { ok: false, reason: 'telemetry carries no metric: expected at least one metric field' };
    reading = { ts, fields };
  }
  const time = resolveTs(reading.ts, receivedAt);
  if (!time.ok) return time;
  return { ok: true, value: { ts: time.value, fields: reading.fields } };
}

export function parseEvent(type: DeviceType, payload: Buffer, receivedAt: number): Result<DeviceEvent> {
  const json = parseJsonObject(payload);
  if (!json.ok) return json;
  const checked = eventSchemas[type].safeParse(json.value);
  if (!checked.success) return { ok: false, reason: describe(checked.error, json.value) };
  const { ts, type: eventType, ...details } = checked.data as { ts?: number | string; type: string } & Record<string, string | number | boolean>;
  const time = resolveTs(ts, receivedAt);
  if (!time.ok) return time;
  return { ok: true, value: { ts: time.value, type: eventType, details } };
}

/** `status` is `online` or `offline` (a device's last will), as plain text. */
export function parseStatus(payload: Buffer): Result<'online' | 'offline'> {
  const text = payload.toString('utf8').trim();
  if (text === 'online' || text === 'offline') return { ok: true, value: text };
  return { ok: false, reason: `status must be "online" or "offline" (got ${JSON.stringify(text.slice(0, 40))})` };
}

function parseJsonObject(payload: Buffer): Result<Record<string, unknown>> {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return { ok: false, reason: `payload too large: ${payload.length} bytes, at most ${MAX_PAYLOAD_BYTES} accepted` };
  }
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `payload is not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `payload must be a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function resolveTs(ts: number | string | undefined, receivedAt: number): Result<number> {
  if (ts === undefined) return { ok: true, value: receivedAt };
  const ms = typeof ts === 'number' ? ts : Date.parse(ts);
  if (ms > receivedAt + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      reason: `ts ${new Date(ms).toISOString()} is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead of the server clock: check the device clock`,
    };
  }
  return { ok: true, value: ms };
}

function describe(error: z.ZodError, input: Record<string, unknown>): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown metric${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      const field = i.path.map(String).join('.') || '(payload)';
      const got = i.path.length === 1 ? input[i.path[0] as string] : undefined;
      return `${field}: ${i.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)?.slice(0, 40)})`}`;
    })
    .join('; ');
}
