import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { requireProgram, startTestFms, waitFor } from '../testing/harness.ts';

/**
 * The attacks of the second security round (#13), each reproduced against a real FMS — its embedded
 * broker on a socket, mqtt.js and Mosquitto's clients — as an intruder made them.
 */
const run = promisify(execFile);
const mosquitto = requireProgram('mosquitto_pub', 'mosquitto-clients');
const ADMIN = 'admin-key-for-the-broker-attack-tests-01234';
const estate = {
  sites: [{ id: 'riverside' }, { id: 'lakeview' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-02', type: 'pump', site: 'riverside' },
    { id: 'lv-gate-02', type: 'gate', site: 'lakeview' },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview' },
  ],
};

describe.skipIf(!mosquitto.available)(`attacks on the embedded broker (FMS_MQTT_AUTH=devices) ${mosquitto.reason}`, () => {
  let fms: Fms;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-broker-attacks-'));
  const clients: MqttClient[] = [];
  const secrets = new Map<string, string>();
  let port = 0;
  beforeAll(async () => {
    fms = await startTestFms(estate, {
      FMS_MQTT_AUTH: 'devices',
      FMS_API_AUTH: 'keys',
      FMS_ADMIN_KEY: ADMIN,
      FMS_DATA_DIR: dir,
      FMS_MQTT_MAX_MSGS_PER_SEC: '20',
      FMS_MQTT_SESSION_MAX_QUEUED: '50',
      FMS_MQTT_PACKET_TIMEOUT: '2s',
    });
    port = Number(new URL(fms.mqttUrl).port);
    for (const a of estate.assets) secrets.set(a.id, (await api('POST', `/api/assets/${a.id}/credentials`)).json().secret);
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await fms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (method: string, url: string, payload?: object, key = ADMIN) =>
    fms.api.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const connect = async (opts: mqtt.IClientOptions) => {
    const c = await mqtt.connectAsync(fms.mqttUrl, { reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
  };
  const device = (asset: string, clientId = asset, extra: mqtt.IClientOptions = {}) =>
    connect({ clientId, username: asset, password: secrets.get(asset)!, ...extra });
  const key = async (body: object) => (await api('POST', '/api/keys', body)).json() as { id: string; token: string };
  const service = (k: { id: string; token: string }, extra: mqtt.IClientOptions = {}) =>
    connect({ clientId: `key:${k.id}.test`, username: 'integration', password: k.token, ...extra });
  const audit = async (query = '') =>
    (await api('GET', `/api/audit?limit=1000${query}`)).json().items as { action: string; outcome: string; detail: string; count: number }[];
  const rejected = async () => (await api('GET', '/api/ingest/rejected?limit=1000')).json().items as { kind: string; reason: string; topic: string }[];
  const heard = (c: MqttClient) => {
    const got: { topic: string; payload: string }[] = [];
    c.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
    return got;
  };

  it('refuses a client that takes a device’s client id, another device or a read-only key alike, and records it; the device stays connected', async () => {
    const pump = await device('rs-pump-01');
    let dropped = false;
    pump.on('close', () => (dropped = true));
    await expect(device('rs-pump-02', 'rs-pump-01')).rejects.toThrow(/Identifier rejected/i);
    const viewer = await key({ name: 'read only', role: 'viewer' });
    await expect(connect({ clientId: 'rs-pump-01', username: 'x', password: viewer.token })).rejects.toThrow(/Identifier rejected/i);
    // Mosquitto's client, the same attack.
    await expect(
      run('mosquitto_pub', [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-i',
        'rs-pump-01',
        '-u',
        'rs-pump-02',
        '-P',
        secrets.get('rs-pump-02')!,
        '-t',
        'x',
        '-m',
        'x',
      ]),
    ).rejects.toThrow(/identifier rejected|Connection Refused/i);
    await new Promise((r) => setTimeout(r, 300));
    expect(dropped).toBe(false);
    expect(pump.connected).toBe(true);
    const refused = (await audit('&action=mqtt.login&outcome=failed')).filter((r) => /client id "rs-pump-01" is not one of/.test(r.detail));
    expect(refused.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(2);
    // Its own ids work: the asset id, or the asset id, a dot and anything.
    await device('rs-pump-02', 'rs-pump-02.sensor-board');
  });

  it('keeps a persistent session to its identity: another key or a device cannot take it over and read its queue', async () => {
    const estateWide = await key({ name: 'estate BMS', role: 'integration' });
    const bms = await service(estateWide, { clientId: `key:${estateWide.id}.bms`, clean: false });
    await bms.subscribeAsync('fms/+/work-orders/#', { qos: 1 });
    bms.end(true);
    await waitFor(() => !bms.connected, 2000, 'the integration gone');
    // A Lakeview order event is queued for its session while it is away.
    const order = await api('POST', '/api/work-orders', {
      channel: 'hotline',
      category: 'repair',
      title: 'Gate arm bent',
      assetId: 'lv-gate-02',
      requester: { name: 'Guard', phone: '1' },
      by: 'requester',
    });
    expect(order.statusCode).toBe(201);
    const riverside = await key({ name: 'Riverside contractor', role: 'integration', sites: ['riverside'] });
    await expect(connect({ clientId: `key:${estateWide.id}.bms`, username: 'x', password: riverside.token, clean: false })).rejects.toThrow(
      /Identifier rejected/i,
    );
    await expect(device('rs-pump-01', `key:${estateWide.id}.bms`, { clean: false })).rejects.toThrow(/Identifier rejected/i);
    // The session's own identity still gets what was queued for it.
    const back = await service(estateWide, { clientId: `key:${estateWide.id}.bms`, clean: false });
    const got = heard(back);
    await waitFor(() => got.some((m) => m.topic.startsWith('fms/lakeview/work-orders/')), 5000, 'the queued order event');
  });

  it('ends a revoked key’s sessions: what was queued for it is gone', async () => {
    const k = await key({ name: 'to revoke', role: 'integration' });
    const c = await service(k, { clientId: `key:${k.id}`, clean: false });
    await c.subscribeAsync('fms/+/work-orders/#', { qos: 1 });
    c.end(true);
    await waitFor(() => !c.connected, 2000, 'gone');
    for (let i = 0; i < 3; i++) {
      await api('POST', '/api/work-orders', {
        channel: 'hotline',
        category: 'repair',
        title: `Leak ${i}`,
        assetId: 'rs-pump-01',
        requester: { name: 'R', phone: '1' },
        by: 'requester',
      });
    }
    const before = (await api('GET', '/api/health')).json().broker.sessions;
    expect(before.queued).toBeGreaterThanOrEqual(3);
    expect((await api('DELETE', `/api/keys/${k.id}`)).statusCode).toBe(204);
    await waitFor(async () => (await api('GET', '/api/health')).json().broker.sessions.queued < before.queued, 5000, 'the session ended');
  });

  it('caps what a persistent session queues while away (FMS_MQTT_SESSION_MAX_QUEUED) and says so', async () => {
    const k = await key({ name: 'slow reader', role: 'viewer' });
    const c = await service(k, { clientId: `key:${k.id}`, clean: false });
    await c.subscribeAsync('fms/riverside/+/+/telemetry', { qos: 1 });
    c.end(true);
    await waitFor(() => !c.connected, 2000, 'gone');
    const pump = await device('rs-pump-02', 'rs-pump-02.flood');
    for (let i = 0; i < 120; i++) await pump.publishAsync('fms/riverside/pump/rs-pump-02/telemetry', JSON.stringify({ flow_m3h: i }), { qos: 1 });
    await waitFor(async () => (await rejected()).some((r) => /has 50 messages waiting: further ones are dropped/.test(r.reason)), 5000, 'the session full');
    const back = await service(k, { clientId: `key:${k.id}`, clean: false });
    const got = heard(back);
    await new Promise((r) => setTimeout(r, 1500));
    expect(got.length).toBeLessThanOrEqual(50);
    expect(got.length).toBeGreaterThan(0);
  });

  it('lets no device publish into alarm or work-order topics, by publish or by will, and records the refusal', async () => {
    const integration = await service(await key({ name: 'alarm board', role: 'integration' }));
    await integration.subscribeAsync(['fms/+/alarms/#', 'fms/+/work-orders/#'], { qos: 1 });
    const got = heard(integration);
    const forger = await device('rs-pump-01', 'rs-pump-01.forger');
    const closed = new Promise<void>((resolve) => forger.once('close', () => resolve()));
    forger.publish('fms/lakeview/alarms/rs-pump-01/status', JSON.stringify({ change: 'cleared', alarm: { assetId: 'lv-gate-02' } }), { qos: 1 });
    await closed;
    // A will message aimed at the work-order topics, left behind by dropping the connection.
    const willer = await device('rs-pump-01', 'rs-pump-01.willer', {
      will: { topic: 'fms/lakeview/work-orders/rs-pump-01/event', payload: Buffer.from(JSON.stringify({ event: 'closed' })), qos: 1, retain: false },
    });
    (willer.stream as unknown as { destroy(): void }).destroy();
    // Mosquitto's client: its own id, another site and type in the topic.
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-i',
      'rs-pump-02',
      '-u',
      'rs-pump-02',
      '-P',
      secrets.get('rs-pump-02')!,
      '-q',
      '1',
      '-t',
      'fms/lakeview/work-orders/rs-pump-02/status',
      '-m',
      'closed',
    ]).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    expect(got).toEqual([]);
    const refusals = (await rejected()).filter((r) => r.kind === 'not_allowed' && /may not publish to fms\/lakeview\/(alarms|work-orders)/.test(r.reason));
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(refusals[0]!.reason).toMatch(/it publishes to fms\/riverside\/pump\/rs-pump-0[12]\/\{telemetry\|event\|status\}/);
  });

  it('keeps no retained message of a device but a short status, and clears that when its credentials are rotated', async () => {
    const pump = await device('lv-pump-01');
    await pump.publishAsync('fms/lakeview/pump/lv-pump-01/telemetry', JSON.stringify({ flow_m3h: 1, note: 'x'.repeat(1000) }), { qos: 1, retain: true });
    await pump.publishAsync('fms/lakeview/pump/lv-pump-01/status', 'online', { qos: 1, retain: true });
    const reader = await service(await key({ name: 'retained reader', role: 'viewer' }));
    const got = heard(reader);
    await reader.subscribeAsync(['fms/lakeview/pump/lv-pump-01/telemetry', 'fms/lakeview/pump/lv-pump-01/status'], { qos: 1 });
    await waitFor(() => got.length > 0, 3000, 'the retained status');
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual([{ topic: 'fms/lakeview/pump/lv-pump-01/status', payload: 'online' }]);
    secrets.set('lv-pump-01', (await api('POST', '/api/assets/lv-pump-01/credentials')).json().secret);
    await new Promise((r) => setTimeout(r, 300));
    const later = await service(await key({ name: 'late reader', role: 'viewer' }));
    const gotLater = heard(later);
    await later.subscribeAsync(['fms/lakeview/pump/lv-pump-01/telemetry', 'fms/lakeview/pump/lv-pump-01/status'], { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(gotLater.filter((m) => m.payload.length > 0)).toEqual([]);
  });

  it('stops ingesting a revoked device at once, however much it had held back by its rate', async () => {
    const conns = await Promise.all(Array.from({ length: 5 }, (_, i) => device('rs-pump-02', `rs-pump-02.flood-${i}`)));
    const stored = async () => (await api('GET', '/metrics')).body.match(/^fms_telemetry_points_accepted_total (\d+)/m)?.[1];
    for (const c of conns) for (let i = 0; i < 200; i++) c.publish('fms/riverside/pump/rs-pump-02/telemetry', JSON.stringify({ flow_m3h: i }), { qos: 0 });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api('DELETE', '/api/assets/rs-pump-02/credentials')).statusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 300));
    const at = Number(await stored());
    await new Promise((r) => setTimeout(r, 2500));
    expect(Number(await stored())).toBe(at);
    secrets.set('rs-pump-02', (await api('POST', '/api/assets/rs-pump-02/credentials')).json().secret);
  });

  it('refuses a 65 KB client id before sign-in and keeps the rejected list small', async () => {
    for (let i = 0; i < 20; i++) await expect(connect({ clientId: 'x'.repeat(65_000) + i, username: 'rs-pump-01', password: 'wrong' })).rejects.toThrow();
    const items = await rejected();
    expect(items.some((r) => /a client id of 65001 characters/.test(r.reason))).toBe(true);
    expect(JSON.stringify(items).length).toBeLessThan(1000 * 1200);
  });

  it('backs off sign-in attempts per user name, so guessing costs nothing but time, and records it', async () => {
    for (let i = 0; i < 6; i++)
      await expect(connect({ clientId: 'lv-gate-02', username: 'lv-gate-02', password: `guess-${i}` })).rejects.toThrow(/Bad username or password/i);
    // Backing off: a further guess is not checked now…
    await expect(connect({ clientId: 'lv-gate-02', username: 'lv-gate-02', password: 'guess-7' })).rejects.toThrow(/Bad username or password/i);
    expect((await rejected()).some((r) => /too many failed sign-ins for "lv-gate-02"/.test(r.reason))).toBe(true);
    // …but the device's own secret, known good by its hash, still signs it in (third round: no lockout).
    await connect({ clientId: 'lv-gate-02', username: 'lv-gate-02', password: secrets.get('lv-gate-02')! });
    expect((await api('GET', '/metrics')).body).toMatch(/fms_mqtt_refused_total\{reason="sign_in_rate"\} [1-9]/);
  });

  it('grants a service client at most 100 subscriptions', async () => {
    const c = await service(await key({ name: 'greedy', role: 'integration' }));
    const granted = [];
    for (let i = 0; i < 120; i++)
      granted.push(
        await c.subscribeAsync(`fms/riverside/alarms/asset-${i}`, { qos: 0 }).then(
          () => true,
          () => false,
        ),
      );
    expect(granted.filter(Boolean)).toHaveLength(100);
  });

  it('closes a connection that trickles a large packet instead of sending it', async () => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.on('error', () => undefined); // the broker cuts it off mid-write
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId: 'rs-pump-01.trickle',
        keepalive: 0,
        username: 'rs-pump-01',
        password: Buffer.from(secrets.get('rs-pump-01')!),
      }),
    );
    // A PUBLISH declaring 2,000,000 bytes, then a byte now and then.
    socket.write(Buffer.from([0x30, 0x80, 0x89, 0x7a]));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const trickle = setInterval(() => socket.writable && socket.write(Buffer.from('x')), 200);
    try {
      await closed;
    } finally {
      clearInterval(trickle);
    }
  }, 20_000);
});
