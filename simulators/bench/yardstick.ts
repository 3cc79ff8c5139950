import os from 'node:os';
import path from 'node:path';
import { startInfluxd } from '../../services/testing/influxd.ts';
import { startMosquitto } from '../../services/testing/mosquitto.ts';
import { startServiceProcess } from '../../services/testing/service-process.ts';
import { LOAD_GENERATOR, PUMPS, SECONDS, commitId, drained, influxdInstalled, machine, fmsNodeArgs, settled, type PhaseResult } from './common.ts';
import { runPublisher } from './run-publisher.ts';
import { influxPointCount, startReferencePipeline } from './run-reference.ts';

/** Each yardstick phase is cut into this many slices, taken in turn by every pipeline measured. */
const SLICES = 4;

interface Counts {
  ingested: number;
  rejected: number;
  stored: number;
}

interface Target {
  label: string;
  mqttUrl: string;
  /** Its counters once it has stored everything it accepted. */
  counts(): Promise<Counts>;
  /**
   * Behind an external broker, the broker acknowledges the publisher and the pipeline takes the
   * messages from its queue afterwards: a slice lasts until the pipeline has taken what was sent.
   */
  behindBroker?: boolean;
}

/**
 * Waits until `t` has taken `expected` messages, or took none for 2 s (messages that never reached
 * it); returns its counts and when it took the last one.
 */
async function taken(t: Target, expected: number): Promise<{ counts: Counts; lastAt: number }> {
  let last = await t.counts();
  let lastAt = Date.now();
  while (last.ingested < expected && Date.now() - lastAt < 2000) {
    await new Promise((r) => setTimeout(r, 50));
    const now = await t.counts();
    if (now.ingested !== last.ingested) lastAt = Date.now();
    last = now;
  }
  return { counts: last, lastAt };
}

/**
 * Loads the targets in turn with the same publisher: each QoS phase cut into SLICES slices, every
 * target taking one after the other, the order alternating; returns each target's phases.
 */
async function alternate(name: string, targets: Target[]): Promise<{ results: PhaseResult[][]; load: [number, number] }> {
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
        const published = Date.now();
        const took = t.behindBroker ? await taken(t, before.ingested + pub.sent) : undefined;
        const after = took?.counts ?? (await t.counts());
        sum.sent += pub.sent;
        sum.acked += pub.acked;
        sum.ingested += after.ingested - before.ingested;
        sum.rejected += after.rejected - before.rejected;
        sum.stored += after.stored - before.stored;
        sum.seconds += pub.elapsed + (took ? Math.max(0, took.lastAt - published) / 1000 : 0);
      }
    }
    targets.forEach((t, i) => {
      const sum = sums[i]!;
      const r: PhaseResult = { name: `telemetry, QoS ${qos}`, ...sum, storedSeconds: sum.seconds, rate: sum.ingested / sum.seconds };
      results[i]!.push(r);
      process.stdout.write(
        `bench: ${name}, ${t.label}, QoS ${qos}: ${Math.round(r.rate)} msg/s accepted (${r.ingested - r.rejected} of ${r.sent} sent, ${r.rejected} rejected, ${r.stored} stored)\n`,
      );
    });
  }
  return { results, load: [loadBefore, os.loadavg()[0]!] };
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
export async function yardstickBench(dir: string, withEmbedded: boolean): Promise<Yardstick | undefined> {
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
      fmsNodeArgs(),
    );
    stops.unshift(() => onInflux.stop('SIGTERM'));
    const fmsProcesses = [onInflux];
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
      fmsProcesses.push(embedded);
      targets.push({
        label: 'FMS, embedded store',
        mqttUrl: embedded.mqttUrl,
        async counts() {
          const s = await drained(embedded);
          return { ingested: s.ingested, rejected: s.rejected, stored: s.written };
        },
      });
    }
    for (const service of fmsProcesses) await settled(service);
    const { results, load } = await alternate('yardstick', targets);
    return { reference: results[0]!, influx: results[1]!, embedded: withEmbedded ? results[2] : undefined, load };
  } finally {
    for (const stop of stops) await stop();
  }
}

export function yardstickSection({ reference, influx, embedded, load }: Yardstick): string[] {
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
  return [
    `Machine: ${machine()}. Commit ${commitId()}. The same load generator (one publisher process, mqtt.js, ${PUMPS.toLocaleString('en')} pumps,`,
    `~150-byte readings round-robin, bounded in flight: 100 at QoS 0, 1,000 at QoS 1) against each, ${SECONDS} s a QoS in all, in`,
    `${SLICES} slices of ${SECONDS / SLICES} s that the pipelines take in turn (order alternating), all of them started before the first:`,
    'the reference pipeline (simulators/bench/reference-pipeline.ts: embedded aedes → JSON.parse + zod → 4 threshold rules →',
    `line protocol → InfluxDB 1.6 in batches of 5,000, two writes in flight), FMS on InfluxDB${embedded ? ' and FMS on its embedded store' : ''}, with the`,
    `default rules; each InfluxDB user has its own influxd. Stored = points InfluxDB counts${embedded ? ' (the embedded store: readings it wrote)' : ''}; lost = sent − stored.`,
    ...(embedded ? [] : ['FMS on its embedded store was not measured in this run (BENCH_ONLY without `ingest`).']),
    `Load average (1 min) as the first slice began: ${load[0].toFixed(1)}; as the last ended: ${load[1].toFixed(1)} (the bench itself keeps ~3 processes busy).`,
    ...ratioTable(rows, sentences),
  ];
}

