import { execFile } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { getJson, requireProgram, startTestFms, waitFor } from '../testing/harness.ts';

const run = promisify(execFile);
const pub = requireProgram('mosquitto_pub', 'mosquitto-clients');
const estate = {
  sites: [{ id: 'riverside' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-02', type: 'pump', site: 'riverside' },
  ],
};

describe('device authentication on the embedded broker (FMS_MQTT_AUTH=devices)', () => {
  let fms: Fms;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-device-auth-'));
  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_MQTT_AUTH: 'devices', FMS_DATA_DIR: dir });
  });
  afterAll(async () => {
    await fms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const issue = async (asset: string) =>
    (await fms.api.inject({ method: 'POST', url: `/api/assets/${asset}/credentials` })).json() as { username: string; secret: string };
  const device = (username?: string, password?: string) =>
    mqtt.connectAsync(fms.mqttUrl, {
      clientId: `${username ?? 'anon'}.${Math.random().toString(36).slice(2)}`,
      reconnectPeriod: 0,
      ...(username ? { username, password } : {}),
    });
  const latest = async (asset: string) => (await getJson(`${fms.httpUrl}/api/assets/${asset}/latest`)).metrics?.pressure_out_bar?.value;
  const rejected = async () => (await getJson(`${fms.httpUrl}/api/ingest/rejected`)).items as { kind: string; reason: string }[];

  it('refuses anonymous clients and wrong secrets, and records the attempts', async () => {
    await expect(device()).rejects.toThrow(/Bad username or password|Not authorized/i);
    await issue('rs-pump-01');
    await expect(device('rs-pump-01', 'guessed')).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(device('no-such-asset', 'x')).rejects.toThrow(/Bad username or password|Not authorized/i);
    const r = await rejected();
    expect(r.filter((x) => x.kind === 'connection' && /no user name or password|wrong or revoked credentials/.test(x.reason)).length).toBeGreaterThanOrEqual(3);
  });

  it('issues a secret shown once and keeps only its salted HMAC-SHA-256', async () => {
    const res = await fms.api.inject({ method: 'POST', url: '/api/assets/rs-pump-02/credentials' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { secret, username } = res.json();
    expect(username).toBe('rs-pump-02');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const info = (await fms.api.inject({ method: 'GET', url: '/api/assets/rs-pump-02/credentials' })).json();
    expect(info).toEqual({ assetId: 'rs-pump-02', issuedAt: expect.any(Number), revokedAt: null });
    const db = new Database(path.join(dir, 'fms.db'), { readonly: true });
    const row = db.prepare('SELECT * FROM device_credentials WHERE asset_id = ?').get('rs-pump-02') as Record<string, string>;
    db.close();
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.scheme).toBe('hmac-sha256');
    expect(Buffer.from(row.hash!, 'base64')).toHaveLength(32);
  });

  it('lets a device publish its own readings and nothing else', async () => {
    const { secret } = await issue('rs-pump-01');
    const d = await device('rs-pump-01', secret);
    await d.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ pressure_out_bar: 4.1 }), { qos: 1 });
    expect(await waitFor(() => latest('rs-pump-01'), 5000, 'the reading')).toBe(4.1);
    // Subscribing to everyone's topics: refused (SUBACK 128).
    await expect(d.subscribeAsync('fms/#', { qos: 0 })).rejects.toThrow(/Subscribe error/);
    // Publishing as another pump: the broker refuses and closes the connection; nothing is stored.
    const closed = new Promise<void>((resolve) => d.once('close', () => resolve()));
    d.publish('fms/riverside/pump/rs-pump-02/telemetry', JSON.stringify({ pressure_out_bar: 9.9 }), { qos: 1 });
    await closed;
    d.end(true);
    expect(await latest('rs-pump-02')).toBeUndefined();
    expect(
      (await rejected()).some((x) => x.kind === 'not_allowed' && x.reason.includes('"rs-pump-01" may not publish to fms/riverside/pump/rs-pump-02/telemetry')),
    ).toBe(true);
  });

  it('closes the connections of a revoked or rotated secret at once, and refuses it afterwards', async () => {
    const first = await issue('rs-pump-01');
    const d = await device('rs-pump-01', first.secret);
    const closed = new Promise<void>((resolve) => d.once('close', () => resolve()));
    const second = await issue('rs-pump-01'); // rotation
    await closed;
    d.end(true);
    await expect(device('rs-pump-01', first.secret)).rejects.toThrow(/Bad username or password|Not authorized/i);
    const d2 = await device('rs-pump-01', second.secret);
    const closed2 = new Promise<void>((resolve) => d2.once('close', () => resolve()));
    expect((await fms.api.inject({ method: 'DELETE', url: '/api/assets/rs-pump-01/credentials' })).statusCode).toBe(204);
    await closed2;
    d2.end(true);
    await expect(device('rs-pump-01', second.secret)).rejects.toThrow(/Bad username or password|Not authorized/i);
    expect((await fms.api.inject({ method: 'GET', url: '/api/assets/rs-pump-01/credentials' })).json().revokedAt).toEqual(expect.any(Number));
  });

  it.skipIf(!pub.available)(`works with mosquitto_pub as a third-party device ${pub.reason}`, async () => {
    const { secret } = await issue('rs-pump-02');
    const port = new URL(fms.mqttUrl).port;
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-i',
      'rs-pump-02',
      '-u',
      'rs-pump-02',
      '-P',
      secret,
      '-q',
      '1',
      '-t',
      'fms/riverside/pump/rs-pump-02/telemetry',
      '-m',
      '{"pressure_out_bar":3.7}',
    ]);
    expect(await waitFor(() => latest('rs-pump-02'), 5000, 'the reading')).toBe(3.7);
    await expect(
      run('mosquitto_pub', [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-i',
        'rs-pump-02',
        '-u',
        'rs-pump-02',
        '-P',
        'wrong',
        '-q',
        '1',
        '-t',
        'fms/riverside/pump/rs-pump-02/telemetry',
        '-m',
        '{}',
      ]),
    ).rejects.toThrow();
  });
});

