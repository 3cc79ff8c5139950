/**
 * `npm run bench`: starts the real service, loads it over MQTT from a separate process, and reports
 * what it accepted end to end (validated, stored, rule-evaluated) and the alarm-to-work-order latency.
 * Figures go to stdout and to BENCHMARKS.md with the machine and the date.
 *
 * BENCH_SECONDS (default 20) sets the length of each load phase; BENCH_PROFILE=1 writes a CPU profile
 * of the service to .bench/ (open it in Chrome DevTools); BENCH_ONLY=ingest|influx|yardstick|work-orders|notifications|reports|scale-out|sign-in|fleet
 * runs one part (several: separated by commas). `yardstick` runs the reference pipeline (reference-pipeline.ts) and FMS on
 * InfluxDB, and writes FMS's rates as ratios of the reference's; with `ingest` too (or in the full run) the embedded
 * store's ratios as well. BENCH_ONLY=console runs the console's budgets (console.ts), which the full run leaves out:
 * seeding its 10,000 orders takes minutes. BENCH_FLEET=500,2000 sets the fleet part's sizes (default 5,000 and 20,000).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startServiceProcess, type ServiceProcess } from '../../services/testing/service-process.ts';
import { startInfluxd } from '../../services/testing/influxd.ts';
import { runPublisher } from './run-publisher.ts';
import { influxPointCount, startReferencePipeline } from './run-reference.ts';
import { workOrderBench } from './work-orders.ts';
import { pmBench } from './pm.ts';
import { reportBench } from './reports.ts';
import { scaleOutBench } from './scale-out.ts';
import { deviceTopic } from '../../services/shared/topics.ts';
import { signInBench } from './sign-in.ts';
import { fleetBench } from './fleet.ts';
import { consoleBench } from './console.ts';
import { notificationBench } from './notifications.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PUMPS = 1000;
/**
 * The load generator publishes for 1,000 pumps over one connection, which no signed-in device may
 * (each may publish only its own topics): the ingest figures are taken without device sign-in. What
 * sign-in costs is measured on its own (the connection storm below).
 */
const LOAD_GENERATOR = { FMS_MQTT_AUTH: 'off' };
const GATES = 200;

interface PhaseResult {
  name: string;
  sent: number;
  acked: number;
  ingested: number;
  stored: number;
  rejected: number;
  seconds: number;
  /** From the publisher's start until the last accepted reading was stored. */
  storedSeconds: number;
  rate: number;
}

function metric(text: string, name: string, labels = ''): number {
  const escaped = name.replace(/[{}"]/g, '\\$&') + (labels ? `\\{${labels.replace(/[{}"]/g, '\\$&')}\\}` : '');
  const m = new RegExp(`^${escaped} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function snapshot(service: ServiceProcess) {
  const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
  return {
    ingested: metric(text, 'fms_mqtt_messages_total', 'channel="telemetry"'),
    accepted: metric(text, 'fms_telemetry_points_accepted_total'),
    written: metric(text, 'fms_telemetry_written_points'),
    pending: metric(text, 'fms_telemetry_pending_points'),
    rejected: ['topic', 'unknown_asset', 'asset_mismatch', 'too_large', 'payload'].reduce(
      (a, k) => a + metric(text, 'fms_ingest_rejected_total', `reason="${k}"`),
      0,
    ),
  };
}

async function drained(service: ServiceProcess) {
  for (;;) {
    const s = await snapshot(service);
    if (s.pending === 0) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

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

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let distro = os.type();
  try {
    distro = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? distro;
  } catch {
    // not Linux
  }
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${distro}, Node ${process.version}`;
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
  if (!runs('ingest') && !runs('influx') && !runs('yardstick')) return;
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
    process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(root, '.bench')}`] : [],
  );
  try {
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

function commitId(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    return 'uncommitted';
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

function influxdInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v influxd'], { stdio: 'pipe' });
    return true;
  } catch {
    process.stdout.write('bench: influxd not installed (apt-get install influxdb): InfluxDB figures skipped\n');
    return false;
  }
}