/** The table of rates and ratios and the sentences under it; the sentences are printed as well. */
function ratioTable(rows: string[], sentences: string[]): string[] {
  for (const s of sentences) process.stdout.write(`bench: ${s.slice(2).replaceAll('**', '')}\n`);
  return [
    '',
    '| pipeline | QoS | sent | accepted | stored | lost | msg/s accepted | ratio to the reference |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...sentences,
  ];
}

interface BrokerYardstick {
  reference: PhaseResult[];
  fms: PhaseResult[];
  load: [number, number];
}

/**
 * The yardstick behind Mosquitto (#22): the reference pipeline subscribed to one Mosquitto and FMS
 * (FMS_MQTT_URL) to another, each writing to its own influxd, loaded in turn as above. Each pipeline
 * has its own broker so that a slice meant for one does not reach the other.
 */
export async function mosquittoYardstickBench(dir: string): Promise<BrokerYardstick | undefined> {
  if (!influxdInstalled()) return undefined;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const [refInflux, fmsInflux, refBroker, fmsBroker] = await Promise.all([startInfluxd(), startInfluxd(), startMosquitto(), startMosquitto()]);
    stops.unshift(
      () => refInflux.destroy(),
      () => fmsInflux.destroy(),
      () => refBroker.destroy(),
      () => fmsBroker.destroy(),
    );
    const reference = await startReferencePipeline(refInflux.url, 'reference', refBroker.url);
    stops.unshift(() => reference.stop());
    const fms = await startServiceProcess(
      {
        FMS_DATA_DIR: path.join(dir, 'data-yardstick-mosquitto'),
        FMS_CONFIG: path.join(dir, 'estate.yaml'),
        FMS_INFLUX_URL: fmsInflux.url,
        FMS_MQTT_URL: fmsBroker.url,
      },
      [],
      [],
    );
    stops.unshift(() => fms.stop('SIGTERM'));
    await settled(fms);
    const { results, load } = await alternate('Mosquitto', [
      {
        label: 'reference pipeline on Mosquitto',
        mqttUrl: refBroker.url,
        behindBroker: true,
        async counts() {
          const s = await reference.drained();
          return { ingested: s.accepted + s.rejected, rejected: s.rejected, stored: await influxPointCount(refInflux.url, 'reference') };
        },
      },
      {
        label: 'FMS on Mosquitto and InfluxDB',
        mqttUrl: fmsBroker.url,
        behindBroker: true,
        async counts() {
          const s = await drained(fms);
          return { ingested: s.ingested, rejected: s.rejected, stored: await influxPointCount(fmsInflux.url, 'fms').catch(() => 0) };
        },
      },
    ]);
    return { reference: results[0]!, fms: results[1]!, load };
  } finally {
    for (const stop of stops) await stop();
  }
}

export function mosquittoYardstickSection({ reference, fms, load }: BrokerYardstick): string[] {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  const rows: string[] = [];
  const sentences: string[] = [];
  for (const qos of [0, 1] as const) {
    const ref = reference[qos]!;
    const p = fms[qos]!;
    const ratio = (p.rate / ref.rate).toFixed(2);
    rows.push(
      `| reference pipeline | ${qos} | ${n(ref.sent)} | ${n(ref.ingested - ref.rejected)} | ${n(ref.stored)} | ${n(ref.sent - ref.stored)} | ${n(ref.rate)} | 1 |`,
      `| FMS | ${qos} | ${n(p.sent)} | ${n(p.ingested - p.rejected)} | ${n(p.stored)} | ${n(p.sent - p.stored)} | ${n(p.rate)} | **${ratio}** |`,
    );
    sentences.push(`- FMS on Mosquitto, QoS ${qos}: ${n(p.rate)} msg/s = **${ratio}** of the reference's ${n(ref.rate)} on Mosquitto`);
  }
  return [
    `Machine: ${machine()}. Commit ${commitId()}. Mosquitto 2.0 as the broker: the reference pipeline (subscribed with mqtt.js, MQTT 5,`,
    `QoS 1) and FMS (FMS_MQTT_URL) each behind its own Mosquitto and writing to its own influxd. The same publisher as above against`,
    `each broker, ${SECONDS} s a QoS in ${SLICES} slices taken in turn; Mosquitto acknowledges the publisher, so a slice lasts until`,
    'the pipeline has taken everything that was sent (msg/s = messages taken ÷ that time). Stored = points InfluxDB counts; lost = sent − stored.',
    `Load average (1 min) as the first slice began: ${load[0].toFixed(1)}; as the last ended: ${load[1].toFixed(1)}.`,
    ...ratioTable(rows, sentences),
  ];
}
