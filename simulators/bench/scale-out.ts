import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startInfluxd } from '../../services/testing/influxd.ts';
import { startMosquitto } from '../../services/testing/mosquitto.ts';
import { startPostgres } from '../../services/testing/postgres.ts';
import { startServiceProcess, type ServiceProcess } from '../../services/testing/service-process.ts';
import { runPublisher } from './run-publisher.ts';

const PUMPS = 1000;

function metric(text: string, name: string, labels: string): number {
  const m = new RegExp(`^${name}\\{${labels}\\} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
const ingested = async (s: ServiceProcess) => {
  const text = await (await fetch(`${s.httpUrl}/metrics`)).text();
  // Messages this instance ingested (its partitions' assets), and readings still waiting for the store.
  return {
    telemetry: metric(text, 'fms_mqtt_messages_total', 'channel="telemetry"'),
    pending: Number(/^fms_telemetry_pending_points ([0-9.e+-]+)$/m.exec(text)?.[1] ?? 0),
  };
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const health = async (s: ServiceProcess): Promise<any> => (await fetch(`${s.httpUrl}/api/health`)).json();

/**
 * Messages per second with one and with two FMS instances behind Mosquitto (PostgreSQL, InfluxDB), and
 * how long the survivor takes to own every partition after the other is killed.
 */
export async function scaleOutBench(seconds: number): Promise<string[]> {
  const [pg, broker, influx] = await Promise.all([startPostgres(), startMosquitto(), startInfluxd()]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-bench-scale-'));
  const instances: ServiceProcess[] = [];
  try {
    writeFileSync(
      path.join(dir, 'estate.yaml'),
      `sites: [{ id: bench }]\npmTemplates: false\nassets:\n${Array.from({ length: PUMPS }, (_, i) => `  - { id: bench-pump-${String(i + 1).padStart(4, '0')}, type: pump, site: bench }`).join('\n')}\n`,
    );
    const url = await pg.createDatabase();
    const start = (id: string) =>
      startServiceProcess({
        FMS_INSTANCE_ID: id,
        FMS_MQTT_URL: broker.url,
        FMS_DATABASE_URL: url,
        FMS_INFLUX_URL: influx.url,
        FMS_DATA_DIR: path.join(dir, id),
        FMS_CONFIG: path.join(dir, 'estate.yaml'),
      });
    const phase = async (label: string) => {
      const before = await Promise.all(instances.map(ingested));
      const pub = await runPublisher({ mqttUrl: broker.url, qos: 1, seconds, site: 'bench', prefix: 'bench-pump', count: PUMPS });
      let after = await Promise.all(instances.map(ingested));
      for (let i = 0; i < 100 && after.some((a) => a.pending > 0); i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await Promise.all(instances.map(ingested));
      }
      const total = after.reduce((s, a, i) => s + a.telemetry - before[i]!.telemetry, 0);
      const perInstance = after.map((a, i) => a.telemetry - before[i]!.telemetry);
      const rate = total / pub.elapsed;
      process.stdout.write(`bench: ${label}: ${Math.round(rate)} msg/s ingested (${total} of ${pub.sent} sent; per instance ${perInstance.join(' / ')})\n`);
      return { label, sent: pub.sent, total, perInstance, rate, lost: pub.sent - total };
    };

    instances.push(await start('fms-1'));
    await waitUntil(async () => (await health(instances[0]!)).cluster.partitions === 64, 'fms-1 to own every partition');
    const one = await phase('one instance');
    instances.push(await start('fms-2'));
    await waitUntil(async () => (await Promise.all(instances.map(health))).every((h) => h.cluster.partitions === 32), 'the 32/32 split');
    const two = await phase('two instances');

    // Failover: kill the second with SIGKILL, time until the first owns everything again.
    const killed = Date.now();
    await instances[1]!.stop('SIGKILL');
    instances.pop();
    await waitUntil(async () => (await health(instances[0]!)).cluster.partitions === 64, 'the survivor to own every partition', 20);
    const failoverMs = Date.now() - killed;
    process.stdout.write(`bench: failover: the survivor owned every partition ${failoverMs} ms after the SIGKILL\n`);
    const row = (p: typeof one) =>
      `| ${p.label} | ${p.sent.toLocaleString('en')} | ${p.total.toLocaleString('en')} | ${p.perInstance.map((x) => x.toLocaleString('en')).join(' / ')} | **${Math.round(p.rate).toLocaleString('en')}** |`;
    return [
      '',
      `${PUMPS.toLocaleString('en')} pumps; Mosquitto 2.0.11, PostgreSQL 15 and InfluxDB 1.6 on the same machine as the instances and the publisher (one process, QoS 1 with up to 1,000 in flight, as fast as the broker acknowledges, ${seconds} s).`,
      'Every instance receives every message and ingests (validates, stores, evaluates) those of the assets in its partitions.',
      '',
      '| instances | sent | ingested | per instance | msg/s ingested |',
      '|---|---|---|---|---|',
      row(one),
      row(two),
      '',
      `Gain with two instances: ×${(two.rate / one.rate).toFixed(2)} — on 2 cores shared by both instances, the broker, PostgreSQL, InfluxDB and the publisher, a second instance has no core of its own, and Mosquitto delivers every message to both (docs/scaling.md says why). On separate machines the ingest work splits in half: each instance parses only the topic of the messages it does not own. Not measured here: two machines.`,
      '',
      `Failover: after a SIGKILL of one of two instances, the survivor owned every partition **${failoverMs} ms** later (PostgreSQL drops a dead session's advisory locks at once; the survivor checks every second, on the event loop it shares with ingest, which was still draining the broker's queue; idle, it takes under 1.5 s — coordinator.int.test.ts).`,
    ];
  } finally {
    for (const s of instances) await s.stop('SIGKILL');
    await Promise.all([pg.destroy(), broker.destroy(), influx.destroy()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitUntil(check: () => Promise<boolean>, what: string, everyMs = 200): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