/** Each yardstick phase is cut into this many slices, taken in turn by every pipeline measured. */
const SLICES = 4;

interface Target {
  label: string;
  mqttUrl: string;
  /** Its counters once it has stored everything it accepted. */
  counts(): Promise<{ ingested: number; rejected: number; stored: number }>;
}

interface Yardstick {
  reference: PhaseResult[];
  influx: PhaseResult[];
  embedded: PhaseResult[] | undefined;
  load: [number, number];
}

/**
 * The yardstick: the reference pipeline (reference-pipeline.ts, its own process and influxd), FMS on
 * InfluxDB (its own influxd) and, with `withEmbedded`, FMS on its embedded store, all started at once
 * and loaded in turn by the same load generator: each QoS phase is cut into slices, and each pipeline
 * takes one slice after the other (in alternating order), so that other work on the shared machine
 * falls on all of them alike rather than on whichever ran during it.
 */
async function yardstickBench(dir: string, withEmbedded: boolean): Promise<Yardstick | undefined> {
  if (!influxdInstalled()) return undefined;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const refInflux = await startInfluxd();
    stops.unshift(() => refInflux.destroy());
    const fmsInflux = await startInfluxd();
    stops.unshift(() => fmsInflux.destroy());
    const reference = await startReferencePipeline(refInflux.url, 'reference');
    stops.unshift(() => reference.stop());
    const onInflux = await startServiceProcess(
      { FMS_DATA_DIR: path.join(dir, 'data-yardstick-influx'), FMS_CONFIG: path.join(dir, 'estate.yaml'), FMS_INFLUX_URL: fmsInflux.url, ...LOAD_GENERATOR },
      [],
      [],
    );
    stops.unshift(() => onInflux.stop('SIGTERM'));
    const targets: Target[] = [
      {
        label: 'reference pipeline',
        mqttUrl: reference.mqttUrl,
        async counts() {
          const s = await reference.drained();
          return { ingested: s.accepted + s.rejected, rejected: s.rejected, stored: await influxPointCount(refInflux.url, 'reference') };
        },
      },
      {
        label: 'FMS on InfluxDB',
        mqttUrl: onInflux.mqttUrl,
        async counts() {
          const s = await drained(onInflux);
          return { ingested: s.ingested, rejected: s.rejected, stored: await influxPointCount(fmsInflux.url, 'fms').catch(() => 0) };
        },
      },
    ];
    if (withEmbedded) {
      const embedded = await startServiceProcess(
        { FMS_DATA_DIR: path.join(dir, 'data-yardstick'), FMS_CONFIG: path.join(dir, 'estate.yaml'), ...LOAD_GENERATOR },
        [],
        [],
      );
      stops.unshift(() => embedded.stop('SIGTERM'));
      targets.push({
        label: 'FMS, embedded store',
        mqttUrl: embedded.mqttUrl,
        async counts() {
          const s = await drained(embedded);
          return { ingested: s.ingested, rejected: s.rejected, stored: s.written };
        },
      });
    }
    const loadBefore = os.loadavg()[0]!;
    const results: PhaseResult[][] = targets.map(() => []);
    for (const qos of [0, 1] as const) {
      const sums = targets.map(() => ({ sent: 0, acked: 0, ingested: 0, rejected: 0, stored: 0, seconds: 0 }));
      for (let slice = 0; slice < SLICES; slice++) {
        const order = targets.map((_, i) => (slice % 2 === 0 ? i : targets.length - 1 - i));
        for (const i of order) {
          const t = targets[i]!;
          const sum = sums[i]!;
          const before = await t.counts();
          const pub = await runPublisher({ mqttUrl: t.mqttUrl, qos, seconds: SECONDS / SLICES, site: 'bench', prefix: 'bench-pump', count: PUMPS });
          const after = await t.counts();
          sum.sent += pub.sent;
          sum.acked += pub.acked;
          sum.ingested += after.ingested - before.ingested;
          sum.rejected += after.rejected - before.rejected;
          sum.stored += after.stored - before.stored;
          sum.seconds += pub.elapsed;
        }
      }
      targets.forEach((t, i) => {
        const sum = sums[i]!;
        const r: PhaseResult = { name: `telemetry, QoS ${qos}`, ...sum, storedSeconds: sum.seconds, rate: sum.ingested / sum.seconds };
        results[i]!.push(r);
        process.stdout.write(
          `bench: yardstick, ${t.label}, QoS ${qos}: ${Math.round(r.rate)} msg/s accepted (${r.ingested - r.rejected} of ${r.sent} sent, ${r.rejected} rejected, ${r.stored} stored)\n`,
        );
      });
    }
    return { reference: results[0]!, influx: results[1]!, embedded: withEmbedded ? results[2] : undefined, load: [loadBefore, os.loadavg()[0]!] };
  } finally {
    for (const stop of stops) await stop();
  }
}

