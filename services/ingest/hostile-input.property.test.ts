import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog, deviceTypes } from '../../devices/catalog.ts';
import { MAX_PAYLOAD_BYTES, parseEvent, parseStatus, parseTelemetry } from './payload.ts';
import { parseDeviceTopic } from '../shared/topics.ts';

/** Property tests: whatever a client sends, ingest's parsers answer with a value or a reason, never a crash. */
const NOW = Date.UTC(2026, 10, 24, 8);
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const type = fc.constantFrom(...deviceTypes);
const channel = fc.constantFrom('telemetry', 'event', 'status');
const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }));

describe('topic parsing', () => {
  it('takes every well-formed device topic apart into exactly its levels', () => {
    fc.assert(
      fc.property(id, type, id, channel, (site, t, asset, ch) => {
        expect(parseDeviceTopic(`fms/${site}/${t}/${asset}/${ch}`)).toEqual({ ok: true, value: { site, type: t, assetId: asset, channel: ch } });
      }),
    );
  });

  it('refuses anything else with a reason that names what is expected, and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          fc.array(fc.oneof(anyText, id, fc.constantFrom('fms', '+', '#', '', '..')), { maxLength: 8 }).map((l) => l.join('/')),
        ),
        (topic) => {
          const r = parseDeviceTopic(topic);
          if (r.ok) {
            // Accepted only when it is one of the well-formed ones.
            expect(topic).toMatch(/^fms\/[A-Za-z0-9_-]{1,64}\/(pump|elevator|gate)\/[A-Za-z0-9_-]{1,64}\/(telemetry|event|status)$/);
          } else {
            expect(r.reason).toMatch(/expected|is not/);
            expect(r.reason.length).toBeLessThan(200);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('payload validation', () => {
  const json = fc.oneof(
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
  );
  const bytes = fc.oneof(json, anyText).map((s) => Buffer.from(s));

  it('never throws on any bytes, and accepts only known metrics with values of their kind', () => {
    fc.assert(
      fc.property(
        type,
        fc.oneof(
          bytes,
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
        ),
        (t, payload) => {
          // Events and status messages of the same bytes: a value or a reason too.
          for (const other of [parseEvent(t, payload, NOW), parseStatus(payload)]) expect(other.ok ? other.value : other.reason).toBeDefined();
          const r = parseTelemetry(t, payload, NOW);
          if (!r.ok) {
            expect(typeof r.reason).toBe('string');
            return;
          }
          const metrics = new Map(catalog[t].metrics.map((m) => [m.name, m]));
          for (const [name, value] of Object.entries(r.value.fields)) {
            expect(metrics.has(name), name).toBe(true);
            expect(typeof value === 'boolean' || Number.isFinite(value)).toBe(true);
          }
          expect(r.value.ts).toBeLessThanOrEqual(NOW + 5 * 60_000);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('accepts readings built from the catalogue, with values inside the plausible ranges', () => {
    const reading = type.chain((t) => {
      const numeric = catalog[t].metrics.filter((m) => m.kind !== 'state' && 'min' in m && 'max' in m) as { name: string; min: number; max: number }[];
      return fc.tuple(
        fc.constant(t),
        fc
          .subarray(numeric, { minLength: 1 })
          .chain((ms) => fc.tuple(...ms.map((m) => fc.double({ min: m.min, max: m.max, noNaN: true }).map((v) => [m.name, v] as const)))),
      );
    });
    fc.assert(
      fc.property(reading, ([t, pairs]) => {
        const r = parseTelemetry(t, Buffer.from(JSON.stringify(Object.fromEntries(pairs))), NOW);
        expect(r.ok, r.ok ? '' : r.reason).toBe(true);
      }),
    );
  });

  it('refuses anything over the size limit before parsing it', () => {
    fc.assert(
      fc.property(type, fc.integer({ min: MAX_PAYLOAD_BYTES + 1, max: MAX_PAYLOAD_BYTES * 4 }), (t, size) => {
        const r = parseTelemetry(t, Buffer.alloc(size, '{'), NOW);
        expect(r).toEqual({ ok: false, reason: `payload too large: ${size} bytes, at most ${MAX_PAYLOAD_BYTES} accepted` });
      }),
      { numRuns: 50 },
    );
  });
});
