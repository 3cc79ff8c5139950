import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireProgram } from '../testing/harness.ts';
import { startInfluxd, type Influxd } from '../testing/influxd.ts';
import { createInfluxClient } from './influx-client.ts';
import { describeTelemetryStore } from './telemetry-store.contract.ts';
import { createInfluxTelemetryStore } from './telemetry-store.influx.ts';
import type { TelemetryStore } from './telemetry-store.ts';

const influxd = requireProgram('influxd', 'influxdb');
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

describe.skipIf(!influxd.available)(`InfluxDB 1.x (real influxd) ${influxd.reason}`, () => {
  let server: Influxd;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-influx-store-'));
  let n = 0;
  const open = (db = `fms_t${++n}`, extra: { onDeadLetter?: (line: string, reason: string) => void } = {}) =>
    createInfluxTelemetryStore({
      connection: { url: server.url, db, rp: undefined, token: undefined, username: undefined, password: undefined },
      dataDir: path.join(dir, db),
      spoolMaxBytes: 64 * 1024 * 1024,
      log,
      flushIntervalMs: 100,
      rollupIntervalMs: 0,
      ...extra,
    });

  beforeAll(async () => {
    server = await startInfluxd();
  });
  afterAll(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  describeTelemetryStore('InfluxDB', () => open());

  describe('hourly rollups', () => {
    const H = 3_600_000;
    const MIN = 60_000;
    const clientOf = (db: string) => createInfluxClient({ url: server.url, db, rp: undefined, token: undefined, username: undefined, password: undefined });
    /** 08:00 … 10:59, one reading a minute of pump p1: 100 × hour + minute. */
    const threeHours = () =>
      Array.from({ length: 180 }, (_, i) => ({
        measurement: 'pump' as const,
        site: 's',
        asset: 'p1',
        ts: T0 + i * MIN,
        fields: { flow_m3h: 100 * (8 + Math.floor(i / 60)) + (i % 60) },
      }));
    const q = { asset: 'p1', measurement: 'pump' as const, metric: 'flow_m3h', from: T0, to: T0 + 3 * H, every: H };
    const hourly = [
      { ts: T0, min: 800, max: 859, mean: 829.5, count: 60 },
      { ts: T0 + H, min: 900, max: 959, mean: 929.5, count: 60 },
      { ts: T0 + 2 * H, min: 1000, max: 1059, mean: 1029.5, count: 60 },
    ];

    it('reads whole hours from the rollups: the figures stay when the raw readings are gone (a short raw retention)', async () => {
      const db = `fms_t${++n}`;
      const store = await open(db);
      store.write(threeHours());
      await store.flush();
      expect(await store.maintain(T0 + 3 * H + 5 * MIN)).toMatchObject({ until: T0 + 3 * H, from: T0, backfillDone: true });
      await clientOf(db).query(`DELETE FROM "pump" WHERE time < ${T0 + 3 * H}ms`, 'POST');
      expect(await store.summarize(q)).toEqual(hourly);
      expect(await store.aggregate({ ...q, every: 3 * H, fn: 'max' })).toEqual([{ ts: T0, value: 1059 }]);
      // Not whole hours: raw readings, which are gone.
      expect(await store.summarize({ ...q, every: 30 * MIN })).toEqual([]);
      await store.close();
    });

    it('rolls up the history of an InfluxDB that held readings before FMS first ran against it', async () => {
      const db = `fms_t${++n}`;
      const client = clientOf(db);
      await client.query(`CREATE DATABASE "${db}"`, 'POST');
      expect(
        await client.write(
          threeHours()
            .map((p) => `pump,asset=p1,site=s flow_m3h=${p.fields.flow_m3h} ${p.ts}`)
            .join('\n'),
        ),
      ).toEqual({ kind: 'ok' });
      const store = await open(db);
      expect(await store.maintain(T0 + 3 * H + 5 * MIN)).toMatchObject({ from: T0, until: T0 + 3 * H, backfillDone: true, written: 3 });
      await client.query(`DELETE FROM "pump" WHERE time < ${T0 + 3 * H}ms`, 'POST');
      expect(await store.summarize(q)).toEqual(hourly);
      await store.close();
    });

    it('rolls up late readings accepted before a restart of FMS, and reads them raw until then', async () => {
      const db = `fms_t${++n}`;
      const first = await open(db);
      first.write(threeHours());
      await first.flush();
      await first.maintain(T0 + 3 * H + 5 * MIN);
      // Two readings of 09:00 arrive late; FMS stops before its next rollup run.
      first.write([
        { measurement: 'pump', site: 's', asset: 'p1', ts: T0 + H + 30_000, fields: { flow_m3h: 2000 } },
        { measurement: 'pump', site: 's', asset: 'p1', ts: T0 + H + 90_000, fields: { flow_m3h: 1 } },
      ]);
      await first.flush();
      const nineOClock = { ts: T0 + H, min: 1, max: 2000, mean: (60 * 929.5 + 2001) / 62, count: 62 };
      expect(await first.summarize(q)).toEqual([hourly[0], nineOClock, hourly[2]]);
      await first.close();
      const second = await open(db);
      expect(await second.maintain(T0 + 3 * H + 10 * MIN)).toMatchObject({ rolledUpLate: 1 });
      await clientOf(db).query(`DELETE FROM "pump" WHERE time < ${T0 + 3 * H}ms`, 'POST');
      expect(await second.summarize(q)).toEqual([hourly[0], nineOClock, hourly[2]]);
      await second.close();
    });

    it('does not roll up an hour while readings of it wait in the spool', async () => {
      const db = `fms_t${++n}`;
      const store = await open(db);
      store.write(threeHours().slice(0, 120));
      await store.flush();
      // 08:00 and 09:00 are rolled up while InfluxDB answers.
      expect(await store.maintain(T0 + 2 * H + 5 * MIN)).toMatchObject({ until: T0 + 2 * H });
      await server.stop();
      store.write(threeHours().slice(120));
      await store.flush();
      expect(store.health().spool?.points).toBe(60);
      // 10:00's readings wait in the spool: the run rolls nothing up. (Checked before InfluxDB is back:
      // once it is, the writer replays the spool on its own timer, and a run may find it empty.)
      expect(await store.maintain(T0 + 3 * H + 5 * MIN)).toMatchObject({ skipped: expect.any(String), written: 0 });
      await server.start();
      await vi.waitFor(() => expect(store.health()).toMatchObject({ state: 'up', spool: { points: 0 } }), { timeout: 40_000, interval: 200 });
      expect(await store.maintain(T0 + 3 * H + 6 * MIN)).toMatchObject({ until: T0 + 3 * H, backfillDone: true });
      await clientOf(db).query(`DELETE FROM "pump" WHERE time < ${T0 + 3 * H}ms`, 'POST');
      expect(await store.summarize(q)).toEqual(hourly);
      await store.close();
    }, 90_000);
  });

  it('answers queries for hostile asset ids with nothing rather than another asset’s data (no InfluxQL injection)', async () => {
    const db = `fms_t${++n}`;
    const store = await open(db);
    store.write([
      { measurement: 'pump', site: 's', asset: 'p1', ts: T0, fields: { flow_m3h: 1 } },
      { measurement: 'pump', site: 's', asset: 'p2', ts: T0, fields: { flow_m3h: 2 } },
    ]);
    store.writeEvent({ site: 's', asset: 'p2', type: 'trip', ts: T0, details: {} });
    await store.flush();
    const hostile = [`x' OR "asset" = 'p2`, `p2' --`, `p1'; DROP DATABASE "${db}"; SELECT '`, "\\' OR 1=1 OR '", 'p2\\', `" OR ""="`, '/.*/'];
    for (const asset of hostile) {
      expect(await store.latest(asset, 'pump'), asset).toEqual([]);
      expect(await store.aggregate({ asset, measurement: 'pump', metric: 'flow_m3h', from: T0 - 1000, to: T0 + 1000, every: 1000, fn: 'max' }), asset).toEqual(
        [],
      );
      expect(
        await store.aggregate({ asset, measurement: 'pump', metric: 'flow_m3h', from: T0 - 1000, to: T0 + 1000, every: 1000, fn: 'increase' }),
        asset,
      ).toEqual([]);
      expect(await store.events({ asset, from: T0 - 1000, to: T0 + 1000, limit: 10 }), asset).toEqual([]);
    }
    // A metric that is not in the catalogue is never put into a query.
    expect(
      await store.aggregate({
        asset: 'p1',
        measurement: 'pump',
        metric: 'flow_m3h") FROM "pump"; DROP MEASUREMENT "pump',
        from: T0 - 1000,
        to: T0 + 1000,
        every: 1000,
        fn: 'max',
      }),
    ).toEqual([]);
    // Everything is still there.
    expect(await store.latest('p2', 'pump')).toEqual([{ metric: 'flow_m3h', value: 2, ts: T0 }]);
    await store.close();
  });

  it('writes a tag with backslashes before a comma, a space or the end as the server reads it, instead of losing the point', async () => {
    // Found by the property test of line-protocol.ts: the server reads such a backslash as escaping what follows.
    const db = `fms_t${++n}`;
    const dead: string[] = [];
    const store = await open(db, { onDeadLetter: (line) => dead.push(line) });
    store.write([{ measurement: 'pump', site: 's\\ x', asset: 'p\\,1\\', ts: T0, fields: { flow_m3h: 7 } }]);
    await store.flush();
    await store.close();
    expect(dead).toEqual([]);
    const again = await open(db);
    expect(await again.latest('p_,1_', 'pump')).toEqual([{ metric: 'flow_m3h', value: 7, ts: T0 }]);
    await again.close();
  });

  it('round-trips every character devices can send in tags, field keys and string values', async () => {
    const db = `fms_t${++n}`;
    const store = await open(db);
    const nasty = 'a b,c=d\\e"f\'g楼层';
    store.write([{ measurement: 'pump', site: 'site one', asset: nasty, ts: T0, fields: { flow_m3h: 12.5, running: false } }]);
    store.writeEvent({
      site: 's',
      asset: nasty,
      type: 'door_fault',
      ts: T0,
      details: { code: 'E21 "door", left=1\\2', 'vendor key,=x': 'line1\nline2', note: '电梯门故障' },
    });
    await store.flush();
    await store.close();
    // A second store knows nothing in memory: what it returns comes from the server.
    const again = await open(db);
    expect(await again.latest(nasty, 'pump')).toEqual([
      { metric: 'flow_m3h', value: 12.5, ts: T0 },
      { metric: 'running', value: false, ts: T0 },
    ]);
    expect(await again.events({ asset: nasty, from: T0, to: T0 + 1, limit: 10 })).toEqual([
      { asset: nasty, site: 's', type: 'door_fault', ts: T0, details: { code: 'E21 "door", left=1\\2', 'vendor key,=x': 'line1\\nline2', note: '电梯门故障' } },
    ]);
    await again.close();
  });

  it('dead-letters a reading the server refuses and writes the rest of its batch', async () => {
    const dead: string[] = [];
    const store = await open(`fms_t${++n}`, { onDeadLetter: (_line, reason) => dead.push(reason) });
    store.write([{ measurement: 'pump', site: 's', asset: 'p1', ts: T0, fields: { flow_m3h: 1 } }]);
    await store.flush();
    // flow_m3h is a float in this database now: a boolean for it is a field type conflict.
    store.write([
      { measurement: 'pump', site: 's', asset: 'p1', ts: T0 + 1, fields: { flow_m3h: 2 } },
      { measurement: 'pump', site: 's', asset: 'p1', ts: T0 + 2, fields: { flow_m3h: true } },
      { measurement: 'pump', site: 's', asset: 'p1', ts: T0 + 3, fields: { flow_m3h: 4 } },
    ]);
    await store.flush();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatch(/field type conflict/);
    expect(await store.aggregate({ asset: 'p1', measurement: 'pump', metric: 'flow_m3h', from: T0, to: T0 + 10, every: 10, fn: 'count' })).toEqual([
      { ts: T0, value: 3 },
    ]);
    expect(store.health()).toMatchObject({ state: 'up', deadLettered: 1, pending: 0 });
    const file = readFileSync(path.join(dir, `fms_t${n}`, 'dead-letter', 'influx.jsonl'), 'utf8');
    expect(JSON.parse(file.trim())).toMatchObject({
      line: `pump,asset=p1,site=s flow_m3h=true ${T0 + 2}`,
      reason: expect.stringMatching(/field type conflict/),
    });
    await store.close();
  });

  it('spools while the server is down and writes every reading exactly once when it returns', async () => {
    const db = `fms_t${++n}`;
    const store: TelemetryStore = await open(db);
    store.write([{ measurement: 'gate', site: 's', asset: 'g1', ts: T0, fields: { passages: 0 } }]);
    await store.flush();
    await server.stop();
    for (let i = 1; i <= 10_000; i++) store.write([{ measurement: 'gate', site: 's', asset: 'g1', ts: T0 + i, fields: { passages: i } }]);
    await store.flush();
    expect(store.health()).toMatchObject({ state: 'down', spool: { points: 10_000 } });
    expect(store.health().detail).toMatch(/unreachable/);
    await server.start();
    await vi.waitFor(() => expect(store.health()).toMatchObject({ state: 'up', spool: { points: 0 } }), { timeout: 40_000, interval: 200 });
    const client = createInfluxClient({ url: server.url, db, rp: undefined, token: undefined, username: undefined, password: undefined });
    const [series] = await client.query<[number, number, number]>(
      `SELECT COUNT("passages"), SUM("passages") FROM "gate" WHERE time >= ${T0}ms AND time <= ${T0 + 10_000}ms`,
    );
    expect(series!.values[0]!.slice(1)).toEqual([10_001, (10_000 * 10_001) / 2]);
    await store.close();
  }, 90_000);

  it('keeps its spool across a restart of FMS itself', async () => {
    const db = `fms_t${++n}`;
    const first = await open(db);
    await server.stop();
    for (let i = 0; i < 500; i++) first.write([{ measurement: 'gate', site: 's', asset: 'g2', ts: T0 + i, fields: { passages: i } }]);
    await first.close(); // shutdown while InfluxDB is down: everything goes to the spool
    expect(first.health().spool?.points).toBe(500);
    await server.start();
    const second = await open(db);
    await vi.waitFor(() => expect(second.health()).toMatchObject({ spool: { points: 0 }, written: 500 }), { timeout: 30_000, interval: 200 });
    expect(await second.aggregate({ asset: 'g2', measurement: 'gate', metric: 'passages', from: T0, to: T0 + 500, every: 1000, fn: 'count' })).toEqual([
      { ts: T0, value: 500 },
    ]);
    await second.close();
  }, 60_000);
});
