import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, requireProgram } from '../testing/harness.ts';
import { startInfluxd, type Influxd } from '../testing/influxd.ts';
import { createInfluxTelemetryStore } from './telemetry-store.influx.ts';

const influxd = requireProgram('influxd', 'influxdb');

async function admin(url: string, q: string): Promise<void> {
  const res = await fetch(`${url}/query?q=${encodeURIComponent(q)}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('admin:admin-pass').toString('base64')}` },
  });
  const body = (await res.json()) as { results?: { error?: string }[]; error?: string };
  if (!res.ok || body.error || body.results?.[0]?.error) throw new Error(JSON.stringify(body));
}

describe.skipIf(!influxd.available)(`InfluxDB with authentication ${influxd.reason}`, () => {
  let server: Influxd;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-influx-auth-'));
  const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

  beforeAll(async () => {
    server = await startInfluxd({ auth: true });
    // 1.x lets the first admin be created without credentials.
    await fetch(`${server.url}/query?q=${encodeURIComponent("CREATE USER admin WITH PASSWORD 'admin-pass' WITH ALL PRIVILEGES")}`, { method: 'POST' });
    await admin(server.url, `CREATE USER "reader-only" WITH PASSWORD 'ro-pass'`);
  });
  afterAll(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (db: string, username: string, password: string) => {
    const { log, records } = captureLogger('debug');
    const store = createInfluxTelemetryStore({
      connection: { url: server.url, db, rp: undefined, token: undefined, username, password },
      dataDir: path.join(dir, `${db}-${username}`),
      spoolMaxBytes: 1e8,
      log,
      flushIntervalMs: 50,
    });
    return { store, records };
  };

  it('creates the database and writes with a user name and password', async () => {
    const { store } = open('fms_auth', 'admin', 'admin-pass');
    const s = await store;
    s.write([{ measurement: 'pump', site: 's', asset: 'p1', ts: T0, fields: { flow_m3h: 3 } }]);
    await s.flush();
    expect(s.health()).toMatchObject({ state: 'up', written: 1 });
    expect(await s.aggregate({ asset: 'p1', measurement: 'pump', metric: 'flow_m3h', from: T0, to: T0 + 1, every: 1000, fn: 'last' })).toEqual([
      { ts: T0, value: 3 },
    ]);
    await s.close();
  });

  it('says clearly when the database does not exist and the user may not create it, and keeps the readings', async () => {
    const { store, records } = open('fms_missing', 'reader-only', 'ro-pass');
    const s = await store;
    expect(records.find((r) => r.level === 50)?.msg).toMatch(
      /InfluxDB database "fms_missing" does not exist and FMS cannot create it: create it \(1.x: CREATE DATABASE fms_missing\)/,
    );
    s.write([{ measurement: 'pump', site: 's', asset: 'p1', ts: T0, fields: { flow_m3h: 3 } }]);
    await s.flush();
    expect(s.health()).toMatchObject({ state: 'down', spool: { points: 1 } });
    await s.close();
  });

  it('reports refused credentials as the reason the store is down', async () => {
    const { store } = open('fms_auth', 'admin', 'wrong');
    const s = await store;
    s.write([{ measurement: 'pump', site: 's', asset: 'p1', ts: T0 + 1, fields: { flow_m3h: 3 } }]);
    await s.flush();
    expect(s.health()).toMatchObject({ state: 'down', spool: { points: 1 } });
    expect(s.health().detail).toMatch(/InfluxDB refused the credentials \(401\): check FMS_INFLUX_TOKEN or FMS_INFLUX_USERNAME\/FMS_INFLUX_PASSWORD/);
    await s.close();
  });
});
