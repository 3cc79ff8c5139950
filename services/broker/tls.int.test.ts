import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { requireProgram, startTestFms, waitFor } from '../testing/harness.ts';

const run = promisify(execFile);
const openssl = requireProgram('openssl', 'openssl');
const pub = requireProgram('mosquitto_pub', 'mosquitto-clients');
const script = new URL('../../config/tls/make-site-ca.sh', import.meta.url).pathname;
const ADMIN = 'admin-key-for-the-tls-tests-0123456789abc';
const estate = {
  sites: [{ id: 'riverside' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-02', type: 'pump', site: 'riverside' },
  ],
};

/** A GET over HTTPS trusting only `ca`: status, headers and body. */
function httpsGet(
  url: string,
  ca: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!openssl.available)(`MQTT over TLS, device certificates and HTTPS, with the documented site CA recipe ${openssl.reason}`, () => {
  let fms: Fms;
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-tls-'));
  const pki = path.join(dir, 'pki');
  const other = path.join(dir, 'other-ca');
  const file = (f: string) => readFileSync(path.join(pki, f), 'utf8');
  const clients: MqttClient[] = [];
  let ca: string;

  beforeAll(async () => {
    // The recipe of docs/security.md: a site CA, FMS's server certificate, two device certificates,
    // one for an asset FMS does not know; and a stranger's CA with a certificate for a real asset id.
    await run('bash', [script, pki, '--server', 'localhost', '--server', '127.0.0.1', '--device', 'rs-pump-01', '--device', 'ghost-pump']);
    await run('bash', [script, other, '--device', 'rs-pump-02']);
    ca = file('ca.crt');
    fms = await startTestFms(estate, {
      FMS_DATA_DIR: path.join(dir, 'data'),
      FMS_MQTT_AUTH: 'devices',
      FMS_API_AUTH: 'keys',
      FMS_ADMIN_KEY: ADMIN,
      FMS_MQTT_PORT: 'off',
      FMS_MQTT_TLS_PORT: '0',
      FMS_MQTT_TLS_CERT: path.join(pki, 'server.crt'),
      FMS_MQTT_TLS_KEY: path.join(pki, 'server.key'),
      FMS_MQTT_TLS_CA: path.join(pki, 'ca.crt'),
      FMS_HTTP_TLS_CERT: path.join(pki, 'server.crt'),
      FMS_HTTP_TLS_KEY: path.join(pki, 'server.key'),
    });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await fms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Each identity's own client id: the certificate's asset, the user name's asset, or the key's. */
  const ownId = (o: IClientOptions) =>
    typeof o.password === 'string' && o.password.startsWith('fms_')
      ? `key:${o.password.slice(4, 16)}`
      : (o.username ?? (o.cert ? /CN=([^\n,]+)/.exec(new X509Certificate(o.cert as string).subject)?.[1] : undefined) ?? 'anonymous');
  const connect = async (options: IClientOptions) => {
    const c = await mqtt.connectAsync(fms.mqttsUrl!, {
      clientId: `${ownId(options)}.${Math.random().toString(36).slice(2)}`,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    clients.push(c);
    return c;
  };
  const api = (method: string, url: string) => fms.api.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${ADMIN}` } });
  const latest = async (asset: string) => (await api('GET', `/api/assets/${asset}/latest`)).json().metrics?.pressure_out_bar?.value;

  it('serves the API over HTTPS only, with a certificate the site CA signed, and tells browsers to stay on HTTPS', async () => {
    expect(fms.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await httpsGet(`${fms.httpUrl}/api/health`, ca);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    // Not trusting the site CA: the client refuses the server.
    await expect(httpsGet(`${fms.httpUrl}/api/health`, undefined)).rejects.toThrow(/self.signed|unable to (get|verify)/i);
    // Plain HTTP on the HTTPS port gets no API.
    const plain = await fetch(fms.httpUrl.replace('https:', 'http:') + '/api/health').then(
      (r) => r.status,
      (err: Error) => err.message,
    );
    expect(plain).not.toBe(200);
  });

  it('takes MQTT over TLS only (FMS_MQTT_PORT=off), with device passwords', async () => {
    expect(fms.mqttUrl).toBe(fms.mqttsUrl);
    const { secret } = (
      await fms.api.inject({ method: 'POST', url: '/api/assets/rs-pump-02/credentials', headers: { authorization: `Bearer ${ADMIN}` } })
    ).json();
    const d = await connect({ ca, username: 'rs-pump-02', password: secret });
    await d.publishAsync('fms/riverside/pump/rs-pump-02/telemetry', JSON.stringify({ pressure_out_bar: 3.3 }), { qos: 1 });
    expect(await waitFor(() => latest('rs-pump-02'), 5000, 'the reading over TLS')).toBe(3.3);
    // A client that does not trust the site CA does not talk to FMS.
    await expect(connect({ username: 'rs-pump-02', password: secret })).rejects.toThrow(/self.signed|unable to (get|verify)/i);
  });

  it('signs a device in by its certificate (mutual TLS): the common name is the asset, kept to its own topics', async () => {
    const d = await connect({ ca, cert: file('devices/rs-pump-01.crt'), key: file('devices/rs-pump-01.key') });
    await d.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ pressure_out_bar: 4.4 }), { qos: 1 });
    expect(await waitFor(() => latest('rs-pump-01'), 5000, 'the reading of the certificate device')).toBe(4.4);
    const closed = new Promise<void>((resolve) => d.once('close', () => resolve()));
    d.publish('fms/riverside/pump/rs-pump-02/telemetry', JSON.stringify({ pressure_out_bar: 0.2 }), { qos: 1 });
    await closed;
    expect(await latest('rs-pump-02')).toBe(3.3);
    const audit = (await api('GET', '/api/audit?actor=device:rs-pump-01')).json().items as { action: string; outcome: string; detail: string }[];
    expect(audit.some((r) => r.action === 'mqtt.login' && r.outcome === 'ok' && r.detail === 'device, by certificate')).toBe(true);
    expect(audit.some((r) => r.action === 'access.denied')).toBe(true);
  });

  it('refuses a certificate of an unknown asset, one from another CA, and a user name that is not the certificate’s', async () => {
    await expect(connect({ ca, cert: file('devices/ghost-pump.crt'), key: file('devices/ghost-pump.key') })).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    const foreign = {
      cert: readFileSync(path.join(other, 'devices/rs-pump-02.crt'), 'utf8'),
      key: readFileSync(path.join(other, 'devices/rs-pump-02.key'), 'utf8'),
    };
    await expect(connect({ ca, ...foreign })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(
      connect({ ca, cert: file('devices/rs-pump-01.crt'), key: file('devices/rs-pump-01.key'), username: 'rs-pump-02', password: 'x' }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    const refused = (await api('GET', '/api/ingest/rejected')).json().items.map((r: { reason: string }) => r.reason);
    expect(refused.some((r: string) => r.includes('"ghost-pump": no such asset'))).toBe(true);
    expect(refused.some((r: string) => r.includes('certificate not trusted'))).toBe(true);
  });

  it('signs a service client in by its API key over TLS, with or without a site certificate, never with a stranger’s', async () => {
    const key = (
      await fms.api.inject({ method: 'POST', url: '/api/keys', headers: { authorization: `Bearer ${ADMIN}` }, payload: { name: 'bms', role: 'integration' } })
    ).json().token;
    const plain = await connect({ ca, username: 'bms', password: key });
    await plain.subscribeAsync('fms/riverside/alarms/#', { qos: 1 });
    // With a certificate of the site (as FMS_MQTT_TLS_CLIENT_CERTS=required demands): still the service client, read-only.
    const withCert = await connect({ ca, cert: file('devices/ghost-pump.crt'), key: file('devices/ghost-pump.key'), username: 'bms', password: key });
    await withCert.subscribeAsync('fms/riverside/alarms/#', { qos: 1 });
    await expect(withCert.subscribeAsync('fms/#', { qos: 0 })).rejects.toThrow(/Subscribe error/);
    const foreign = {
      cert: readFileSync(path.join(other, 'devices/rs-pump-02.crt'), 'utf8'),
      key: readFileSync(path.join(other, 'devices/rs-pump-02.key'), 'utf8'),
    };
    await expect(connect({ ca, ...foreign, username: 'bms', password: key })).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('ends a certificate device’s connection when its credentials are revoked, and refuses it afterwards', async () => {
    const d = await connect({ ca, cert: file('devices/rs-pump-01.crt'), key: file('devices/rs-pump-01.key') });
    const closed = new Promise<void>((resolve) => d.once('close', () => resolve()));
    // It never had a password: revoking still ends its certificate sign-in.
    expect((await api('DELETE', '/api/assets/rs-pump-01/credentials')).statusCode).toBe(204);
    await closed;
    await expect(connect({ ca, cert: file('devices/rs-pump-01.crt'), key: file('devices/rs-pump-01.key') })).rejects.toThrow(
      /Bad username or password|Not authorized/i,
    );
    expect((await api('DELETE', '/api/assets/rs-pump-01/credentials')).statusCode).toBe(404);
    // Issuing new credentials lifts the revocation: the certificate works again (a lost certificate is replaced by the CA and revoked here).
    await api('POST', '/api/assets/rs-pump-01/credentials');
    await connect({ ca, cert: file('devices/rs-pump-01.crt'), key: file('devices/rs-pump-01.key') });
  });

  it.skipIf(!pub.available)(`works with mosquitto_pub and a device certificate ${pub.reason}`, async () => {
    const port = new URL(fms.mqttsUrl!).port;
    const device = [
      '--cafile',
      path.join(pki, 'ca.crt'),
      '--cert',
      path.join(pki, 'devices/ghost-pump.crt'),
      '--key',
      path.join(pki, 'devices/ghost-pump.key'),
    ];
    // ghost-pump is not registered: refused until it is.
    await expect(
      run('mosquitto_pub', [
        '-h',
        'localhost',
        '-p',
        port,
        ...device,
        '-i',
        'ghost-pump',
        '-q',
        '1',
        '-t',
        'fms/riverside/pump/ghost-pump/telemetry',
        '-m',
        '{"pressure_out_bar":2.2}',
      ]),
    ).rejects.toThrow();
    expect(
      (
        await fms.api.inject({
          method: 'POST',
          url: '/api/assets',
          headers: { authorization: `Bearer ${ADMIN}` },
          payload: { id: 'ghost-pump', type: 'pump', site: 'riverside' },
        })
      ).statusCode,
    ).toBe(201);
    await run('mosquitto_pub', [
      '-h',
      'localhost',
      '-p',
      port,
      ...device,
      '-i',
      'ghost-pump',
      '-q',
      '1',
      '-t',
      'fms/riverside/pump/ghost-pump/telemetry',
      '-m',
      '{"pressure_out_bar":2.2}',
    ]);
    expect(await waitFor(() => latest('ghost-pump'), 5000, 'the reading from mosquitto_pub')).toBe(2.2);
  });

  it('takes renewed certificates without a restart: new connections get them, a broken pair is refused and the old one stays', async () => {
    const presented = (url: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: Number(new URL(url).port), ca, servername: 'localhost' }, () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        });
        socket.on('error', reject);
      });
    const before = file('server.crt');
    expect(await presented(fms.mqttsUrl!)).toBe(new X509Certificate(before).fingerprint256);
    // Renewed in place, as a renewal job does: the same CA, a new certificate and key.
    await run('bash', [script, pki, '--server', 'localhost', '--server', '127.0.0.1']);
    const renewed = new X509Certificate(file('server.crt')).fingerprint256;
    expect(renewed).not.toBe(new X509Certificate(before).fingerprint256);
    expect(await fms.reloadCertificates()).toEqual(['mqtt', 'https']);
    expect(await presented(fms.mqttsUrl!)).toBe(renewed);
    expect(await presented(fms.httpUrl)).toBe(renewed);
    // A key that does not belong to the certificate: refused, the running certificate stays.
    writeFileSync(path.join(pki, 'server.key'), readFileSync(path.join(pki, 'devices/rs-pump-01.key')));
    await expect(fms.reloadCertificates()).rejects.toThrow(/key values mismatch|private key/i);
    expect(await presented(fms.mqttsUrl!)).toBe(renewed);
  });
});
