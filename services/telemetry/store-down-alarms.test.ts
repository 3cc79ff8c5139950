import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { getJson, startTestFms, waitFor } from '../testing/harness.ts';
import { freePort } from '../testing/influxd.ts';

// InfluxDB configured but nothing listening: the store is down from the start. No influxd needed.
describe('a telemetry store that is down', () => {
  let fms: Fms;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-store-down-'));

  beforeAll(async () => {
    fms = await startTestFms(undefined, {
      FMS_DATA_DIR: dir,
      FMS_INFLUX_URL: `http://127.0.0.1:${await freePort()}`,
      FMS_SPOOL_MAX_MB: '1',
      FMS_STORE_DOWN_ALARM_AFTER: '1s',
    });
  });
  afterAll(async () => {
    await fms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is visible in health, raises the store-down and spool alarms, and counts what a full spool could not keep', async () => {
    const device = await mqtt.connectAsync(fms.mqttUrl);
    const T0 = Date.now() - 3_600_000;
    // About 14,000 readings of ~120 bytes of line protocol: more than the 1 MiB spool holds.
    for (let i = 0; i < 14_000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, k) =>
          device.publishAsync(
            'fms/riverside/pump/rs-pump-01/telemetry',
            JSON.stringify({ ts: T0 + i + k, flow_m3h: (i + k) % 100, vibration_mms: 2.5, running: true }),
            { qos: 1 },
          ),
        ),
      );
    }
    await device.endAsync();

    const health = await waitFor(
      async () => {
        const res = await fetch(`${fms.httpUrl}/api/health`);
        const h = (await res.json()) as any;
        // Full, and nothing left in memory: every reading is either in the spool or counted as lost.
        return res.status === 503 && h.telemetryStore.lost > 0 && h.telemetryStore.pending === h.spoolDepth ? h : undefined;
      },
      20_000,
      'the spool to fill',
    );
    expect(health.telemetryStore).toMatchObject({ state: 'down', detail: expect.stringMatching(/InfluxDB unreachable/) });
    // The 14,000 readings, plus the system alarms' own changes (measurement `alarms`) once raised.
    expect(health.spoolDepth + health.telemetryStore.lost).toBeGreaterThanOrEqual(14_000);
    expect(health.spoolDepth + health.telemetryStore.lost).toBeLessThanOrEqual(14_002);

    const active = await waitFor(
      async () => {
        const { items } = await getJson(`${fms.httpUrl}/api/alarms?state=active`);
        const ids = items.map((a: any) => a.ruleId);
        return ids.includes('system.telemetry-store-down') && ids.includes('system.telemetry-spool-high') ? items : undefined;
      },
      10_000,
      'the system alarms',
    );
    expect(active.find((a: any) => a.ruleId === 'system.telemetry-store-down')).toMatchObject({ assetId: 'fms', site: 'system', severity: 'critical' });
    expect((await getJson(`${fms.httpUrl}/api/work-orders`)).total).toBe(0);

    const metrics = await (await fetch(`${fms.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^fms_telemetry_store_up 0$/m);
    expect(metrics).toMatch(/^fms_telemetry_lost_points [1-9]\d*$/m);
  }, 40_000);
});
