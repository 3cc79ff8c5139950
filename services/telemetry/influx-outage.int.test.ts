import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPublisher, type PublisherResult } from '../../simulators/bench/run-publisher.ts';
import { requireProgram, waitFor } from '../testing/harness.ts';
import { startInfluxd, type Influxd } from '../testing/influxd.ts';
import { startServiceProcess, type ServiceProcess } from '../testing/service-process.ts';
import { createInfluxClient } from './influx-client.ts';

const influxd = requireProgram('influxd', 'influxdb');
const PUMPS = 200;

/** Count and sum of run_hours per asset in InfluxDB (the publisher numbers each asset's readings 1, 2, 3…). */
async function storedPerAsset(url: string): Promise<Map<string, [number, number]>> {
  const client = createInfluxClient({ url, db: 'fms', rp: undefined, token: undefined, username: undefined, password: undefined });
  const series = await client.query<[number, number, number]>('SELECT COUNT("run_hours"), SUM("run_hours") FROM "pump" WHERE time > 0 GROUP BY "asset"');
  return new Map(series.map((s) => [s.tags!.asset!, [s.values[0]![1], s.values[0]![2]]]));
}

function expected(runs: PublisherResult[]): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (let i = 0; i < PUMPS; i++) {
    const id = `load-pump-${String(i + 1).padStart(4, '0')}`;
    out.set(id, [runs.reduce((a, r) => a + r.ackedPerAsset[i]!, 0), runs.reduce((a, r) => a + r.ackedSumPerAsset[i]!, 0)]);
  }
  return out;
}

describe.skipIf(!influxd.available)(`FMS on InfluxDB through outages ${influxd.reason}`, () => {
  let server: Influxd;
  let service: ServiceProcess;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-outage-'));
  const env = () => ({
    FMS_DATA_DIR: path.join(dir, 'data'),
    FMS_CONFIG: path.join(dir, 'estate.yaml'),
    FMS_INFLUX_URL: server.url,
    FMS_STORE_DOWN_ALARM_AFTER: '5s',
    // The load generator speaks for 200 pumps over one connection, as no single device may.
    FMS_MQTT_AUTH: 'off',
  });
  const runs: PublisherResult[] = [];

  beforeAll(async () => {
    const assets = Array.from({ length: PUMPS }, (_, i) => `  - { id: load-pump-${String(i + 1).padStart(4, '0')}, type: pump, site: load }`);
    writeFileSync(path.join(dir, 'estate.yaml'), `sites: [{ id: load }]\nassets:\n${assets.join('\n')}\n`);
    server = await startInfluxd();
    service = await startServiceProcess(env());
  });
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every accepted reading exactly once although InfluxDB is down for 25 s in the middle', async () => {
    // 4,000 readings/s at QoS 1 for 45 s: about 180,000 readings from 200 simulated pumps.
    const load = runPublisher({ mqttUrl: service.mqttUrl, qos: 1, seconds: 45, rate: 4000, site: 'load', prefix: 'load-pump', count: PUMPS });
    await new Promise((r) => setTimeout(r, 10_000));
    await server.stop();
    const stoppedAt = Date.now();

    // While it is down, the service keeps accepting, says so, and raises the system alarm.
    const health = await waitFor(
      async () => {
        const res = await fetch(`${service.httpUrl}/api/health`);
        const body = (await res.json()) as any;
        return res.status === 503 && body.telemetryStore.state === 'down' && body.spoolDepth > 0 ? body : undefined;
      },
      15_000,
      'health to show the store down and the spool growing',
    );
    expect(health.broker.state).toBe('up');
    const alarm = await waitFor(
      async () => (await service.get(`/api/alarms?state=active`)).items.find((a: any) => a.ruleId === 'system.telemetry-store-down'),
      15_000,
      'the store-down alarm',
    );
    expect(alarm).toMatchObject({ assetId: 'fms', site: 'system', severity: 'critical' });
    const acceptedBefore = (await service.get(`/api/health`)).spoolDepth;
    await new Promise((r) => setTimeout(r, Math.max(0, 25_000 - (Date.now() - stoppedAt))));
    expect((await service.get(`/api/health`)).spoolDepth).toBeGreaterThan(acceptedBefore);
    await server.start();

    runs.push(await load);
    expect(runs[0]!.acked).toBeGreaterThanOrEqual(100_000);
    expect(runs[0]!.failed).toBe(0);

    await waitFor(
      async () => {
        const h = await service.get(`/api/health`);
        return h.status === 'ok' && h.spoolDepth === 0 && h.telemetryStore.pending === 0;
      },
      60_000,
      'the spool to drain',
    );
    expect(await storedPerAsset(server.url)).toEqual(expected(runs));
    await waitFor(
      async () => (await service.get(`/api/alarms?state=cleared`)).items.some((a: any) => a.ruleId === 'system.telemetry-store-down'),
      10_000,
      'the alarm to clear',
    );
  }, 150_000);

  it('loses nothing in the spool when FMS itself is killed, and replays it on the next start', async () => {
    await server.stop();
    runs.push(await runPublisher({ mqttUrl: service.mqttUrl, qos: 1, seconds: 5, rate: 4000, site: 'load', prefix: 'load-pump', count: PUMPS }));
    const spooled = runs[1]!.acked;
    await waitFor(
      async () => {
        const h = await service.get(`/api/health`);
        // Nothing left in memory; the spool holds the readings (and the store-down alarm change).
        return h.spoolDepth >= spooled && h.telemetryStore.pending === h.spoolDepth ? h : undefined;
      },
      20_000,
      'every reading to reach the spool',
    );
    expect(await service.stop('SIGKILL')).toBe(null);

    await server.start();
    service = await startServiceProcess(env());
    await waitFor(async () => (await service.get(`/api/health`)).spoolDepth === 0, 60_000, 'the spool to replay');
    expect(await storedPerAsset(server.url)).toEqual(expected(runs));
  }, 120_000);
});
