/**
 * `npm run bench`: starts the real service, loads it over MQTT from a separate process, and reports
 * what it accepted end to end (validated, stored, rule-evaluated) and the alarm-to-work-order latency.
 * Figures go to stdout and to BENCHMARKS.md with the machine and the date.
 *
 * BENCH_SECONDS (default 20) sets the length of each load phase; BENCH_PROFILE=1 writes a CPU profile
 * of the service to .bench/ (open it in Chrome DevTools); BENCH_ONLY=ingest|influx|yardstick|mosquitto|work-orders|notifications|reports|report-queries|scale-out|sign-in|fleet
 * runs one part (several: separated by commas). `yardstick` runs the reference pipeline (reference-pipeline.ts) and FMS on
 * InfluxDB, and writes FMS's rates as ratios of the reference's; with `ingest` too (or in the full run) the embedded
 * store's ratios as well. BENCH_ONLY=console runs the console's budgets (console.ts), which the full run leaves out:
 * seeding its 10,000 orders takes minutes. BENCH_FLEET=500,2000 sets the fleet part's sizes (default 5,000 and 20,000).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startServiceProcess, type ServiceProcess } from '../../services/testing/service-process.ts';
import { startInfluxd } from '../../services/testing/influxd.ts';
import { runPublisher } from './run-publisher.ts';
import { influxPointCount } from './run-reference.ts';
import { workOrderBench } from './work-orders.ts';
import { pmBench } from './pm.ts';
import { reportBench } from './reports.ts';
import { reportQueriesBench } from './report-queries.ts';
import { scaleOutBench } from './scale-out.ts';
import { deviceTopic } from '../../services/shared/topics.ts';
import { signInBench } from './sign-in.ts';
import { fleetBench } from './fleet.ts';
import { consoleBench } from './console.ts';
import { notificationBench } from './notifications.ts';
import { GATES, LOAD_GENERATOR, PUMPS, SECONDS, commitId, drained, influxdInstalled, machine, fmsNodeArgs, root, settled, type PhaseResult } from './common.ts';
import { mosquittoYardstickBench, mosquittoYardstickSection, yardstickBench, yardstickSection } from './yardstick.ts';

async function throughput(service: ServiceProcess, qos: 0 | 1): Promise<PhaseResult> {
  const before = await drained(service);
  const started = Date.now();
  const pub = await runPublisher({ mqttUrl: service.mqttUrl, qos, seconds: SECONDS, site: 'bench', prefix: 'bench-pump', count: PUMPS });
  const after = await drained(service);
  const ingested = after.ingested - before.ingested;
  return {
    name: `telemetry, QoS ${qos}`,
    sent: pub.sent,
    acked: pub.acked,
    ingested,
    stored: after.written - before.written,
    rejected: after.rejected - before.rejected,
    seconds: pub.elapsed,
    storedSeconds: (Date.now() - started) / 1000,
    rate: ingested / pub.elapsed,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function latency(service: ServiceProcess, backgroundRate: number) {
  const background = runPublisher({
    mqttUrl: service.mqttUrl,
    qos: 0,
    seconds: Math.max(10, GATES / 20 + 5),
    rate: backgroundRate,
    site: 'bench',
    prefix: 'bench-pump',
    count: PUMPS,
  });
  await new Promise((r) => setTimeout(r, 2000));
  const client = await mqtt.connectAsync(service.mqttUrl, { clientId: 'bench-events' });
  for (let i = 1; i <= GATES; i++) {
    await client.publishAsync(deviceTopic('bench', 'gate', `bench-gate-${String(i).padStart(3, '0')}`, 'event'), JSON.stringify({ type: 'forced_open' }), {
      qos: 1,
    });
    await new Promise((r) => setTimeout(r, 50));
  }
  await client.endAsync();
  await background;
  let orders: { alarmId: number; createdAt: number }[] = [];
  for (let tries = 0; tries < 100 && orders.length < GATES; tries++) {
    orders = ((await service.get('/api/work-orders?source=alarm&limit=1000')) as { items: typeof orders }).items;
    await new Promise((r) => setTimeout(r, 100));
  }
  const alarms = ((await service.get('/api/alarms?limit=1000')) as { items: { id: number; receivedAt: number }[] }).items;
  const receivedAt = new Map(alarms.map((a) => [a.id, a.receivedAt]));
  const ms = orders.map((o) => o.createdAt - receivedAt.get(o.alarmId)!).sort((a, b) => a - b);
  return { orders: orders.length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms.at(-1)!, backgroundRate };
}

const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
/** Whether this run includes a part (every part but the console when BENCH_ONLY is not set). */
const runs = (part: string) => (ONLY.size === 0 ? part !== 'console' : ONLY.has(part));

