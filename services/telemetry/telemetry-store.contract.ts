import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SummaryBucket, TelemetryPoint, TelemetryStore } from './telemetry-store.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const MIN = 60_000;
const H = 60 * MIN;

function pump(asset: string, ts: number, fields: TelemetryPoint['fields'], site = 'estate-a'): TelemetryPoint {
  return { measurement: 'pump', site, asset, ts, fields };
}

/** Means to 9 decimals: adapters add up in different orders. */
function rounded(buckets: SummaryBucket[]): SummaryBucket[] {
  return buckets.map((b) => ({ ...b, mean: Math.round(b.mean * 1e9) / 1e9 }));
}

/**
 * A store under test. One that rolls readings up in the background (the embedded store) exposes
 * `maintain(now)`: the suite calls it where a rollup would have run, so rolled-up readings are held
 * to the same figures as fresh ones.
 */
export type StoreUnderTest = TelemetryStore & { maintain?: (now: number) => Promise<unknown> };

/**
 * The behaviour every telemetry store adapter must have. Each adapter's test file calls this with a
 * function that opens a fresh, empty store (the model is aedes-persistence's abstract.js).
 */
export function describeTelemetryStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`telemetry store contract: ${name}`, () => {
    let store: StoreUnderTest;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    /** Everything written is stored and, in a store that rolls up, rolled up as of `now`. */
    async function settle(now: number): Promise<void> {
      await store.flush();
      await store.maintain?.(now);
    }

    it('returns the last value of each metric with its time, booleans as booleans', async () => {
      store.write([pump('p1', T0, { flow_m3h: 30, running: true }), pump('p1', T0 + 1000, { flow_m3h: 31.5 })]);
      await store.flush();
      expect(await store.latest('p1', 'pump')).toEqual([
        { metric: 'flow_m3h', value: 31.5, ts: T0 + 1000 },
        { metric: 'running', value: true, ts: T0 },
      ]);
    });

    it('keeps the newest value as latest when an older reading arrives late', async () => {
      store.write([pump('p1', T0 + 5000, { flow_m3h: 40 })]);
      store.write([pump('p1', T0, { flow_m3h: 10 })]);
      await store.flush();
      expect(await store.latest('p1', 'pump')).toEqual([{ metric: 'flow_m3h', value: 40, ts: T0 + 5000 }]);
    });

    it('knows nothing about an asset that never reported', async () => {
      expect(await store.latest('nobody', 'pump')).toEqual([]);
    });

    it('aggregates one metric into buckets with mean, min, max, last and count', async () => {
      const points = [0, 10, 20, 30, 40, 50, 60, 70].map((s, i) => pump('p1', T0 + s * 1000, { vibration_mms: i + 1 }));
      store.write(points);
      await store.flush();
      const q = { asset: 'p1', measurement: 'pump' as const, metric: 'vibration_mms', from: T0, to: T0 + 80_000, every: 40_000 };
      expect(await store.aggregate({ ...q, fn: 'mean' })).toEqual([
        { ts: T0, value: 2.5 },
        { ts: T0 + 40_000, value: 6.5 },
      ]);
      expect(await store.aggregate({ ...q, fn: 'min' })).toEqual([
        { ts: T0, value: 1 },
        { ts: T0 + 40_000, value: 5 },
      ]);
      expect(await store.aggregate({ ...q, fn: 'max' })).toEqual([
        { ts: T0, value: 4 },
        { ts: T0 + 40_000, value: 8 },
      ]);
      expect(await store.aggregate({ ...q, fn: 'last' })).toEqual([
        { ts: T0, value: 4 },
        { ts: T0 + 40_000, value: 8 },
      ]);
      expect(await store.aggregate({ ...q, fn: 'count' })).toEqual([
        { ts: T0, value: 4 },
        { ts: T0 + 40_000, value: 4 },
      ]);
    });

    it('summarizes one metric into buckets with minimum, maximum, mean and count, leaving empty buckets out', async () => {
      store.write([
        ...[1, 2, 3, 4].map((v, i) => pump('p1', T0 + i * 10_000, { vibration_mms: v })),
        pump('p1', T0 + 80_000, { vibration_mms: 5 }),
        pump('p1', T0 + 90_000, { vibration_mms: 7.5 }),
      ]);
      await store.flush();
      expect(await store.summarize({ asset: 'p1', measurement: 'pump', metric: 'vibration_mms', from: T0, to: T0 + 120_000, every: 40_000 })).toEqual([
        { ts: T0, min: 1, max: 4, mean: 2.5, count: 4 },
        { ts: T0 + 80_000, min: 5, max: 7.5, mean: 6.25, count: 2 },
      ]);
    });

    it('summarizes only the readings in [from, to)', async () => {
      const to = T0 + 10 * MIN;
      store.write([
        pump('p1', T0 - 1, { flow_m3h: 100 }),
        pump('p1', T0, { flow_m3h: 1 }),
        pump('p1', to - 1, { flow_m3h: 3 }),
        pump('p1', to, { flow_m3h: 100 }),
      ]);
      await store.flush();
      expect(await store.summarize({ asset: 'p1', measurement: 'pump', metric: 'flow_m3h', from: T0, to, every: 10 * MIN })).toEqual([
        { ts: T0, min: 1, max: 3, mean: 2, count: 2 },
      ]);
    });

    it('reads nothing at or after an off-hour `to`, also once the hours are rolled up', async () => {
      // 08:00 to 11:59, one reading a minute: 100 × hour + minute (800 … 1159).
      store.write(Array.from({ length: 4 * 60 }, (_, i) => pump('p1', T0 + i * MIN, { flow_m3h: 100 * (8 + Math.floor(i / 60)) + (i % 60) })));
      await settle(T0 + 4 * H + 5 * MIN);
      const q = { asset: 'p1', measurement: 'pump' as const, metric: 'flow_m3h', from: T0, to: T0 + 2 * H + 37 * MIN };
      // 10:00 … 10:36 in the last hour; 10:37 (= to) and later are not.
      expect(rounded(await store.summarize({ ...q, every: H }))).toEqual([
        { ts: T0, min: 800, max: 859, mean: 829.5, count: 60 },
        { ts: T0 + H, min: 900, max: 959, mean: 929.5, count: 60 },
        { ts: T0 + 2 * H, min: 1000, max: 1036, mean: 1018, count: 37 },
      ]);
      // A day's bucket (a report's daily point) ending at 10:37 holds 08:00 … 10:36 only.
      expect(rounded(await store.summarize({ ...q, every: 24 * H }))).toEqual([
        { ts: T0, min: 800, max: 1036, mean: Math.round(((60 * 829.5 + 60 * 929.5 + 37 * 1018) / 157) * 1e9) / 1e9, count: 157 },
      ]);
      expect(await store.aggregate({ ...q, every: 24 * H, fn: 'max' })).toEqual([{ ts: T0, value: 1036 }]);
      expect(await store.aggregate({ ...q, every: 24 * H, fn: 'count' })).toEqual([{ ts: T0, value: 157 }]);
      expect(await store.aggregate({ ...q, every: H, fn: 'last' })).toEqual([
        { ts: T0, value: 859 },
        { ts: T0 + H, value: 959 },
        { ts: T0 + 2 * H, value: 1036 },
      ]);
    });

    it('readings that arrive an hour late appear in that hour’s summary, mean and counter increase', async () => {
      // 08:00 … 09:59, one reading a minute; the run-hours counter is reset at 08:45.
      const reading = (i: number) => pump('p1', T0 + i * MIN, { flow_m3h: i, run_hours: i < 45 ? 100 + i : i - 45 });
      const minutes = Array.from({ length: 120 }, (_, i) => i);
      // 08:30 … 08:59 are held back by the device (an outage) and uploaded after both hours are rolled up.
      store.write(minutes.filter((i) => i < 30 || i >= 60).map(reading));
      await settle(T0 + 2 * H + 5 * MIN);
      store.write(minutes.filter((i) => i >= 30 && i < 60).map(reading));
      await settle(T0 + 2 * H + 6 * MIN);

      const q = { asset: 'p1', measurement: 'pump' as const, from: T0, to: T0 + 2 * H, every: H };
      expect(await store.summarize({ ...q, metric: 'flow_m3h' })).toEqual([
        { ts: T0, min: 0, max: 59, mean: 29.5, count: 60 },
        { ts: T0 + H, min: 60, max: 119, mean: 89.5, count: 60 },
      ]);
      expect(await store.aggregate({ ...q, metric: 'flow_m3h', fn: 'mean' })).toEqual([
        { ts: T0, value: 29.5 },
        { ts: T0 + H, value: 89.5 },
      ]);
      // 100 → 144, reset, 0 → 14 in the first hour; 14 → 74 in the second.
      expect(await store.aggregate({ ...q, metric: 'run_hours', fn: 'increase' })).toEqual([
        { ts: T0, value: 58 },
        { ts: T0 + H, value: 60 },
      ]);
      expect(await store.aggregate({ ...q, metric: 'run_hours', fn: 'last' })).toEqual([
        { ts: T0, value: 14 },
        { ts: T0 + H, value: 74 },
      ]);
    });

    it('gives the same hourly and daily figures over many hours from rollups, late readings and the current partial hour', async () => {
      // Two pumps, 08:00 … 14:29 at one reading a minute; `now` is 14:30, so 14:00 is the current, partial hour.
      const now = T0 + 6 * H + 30 * MIN;
      const all: TelemetryPoint[] = [];
      const add = (points: TelemetryPoint[]) => {
        all.push(...points);
        store.write(points);
      };
      const value = (asset: string, ts: number) => Math.round(((((ts - T0) / MIN) * (asset === 'p1' ? 7 : 11)) % 23) * 100 + (ts - T0) / H) / 100;
      const minutes = (from: number, to: number, step = MIN) => Array.from({ length: Math.ceil((to - from) / step) }, (_, i) => from + i * step);
      for (const asset of ['p1', 'p2']) add(minutes(T0, now).map((ts) => pump(asset, ts, { vibration_mms: value(asset, ts) })));
      await settle(now);
      // After the rollup: readings of 08:00 and 10:00 held back by p1 (offset by 30 s, so they are new points),
      // and more of the current hour.
      add(
        [...minutes(T0 + 30_000, T0 + H, 5 * MIN), ...minutes(T0 + 2 * H + 30_000, T0 + 3 * H, 7 * MIN)].map((ts) =>
          pump('p1', ts, { vibration_mms: 40 + Math.round((ts - T0) / MIN) / 100 }),
        ),
      );
      add(minutes(now, now + 10 * MIN).map((ts) => pump('p1', ts, { vibration_mms: value('p1', ts) })));
      await settle(now + 12 * MIN);

      const expected = (asset: string, from: number, to: number, every: number) => {
        const out: SummaryBucket[] = [];
        for (let b = from; b < to; b += every) {
          const vs = all.filter((p) => p.asset === asset && p.ts >= b && p.ts < Math.min(b + every, to)).map((p) => p.fields.vibration_mms as number);
          if (vs.length) out.push({ ts: b, min: Math.min(...vs), max: Math.max(...vs), mean: vs.reduce((a, v) => a + v, 0) / vs.length, count: vs.length });
        }
        return rounded(out);
      };
      const to = now + 11 * MIN;
      for (const asset of ['p1', 'p2']) {
        const q = { asset, measurement: 'pump' as const, metric: 'vibration_mms', from: T0, to };
        expect(rounded(await store.summarize({ ...q, every: H })), `${asset} hourly`).toEqual(expected(asset, T0, to, H));
        expect(rounded(await store.summarize({ ...q, every: 24 * H })), `${asset} daily`).toEqual(expected(asset, T0, to, 24 * H));
        const twoHours = expected(asset, T0, to, 2 * H);
        for (const fn of ['mean', 'min', 'max', 'count'] as const) {
          const buckets = await store.aggregate({ ...q, every: 2 * H, fn });
          expect(
            buckets.map((b) => ({ ts: b.ts, value: Math.round(b.value! * 1e9) / 1e9 })),
            `${asset} ${fn}`,
          ).toEqual(twoHours.map((b) => ({ ts: b.ts, value: b[fn] })));
        }
      }
      // The figures a user sees, for p1's 08:00: 60 readings + 12 late ones.
      expect((await store.summarize({ asset: 'p1', measurement: 'pump', metric: 'vibration_mms', from: T0, to: T0 + H, every: H }))[0]?.count).toBe(72);
    });

    it('summarizes a state as 0 and 1: its mean is the share of readings it was on', async () => {
      store.write([true, false, true, true].map((running, i) => pump('p1', T0 + i * 1000, { running })));
      await store.flush();
      expect(await store.summarize({ asset: 'p1', measurement: 'pump', metric: 'running', from: T0, to: T0 + 10_000, every: 10_000 })).toEqual([
        { ts: T0, min: 0, max: 1, mean: 0.75, count: 4 },
      ]);
    });

    it('summarizes nothing for an asset without readings or a metric not in the catalogue', async () => {
      store.write([pump('p1', T0, { flow_m3h: 1 })]);
      await store.flush();
      const q = { measurement: 'pump' as const, from: T0, to: T0 + H, every: H };
      expect(await store.summarize({ ...q, asset: 'nobody', metric: 'flow_m3h' })).toEqual([]);
      expect(await store.summarize({ ...q, asset: 'p1', metric: 'no_such_metric' })).toEqual([]);
    });

    it('leaves out readings outside the time range', async () => {
      store.write([pump('p1', T0 - 1, { flow_m3h: 100 }), pump('p1', T0, { flow_m3h: 1 }), pump('p1', T0 + 60_000, { flow_m3h: 100 })]);
      await store.flush();
      expect(await store.aggregate({ asset: 'p1', measurement: 'pump', metric: 'flow_m3h', from: T0, to: T0 + 60_000, every: 60_000, fn: 'count' })).toEqual([
        { ts: T0, value: 1 },
      ]);
    });

    it('counts a counter increase across a device reset as usage, never negative', async () => {
      // 100 → 103, reset to 0 → 2: 3 hours before the reset and 2 after.
      store.write([100, 101, 103, 0, 2].map((v, i) => pump('p1', T0 + i * 1000, { run_hours: v })));
      await store.flush();
      expect(
        await store.aggregate({ asset: 'p1', measurement: 'pump', metric: 'run_hours', from: T0, to: T0 + 10_000, every: 10_000, fn: 'increase' }),
      ).toEqual([{ ts: T0, value: 5 }]);
    });

    it('counts a counter over many buckets with resets in some: each step in the bucket of its later reading', async () => {
      // Hour 1: 10 → 12, reset → 1 (3); hour 2: a lone reading 5, up from 1 (4); hour 3: 5 → 2 (reset: 2), 2 → 2 (0), reset → 0 (0);
      // hour 5: 0 → 7 (7). Hour 4 has no readings and no bucket.
      const values: [number, number][] = [
        [0, 10],
        [10, 12],
        [20, 1],
        [H + 30, 5],
        [2 * H, 2],
        [2 * H + 60_000, 2],
        [2 * H + 120_000, 0],
        [4 * H + 5, 7],
      ];
      store.write(values.map(([t, v]) => pump('p1', T0 + t, { run_hours: v })));
      await store.flush();
      const q = { asset: 'p1', measurement: 'pump' as const, metric: 'run_hours', from: T0, to: T0 + 5 * H, every: H };
      expect(await store.aggregate({ ...q, fn: 'increase' })).toEqual([
        { ts: T0, value: 3 },
        { ts: T0 + H, value: 4 },
        { ts: T0 + 2 * H, value: 2 },
        { ts: T0 + 4 * H, value: 7 },
      ]);
      // Usage since a moment, as preventive maintenance asks it: one bucket over the whole span.
      expect(await store.aggregate({ ...q, from: T0 + H, every: 4 * H, fn: 'increase' })).toEqual([{ ts: T0 + H, value: 9 }]);
      // A single reading has risen by nothing yet; an asset without readings has no figure at all.
      expect(await store.aggregate({ ...q, from: T0 + 4 * H, every: H, fn: 'increase' })).toEqual([{ ts: T0 + 4 * H, value: 0 }]);
      expect(await store.aggregate({ ...q, asset: 'p2', fn: 'increase' })).toEqual([]);
    });

    it('stores a reading written twice (a replayed batch) once', async () => {
      store.write([pump('p1', T0, { flow_m3h: 5 })]);
      store.write([pump('p1', T0, { flow_m3h: 5 })]);
      await store.flush();
      expect(await store.aggregate({ asset: 'p1', measurement: 'pump', metric: 'flow_m3h', from: T0, to: T0 + 1000, every: 1000, fn: 'count' })).toEqual([
        { ts: T0, value: 1 },
      ]);
    });

    it('keeps assets apart', async () => {
      store.write([pump('p1', T0, { flow_m3h: 5 }), pump('p2', T0, { flow_m3h: 7 })]);
      await store.flush();
      expect(await store.latest('p2', 'pump')).toEqual([{ metric: 'flow_m3h', value: 7, ts: T0 }]);
    });

    it('stores device events with their details, newest first', async () => {
      store.writeEvent({ site: 'estate-a', asset: 'e1', type: 'door_fault', ts: T0, details: { code: 'E21' } });
      store.writeEvent({ site: 'estate-a', asset: 'e1', type: 'entrapment', ts: T0 + 1000, details: {} });
      await store.flush();
      expect(await store.events({ asset: 'e1', from: T0, to: T0 + 2000, limit: 10 })).toEqual([
        { site: 'estate-a', asset: 'e1', type: 'entrapment', ts: T0 + 1000, details: {} },
        { site: 'estate-a', asset: 'e1', type: 'door_fault', ts: T0, details: { code: 'E21' } },
      ]);
    });

    it('reports how many points (readings) it has written and how many wait', async () => {
      store.write([pump('p1', T0, { flow_m3h: 1, vibration_mms: 2 }), pump('p1', T0 + 1, { flow_m3h: 1 })]);
      expect(store.health().pending).toBe(2);
      await store.flush();
      expect(store.health()).toMatchObject({ state: 'up', pending: 0, written: 2 });
    });

    it('merges the fields of two points with the same series and time, as InfluxDB does', async () => {
      store.write([pump('p1', T0, { flow_m3h: 5, running: true })]);
      store.write([pump('p1', T0, { vibration_mms: 2.5 })]);
      await store.flush();
      const q = { asset: 'p1', measurement: 'pump' as const, from: T0, to: T0 + 1, every: 1000, fn: 'last' as const };
      expect(await store.aggregate({ ...q, metric: 'flow_m3h' })).toEqual([{ ts: T0, value: 5 }]);
      expect(await store.aggregate({ ...q, metric: 'vibration_mms' })).toEqual([{ ts: T0, value: 2.5 }]);
    });
  });
}
