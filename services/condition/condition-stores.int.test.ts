import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedHistory } from '../../simulators/history.ts';
import { requireProgram } from '../testing/harness.ts';
import { startInfluxd, type Influxd } from '../testing/influxd.ts';
import { createInfluxTelemetryStore, type InfluxTelemetryStore } from '../telemetry/telemetry-store.influx.ts';
import { createSqliteTelemetryStore, type SqliteTelemetryStore } from '../telemetry/telemetry-store.sqlite.ts';
import type { TelemetryPoint } from '../telemetry/telemetry-store.ts';
import { createConditionService } from './condition-service.ts';

const influxd = requireProgram('influxd', 'influxdb');
const log = pino({ level: 'silent' });
const H = 3_600_000;
const D = 24 * H;

/**
 * What a report, the asset's health and the predictive orders say about a pump comes from its hourly
 * figures: they must be the same whichever store holds its readings — InfluxDB reading its hourly
 * rollups, or the embedded store reading its own.
 */
describe.skipIf(!influxd.available)(`condition from either telemetry store ${influxd.reason}`, () => {
  let server: Influxd;
  let influx: InfluxTelemetryStore;
  let sqlite: SqliteTelemetryStore;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-condition-stores-'));
  const now = Math.floor(Date.now() / H) * H + 25 * 60_000;

  beforeAll(async () => {
    server = await startInfluxd();
    influx = await createInfluxTelemetryStore({
      connection: { url: server.url, db: 'fms', rp: undefined, token: undefined, username: undefined, password: undefined },
      dataDir: dir,
      spoolMaxBytes: 64 * 1024 * 1024,
      log,
      rollupIntervalMs: 0,
    });
    sqlite = createSqliteTelemetryStore({ file: ':memory:', log, maintenanceIntervalMs: 0 });
  });
  afterAll(async () => {
    await influx?.close();
    await sqlite?.close();
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('assesses a wearing pump the same from InfluxDB’s rollups as from the embedded store, late readings included', async () => {
    const history = (from: number, to: number) =>
      simulatedHistory(
        { id: 'p1', type: 'pump', site: 'riverside' },
        {
          seed: 7,
          from,
          to,
          stepMs: 5 * 60_000,
          metrics: ['vibration_mms', 'motor_temp_c'],
          faults: [{ fault: 'bearing_wear', since: now - 12 * D, rampMs: 24 * D }],
        },
      ).map((r): TelemetryPoint => {
        const { ts, ...fields } = r as { ts: number } & Record<string, number>;
        return { measurement: 'pump', site: 'riverside', asset: 'p1', ts, fields };
      });
    // 30 days live, then the last two days' readings of 07:00 … 09:00 yesterday held back and sent late.
    const all = history(now - 30 * D, now);
    const heldBack = (p: TelemetryPoint) => p.ts >= now - D - 2 * H && p.ts < now - D;
    for (const store of [influx, sqlite]) {
      store.write(all.filter((p) => !heldBack(p)));
      await store.flush();
      await store.maintain(now);
      store.write(all.filter(heldBack));
      await store.flush();
      await store.maintain(now + 60_000);
    }
    const fromInflux = await createConditionService({ telemetry: influx, repairs: async () => [] }).assess({ id: 'p1', type: 'pump' }, now);
    const fromSqlite = await createConditionService({ telemetry: sqlite, repairs: async () => [] }).assess({ id: 'p1', type: 'pump' }, now);
    const rounded = (v: unknown) =>
      JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isInteger(x) ? Number(x.toPrecision(9)) : x)));
    expect(fromInflux.recommendation).not.toBe('none');
    expect(fromInflux.indicators[0]!.assessment.state).toBe('degrading');
    expect(rounded(fromInflux)).toEqual(rounded(fromSqlite));
  }, 60_000);
});