function yardstickSection({ reference, influx, embedded, load }: Yardstick): string[] {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  const rows: string[] = [];
  const sentences: string[] = [];
  for (const qos of [0, 1] as const) {
    const ref = reference[qos]!;
    rows.push(
      `| reference pipeline | ${qos} | ${n(ref.sent)} | ${n(ref.ingested - ref.rejected)} | ${n(ref.stored)} | ${n(ref.sent - ref.stored)} | ${n(ref.rate)} | 1 |`,
    );
    for (const [label, phases] of [
      ['FMS on InfluxDB', influx],
      ['FMS, embedded store', embedded],
    ] as const) {
      const p = phases?.[qos];
      if (!p) continue;
      const ratio = (p.rate / ref.rate).toFixed(2);
      rows.push(
        `| ${label} | ${qos} | ${n(p.sent)} | ${n(p.ingested - p.rejected)} | ${n(p.stored)} | ${n(p.sent - p.stored)} | ${n(p.rate)} | **${ratio}** |`,
      );
      sentences.push(`- ${label}, QoS ${qos}: ${n(p.rate)} msg/s = **${ratio}** of the reference's ${n(ref.rate)}`);
    }
  }
  for (const s of sentences) process.stdout.write(`bench: ${s.slice(2).replaceAll('**', '')}\n`);
  return [
    `Machine: ${machine()}. Commit ${commitId()}. The same load generator (one publisher process, mqtt.js, ${PUMPS.toLocaleString('en')} pumps,`,
    `~150-byte readings round-robin, bounded in flight: 100 at QoS 0, 1,000 at QoS 1) against each, ${SECONDS} s a QoS in all, in`,
    `${SLICES} slices of ${SECONDS / SLICES} s that the pipelines take in turn (order alternating), all of them started before the first:`,
    'the reference pipeline (simulators/bench/reference-pipeline.ts: embedded aedes → JSON.parse + zod → 4 threshold rules →',
    `line protocol → InfluxDB 1.6 in batches of 5,000, two writes in flight), FMS on InfluxDB${embedded ? ' and FMS on its embedded store' : ''}, with the`,
    `default rules; each InfluxDB user has its own influxd. Stored = points InfluxDB counts${embedded ? ' (the embedded store: readings it wrote)' : ''}; lost = sent − stored.`,
    ...(embedded ? [] : ['FMS on its embedded store was not measured in this run (BENCH_ONLY without `ingest`).']),
    `Load average (1 min) as the first slice began: ${load[0].toFixed(1)}; as the last ended: ${load[1].toFixed(1)} (the bench itself keeps ~3 processes busy).`,
    '',
    '| pipeline | QoS | sent | accepted | stored | lost | msg/s accepted | ratio to the reference |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...sentences,
  ];
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack}\n`);
  process.exit(1);
});
