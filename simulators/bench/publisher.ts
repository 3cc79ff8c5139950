/**
 * Load generator for the benchmark, run as its own process so that it does not share a core's event
 * loop with the service. Publishes pump telemetry round-robin over the given assets for a bounded
 * time, keeping a bounded number of publishes in flight (PERFORMANCE.md: mqtt.js collapses beyond
 * ~1,000 waiting publishes). Prints one JSON line with what it sent.
 *
 * Usage: tsx publisher.ts <mqtt-url> <qos 0|1> <seconds> <site> <asset-prefix> <count> [rate msg/s, 0 = full speed]
 */
import { deviceTopic } from '../../services/shared/topics.ts';
import mqtt from 'mqtt';

const [url, qosText, secondsText, site, prefix, countText, rateText = '0'] = process.argv.slice(2);
const qos = Number(qosText) as 0 | 1;
const seconds = Number(secondsText);
const count = Number(countText);
const rate = Number(rateText);
const maxInFlight = qos === 1 ? 1000 : 100;

const client = await mqtt.connectAsync(url!, { clientId: `bench-publisher-${process.pid}`, clean: true });
const topics = Array.from({ length: count }, (_, i) => deviceTopic(site!, 'pump', `${prefix}-${String(i + 1).padStart(4, '0')}`, 'telemetry'));
// Per asset: how many readings were acknowledged, and the time of the last one. Every reading of an
// asset gets its own millisecond and `run_hours` = its sequence number, so a test can check count and
// sum per series in the store.
const sentPerAsset = new Array<number>(count).fill(0);
const ackedPerAsset = new Array<number>(count).fill(0);
const ackedSumPerAsset = new Array<number>(count).fill(0);
const lastTs = new Array<number>(count).fill(0);

let sent = 0;
let acked = 0;
let failed = 0;
let inFlight = 0;
let i = 0;
const started = Date.now();
const deadline = started + seconds * 1000;

await new Promise<void>((resolve) => {
  let scheduled = false;
  const schedule = (delayMs: number) => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      fill();
    }, delayMs);
  };
  // Fills the in-flight window; called again when half of it has been acknowledged (no busy loop:
  // the service under test needs the other core).
  const fill = () => {
    const now = Date.now();
    if (now >= deadline) {
      if (inFlight === 0) resolve();
      return;
    }
    const due = rate > 0 ? Math.floor(((now - started) / 1000) * rate) - sent : Infinity;
    let n = 0;
    while (inFlight < maxInFlight && n < due) {
      const k = i++ % topics.length;
      const topic = topics[k]!;
      const ts = (lastTs[k] = Math.max(now, lastTs[k]! + 1));
      const seq = ++sentPerAsset[k]!;
      const v = 1.5 + (sent % 100) / 100;
      const payload = `{"ts":${ts},"flow_m3h":${30 + (sent % 7)},"pressure_out_bar":4.1,"vibration_mms":${v.toFixed(2)},"motor_temp_c":48.5,"running":true,"run_hours":${seq}}`;
      inFlight++;
      sent++;
      n++;
      client.publish(topic, payload, { qos }, (err) => {
        inFlight--;
        if (err) failed++;
        else {
          acked++;
          ackedPerAsset[k]!++;
          ackedSumPerAsset[k]! += seq;
        }
        if (Date.now() >= deadline) {
          if (inFlight === 0) resolve();
        } else if (inFlight <= maxInFlight / 2) schedule(0);
      });
    }
    if (rate > 0) schedule(5);
  };
  fill();
});
const elapsed = (Date.now() - started) / 1000;
await client.endAsync();
process.stdout.write(JSON.stringify({ qos, sent, acked, failed, elapsed, ackedPerAsset, ackedSumPerAsset }) + '\n');
