import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { requireProgram, startTestFms, waitFor } from '../testing/harness.ts';

const run = promisify(execFile);
const sub = requireProgram('mosquitto_sub', 'mosquitto-clients');
const ADMIN = 'admin-key-for-the-service-client-tests-0123';
const estate = {
  sites: [{ id: 'riverside' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-02', type: 'pump', site: 'riverside' },
  ],
};

describe('sign-in on the embedded broker: service clients, message rate, audit (FMS_MQTT_AUTH=devices, FMS_API_AUTH=keys)', () => {
  let fms: Fms;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-service-clients-'));
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    fms = await startTestFms(estate, {
      FMS_MQTT_AUTH: 'devices',
      FMS_API_AUTH: 'keys',
      FMS_ADMIN_KEY: ADMIN,
      FMS_DATA_DIR: dir,
      FMS_MQTT_MAX_MSGS_PER_SEC: '20',
    });
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await fms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (method: string, url: string, payload?: object, key = ADMIN) =>
    fms.api.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const connect = async (username: string, password: string) => {
    // A device's client id is its asset id and more; a service client's starts with key: and its key's id.
    const own = password.startsWith('fms_') ? `key:${password.slice(4, 16)}` : username;
    const c = await mqtt.connectAsync(fms.mqttUrl, { clientId: `${own}.${Math.random().toString(36).slice(2)}`, username, password, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  };
  const device = async (asset: string) => connect(asset, (await api('POST', `/api/assets/${asset}/credentials`)).json().secret);
  const key = async (role: string, name = `${role} client`) => (await api('POST', '/api/keys', { name, role })).json() as { id: string; token: string };
  const audit = async (query = '') =>
    (await api('GET', `/api/audit?limit=1000${query}`)).json().items as {
      action: string;
      outcome: string;
      actor: string;
      actorName: string;
      target: string;
      detail: string;
      address: string;
      count: number;
    }[];

  it('lets an integration sign in with its API key and read alarms and readings, never write or read commands', async () => {
    const integration = await key('integration', 'building management system');
    const bms = await connect('building management system', integration.token);
    const heard: { topic: string; body: any }[] = [];
    bms.on('message', (topic, payload) => heard.push({ topic, body: JSON.parse(String(payload)) }));
    await bms.subscribeAsync('fms/riverside/alarms/#', { qos: 1 });
    await bms.subscribeAsync('fms/+/pump/+/telemetry', { qos: 0 });
    for (const wider of ['fms/#', '#', 'fms/+/pump/+/cmd', '$SYS/#', 'fms/riverside/+/+/+']) {
      await expect(bms.subscribeAsync(wider, { qos: 0 }), wider).rejects.toThrow(/Subscribe error/);
    }

    const pump = await device('rs-pump-01');
    await pump.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ pressure_out_bar: 4.2 }), { qos: 1 });
    await pump.publishAsync('fms/riverside/pump/rs-pump-01/event', JSON.stringify({ type: 'trip' }), { qos: 1 });
    const alarm = await waitFor(() => heard.find((m) => m.topic === 'fms/riverside/alarms/rs-pump-01'), 5000, 'the alarm on the integration topic');
    expect(alarm.body.alarm.ruleId).toBe('pump.trip');
    expect(heard.some((m) => m.topic === 'fms/riverside/pump/rs-pump-01/telemetry' && m.body.pressure_out_bar === 4.2)).toBe(true);

    // A service client that publishes readings is forging them: refused, the connection closed, nothing stored.
    const closed = new Promise<void>((resolve) => bms.once('close', () => resolve()));
    bms.publish('fms/riverside/pump/rs-pump-02/telemetry', JSON.stringify({ pressure_out_bar: 0.1 }), { qos: 1 });
    await closed;
    expect((await api('GET', '/api/assets/rs-pump-02/latest')).json().metrics.pressure_out_bar).toBeUndefined();

    const records = await audit();
    expect(
      records.some(
        (r) => r.action === 'mqtt.login' && r.outcome === 'ok' && r.actor === `key:${integration.id}` && r.actorName === 'building management system',
      ),
    ).toBe(true);
    expect(records.some((r) => r.action === 'mqtt.login' && r.outcome === 'ok' && r.actor === 'device:rs-pump-01' && r.detail === 'device, by password')).toBe(
      true,
    );
    // Its refusals are one series (a flood of them must not flood the log): the first at once, the
    // rest with their count and a sample of what they aimed at when the series' window closes.
    const denied = (rs: typeof records) => rs.filter((r) => r.action === 'access.denied' && r.actor === `key:${integration.id}`);
    expect(denied(records).map((r) => r.target)).toEqual(['subscribe to fms/#']);
    await fms.audit.flush();
    const series = denied(await audit());
    expect(series.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(5);
    const sample = series.map((r) => r.detail).join(' ');
    for (const target of ['subscribe to fms/+/pump/+/cmd', 'subscribe to $SYS/#', 'publish to fms/riverside/pump/rs-pump-02/telemetry'])
      expect(sample).toContain(target);
  });

  it('closes a service client’s connection when its key is revoked, and refuses the key afterwards', async () => {
    const viewer = await key('viewer', 'wall display');
    const display = await connect('wall display', viewer.token);
    const closed = new Promise<void>((resolve) => display.once('close', () => resolve()));
    expect((await api('DELETE', `/api/keys/${viewer.id}`)).statusCode).toBe(204);
    await closed;
    await expect(connect('wall display', viewer.token)).rejects.toThrow(/Bad username or password|Not authorized/i);
    const failed = (await audit('&action=mqtt.login')).find((r) => r.outcome === 'failed' && r.detail.includes('API key refused: the key was revoked'));
    expect(failed).toBeDefined();
  });

  it.skipIf(!sub.available)(`serves mosquitto_sub as a third-party service client ${sub.reason}`, async () => {
    const integration = await key('integration', 'mosquitto_sub');
    const port = new URL(fms.mqttUrl).port;
    const child = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-i',
      `key:${integration.id}`,
      '-u',
      'ops',
      '-P',
      integration.token,
      '-t',
      'fms/riverside/alarms/+',
      '-C',
      '1',
      '-W',
      '20',
    ]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Subscribed once the broker counts it; then an alarm is raised.
    await new Promise((r) => setTimeout(r, 500));
    const pump = await device('rs-pump-02');
    await pump.publishAsync('fms/riverside/pump/rs-pump-02/event', JSON.stringify({ type: 'dry_run' }), { qos: 1 });
    expect(await exited).toBe(0);
    expect(JSON.parse(out).alarm).toMatchObject({ assetId: 'rs-pump-02', ruleId: 'pump.dry-run' });
    // A wrong key: mosquitto_sub is refused.
    await expect(
      run('mosquitto_sub', [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-u',
        'ops',
        '-P',
        'fms_000000000000_' + 'x'.repeat(32),
        '-t',
        'fms/+/alarms/#',
        '-C',
        '1',
        '-W',
        '3',
      ]),
    ).rejects.toThrow();
  });

  it('slows a device that sends faster than FMS_MQTT_MAX_MSGS_PER_SEC down, and loses none of its messages', async () => {
    const pump = await device('rs-pump-02');
    const start = Date.now() - 3_600_000;
    const sent = 160; // 100 pass at once (five seconds' worth), the other 60 at 20 a second
    const began = Date.now();
    await Promise.all(
      Array.from({ length: sent }, (_, i) =>
        pump.publishAsync('fms/riverside/pump/rs-pump-02/telemetry', JSON.stringify({ ts: start + i * 1000, flow_m3h: i }), { qos: 1 }),
      ),
    );
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(2_500);
    const stored = await waitFor(
      async () => {
        const series = (await api('GET', `/api/assets/rs-pump-02/telemetry?metric=flow_m3h&from=${start}&to=${start + sent * 1000}&every=1s&fn=max`)).json();
        const values = (series.buckets as { value: number | null }[]).filter((b) => b.value !== null);
        return values.length === sent ? values : undefined;
      },
      10_000,
      'every reading stored',
    );
    expect(stored.map((p) => p.value)).toEqual(Array.from({ length: sent }, (_, i) => i));
    const metrics = await (await fetch(`${fms.httpUrl}/metrics`)).text();
    expect(Number(/^fms_mqtt_throttled_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(50);
  });
});
