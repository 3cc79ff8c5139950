/**
 * The benchmark's yardstick (#22): the least a pump-telemetry pipeline must do, written plainly, run as
 * its own process as FMS is in the bench, and loaded by the same load generator in the same run. FMS's
 * rates are reported as ratios of this one's, which the machine's noise moves far less than absolute
 * rates (BENCHMARKS.md).
 *
 *   embedded aedes → topic check → JSON.parse + zod (pump telemetry) → 4 threshold rules
 *   → InfluxDB line protocol → POST /write in batches of 5,000 points (or every second), two in flight
 *
 * What it guarantees, as FMS does: a reading is validated and queued for InfluxDB inside aedes's
 * `published` hook, which aedes runs before it sends the QoS 1 PUBACK, so an acknowledged message has
 * been taken; a batch InfluxDB does not take is tried again (nothing accepted is dropped while the
 * process runs); it counts what it accepted, rejected and InfluxDB acknowledged.
 *
 * What it does NOT do that FMS does: no durable spool (a batch waits in memory, and a crash loses it),
 * no device sign-in or per-device topic rights, no asset registry (any asset id on a pump topic is
 * taken), no per-device rate limit or packet guard, no dead-lettering of bad points (a refused batch is
 * retried as a whole), no alarms or work orders from the rules (a rule only flips a flag and counts),
 * no silence detection or last-seen, no Prometheus metrics, no events or status channels, no gzip of
 * large bodies, no logging per rejected message.
 *
 * With an external broker (Mosquitto), as FMS with FMS_MQTT_URL: instead of embedding aedes it
 * subscribes (mqtt.js, MQTT 5, QoS 1, a clean session) to `fms/+/pump/+/telemetry` and takes each
 * message as it arrives; mqtt.js acknowledges a QoS 1 delivery once the handler has run.
 *
 * Usage: tsx reference-pipeline.ts <influx-url> <database> [broker-url]. Prints one JSON line
 * `{"mqtt": url, "stats": url}` once it listens (or has subscribed); GET on the stats URL answers its
 * counters as JSON.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import mqtt from 'mqtt';
import { z } from 'zod';

const BATCH_POINTS = 5000;
const FLUSH_MS = 1000;
const MAX_WRITES_IN_FLIGHT = 2;
const RETRY_MS = 1000;
/** 2000-01-01: earlier is a clock never set, or seconds instead of milliseconds (as FMS reads it). */
const EARLIEST_TS = 946_684_800_000;
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** The pump's telemetry (devices/pump/spec.ts): every metric optional, nothing else allowed. */
const pumpReading = z.strictObject({
  ts: z.union([z.number().int().min(EARLIEST_TS), z.iso.datetime({ offset: true })]).optional(),
  flow_m3h: z.number().min(0).max(5000).optional(),
  pressure_in_bar: z.number().min(-1).max(60).optional(),
  pressure_out_bar: z.number().min(-1).max(60).optional(),
  vibration_mms: z.number().min(0).max(100).optional(),
  motor_temp_c: z.number().min(-40).max(250).optional(),
  current_a: z.number().min(0).max(5000).optional(),
  running: z.boolean().optional(),
  run_hours: z.number().min(0).max(1e7).optional(),
  starts: z.number().min(0).max(1e10).optional(),
});
type PumpReading = z.infer<typeof pumpReading>;

/** Four threshold rules; vibration per ISO 10816 (7.1 mm/s: the critical zone for this class). */
const rules: ((r: PumpReading) => boolean | undefined)[] = [
  (r) => (r.vibration_mms === undefined ? undefined : r.vibration_mms > 7.1),
  (r) => (r.motor_temp_c === undefined ? undefined : r.motor_temp_c > 90),
  (r) => (r.pressure_out_bar === undefined ? undefined : r.running !== false && r.pressure_out_bar < 1),
  (r) => (r.current_a === undefined ? undefined : r.current_a > 400),
];

export interface ReferenceStats {
  /** Readings validated and queued for InfluxDB. */
  accepted: number;
  /** Messages refused: wrong topic, not JSON, or not a valid pump reading. */
  rejected: number;
  /** Points InfluxDB acknowledged (204). */
  written: number;
  /** Points accepted and not yet acknowledged by InfluxDB. */
  pending: number;
  /** Writes InfluxDB refused or that failed (each retried). */
  writeErrors: number;
  /** Rule state changes (raised or cleared). */
  alarmChanges: number;
}

const KEY_SPECIAL = /[,= \\\n\r]/;
function escapeKey(s: string): string {
  return KEY_SPECIAL.test(s) ? s.replace(/[\\\n\r]+/g, '_').replace(/[,= ]/g, '\\$&') : s;
}

