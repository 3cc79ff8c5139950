/**
 * A share of the fleet benchmark's devices (fleet.ts), in a process of its own: each device signs in
 * on its own MQTT connection with its own credentials and, once told to, publishes one reading every
 * 10 s at QoS 1 (the devices' readings spread evenly over the 10 s).
 *
 * Usage: tsx fleet-devices.ts <mqtt-url> <credentials.json> <from> <to>
 * (credentials.json: [[assetId, secret], …]; this process takes entries from..to-1).
 * Driven by lines on stdin: `go` connects every device (at most IN_FLIGHT connecting at once),
 * `publish` starts the readings, `stop` stops them, waits for their acknowledgements and disconnects.
 * Answers with one JSON line on stdout per step.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic } from '../../services/shared/topics.ts';

const [url, file, fromText, toText] = process.argv.slice(2);
const devices = (JSON.parse(readFileSync(file!, 'utf8')) as [string, string][]).slice(Number(fromText), Number(toText));
/** Connections being set up at once: all of them at once overflows the listen backlog (4,096 here) and costs retries, not realism. */
const IN_FLIGHT = 500;
const PERIOD_MS = 10_000;
/** The publishing timer's tick: each tick publishes for the devices whose slot fell in it. */
const TICK_MS = 100;

/** Tries of one device's connection before it counts as not connected. */
const ATTEMPTS = 5;
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const clients: (MqttClient | undefined)[] = [];
let sent = 0;
let acked = 0;
let failed = 0;
let timer: NodeJS.Timeout | undefined;

async function connectAll() {
  const started = Date.now();
  let next = 0;
  let refused = 0;
  let retried = 0;
  const reasons = new Map<string, number>();
  const worker = async () => {
    while (next < devices.length) {
      const i = next++;
      const [id, secret] = devices[i]!;
      // As a device does: a connection refused or reset is tried again after a second or two, a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          clients[i] = await mqtt.connectAsync(url!, {
            clientId: id,
            username: id,
            password: secret,
            reconnectPeriod: 0,
            connectTimeout: 120_000,
            keepalive: 60,
          });
          break;
        } catch (err) {
          const why = (err as Error).message.slice(0, 80);
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
          if (attempt >= ATTEMPTS) {
            refused++;
            break;
          }
          retried++;
          await new Promise((r) => setTimeout(r, 1000 + Math.random() * 2000));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, devices.length) }, worker));
  say({ connected: devices.length - refused, refused, retried, seconds: (Date.now() - started) / 1000 });
  if (reasons.size)
    process.stderr.write(`fleet-devices: connections that failed, tried again up to ${ATTEMPTS} times: ${JSON.stringify(Object.fromEntries(reasons))}\n`);
}

function publish() {
  const payload = JSON.stringify({ flow_m3h: 30.5, pressure_out_bar: 4.1, vibration_mms: 2.1, motor_temp_c: 48.5, running: true });
  const topics = devices.map(([id]) => deviceTopic('fleet', 'pump', id, 'telemetry'));
  const perTick = devices.length / (PERIOD_MS / TICK_MS);
  let due = 0;
  let i = 0;
  timer = setInterval(() => {
    due += perTick;
    for (; due >= 1; due--) {
      const c = clients[i];
      const topic = topics[i]!;
      i = (i + 1) % devices.length;
      if (!c?.connected) continue;
      sent++;
      c.publish(topic, payload, { qos: 1 }, (err) => (err ? failed++ : acked++));
    }
  }, TICK_MS);
  say({ publishing: true });
}

async function stop() {
  clearInterval(timer);
  const deadline = Date.now() + 10_000;
  while (acked + failed < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  say({ sent, acked, failed });
  await Promise.all(clients.map((c) => c?.endAsync(true)));
  process.exit(0);
}

say({ ready: devices.length });
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'go') void connectAll();
  else if (line === 'publish') publish();
  else if (line === 'stop') void stop();
});