async function main() {
  if (runs('console')) {
    process.stdout.write('bench: console, 10,000 open orders\n');
    writeSection('## Console (npm run bench)', [`Machine: ${machine()}. Commit ${commitId()}.`, ...(await consoleBench())]);
    return;
  }
  if (runs('work-orders')) {
    process.stdout.write('bench: work-order register\n');
    const wo = await workOrderBench();
    process.stdout.write(`bench: ${wo.summary}\n`);
    const pm = await pmBench();
    process.stdout.write(`bench: ${pm.at(-1)}\n`);
    writeSection('## Work orders (npm run bench)', [`Machine: ${machine()}. Commit ${commitId()}.`, ...wo.lines, ...pm]);
  }
  if (runs('notifications')) {
    process.stdout.write('bench: notifications, a burst of 1,000 P1 orders\n');
    writeSection('## Notifications (npm run bench)', [`Machine: ${machine()}. Commit ${commitId()}.`, ...(await notificationBench())]);
  }
  if (runs('reports')) {
    process.stdout.write('bench: reports over 1,000 assets and 90 days\n');
    writeSection('## Reports (npm run bench)', [`Machine: ${machine()}. Commit ${commitId()}.`, ...(await reportBench())]);
  }
  if (runs('report-queries')) {
    if (!influxdInstalled()) process.stdout.write('bench: report queries skipped: influxd is not installed\n');
    else writeSection('## Report queries on InfluxDB (npm run bench)', [`Machine: ${machine()}. Commit ${commitId()}.`, ...(await reportQueriesBench())]);
  }
  if (runs('scale-out')) {
    process.stdout.write('bench: scale-out, one and two instances behind Mosquitto\n');
    writeSection('## Scale-out (npm run bench)', [`Machine: ${machine()}. Commit ${commitId()}.`, ...(await scaleOutBench(SECONDS))]);
  }
  if (runs('sign-in')) {
    process.stdout.write('bench: device sign-in, 1,000 devices\n');
    writeSection('## Device sign-in (npm run bench)', [`Machine: ${machine()}. Commit ${commitId()}.`, ...(await signInBench())]);
  }
  if (runs('fleet')) {
    process.stdout.write('bench: fleet, 5,000 and 20,000 devices on their own connections\n');
    writeSection('## Fleet (npm run bench)', [
      `Machine: ${machine()}. Commit ${commitId()}.`,
      ...(await fleetBench(process.env.BENCH_FLEET?.split(',').map(Number))),
    ]);
  }
  if (!runs('ingest') && !runs('influx') && !runs('yardstick') && !runs('mosquitto')) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-bench-'));
  const assets = [
    ...Array.from({ length: PUMPS }, (_, i) => `  - { id: bench-pump-${String(i + 1).padStart(4, '0')}, type: pump, site: bench }`),
    ...Array.from({ length: GATES }, (_, i) => `  - { id: bench-gate-${String(i + 1).padStart(3, '0')}, type: gate, site: bench }`),
  ];
  writeFileSync(path.join(dir, 'estate.yaml'), `sites: [{ id: bench }]\nassets:\n${assets.join('\n')}\n`);
  process.stdout.write(`bench: ${PUMPS} pumps and ${GATES} gates, default rules, ${SECONDS} s per phase\n`);
  try {
    if (runs('yardstick')) {
      const y = await yardstickBench(dir, runs('ingest'));
      if (y) writeSection('## Yardstick: FMS against a reference pipeline (npm run bench)', yardstickSection(y));
    }
    if (runs('mosquitto')) {
      const m = await mosquittoYardstickBench(dir);
      if (m) writeSection('## Yardstick on Mosquitto (npm run bench)', mosquittoYardstickSection(m));
    }
    if (runs('influx')) {
      const influx = await influxBench(dir);
      if (influx?.lines) writeSection('## Telemetry on InfluxDB (npm run bench)', influx.lines);
    }
    if (runs('ingest')) await ingestBench(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ingestBench(dir: string): Promise<PhaseResult[]> {
  const service = await startServiceProcess(
    { FMS_DATA_DIR: path.join(dir, 'data'), FMS_CONFIG: path.join(dir, 'estate.yaml'), FMS_LOG_LEVEL: 'info', ...LOAD_GENERATOR },
    [],
    fmsNodeArgs(),
  );
  try {
    await settled(service);
    const phases: PhaseResult[] = [];
    for (const qos of [0, 1] as const) {
      const r = await throughput(service, qos);
      phases.push(r);
      process.stdout.write(
        `bench: ${r.name}: ${Math.round(r.rate)} msg/s accepted end to end (${r.ingested} ingested of ${r.sent} sent, ${r.stored} readings stored, ${r.rejected} rejected)\n`,
      );
    }
    const backgroundRate = Math.round(phases[0]!.rate / 4 / 1000) * 1000 || 1000;
    const lat = await latency(service, backgroundRate);
    process.stdout.write(
      `bench: alarm to work order: p50 ${lat.p50} ms, p99 ${lat.p99} ms, max ${lat.max} ms over ${lat.orders} orders, with ${backgroundRate} msg/s of telemetry alongside\n`,
    );
    writeSection('## Ingest pipeline (npm run bench)', ingestSection(phases, lat));
    return phases;
  } finally {
    await service.stop('SIGTERM');
  }
}

function ingestSection(phases: PhaseResult[], lat: Awaited<ReturnType<typeof latency>>): string[] {
  return [
    `Machine: ${machine()}. Commit ${commitId()}. Embedded aedes broker and embedded SQLite telemetry store,`,
    `${PUMPS} pumps and ${GATES} gates with the default rule packs; one publisher process (mqtt.js, bounded in flight:`,
    `100 at QoS 0, 1,000 at QoS 1) sending ~150-byte pump telemetry round-robin for ${SECONDS} s per phase.`,
    '"Accepted" = messages validated, written to the telemetry store and evaluated by the rules.',
    '',
    '| phase | sent | accepted end to end | readings stored | lost | msg/s accepted |',
    '|---|---|---|---|---|---|',
    ...phases.map(
      (p) => `| ${p.name} | ${p.sent} | ${p.ingested - p.rejected} | ${p.stored} | ${p.sent - p.ingested} | **${Math.round(p.rate).toLocaleString('en')}** |`,
    ),
    '',
    `Alarm to work order (receipt of the triggering MQTT message to the work order committed), ${lat.orders} gate`,
    `forced-open events at 20/s with ${lat.backgroundRate.toLocaleString('en')} msg/s of telemetry alongside: **p50 ${lat.p50} ms, p99 ${lat.p99} ms** (max ${lat.max} ms).`,
  ];
}

/** Replaces (or appends) the section whose heading starts with `title` in BENCHMARKS.md. */
function writeSection(title: string, lines: string[]): void {
  const file = path.join(root, 'BENCHMARKS.md');
  const section = [`${title}, ${new Date().toISOString().slice(0, 10)}`, '', ...lines, ''].join('\n');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text =
      '# Benchmarks\n\nFigures measured with `npm run bench` on the machine named in each section. The machine is shared and\nnoisy: compare ratios measured in one run, not absolute numbers across days.\n\n';
  }
  const start = text.indexOf(title);
  if (start >= 0) {
    const end = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + section + (end >= 0 ? '\n' + text.slice(end + 1) : '');
  } else {
    text = text.trimEnd() + '\n\n' + section;
  }
  writeFileSync(file, text);
  process.stdout.write(`bench: "${title}" written to BENCHMARKS.md\n`);
}

/**
 * The same load with InfluxDB as the telemetry store, QoS 0 and 1 (what InfluxDB itself counts is what
 * counts as stored), then the spool's replay rate after an outage.
 */
async function influxBench(dir: string): Promise<{ phases: PhaseResult[]; lines: string[] } | undefined> {
  if (!influxdInstalled()) return undefined;
  const influx = await startInfluxd();
  const service = await startServiceProcess(
    { FMS_DATA_DIR: path.join(dir, 'data-influx'), FMS_CONFIG: path.join(dir, 'estate.yaml'), FMS_INFLUX_URL: influx.url, ...LOAD_GENERATOR },
    [],
    [],
  );
  try {
    await settled(service);
    const phases: PhaseResult[] = [];
    for (const qos of [0, 1] as const) {
      const counted = await influxPointCount(influx.url, 'fms').catch(() => 0);
      const r = await throughput(service, qos);
      r.stored = (await influxPointCount(influx.url, 'fms')) - counted;
      phases.push(r);
      process.stdout.write(
        `bench: InfluxDB, ${r.name}: ${Math.round(r.rate)} msg/s accepted end to end (${r.ingested} ingested of ${r.sent} sent, ${r.stored} points in InfluxDB, ${Math.round(r.stored / r.storedSeconds)} points/s until the last was written)\n`,
      );
    }

    const health = async () =>
      (await (await fetch(`${service.httpUrl}/api/health`)).json()) as { spoolDepth: number; telemetryStore: { written: number; pending: number } };
    await influx.stop();
    const down = await runPublisher({ mqttUrl: service.mqttUrl, qos: 0, seconds: 10, site: 'bench', prefix: 'bench-pump', count: PUMPS });
    let h;
    do {
      await new Promise((r) => setTimeout(r, 100));
      h = await health();
    } while (h.telemetryStore.pending > h.spoolDepth);
    const spooled = h.spoolDepth;
    await influx.start();
    const replayStart = Date.now();
    while ((await health()).spoolDepth > 0) await new Promise((r) => setTimeout(r, 50));
    const replaySeconds = (Date.now() - replayStart) / 1000;
    process.stdout.write(
      `bench: InfluxDB spool: ${spooled} points replayed in ${replaySeconds.toFixed(1)} s (${Math.round(spooled / replaySeconds)} points/s)\n`,
    );
    const q0 = phases[0]!;
    return {
      phases,
      lines: [
        `Machine: ${machine()}. Commit ${commitId()}. Embedded aedes broker, InfluxDB 1.6.7 (Debian's influxd) on loopback as the`,
        `telemetry store, ${PUMPS} pumps, default rules; one publisher process at full speed, QoS 0, for ${SECONDS} s.`,
        '',
        '| what | figure |',
        '|---|---|',
        `| telemetry accepted end to end (MQTT in → validated → rules → batched to InfluxDB) | **${Math.round(q0.rate).toLocaleString('en')} msg/s** |`,
        `| points written to InfluxDB, counted until the last one was written | **${Math.round(q0.stored / q0.storedSeconds).toLocaleString('en')} points/s** (${q0.stored} of ${q0.sent} sent) |`,
        `| spool replay after an outage (${spooled} points spooled while influxd was stopped for ${down.elapsed.toFixed(0)} s) | **${Math.round(spooled / replaySeconds).toLocaleString('en')} points/s** (${replaySeconds.toFixed(1)} s) |`,
      ],
    };
  } finally {
    await service.stop('SIGTERM');
    await influx.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack}\n`);
  process.exit(1);
});
