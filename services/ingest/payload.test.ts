import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, parseEvent, parseStatus, parseTelemetry } from './payload.ts';

const NOW = Date.UTC(2026, 10, 24, 8, 0, 0);
const b = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

function reason(r: { ok: boolean; reason?: string }): string {
  expect(r.ok).toBe(false);
  return (r as { reason: string }).reason;
}

describe('parseTelemetry', () => {
  it('accepts the example of CONTRACT.md', () => {
    const r = parseTelemetry(
      'pump',
      b({ ts: 1764000000000, flow_m3h: 31.2, pressure_out_bar: 4.1, vibration_mms: 2.3, motor_temp_c: 48.5, running: true }),
      NOW,
    );
    expect(r).toEqual({
      ok: true,
      value: { ts: 1764000000000, fields: { flow_m3h: 31.2, pressure_out_bar: 4.1, vibration_mms: 2.3, motor_temp_c: 48.5, running: true } },
    });
  });

  it('stamps readings without ts with the time they arrived, and reads ISO-8601 times', () => {
    expect(parseTelemetry('gate', b({ passages: 3 }), NOW)).toMatchObject({ ok: true, value: { ts: NOW } });
    expect(parseTelemetry('gate', b({ ts: '2026-11-24T07:59:00+00:00', passages: 3 }), NOW)).toMatchObject({ ok: true, value: { ts: NOW - 60_000 } });
  });

  it('names the unknown metric', () => {
    expect(reason(parseTelemetry('pump', b({ flow_m3h: 1, rpm: 1450 }), NOW))).toBe('unknown metric "rpm"');
  });

  it('names the field, what it expects and what it got', () => {
    expect(reason(parseTelemetry('pump', b({ vibration_mms: 'high' }), NOW))).toBe('vibration_mms: expected a number in mm/s (got "high")');
    expect(reason(parseTelemetry('pump', b({ running: 1 }), NOW))).toBe('running: expected true or false (got 1)');
    expect(reason(parseTelemetry('pump', b({ vibration_mms: 5000 }), NOW))).toMatch(
      /^vibration_mms: expected 0 to 100 mm\/s: outside the plausible range \(got 5000\)$/,
    );
  });

  it('refuses timestamps in seconds, far in the future, or unreadable', () => {
    expect(reason(parseTelemetry('pump', b({ ts: 1764000000, flow_m3h: 1 }), NOW))).toMatch(/^ts: expected epoch milliseconds after 2000-01-01/);
    expect(reason(parseTelemetry('pump', b({ ts: NOW + 3_600_000, flow_m3h: 1 }), NOW))).toMatch(/ahead of the server clock/);
    expect(reason(parseTelemetry('pump', b({ ts: 'yesterday', flow_m3h: 1 }), NOW))).toMatch(/^ts: /);
  });

  it('refuses what is not a JSON object', () => {
    expect(reason(parseTelemetry('pump', b('{"flow_m3h": 1'), NOW))).toMatch(/^payload is not valid JSON/);
    expect(reason(parseTelemetry('pump', b([1, 2]), NOW))).toBe('payload must be a JSON object (got an array)');
    expect(reason(parseTelemetry('pump', b('null'), NOW))).toBe('payload must be a JSON object (got null)');
    expect(reason(parseTelemetry('pump', b({}), NOW))).toMatch(/no metric/);
  });

  it('refuses payloads over the size limit before parsing them', () => {
    expect(reason(parseTelemetry('pump', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 32), NOW))).toMatch(/^payload too large/);
  });

  it('does not let a payload smuggle prototype keys in', () => {
    expect(reason(parseTelemetry('pump', b('{"__proto__": {"x": 1}, "flow_m3h": 1}'), NOW))).toMatch(/unknown metric "__proto__"/);
  });
});

describe('parseEvent', () => {
  it('reads the type and keeps the details', () => {
    expect(parseEvent('elevator', b({ type: 'door_fault', code: 'E21' }), NOW)).toEqual({
      ok: true,
      value: { ts: NOW, type: 'door_fault', details: { code: 'E21' } },
    });
  });

  it('lists the event types of the device type when the type is unknown', () => {
    expect(reason(parseEvent('gate', b({ type: 'entrapment' }), NOW))).toMatch(
      /type: expected "type" to be one of forced_open, held_open, tamper, reader_fault/,
    );
  });

  it('requires the details an event must carry', () => {
    expect(reason(parseEvent('elevator', b({ type: 'door_fault' }), NOW))).toMatch(/^code: /);
  });

  it('refuses nested details', () => {
    expect(reason(parseEvent('elevator', b({ type: 'entrapment', extra: { a: 1 } }), NOW))).toMatch(/^extra: expected a string, number or boolean/);
  });
});

describe('parseStatus', () => {
  it('accepts online and offline only', () => {
    expect(parseStatus(b('online'))).toEqual({ ok: true, value: 'online' });
    expect(parseStatus(b('offline\n'))).toEqual({ ok: true, value: 'offline' });
    expect(reason(parseStatus(b('asleep')))).toBe('status must be "online" or "offline" (got "asleep")');
  });
});
