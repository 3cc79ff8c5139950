import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog, deviceTypes, type DeviceType } from './catalog.ts';
import { EARLIEST_TS, readingAtSpeed, telemetrySchemas } from './schemas.ts';

/**
 * Ingest checks the readings devices send all day with `readingAtSpeed` and everything else with the
 * zod schema. A reading must fare the same either way: these properties hold the quick check to the
 * schema on readings made to sit on and around every edge the schema draws.
 */
function readingOf(type: DeviceType) {
  const metric = fc.oneof(
    ...catalog[type].metrics.map((m) => {
      const edges = [m.min, m.max].filter((v): v is number => v !== undefined).flatMap((v) => [v, v - 1e-9, v + 1e-9, v - 1, v + 1]);
      const value =
        m.kind === 'state'
          ? fc.oneof(fc.boolean(), fc.constantFrom(0, 1, 'true', null))
          : fc.oneof(
              fc.double({ min: m.min ?? -1e6, max: m.max ?? 1e6, noNaN: true }),
              fc.constantFrom(...edges, 0, -0, 'x', true, null, [], {}),
              fc.double(),
              fc.integer(),
            );
      return fc.tuple(fc.constant(m.name), value);
    }),
  );
  const ts = fc.tuple(
    fc.constant('ts'),
    fc.oneof(
      fc.integer({ min: EARLIEST_TS, max: EARLIEST_TS + 40 * 365 * 86_400_000 }),
      fc.constantFrom(EARLIEST_TS, EARLIEST_TS - 1, EARLIEST_TS + 0.5, 1_795_000_000, 2 ** 53, 2 ** 60, -1, null, '2026-11-24T08:00:00Z', '2026-11-24'),
      fc.double(),
    ),
  );
  const stranger = fc.tuple(fc.constantFrom('__proto__', 'constructor', 'toString', 'Flow', 'flow', ''), fc.oneof(fc.integer(), fc.boolean()));
  return fc
    .array(fc.oneof({ weight: 6, arbitrary: metric }, { weight: 1, arbitrary: ts }, { weight: 1, arbitrary: stranger }), { maxLength: 10 })
    .map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as Record<string, unknown>);
}

describe('the quick check of a reading', () => {
  for (const type of deviceTypes) {
    it(`gives exactly what the ${type} schema gives, metrics in the same order, whenever it answers`, () => {
      fc.assert(
        fc.property(readingOf(type), (value) => {
          const quick = readingAtSpeed[type](value);
          const checked = telemetrySchemas[type].safeParse(value);
          if (quick) {
            expect(checked.success).toBe(true);
            const { ts, ...fields } = checked.data!;
            expect(quick.ts).toBe(ts);
            expect(Object.entries(quick.fields)).toEqual(Object.entries(fields));
          }
        }),
        { numRuns: 2000 },
      );
    });

    it(`answers for every ${type} reading the schema accepts with epoch-millisecond or no ts and a metric`, () => {
      fc.assert(
        fc.property(readingOf(type), (value) => {
          const checked = telemetrySchemas[type].safeParse(value);
          const { ts, ...fields } = checked.success ? checked.data : {};
          const devicesDaily = checked.success && typeof ts !== 'string' && Object.keys(fields).length > 0;
          expect(readingAtSpeed[type](value) !== undefined).toBe(devicesDaily);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('answers for the readings the simulators send', () => {
    expect(readingAtSpeed.pump({ ts: 1_795_000_000_000, flow_m3h: 30, pressure_out_bar: 4.1, vibration_mms: 2.1, running: true })).toEqual({
      ts: 1_795_000_000_000,
      fields: { flow_m3h: 30, pressure_out_bar: 4.1, vibration_mms: 2.1, running: true },
    });
  });
});
