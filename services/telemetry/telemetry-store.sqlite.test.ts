import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeTelemetryStore } from './telemetry-store.contract.ts';
import { createSqliteTelemetryStore } from './telemetry-store.sqlite.ts';
import type { SummaryBucket } from './telemetry-store.ts';

const log = pino({ level: 'silent' });
const dir = mkdtempSync(path.join(tmpdir(), 'fms-telemetry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// No background maintenance: the suite runs it where it wants rollups, as of the readings' time.
describeTelemetryStore('SQLite in memory', async () => createSqliteTelemetryStore({ file: ':memory:', log, maintenanceIntervalMs: 0 }));

let n = 0;
describeTelemetryStore('SQLite file', async () => createSqliteTelemetryStore({ file: path.join(dir, `t${n++}.db`), log, maintenanceIntervalMs: 0 }));

describe('SQLite telemetry store on disk', () => {
  it('rebuilds last values after a crash from the newest rows', async () => {
    const file = path.join(dir, 'crash.db');
    const first = createSqliteTelemetryStore({ file, log });
    first.write([{ measurement: 'pump', site: 's', asset: 'p9', ts: 1_764_000_000_000, fields: { flow_m3h: 1 } }]);
    await first.flush(); // the first flush also saves the last values
    first.write([{ measurement: 'pump', site: 's', asset: 'p9', ts: 1_764_000_001_000, fields: { flow_m3h: 2, running: true } }]);
    await first.flush(); // rows written, last values not saved yet (they are saved every 2 s)
    // No close(): the process dies here. A second store opens the same file.
    const second = createSqliteTelemetryStore({ file, log });
    expect(await second.latest('p9', 'pump')).toEqual([
      { metric: 'flow_m3h', value: 2, ts: 1_764_000_001_000 },
      { metric: 'running', value: true, ts: 1_764_000_001_000 },
    ]);
    await second.close();
    await first.close();
  });

  it('keeps readings and latest values across a restart', async () => {
    const file = path.join(dir, 'restart.db');
    const first = createSqliteTelemetryStore({ file, log });
    first.write([{ measurement: 'gate', site: 's', asset: 'g1', ts: 1_764_000_000_000, fields: { passages: 12, open: false } }]);
    await first.close();
    const second = createSqliteTelemetryStore({ file, log });
    expect(await second.latest('g1', 'gate')).toEqual([
      { metric: 'open', value: false, ts: 1_764_000_000_000 },
      { metric: 'passages', value: 12, ts: 1_764_000_000_000 },
    ]);
    await second.close();
  });

  it('writes by itself when the batch is full, without waiting for a flush', async () => {
    const store = createSqliteTelemetryStore({ file: ':memory:', log, batchSize: 10, flushIntervalMs: 60_000 });
    for (let i = 0; i < 12; i++) store.write([{ measurement: 'pump', site: 's', asset: 'p', ts: 1_764_000_000_000 + i, fields: { flow_m3h: i } }]);
    // The writer thread must start first (it loads tsx): on a loaded machine that takes over vitest's default 1 s.
    await vi.waitFor(() => expect(store.health()).toMatchObject({ written: 10, pending: 2 }), { timeout: 15_000, interval: 50 });
    await store.close();
  });
});

describe('SQLite telemetry store retention', () => {
  const MIN = 60_000;
  const DAY = 86_400_000;
  const T = Date.UTC(2026, 9, 1, 8, 0, 0);

  it('keeps answering from 1-minute rollups after raw readings are pruned, and prunes rollups later', async () => {
    const store = createSqliteTelemetryStore({ file: ':memory:', log, rawRetentionMs: 7 * DAY, rollupRetentionMs: 400 * DAY, maintenanceIntervalMs: 0 });
    // Ten minutes of a pump, one reading every 10 s; the run-hours counter resets once.
    const points = Array.from({ length: 60 }, (_, i) => ({
      measurement: 'pump' as const,
      site: 's',
      asset: 'p1',
      ts: T + i * 10_000,
      fields: { vibration_mms: 1 + (i % 6), run_hours: i < 30 ? 100 + i : i - 30 },
    }));
    store.write(points);
    await store.flush();
    const queries = (['mean', 'min', 'max', 'last', 'count', 'increase'] as const).flatMap((fn) => [
      { asset: 'p1', measurement: 'pump' as const, metric: 'vibration_mms', from: T, to: T + 10 * MIN, every: 5 * MIN, fn },
      { asset: 'p1', measurement: 'pump' as const, metric: 'run_hours', from: T, to: T + 10 * MIN, every: 2 * MIN, fn },
    ]);
    const fromRaw = await Promise.all(queries.map((q) => store.aggregate(q)));

    const first = await store.maintain(T + 7 * DAY + 30 * MIN);
    expect(first).toMatchObject({ pruned: 60, rolledUp: 20 });
    expect(await Promise.all(queries.map((q) => store.aggregate(q)))).toEqual(fromRaw);

    await store.maintain(T + 401 * DAY);
    expect(await store.aggregate(queries[0]!)).toEqual([]);
    await store.close();
  });

  it('answers hour-aligned queries and summaries from hourly rollups with the same figures as from the readings', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fms-hourly-'));
    const file = path.join(dir, 'telemetry.db');
    const store = createSqliteTelemetryStore({ file, log, rawRetentionMs: 7 * DAY, rollupRetentionMs: 400 * DAY, maintenanceIntervalMs: 0 });
    try {
      const H = 60 * MIN;
      // Three hours of a pump every 10 s (from 08:00), the run-hours counter reset once at 09:30.
      const points = Array.from({ length: 3 * 360 }, (_, i) => ({
        measurement: 'pump' as const,
        site: 's',
        asset: 'p1',
        ts: T + i * 10_000,
        fields: { vibration_mms: 1 + ((i * 7) % 11) / 3, run_hours: i < 540 ? 100 + i / 360 : (i - 540) / 360 },
      }));
      store.write(points);
      await store.flush();
      const queries = (['mean', 'min', 'max', 'last', 'count', 'increase'] as const).flatMap((fn) => [
        { asset: 'p1', measurement: 'pump' as const, metric: 'vibration_mms', from: T, to: T + 3 * H, every: H, fn },
        { asset: 'p1', measurement: 'pump' as const, metric: 'run_hours', from: T - H, to: T + 4 * H, every: 2 * H, fn },
        // Not on the hour: read from minutes and readings.
        { asset: 'p1', measurement: 'pump' as const, metric: 'run_hours', from: T + 5 * MIN, to: T + 3 * H, every: H, fn },
      ]);
      const fromRaw = await Promise.all(queries.map((q) => store.aggregate(q)));
      expect(fromRaw[0]).toHaveLength(3);
      const summaries = queries.filter((q) => q.fn === 'mean');
      const summarizedRaw = await Promise.all(summaries.map((q) => store.summarize(q)));
      expect(summarizedRaw[0]!.map((b) => b.count)).toEqual([360, 360, 360]);

      // Rolled up (hours from minutes), then with the readings pruned: the same answers.
      await store.maintain(T + 3 * H + 5 * MIN);
      const inspect = new Database(file, { readonly: true });
      expect(inspect.prepare('SELECT metric, count(*) AS n FROM rollups_hourly GROUP BY metric ORDER BY metric').all()).toEqual([
        { metric: 'run_hours', n: 3 },
        { metric: 'vibration_mms', n: 3 },
      ]);
      inspect.close();
      const round = (buckets: { ts: number; value: number | null }[][]) =>
        buckets.map((b) => b.map((x) => ({ ts: x.ts, value: x.value === null ? null : Math.round(x.value * 1e9) / 1e9 })));
      const roundMeans = (buckets: SummaryBucket[][]) => buckets.map((b) => b.map((x) => ({ ...x, mean: Math.round(x.mean * 1e9) / 1e9 })));
      expect(round(await Promise.all(queries.map((q) => store.aggregate(q))))).toEqual(round(fromRaw));
      expect(roundMeans(await Promise.all(summaries.map((q) => store.summarize(q))))).toEqual(roundMeans(summarizedRaw));
      await store.maintain(T + 8 * DAY);
      expect(round(await Promise.all(queries.map((q) => store.aggregate(q))))).toEqual(round(fromRaw));
      expect(roundMeans(await Promise.all(summaries.map((q) => store.summarize(q))))).toEqual(roundMeans(summarizedRaw));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts no rolled-up minute past `to` (nor before `from`) once the readings are pruned', async () => {
    const store = createSqliteTelemetryStore({ file: ':memory:', log, rawRetentionMs: 7 * DAY, maintenanceIntervalMs: 0 });
    // Ten minutes, one reading every 10 s.
    store.write(Array.from({ length: 60 }, (_, i) => ({ measurement: 'pump' as const, site: 's', asset: 'p1', ts: T + i * 10_000, fields: { flow_m3h: i } })));
    await store.flush();
    await store.maintain(T + 8 * DAY);
    const q = { asset: 'p1', measurement: 'pump' as const, metric: 'flow_m3h', every: 10 * MIN };
    // Only minutes inside the range count: 08:00 … 08:04 of [08:00, 08:05:30), 08:01 … 08:04 of [08:00:30, 08:05:30).
    expect(await store.summarize({ ...q, from: T, to: T + 5 * MIN + 30_000 })).toEqual([{ ts: T, min: 0, max: 29, mean: 14.5, count: 30 }]);
    expect(await store.summarize({ ...q, from: T + 30_000, to: T + 5 * MIN + 30_000 })).toEqual([{ ts: T + 30_000, min: 6, max: 29, mean: 17.5, count: 24 }]);
    await store.close();
  });

  describe('late readings', () => {
    const H = 60 * MIN;
    const pump = (ts: number, flow: number) => ({ measurement: 'pump' as const, site: 's', asset: 'p1', ts, fields: { flow_m3h: flow } });
    const hourly = { asset: 'p1', measurement: 'pump' as const, metric: 'flow_m3h', from: T, to: T + 2 * H, every: H };

    it('late readings still reach their hour across a restart of FMS before the next rollup', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'fms-late-'));
      const file = path.join(dir, 'telemetry.db');
      try {
        const first = createSqliteTelemetryStore({ file, log, maintenanceIntervalMs: 0 });
        first.write([pump(T, 1), pump(T + H, 10)]);
        await first.flush();
        await first.maintain(T + 2 * H + 5 * MIN);
        first.write([pump(T + 30 * MIN, 3)]); // an hour and a half late
        await first.flush();
        await first.close(); // stopped before the next rollup
        const second = createSqliteTelemetryStore({ file, log, maintenanceIntervalMs: 0 });
        second.write([pump(T + 40 * MIN, 5)]); // late too, and written before the new process's first rollup
        await second.flush();
        expect(await second.maintain(T + 2 * H + 6 * MIN)).toMatchObject({ rolledUpLate: 2 });
        expect(await second.summarize(hourly)).toEqual([
          { ts: T, min: 1, max: 5, mean: 3, count: 3 },
          { ts: T + H, min: 10, max: 10, mean: 10, count: 1 },
        ]);
        await second.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('on-time readings leave no mark to roll up again; late ones mark their minute until the next rollup', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'fms-late-'));
      const file = path.join(dir, 'telemetry.db');
      const store = createSqliteTelemetryStore({ file, log, maintenanceIntervalMs: 0 });
      const marks = () => {
        const inspect = new Database(file, { readonly: true });
        const rows = inspect.prepare('SELECT minute FROM rollup_dirty ORDER BY minute').pluck().all();
        inspect.close();
        return rows;
      };
      try {
        store.write([pump(T, 1)]);
        await store.flush();
        await store.maintain(T + H + 2 * MIN); // rolled up until T + 1 h
        // On time (within the 2-minute grace of the rollup) and later: nothing to roll up again.
        store.write([pump(T + H, 2), pump(T + H + 30_000, 3), pump(T + 2 * H, 4)]);
        await store.flush();
        expect(marks()).toEqual([]);
        // Late: three readings in two minutes of the rolled-up hour, one mark a minute.
        store.write([pump(T + 10 * MIN, 5), pump(T + 10 * MIN + 1000, 6), pump(T + 20 * MIN, 7)]);
        await store.flush();
        expect(marks()).toEqual([T + 10 * MIN, T + 20 * MIN]);
        expect(await store.maintain(T + H + 3 * MIN)).toMatchObject({ rolledUpLate: 2 });
        expect(marks()).toEqual([]);
        expect(await store.summarize({ ...hourly, to: T + H })).toEqual([{ ts: T, min: 1, max: 7, mean: 4.75, count: 4 }]);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a reading that arrives after its minute’s readings were pruned is added to that minute’s rollup', async () => {
      const store = createSqliteTelemetryStore({ file: ':memory:', log, rawRetentionMs: 7 * DAY, maintenanceIntervalMs: 0 });
      store.write([pump(T, 1), pump(T + 10_000, 2), pump(T + 20_000, 3)]);
      await store.flush();
      await store.maintain(T + 8 * DAY); // rolled up, then the readings pruned
      expect(await store.summarize(hourly)).toEqual([{ ts: T, min: 1, max: 3, mean: 2, count: 3 }]);
      // Eight days late: the minute's other readings are gone, so this one is added to its rollup.
      store.write([pump(T + 30_000, 100)]);
      await store.flush();
      expect(await store.maintain(T + 8 * DAY + MIN)).toMatchObject({ rolledUpLate: 1 });
      expect(await store.summarize(hourly)).toEqual([{ ts: T, min: 1, max: 100, mean: 26.5, count: 4 }]);
      await store.close();
    });

    it('history imported into a running store, older than the raw retention, is kept in the rollups', async () => {
      const store = createSqliteTelemetryStore({ file: ':memory:', log, rawRetentionMs: 7 * DAY, maintenanceIntervalMs: 0 });
      await store.maintain(T + 30 * DAY); // a store that has been running: everything before 23 days ago is pruned
      // 30 days of history, a reading every 10 minutes, written long after its minutes were rolled up.
      const readings = Array.from({ length: 30 * 144 }, (_, i) => pump(T + i * 10 * MIN, 2 + (i % 6)));
      store.write(readings);
      await store.flush();
      expect(await store.maintain(T + 30 * DAY + MIN)).toMatchObject({ rolledUpLate: readings.length });
      const days = await store.summarize({ ...hourly, to: T + 30 * DAY, every: DAY });
      expect(days).toHaveLength(30);
      for (const day of days) expect(day).toEqual({ ts: day.ts, min: 2, max: 7, mean: 4.5, count: 144 });
      await store.close();
    });
  });

  it('does not prune readings younger than the raw retention', async () => {
    const store = createSqliteTelemetryStore({ file: ':memory:', log, rawRetentionMs: 7 * DAY, maintenanceIntervalMs: 0 });
    store.write([{ measurement: 'gate', site: 's', asset: 'g1', ts: T, fields: { passages: 5 } }]);
    await store.flush();
    expect(await store.maintain(T + 6 * DAY)).toMatchObject({ pruned: 0 });
    expect(await store.aggregate({ asset: 'g1', measurement: 'gate', metric: 'passages', from: T, to: T + 1, every: 1000, fn: 'last' })).toEqual([
      { ts: T, value: 5 },
    ]);
    await store.close();
  });
});
