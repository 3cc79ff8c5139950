import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { requireProgram, waitFor } from '../testing/harness.ts';
import { startInfluxd, type Influxd } from '../testing/influxd.ts';
import { startMosquitto, type Mosquitto } from '../testing/mosquitto.ts';
import { requirePostgres, startPostgres, type Postgres } from '../testing/postgres.ts';
import { startServiceProcess, type ServiceProcess } from '../testing/service-process.ts';
import { partitionOf } from './coordinator.ts';

const postgres = requirePostgres();
const mosquitto = requireProgram('mosquitto', 'mosquitto');
const influxd = requireProgram('influxd', 'influxdb');
const ready = postgres.available && mosquitto.available && influxd.available;

const PUMPS = Array.from({ length: 12 }, (_, i) => `rs-pump-${String(i + 1).padStart(2, '0')}`);
const LIFTS = ['rs-lift-01', 'rs-lift-02'];

describe.skipIf(!ready)(
  `two FMS instances on Mosquitto, PostgreSQL and InfluxDB, one killed mid-run ${postgres.reason || mosquitto.reason || influxd.reason}`,
  () => {
    let pgServer: Postgres;
    let broker: Mosquitto;
    let influx: Influxd;
    let dir: string;
    const instances: Record<string, ServiceProcess> = {};

    beforeAll(async () => {
      [pgServer, broker, influx] = await Promise.all([startPostgres(), startMosquitto(), startInfluxd()]);
      dir = mkdtempSync(path.join(os.tmpdir(), 'fms-scale-out-'));
      // Two elevators last maintained 14 days ago: their half-monthly visit (due tomorrow) opens at once.
      const lastVisit = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10);
      writeFileSync(
        path.join(dir, 'estate.yaml'),
        stringify({
          sites: [{ id: 'riverside', timeZone: 'UTC' }],
          assets: [...PUMPS.map((id) => ({ id, type: 'pump', site: 'riverside' })), ...LIFTS.map((id) => ({ id, type: 'elevator', site: 'riverside' }))],
          pmTemplates: false,
          pmPlans: [{ id: 'test.lift', title: 'Lift maintenance', assetType: 'elevator', trigger: { every: '15d' }, start: lastVisit, leadTime: '3d' }],
        }),
      );
      const databaseUrl = await pgServer.createDatabase();
      const env = (id: string) => ({
        FMS_INSTANCE_ID: id,
        FMS_MQTT_URL: broker.url,
        FMS_DATABASE_URL: databaseUrl,
        FMS_INFLUX_URL: influx.url,
        FMS_INFLUX_DB: 'fms',
        FMS_DATA_DIR: path.join(dir, id),
        FMS_CONFIG: path.join(dir, 'estate.yaml'),
      });
      instances.a = await startServiceProcess(env('fms-a'));
      instances.b = await startServiceProcess(env('fms-b'));
    }, 90_000);

    afterAll(async () => {
      for (const s of Object.values(instances)) await s.stop('SIGKILL');
      await Promise.all([pgServer?.destroy(), broker?.destroy(), influx?.destroy()]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const health = async (s: ServiceProcess): Promise<any> => (await fetch(`${s.httpUrl}/api/health`)).json();
    const influxCount = async (asset: string): Promise<number> => {
      const q = `SELECT count("vibration_mms") FROM "pump" WHERE "asset" = '${asset}'`;
      const body = (await (await fetch(`${influx.url}/query?db=fms&q=${encodeURIComponent(q)}`)).json()) as {
        results: { series?: { values: [string, number][] }[] }[];
      };
      return body.results[0]!.series?.[0]!.values[0]![1] ?? 0;
    };

    it('splits the assets, and after a SIGKILL the survivor stores every reading once and raises the `for: 60s` alarm once, on time', async () => {
      // Both up, the partitions shared, one leader.
      const [ha, hb] = await waitFor(
        async () => {
          const h = await Promise.all([health(instances.a!), health(instances.b!)]);
          return h[0].cluster.partitions === 32 && h[1].cluster.partitions === 32 ? h : undefined;
        },
        20_000,
        'the partitions split 32/32',
      );
      expect([ha.cluster.leader, hb.cluster.leader].filter(Boolean)).toHaveLength(1);

      // The pump that will wear is evaluated by a; a is the instance killed.
      const ownedByA = new Set<number>(ha.cluster.owned);
      const victim = PUMPS.find((id) => ownedByA.has(partitionOf(id)))!;
      expect(victim).toBeDefined();
      expect(PUMPS.some((id) => !ownedByA.has(partitionOf(id)))).toBe(true);

      // Readings stamped at twice real time from a minute ago (the rules go by the readings' own time):
      // each pump once a simulated second; the victim above 7.1 mm/s from simulated second 10.
      const device = await mqtt.connectAsync(broker.url, { clientId: 'fleet', protocolVersion: 5 });
      const t0 = Date.now() - 60_000;
      const sent = new Map<string, number>(PUMPS.map((id) => [id, 0]));
      let violationFrom = 0;
      let killedAt = 0;
      const started = Date.now();
      try {
        for (let s = 0; ; s++) {
          const realElapsed = Date.now() - started;
          if (realElapsed > 45_000) break;
          const ts = t0 + s * 1000;
          const wearing = s >= 10;
          if (wearing && !violationFrom) violationFrom = ts;
          await Promise.all(
            PUMPS.map(async (id) => {
              const vibration = id === victim && wearing ? 8.2 : 2.1;
              await device.publishAsync(`fms/riverside/pump/${id}/telemetry`, JSON.stringify({ ts, vibration_mms: vibration, running: true }), { qos: 1 });
              sent.set(id, sent.get(id)! + 1);
            }),
          );
          // Killed 30 simulated seconds into the 60-second wait, after at least one state save (every 10 s).
          if (!killedAt && wearing && ts - violationFrom >= 30_000) {
            killedAt = Date.now();
            await instances.a!.stop('SIGKILL');
            delete instances.a;
          }
          const next = started + (s + 1) * 500;
          await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
        }
      } finally {
        await device.endAsync();
      }
      expect(killedAt).toBeGreaterThan(0);

      // The survivor took every partition over and leads.
      const hb2 = await waitFor(
        async () => {
          const h = await health(instances.b!);
          return h.cluster.partitions === 64 && h.cluster.leader ? h : undefined;
        },
        10_000,
        'b to own everything',
      );
      expect(hb2.cluster.instances).toBe(1);

      // Every reading the broker accepted is stored, once (InfluxDB keeps one point per asset and time).
      await waitFor(
        async () => {
          for (const id of PUMPS) if ((await influxCount(id)) !== sent.get(id)) return false;
          return true;
        },
        20_000,
        'every reading in InfluxDB',
      ).catch(async (err) => {
        const counts = await Promise.all(PUMPS.map(async (id) => `${id}: ${await influxCount(id)}/${sent.get(id)}`));
        throw new Error(`${(err as Error).message}\n${counts.join('\n')}`);
      });

      // One alarm, raised by the reading 60 simulated seconds after the first violating one; one work order.
      const alarms = (await instances.b!.get(`/api/alarms?assetId=${victim}`)).items.filter((a: { ruleId: string }) => a.ruleId === 'pump.vibration-critical');
      expect(alarms).toHaveLength(1);
      expect(alarms[0].raisedAt).toBe(violationFrom + 60_000);
      expect(alarms[0].occurrences).toBeGreaterThanOrEqual(1);
      const orders = (await instances.b!.get(`/api/work-orders?assetId=${victim}`)).items;
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ source: 'alarm', ruleId: 'pump.vibration-critical' });
      // Each preventive visit once, whichever instance led when.
      const pm = (await instances.b!.get(`/api/work-orders?source=pm`)).items;
      expect(pm.map((o: { assetId: string }) => o.assetId).sort()).toEqual(LIFTS);
      // No other pump raised anything.
      const others = (await instances.b!.get(`/api/alarms`)).items.filter(
        (a: { assetId: string }) => a.assetId !== victim && a.assetId !== 'fms' && !LIFTS.includes(a.assetId),
      );
      expect(others).toEqual([]);
    }, 120_000);
  },
);