describe('device secrets across restarts of FMS (FMS_MQTT_AUTH=devices)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-device-restart-'));
  let fms: Fms | undefined;
  afterAll(async () => {
    await fms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async () => {
    await fms?.stop();
    fms = await startTestFms(estate, { FMS_MQTT_AUTH: 'devices', FMS_DATA_DIR: dir });
    return fms;
  };
  const signIn = async (username: string, password: string) => {
    const c = await mqtt.connectAsync(fms!.mqttUrl, { clientId: username, username, password, reconnectPeriod: 0 });
    await c.endAsync();
    return true;
  };
  const refused = (username: string, password: string) => expect(signIn(username, password)).rejects.toThrow(/Bad username or password|Not authorized/i);
  const row = (asset: string) => {
    const db = new Database(path.join(dir, 'fms.db'), { readonly: true });
    try {
      return db.prepare('SELECT scheme, hash, revoked_at FROM device_credentials WHERE asset_id = ?').get(asset) as { scheme: string; hash: string };
    } finally {
      db.close();
    }
  };

  it('a secret FMS stored with scrypt is upgraded at its next sign-in and still signs in after a restart; rotated or revoked ones do not come back', async () => {
    await start();
    await fms!.api.inject({ method: 'POST', url: '/api/assets/rs-pump-02/credentials' });
    await fms!.stop();
    fms = undefined;
    // What an FMS before migration 0020 kept for rs-pump-02: a salted scrypt hash of its secret.
    const old = randomBytes(24).toString('base64url');
    const salt = randomBytes(16);
    const db = new Database(path.join(dir, 'fms.db'));
    db.prepare("UPDATE device_credentials SET scheme = 'scrypt', salt = ?, hash = ? WHERE asset_id = 'rs-pump-02'").run(
      salt.toString('base64'),
      scryptSync(old, salt, 32, { N: 2 ** 13, r: 8, p: 1 }).toString('base64'),
    );
    db.close();

    await start();
    await refused('rs-pump-02', old + 'x');
    expect(row('rs-pump-02').scheme).toBe('scrypt');
    expect(await signIn('rs-pump-02', old)).toBe(true);
    expect(row('rs-pump-02').scheme).toBe('hmac-sha256');
    const { secret: kept } = (await fms!.api.inject({ method: 'POST', url: '/api/assets/rs-pump-01/credentials' })).json() as { secret: string };

    // Nothing remembered: the upgraded record alone signs the device in, and still refuses a wrong secret.
    await start();
    expect(await signIn('rs-pump-02', old)).toBe(true);
    expect(await signIn('rs-pump-01', kept)).toBe(true);
    await refused('rs-pump-02', old + 'x');
    const { secret: rotated } = (await fms!.api.inject({ method: 'POST', url: '/api/assets/rs-pump-02/credentials' })).json() as { secret: string };
    expect((await fms!.api.inject({ method: 'DELETE', url: '/api/assets/rs-pump-01/credentials' })).statusCode).toBe(204);

    await start();
    await refused('rs-pump-02', old);
    expect(await signIn('rs-pump-02', rotated)).toBe(true);
    await refused('rs-pump-01', kept);
  });
});