async function main(): Promise<void> {
  const [influxUrl, db, brokerUrl] = process.argv.slice(2);
  if (!influxUrl || !db) throw new Error('usage: reference-pipeline.ts <influx-url> <database> [broker-url]');
  const writeUrl = `${influxUrl}/write?db=${encodeURIComponent(db)}&precision=ms`;
  const created = await fetch(`${influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE "${db}"`)}`, { method: 'POST' });
  if (!created.ok) throw new Error(`InfluxDB refused CREATE DATABASE: ${created.status} ${await created.text()}`);

  const stats: ReferenceStats = { accepted: 0, rejected: 0, written: 0, pending: 0, writeErrors: 0, alarmChanges: 0 };
  const ruleState = new Map<string, boolean[]>();
  let buffer: string[] = [];
  const queue: string[][] = [];
  let inFlight = 0;

  function take(topic: string, payload: Buffer, now: number): void {
    // fms/{site}/pump/{asset}/telemetry
    const level = topic.split('/');
    if (level.length !== 5 || level[0] !== 'fms' || level[2] !== 'pump' || level[4] !== 'telemetry') return void stats.rejected++;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return void stats.rejected++;
    }
    const checked = pumpReading.safeParse(json);
    if (!checked.success) return void stats.rejected++;
    const r = checked.data;
    const ts = r.ts === undefined ? now : typeof r.ts === 'number' ? r.ts : Date.parse(r.ts);
    if (ts > now + MAX_FUTURE_SKEW_MS) return void stats.rejected++;
    let fields = '';
    for (const key in r) {
      if (key === 'ts') continue;
      const v = r[key as keyof PumpReading];
      if (v === undefined) continue;
      fields += (fields ? ',' : '') + key + '=' + String(v);
    }
    if (!fields) return void stats.rejected++;
    const asset = level[3]!;
    buffer.push(`pump,asset=${escapeKey(asset)},site=${escapeKey(level[1]!)} ${fields} ${ts}`);
    stats.accepted++;
    stats.pending++;
    let state = ruleState.get(asset);
    if (!state) ruleState.set(asset, (state = rules.map(() => false)));
    for (let i = 0; i < rules.length; i++) {
      const on = rules[i]!(r);
      if (on !== undefined && on !== state[i]) {
        state[i] = on;
        stats.alarmChanges++;
      }
    }
    if (buffer.length >= BATCH_POINTS) cut();
  }

  function cut(): void {
    if (buffer.length === 0) return;
    queue.push(buffer);
    buffer = [];
    pump();
  }

  function pump(): void {
    while (inFlight < MAX_WRITES_IN_FLIGHT && queue.length > 0) {
      const lines = queue.shift()!;
      inFlight++;
      void write(lines).then((ok) => {
        inFlight--;
        if (ok) {
          stats.written += lines.length;
          stats.pending -= lines.length;
          pump();
        } else {
          stats.writeErrors++;
          setTimeout(() => {
            queue.unshift(lines);
            pump();
          }, RETRY_MS);
        }
      });
    }
  }

  async function write(lines: string[]): Promise<boolean> {
    try {
      const res = await fetch(writeUrl, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: lines.join('\n') });
      await res.arrayBuffer();
      return res.status === 204 || res.status === 200;
    } catch {
      return false;
    }
  }

  const listening = brokerUrl ? await subscribe(brokerUrl, take) : await embedBroker(take);
  const statsServer = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
  });
  await new Promise<void>((resolve) => statsServer.listen(0, '127.0.0.1', resolve));
  const timer = setInterval(cut, FLUSH_MS);

  process.once('SIGTERM', () => {
    listening.stopTaking();
    cut();
    const deadline = Date.now() + 10_000;
    const exit = () => {
      if (stats.pending > 0 && Date.now() < deadline) return void setTimeout(exit, 50);
      clearInterval(timer);
      statsServer.close();
      listening.close(() => process.exit(stats.pending > 0 ? 1 : 0));
    };
    exit();
  });

  const port = (a: AddressInfo) => a.port;
  process.stdout.write(
    JSON.stringify({
      mqtt: listening.url,
      stats: `http://127.0.0.1:${port(statsServer.address() as AddressInfo)}/stats`,
    }) + '\n',
  );
}

type Take = (topic: string, payload: Buffer, now: number) => void;
interface Listening {
  /** Where the devices publish. */
  url: string;
  stopTaking(): void;
  close(done: () => void): void;
}

/** The embedded aedes broker: a reading is taken in the `published` hook, before a QoS 1 PUBACK. */
async function embedBroker(take: Take): Promise<Listening> {
  const published: NonNullable<AedesOptions['published']> = (packet, client, done) => {
    // The broker's own publishes ($SYS) have no client.
    if (client) take(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), Date.now());
    done();
  };
  const broker = await Aedes.createBroker({ published });
  const mqttServer = createServer((socket) => {
    socket.setNoDelay(true);
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => mqttServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${(mqttServer.address() as AddressInfo).port}`,
    stopTaking: () => mqttServer.close(),
    close: (done) => broker.close(done),
  };
}

/** A subscriber to an external broker, as FMS is with FMS_MQTT_URL. */
async function subscribe(url: string, take: Take): Promise<Listening> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, clientId: `fms-reference-${process.pid}`, reconnectPeriod: 1000 });
  client.on('message', (topic, payload) => take(topic, payload, Date.now()));
  await client.subscribeAsync('fms/+/pump/+/telemetry', { qos: 1, nl: true });
  return {
    url,
    stopTaking: () => void client.unsubscribeAsync('fms/+/pump/+/telemetry').catch(() => undefined),
    close: (done) => void client.endAsync().then(done, done),
  };
}

main().catch((err) => {
  process.stderr.write(`reference pipeline: ${(err as Error).stack}\n`);
  process.exit(1);
});
