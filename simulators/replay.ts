import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { assetIdOf, deviceTopic } from '../services/shared/topics.ts';
import { deviceTypes, type DeviceType } from '../devices/catalog.ts';

export interface ReplayRow {
  /** Epoch ms of the recorded reading. */
  ts: number;
  asset: string;
  site: string;
  type: DeviceType;
  metric: string;
  value: number | boolean;
}

/**
 * Reads a CSV of recorded readings: header `timestamp,asset,metric,value` with optional `site` and
 * `type` columns (else `defaults`). Timestamps are ISO-8601 or epoch milliseconds. Every bad line is
 * reported with its number.
 */
export function readReplayCsv(file: string, defaults: { site?: string | undefined; type?: DeviceType | undefined }): ReplayRow[] {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  for (const required of ['timestamp', 'asset', 'metric', 'value']) {
    if (col(required) < 0) throw new Error(`${file}: expected a header with timestamp,asset,metric,value (and optionally site,type); got ${header.join(',')}`);
  }
  const problems: string[] = [];
  const rows: ReplayRow[] = [];
  lines.forEach((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    const at = cells[col('timestamp')]!;
    const ts = /^\d+$/.test(at) ? Number(at) : Date.parse(at);
    const site = col('site') >= 0 ? cells[col('site')] : defaults.site;
    const type = (col('type') >= 0 ? cells[col('type')] : defaults.type) as DeviceType | undefined;
    const raw = cells[col('value')]!;
    const value = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
    const where = `${file}:${i + 2}`;
    if (Number.isNaN(ts)) problems.push(`${where}: "${at}" is not ISO-8601 or epoch milliseconds`);
    else if (!site) problems.push(`${where}: no site (add a site column or give --site)`);
    else if (!type || !deviceTypes.includes(type)) problems.push(`${where}: no device type (add a type column or give --type: ${deviceTypes.join(', ')})`);
    else if (typeof value === 'number' && Number.isNaN(value)) problems.push(`${where}: "${raw}" is not a number, true or false`);
    else rows.push({ ts, asset: cells[col('asset')]!, site, type, metric: cells[col('metric')]!, value });
  });
  if (problems.length) throw new Error(`${problems.length} bad line(s):\n${problems.slice(0, 20).join('\n')}`);
  return rows.sort((a, b) => a.ts - b.ts);
}

/** Readings of one asset at one moment travel as one message, as the device would send them. */
export function toMessages(rows: readonly ReplayRow[]): { ts: number; topic: string; payload: Record<string, number | boolean> }[] {
  const out = new Map<string, { ts: number; topic: string; payload: Record<string, number | boolean> }>();
  for (const r of rows) {
    const key = `${r.ts}\0${r.asset}`;
    let m = out.get(key);
    if (!m) out.set(key, (m = { ts: r.ts, topic: deviceTopic(r.site, r.type, r.asset, 'telemetry'), payload: { ts: r.ts } }));
    m.payload[r.metric] = r.value;
  }
  return [...out.values()];
}

/**
 * Plays recorded readings to a broker, keeping their timestamps, at the recorded pace divided by
 * `speed` (0: as fast as the broker takes them). With `credentials`, each asset signs in as itself
 * on its own connection (a broker that wants device sign-in lets a device publish only its own
 * topics); without, one connection carries them all.
 */
export async function replay(opts: {
  brokerUrl: string;
  rows: readonly ReplayRow[];
  speed: number;
  qos?: 0 | 1;
  credentials?: (assetId: string) => { username: string; password: string } | undefined;
  onProgress?: (sent: number, total: number) => void;
}): Promise<number> {
  const messages = toMessages(opts.rows);
  const connections = new Map<string, Promise<MqttClient>>();
  const connect = (id: string, login?: { username: string; password: string }) =>
    mqtt.connectAsync(opts.brokerUrl, { clientId: id ? `${id}.replay-${process.pid}` : `replay-${process.pid}`, clean: true, reconnectPeriod: 0, ...login });
  const clientFor = (topic: string) => {
    const asset = assetIdOf(topic)!;
    const login = opts.credentials?.(asset);
    const key = login ? asset : '';
    let c = connections.get(key);
    if (!c) connections.set(key, (c = connect(key, login)));
    return c;
  };
  try {
    const realStart = Date.now();
    const first = messages[0]?.ts ?? 0;
    let sent = 0;
    for (const m of messages) {
      if (opts.speed > 0) {
        const wait = realStart + (m.ts - first) / opts.speed - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await (await clientFor(m.topic)).publishAsync(m.topic, JSON.stringify(m.payload), { qos: opts.qos ?? 1 });
      sent++;
      if (sent % 1000 === 0) opts.onProgress?.(sent, messages.length);
    }
    return sent;
  } finally {
    for (const c of connections.values())
      await c.then(
        (client) => client.endAsync(),
        () => undefined,
      );
  }
}
