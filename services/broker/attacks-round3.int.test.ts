import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms, waitFor } from '../testing/harness.ts';
import { createEmbeddedBroker, type BrokerAuth, type EmbeddedBroker } from './message-bus.aedes.ts';

/**
 * The attacks of the third security round on the embedded broker, each reproduced against a real
 * FMS — its broker on a socket, mqtt.js, and a raw MQTT client that sends exactly the packets an
 * intruder sent (from chosen loopback addresses, as devices behind different lines would).
 */
const ADMIN = 'admin-key-for-the-third-round-broker-tests';
const estate = {
  sites: [{ id: 'riverside' }, { id: 'lakeview' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-02', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-03', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-04', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-05', type: 'pump', site: 'riverside' },
    { id: 'rs-race-01', type: 'pump', site: 'riverside' },
    { id: 'rs-race-02', type: 'pump', site: 'riverside' },
    { id: 'rs-gone-01', type: 'pump', site: 'riverside' },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview' },
  ],
};

interface Connack {
  code: number | 'closed' | 'timeout';
  socket: Socket;
  parser: ReturnType<typeof mqttPacket.parser>;
}

describe('attacks on the embedded broker, third round (FMS_MQTT_AUTH=devices)', () => {
  let fms: Fms;
  let port = 0;
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];
  const secrets = new Map<string, string>();
  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_MQTT_AUTH: 'devices', FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN, FMS_MQTT_PACKET_TIMEOUT: '2s' });
    port = Number(new URL(fms.mqttUrl).port);
    for (const a of estate.assets) await issue(a.id);
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    for (const s of sockets) s.destroy();
    await fms?.stop();
  });

  const api = async (method: string, url: string, payload?: object, key = ADMIN) =>
    fms.api.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const issue = async (assetId: string) => {
    const secret = (await api('POST', `/api/assets/${assetId}/credentials`)).json().secret as string;
    secrets.set(assetId, secret);
    return secret;
  };
  const key = async (body: object) => (await api('POST', '/api/keys', body)).json() as { id: string; token: string };
  const rejected = async () => (await api('GET', '/api/ingest/rejected?limit=1000')).json().items as { kind: string; reason: string; topic: string }[];
  const sessionsNow = async () => (await api('GET', '/api/health')).json().broker.sessions as { sessions: number; queued: number; unreleased: number };
  const refusedTotal = async (reason: string) =>
    Number(new RegExp(`^fms_mqtt_refused_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec((await api('GET', '/metrics')).body)?.[1] ?? 0);
  const connect = async (opts: mqtt.IClientOptions) => {
    const c = await mqtt.connectAsync(fms.mqttUrl, { reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
  };
  const heard = (c: MqttClient) => {
    const got: { topic: string; size: number }[] = [];
    c.on('message', (topic, payload) => got.push({ topic, size: payload.length }));
    return got;
  };
  const isOpen = (s: Socket) => !s.destroyed && s.readyState === 'open';
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** A raw MQTT CONNECT from a chosen local address, as the intruder's script sent it: resolves with the CONNACK code. */
  function connack(o: {
    localAddress?: string;
    clientId?: string;
    username?: string;
    password?: string;
    clean?: boolean;
    will?: { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean };
    protocolVersion?: 4 | 5;
    hold?: boolean;
  }): Promise<Connack> {
    const { clientId = '', clean = true, protocolVersion = 4 } = o;
    return new Promise((resolve) => {
      const socket = tcpConnect({ host: '127.0.0.1', port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
      sockets.push(socket);
      const parser = mqttPacket.parser({ protocolVersion });
      let done = false;
      const finish = (code: Connack['code']) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (!o.hold || code !== 0) socket.destroy();
        resolve({ code, socket, parser });
      };
      const timer = setTimeout(() => finish('timeout'), 5000);
      parser.on('packet', (p) => p.cmd === 'connack' && finish((p.returnCode ?? p.reasonCode ?? -1) as number));
      socket.on('data', (d) => parser.parse(d));
      socket.on('error', () => finish('closed'));
      socket.on('close', () => finish('closed'));
      socket.on('connect', () => {
        const packet = {
          cmd: 'connect' as const,
          protocolId: 'MQTT' as const,
          protocolVersion,
          clean,
          clientId,
          keepalive: 0,
          ...(o.username !== undefined ? { username: o.username } : {}),
          ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
          ...(o.will ? { will: o.will } : {}),
        };
        // mqtt-packet will not write an empty client id with clean: false: write it clean, then clear the flag.
        const forceUnclean = !clean && clientId === '';
        const buf = mqttPacket.generate(forceUnclean ? { ...packet, clean: true } : packet, { protocolVersion });
        if (forceUnclean) {
          let i = 1;
          while (buf[i]! & 0x80) i++;
          buf[i + 1 + 2 + 4 + 1]! &= ~0x02;
        }
        socket.write(buf);
      });
    });
  }
  const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

  describe('finding 1: a revocation or rotation overlapping a sign-in', () => {
    it('leaves no connection signed in with the revoked secret, and the secret never signs in again', async () => {
      let survivors = 0;
      let comebacks = 0;
      for (let i = 0; i < 20; i++) {
        const asset = i % 2 ? 'rs-race-01' : 'rs-race-02';
        const secret = await issue(asset);
        // Issued by this process: the sign-in is a hash compare, fast enough to overlap the change below.
        const signingIn = connack({ localAddress: `127.0.1.${i + 1}`, clientId: `${asset}.r${i}`, username: asset, password: secret, hold: true });
        await sleep(i % 10);
        const change = i % 4 < 2 ? api('DELETE', `/api/assets/${asset}/credentials`) : api('POST', `/api/assets/${asset}/credentials`);
        const [first] = await Promise.all([signingIn, change]);
        await sleep(300);
        if (first.code === 0 && isOpen(first.socket)) survivors++;
        const again = await connack({ localAddress: `127.0.1.${i + 1}`, clientId: `${asset}.again${i}`, username: asset, password: secret });
        if (again.code === 0) comebacks++;
        first.socket.destroy();
      }
      expect({ survivors, comebacks }).toEqual({ survivors: 0, comebacks: 0 });
    });

    it('closes every connection of a device whose sign-in was under way when its credentials were revoked', async () => {
      const secret = await issue('rs-race-01');
      // Warm: the secret is known, a sign-in is a hash compare and quick.
      // From an address of its own: the attempts that lose the race are failed sign-ins, which must not
      // hold back the later tests' clients on 127.0.0.1 (however many fail on a slow machine).
      expect((await connack({ localAddress: '127.0.3.1', clientId: 'rs-race-01', username: 'rs-race-01', password: secret })).code).toBe(0);
      const attempts: Promise<Connack>[] = [];
      const revoke = (async () => {
        await sleep(15);
        return api('DELETE', '/api/assets/rs-race-01/credentials');
      })();
      for (let i = 0; i < 40; i++) {
        attempts.push(connack({ localAddress: '127.0.3.1', clientId: `rs-race-01.c${i}`, username: 'rs-race-01', password: secret, hold: true }));
        await sleep(1);
      }
      expect((await revoke).statusCode).toBe(204);
      const results = await Promise.all(attempts);
      await sleep(500);
      expect(results.filter((r) => r.code === 0 && isOpen(r.socket))).toHaveLength(0);
    });

    it('closes a service client whose sign-in was under way when its API key was revoked', async () => {
      let survivors = 0;
      for (let i = 0; i < 12; i++) {
        const k = await key({ name: `race ${i}`, role: 'integration' });
        const signingIn = connack({ localAddress: `127.0.4.${i + 1}`, clientId: `key:${k.id}`, username: 'bms', password: k.token, clean: false, hold: true });
        await sleep(i % 6);
        const revoke = api('DELETE', `/api/keys/${k.id}`);
        const [first] = await Promise.all([signingIn, revoke]);
        await sleep(300);
        if (first.code === 0 && isOpen(first.socket)) survivors++;
        expect((await connack({ localAddress: `127.0.4.${i + 1}`, clientId: `key:${k.id}.2`, username: 'bms', password: k.token })).code).toBe(4);
        first.socket.destroy();
      }
      expect(survivors).toBe(0);
    });
  });

  describe('finding 2: memory pinned by a device', () => {
    it('refuses a 1 MiB reading before relaying it to subscribers or queueing it for a session, and says so', async () => {
      const viewer = await key({ name: 'Riverside board', role: 'viewer', sites: ['riverside'] });
      const live = await connect({ clientId: `key:${viewer.id}.live`, username: 'v', password: viewer.token });
      await live.subscribeAsync('fms/riverside/pump/rs-pump-03/telemetry', { qos: 1 });
      const got = heard(live);
      const away = await connect({ clientId: `key:${viewer.id}.away`, username: 'v', password: viewer.token, clean: false });
      await away.subscribeAsync('fms/riverside/pump/rs-pump-03/telemetry', { qos: 1 });
      away.end(true);
      await waitFor(() => !away.connected, 2000, 'the persistent session offline');
      const before = await sessionsNow();
      const pump = await connect({ clientId: 'rs-pump-03.big', username: 'rs-pump-03', password: secrets.get('rs-pump-03')! });
      const gone = new Promise<void>((resolve) => pump.once('close', () => resolve()));
      pump.publish('fms/riverside/pump/rs-pump-03/telemetry', `{"flow_m3h":1,"pad":"${'A'.repeat(1024 * 1024)}"}`, { qos: 1 });
      await gone;
      await sleep(500);
      expect(got).toEqual([]);
      expect((await sessionsNow()).queued).toBe(before.queued);
      expect(
        (await rejected()).some(
          (r) =>
            r.kind === 'too_large' &&
            /a payload of 10485\d\d bytes on fms\/riverside\/pump\/rs-pump-03\/telemetry, more than the 16384 accepted/.test(r.reason),
        ),
      ).toBe(true);
      // A reading of a normal size goes through as before.
      const again = await connect({ clientId: 'rs-pump-03.small', username: 'rs-pump-03', password: secrets.get('rs-pump-03')! });
      await again.publishAsync('fms/riverside/pump/rs-pump-03/telemetry', '{"flow_m3h":2}', { qos: 1 });
      await waitFor(() => got.length === 1, 3000, 'the normal reading');
    });

    it('keeps at most 16 QoS 2 messages a device never releases, across reconnects, and drops them when its credentials are revoked', async () => {
      const secret = secrets.get('rs-pump-04')!;
      const flood = async () => {
        const r = await connack({ localAddress: '127.0.10.1', clientId: 'rs-pump-04.q2', username: 'rs-pump-04', password: secret, clean: false, hold: true });
        expect(r.code).toBe(0);
        let pubrecs = 0;
        r.parser.on('packet', (p) => p.cmd === 'pubrec' && pubrecs++);
        const gone = closed(r.socket);
        for (let i = 1; i <= 40; i++) {
          const payload = Buffer.from(JSON.stringify({ flow_m3h: i }));
          r.socket.write(
            mqttPacket.generate({ cmd: 'publish', topic: 'fms/riverside/pump/rs-pump-04/telemetry', payload, qos: 2, messageId: i, retain: false, dup: false }),
          );
        }
        await gone; // no PUBREL ever: the broker closes the connection past its window
        return pubrecs;
      };
      expect(await flood()).toBeLessThanOrEqual(16);
      expect((await sessionsNow()).unreleased).toBeLessThanOrEqual(16);
      // Fresh message ids on the next connection of the same session: still no more than 16 held.
      const ids = 41;
      const r = await connack({ localAddress: '127.0.10.1', clientId: 'rs-pump-04.q2', username: 'rs-pump-04', password: secret, clean: false, hold: true });
      const gone = closed(r.socket);
      for (let i = ids; i < ids + 40; i++)
        r.socket.write(
          mqttPacket.generate({
            cmd: 'publish',
            topic: 'fms/riverside/pump/rs-pump-04/telemetry',
            payload: Buffer.from('{}'),
            qos: 2,
            messageId: i,
            retain: false,
            dup: false,
          }),
        );
      await gone;
      const held = (await sessionsNow()).unreleased;
      expect(held).toBeGreaterThan(0);
      expect(held).toBeLessThanOrEqual(16);
      expect((await rejected()).some((x) => /"rs-pump-04.q2" has 16 QoS 2 messages it never released/.test(x.reason))).toBe(true);
      expect((await api('DELETE', '/api/assets/rs-pump-04/credentials')).statusCode).toBe(204);
      await waitFor(async () => (await sessionsNow()).unreleased === 0, 3000, 'the unreleased messages dropped');
      await issue('rs-pump-04');
    });
  });

  describe('findings 3 and 4: the sign-in backoff', () => {
    it('does not lock a device out because someone else guessed its secret from another address, or from its own', async () => {
      const secret = secrets.get('rs-pump-01')!;
      for (let i = 0; i < 6; i++)
        expect((await connack({ localAddress: '127.0.2.2', clientId: 'rs-pump-01', username: 'rs-pump-01', password: `wrong-${i}` })).code).toBe(4);
      // Another guess from there is refused without a check…
      const before = await refusedTotal('sign_in_rate');
      expect((await connack({ localAddress: '127.0.2.2', clientId: 'rs-pump-01', username: 'rs-pump-01', password: 'wrong-7' })).code).toBe(4);
      expect(await refusedTotal('sign_in_rate')).toBe(before + 1);
      // …but the device on its own line signs in, and so does its right secret from the guesser's address.
      expect((await connack({ localAddress: '127.0.2.3', clientId: 'rs-pump-01', username: 'rs-pump-01', password: secret })).code).toBe(0);
      expect((await connack({ localAddress: '127.0.2.2', clientId: 'rs-pump-01', username: 'rs-pump-01', password: secret })).code).toBe(0);
    });

    it('does not lock out the devices behind a gateway when one client behind it fails again and again', async () => {
      for (let i = 0; i < 40; i++) await connack({ localAddress: '127.0.2.4', username: `nobody-${i}`, password: 'x' });
      expect((await connack({ localAddress: '127.0.2.4', clientId: 'rs-pump-02', username: 'rs-pump-02', password: secrets.get('rs-pump-02')! })).code).toBe(0);
      // Past the address's ceiling, guesses from it are refused unchecked.
      const before = await refusedTotal('sign_in_rate');
      expect((await connack({ localAddress: '127.0.2.4', username: 'nobody-again', password: 'x' })).code).toBe(4);
      expect(await refusedTotal('sign_in_rate')).toBe(before + 1);
    });

    it('lets a device with its new secret in while the holder of the old one keeps retrying after a rotation', async () => {
      const old = secrets.get('rs-pump-05')!;
      const fresh = await issue('rs-pump-05');
      for (let i = 0; i < 8; i++) await connack({ localAddress: '127.0.2.5', clientId: 'rs-pump-05', username: 'rs-pump-05', password: old });
      expect((await connack({ localAddress: '127.0.2.5', clientId: 'rs-pump-05', username: 'rs-pump-05', password: fresh })).code).toBe(0);
      expect((await connack({ localAddress: '127.0.2.6', clientId: 'rs-pump-05', username: 'rs-pump-05', password: fresh })).code).toBe(0);
    });

    it('does not reset an address’s backoff when a key held by the guesser signs in between guesses', async () => {
      const held = await key({ name: 'held by the guesser', role: 'viewer', sites: ['riverside'] });
      const checkedBefore = await refusedTotal('auth_failed');
      const uncheckedBefore = await refusedTotal('sign_in_rate');
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 9; i++) await connack({ localAddress: '127.0.11.1', username: `g${round}-${i}`, password: 'x' });
        expect((await connack({ localAddress: '127.0.11.1', clientId: `key:${held.id}.r`, username: 'v', password: held.token })).code).toBe(0);
      }
      const checked = (await refusedTotal('auth_failed')) - checkedBefore;
      const unchecked = (await refusedTotal('sign_in_rate')) - uncheckedBefore;
      // 108 guesses: the address's ceiling (30) are checked, the rest mostly refused without a check.
      expect(checked).toBeLessThan(40);
      expect(unchecked).toBeGreaterThan(60);
    });
  });

  it('finding 5: does not publish or ingest the will of a device whose credentials were revoked', async () => {
    const integration = await key({ name: 'event board', role: 'integration' });
    const listener = await connect({ clientId: `key:${integration.id}`, username: 'b', password: integration.token });
    await listener.subscribeAsync('fms/riverside/pump/+/event', { qos: 1 });
    const got = heard(listener);
    const will = { topic: 'fms/riverside/pump/rs-gone-01/event', payload: Buffer.from(JSON.stringify({ type: 'dry_run' })), qos: 1 as const, retain: false };
    const device = await connack({ clientId: 'rs-gone-01', username: 'rs-gone-01', password: secrets.get('rs-gone-01')!, will, hold: true });
    expect(device.code).toBe(0);
    const gone = closed(device.socket);
    expect((await api('DELETE', '/api/assets/rs-gone-01/credentials')).statusCode).toBe(204);
    await gone;
    await sleep(1000);
    expect(got).toEqual([]);
    const alarms = (await api('GET', '/api/alarms?assetId=rs-gone-01&site=riverside')).json().items;
    expect(alarms).toEqual([]);
    await issue('rs-gone-01');
  });

  it('finding 6: lets one key hold at most 10 persistent sessions, refusing more with CONNACK 2 and a record', async () => {
    const viewer = await key({ name: 'session flood', role: 'viewer', sites: ['riverside'] });
    const results = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        connack({ localAddress: '127.0.12.1', clientId: `key:${viewer.id}.s${i}`, username: 'x', password: viewer.token, clean: false }),
      ),
    );
    expect(results.filter((r) => r.code === 0)).toHaveLength(10);
    expect(results.filter((r) => r.code === 2)).toHaveLength(4);
    const audit = (await api('GET', '/api/audit?action=mqtt.login&outcome=failed&limit=1000')).json().items as { detail: string }[];
    expect(audit.some((r) => new RegExp(`key ${viewer.id} holds 10 persistent sessions already`).test(r.detail))).toBe(true);
    // A clean session is not one of them, and one it holds it may resume.
    expect((await connack({ localAddress: '127.0.12.1', clientId: `key:${viewer.id}.live`, username: 'x', password: viewer.token })).code).toBe(0);
    const admitted = results.findIndex((r) => r.code === 0);
    expect(
      (await connack({ localAddress: '127.0.12.1', clientId: `key:${viewer.id}.s${admitted}`, username: 'x', password: viewer.token, clean: false })).code,
    ).toBe(0);
  });

  it('finding 10: a removed asset’s device is disconnected, and re-creating the id does not bring its secret back', async () => {
    const old = secrets.get('rs-gone-01')!;
    const device = await connect({ clientId: 'rs-gone-01', username: 'rs-gone-01', password: old });
    const gone = new Promise<void>((resolve) => device.once('close', () => resolve()));
    expect((await api('DELETE', '/api/assets/rs-gone-01')).statusCode).toBe(204);
    await gone;
    expect((await connack({ clientId: 'rs-gone-01', username: 'rs-gone-01', password: old })).code).toBe(4);
    expect((await api('POST', '/api/assets', { id: 'rs-gone-01', type: 'pump', site: 'riverside' })).statusCode).toBe(201);
    expect((await connack({ clientId: 'rs-gone-01', username: 'rs-gone-01', password: old })).code).toBe(4);
    // New credentials work as usual.
    expect((await connack({ clientId: 'rs-gone-01', username: 'rs-gone-01', password: await issue('rs-gone-01') })).code).toBe(0);
  });

  it('finding 13: refuses an empty client id with a persistent session (CONNACK 2, [MQTT-3.1.3-8]); a clean one is given an id', async () => {
    const secret = secrets.get('rs-pump-02')!;
    expect((await connack({ localAddress: '127.0.6.1', clientId: '', clean: false, username: 'rs-pump-02', password: secret })).code).toBe(2);
    expect((await connack({ localAddress: '127.0.6.1', clientId: '', clean: true, username: 'rs-pump-02', password: secret })).code).toBe(0);
  });

  it('finding 15: answers an MQTT 5 client CONNACK 1 (unacceptable protocol version): the broker speaks 3.1.1', async () => {
    const r = await connack({ clientId: 'rs-pump-02', username: 'rs-pump-02', password: secrets.get('rs-pump-02')!, protocolVersion: 5 });
    expect(r.code).toBe(1);
  });
});

/**
 * The broker's half of finding 1, made deterministic: the revocation lands after the client's secret or
 * key was checked and before aedes registered the client, where a sweep of aedes's clients cannot see
 * it. The broker is the real one on a socket; only its sign-in port answers from a list.
 */
describe('a revocation between a sign-in’s check and the client’s registration (finding 1)', () => {
  const KEY = 'fms_0123456789ab_' + 'k'.repeat(32);
  const revoked = new Set<string>();
  let revokeDuringSignIn = false;
  let broker: EmbeddedBroker;
  const clients: MqttClient[] = [];
  const auth: BrokerAuth = {
    verifyDevice: async (assetId, secret) => assetId === 'rs-pump-01' && secret === 'right-secret' && !revoked.has(assetId),
    certificateDevice: async () => false,
    verifyKey: async (token) =>
      token === KEY && !revoked.has('0123456789ab')
        ? { id: '0123456789ab', name: 'BMS', role: 'integration', expiresAt: null, sites: null }
        : { refused: 'unknown key' },
  };
  beforeAll(async () => {
    broker = createEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
      auth,
      assetOf: (id) => ({ id, site: 'riverside', type: 'pump' }),
      // The administrator's revocation arrives just as the sign-in is accepted.
      onSignedIn: (who) => {
        if (!revokeDuringSignIn) return;
        if (who.kind === 'device') {
          revoked.add(who.assetId);
          broker.disconnectAsset(who.assetId);
        } else {
          revoked.add(who.keyId);
          broker.disconnectKey(who.keyId);
        }
      },
    });
    await broker.start(() => undefined);
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await broker?.close();
  });

  /** Connects; resolves whether the connection is still open half a second later. */
  const stillOpenAfterSignIn = async (opts: mqtt.IClientOptions) => {
    const { host, port } = broker.address();
    const c = mqtt.connect(`mqtt://${host}:${port}`, { reconnectPeriod: 0, connectTimeout: 2000, ...opts });
    clients.push(c);
    c.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      c.once('connect', () => resolve());
      c.once('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 500));
    return c.connected;
  };

  it('closes the device’s connection at once', async () => {
    expect(await stillOpenAfterSignIn({ clientId: 'rs-pump-01.before', username: 'rs-pump-01', password: 'right-secret' })).toBe(true);
    revokeDuringSignIn = true;
    expect(await stillOpenAfterSignIn({ clientId: 'rs-pump-01', username: 'rs-pump-01', password: 'right-secret' })).toBe(false);
    revokeDuringSignIn = false;
    expect(await stillOpenAfterSignIn({ clientId: 'rs-pump-01.after', username: 'rs-pump-01', password: 'right-secret' })).toBe(false);
  });

  it('closes the service client’s connection at once', async () => {
    revokeDuringSignIn = true;
    expect(await stillOpenAfterSignIn({ clientId: 'key:0123456789ab', username: 'bms', password: KEY, clean: false })).toBe(false);
    revokeDuringSignIn = false;
  });
});
