import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { getJson, startTestFms, waitFor } from '../testing/harness.ts';

/**
 * Hostile traffic at the embedded broker's socket: random bytes, generated MQTT packets with random
 * fields, valid packets with corrupted bytes, absurd declared lengths, too many connections from one
 * address. After each storm FMS must be up and a genuine device's reading must still get through.
 */
describe('the embedded broker under random and malformed MQTT traffic', () => {
  let fms: Fms;
  let port: number;
  beforeAll(async () => {
    fms = await startTestFms(undefined, { FMS_MQTT_MAX_CONNECTIONS_PER_IP: '5' });
    port = Number(new URL(fms.mqttUrl).port);
  });
  afterAll(() => fms?.stop());

  /** Opens a raw connection, writes the bytes, and waits until the broker closes it or a moment passes. */
  function throwAt(bytes: Uint8Array[], localAddress?: string): Promise<void> {
    return new Promise((resolve) => {
      const s: Socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => {
        for (const b of bytes) s.write(b);
      });
      const done = () => {
        clearTimeout(timer);
        s.destroy();
        resolve();
      };
      const timer = setTimeout(done, 100);
      s.on('error', done);
      s.on('close', done);
    });
  }

  let reading = 0;
  async function stillWorks(): Promise<void> {
    const value = 1 + (++reading % 50) / 10;
    const device = await mqtt.connectAsync(fms.mqttUrl, { clientId: `genuine-${reading}`, reconnectPeriod: 0 });
    try {
      await device.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ pressure_out_bar: value }), { qos: 1 });
    } finally {
      await device.endAsync();
    }
    await waitFor(
      async () => (await getJson(`${fms.httpUrl}/api/assets/rs-pump-01/latest`)).metrics?.pressure_out_bar?.value === value,
      5000,
      'the genuine reading',
    );
    expect((await fetch(`${fms.httpUrl}/api/health`)).status).toBe(200);
  }

  const connectPacket = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'fuzzer', keepalive: 10 });

  it('survives random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 4 }), (chunks) => throwAt(chunks)),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), (junk) => throwAt([connectPacket, junk])),
      { numRuns: 60 },
    );
    await stillWorks();
  });

  it('survives generated packets with random fields and corrupted bytes', async () => {
    const publish = fc.record({
      topic: fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.constant('fms/riverside/pump/rs-pump-01/telemetry'),
        fc.array(fc.constantFrom('fms', '+', '#', '', 'x'.repeat(70)), { maxLength: 30 }).map((l) => l.join('/')),
      ),
      payload: fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json(),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      ),
      qos: fc.constantFrom(0, 1, 2),
      retain: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(publish, fc.nat(200), fc.nat(255), async (p, at, byte) => {
        const packet = Buffer.from(
          mqttPacket.generate({
            cmd: 'publish',
            topic: p.topic,
            payload: p.payload,
            qos: p.qos as 0 | 1 | 2,
            retain: p.retain,
            dup: false,
            messageId: p.qos ? 7 : undefined,
          } as mqttPacket.IPublishPacket),
        );
        await throwAt([connectPacket, packet]);
        // The same packet with one byte changed.
        const bent = Buffer.from(packet);
        bent[at % bent.length] = byte;
        await throwAt([connectPacket, bent]);
      }),
      { numRuns: 50 },
    );
    await stillWorks();
  });

  it('closes a connection that declares an absurd packet before reading it, and records why', async () => {
    // A PUBLISH declaring 200 MiB (remaining length 0x80 0x80 0x80 0x64), then nothing.
    await throwAt([connectPacket, Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64])]);
    const rejected = await waitFor(
      async () =>
        (await getJson(`${fms.httpUrl}/api/ingest/rejected`)).items.find(
          (r: { kind: string; reason: string }) => r.kind === 'too_large' && r.reason.includes('209715200 bytes'),
        ),
      5000,
      'the refusal',
    );
    expect(rejected.topic).toMatch(/^\(client at /);
    expect(await (await fetch(`${fms.httpUrl}/metrics`)).text()).toMatch(/^fms_mqtt_refused_total\{reason="packet_too_large"\} [1-9]/m);
    await stillWorks();
  });

  it('refuses more than FMS_MQTT_MAX_CONNECTIONS_PER_IP connections from one address', async () => {
    // 127.0.0.2 is not loopback's own address to FMS (loopback clients are never limited).
    const sockets: Socket[] = [];
    let n = 0;
    const open = () =>
      new Promise<Socket>((resolve) => {
        const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => {
          // Each its own client id: the same id twice would make the broker drop the older session.
          s.write(
            mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `gateway-device-${++n}`, keepalive: 10 }),
          );
          resolve(s);
        });
        s.on('error', () => undefined);
      });
    for (let i = 0; i < 5; i++) sockets.push(await open());
    const sixth = await open();
    const closed = await new Promise<boolean>((resolve) => {
      sixth.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    });
    expect(closed).toBe(true);
    expect(sockets.every((s) => !s.destroyed)).toBe(true);
    expect(await (await fetch(`${fms.httpUrl}/metrics`)).text()).toMatch(/^fms_mqtt_refused_total\{reason="connections_per_ip"\} [1-9]/m);
    for (const s of sockets) s.destroy();
    await stillWorks();
  });

  it('refuses topics and subscriptions longer than FMS could ever use, and says so', async () => {
    const long = `fms/riverside/pump/${'x'.repeat(1000)}/telemetry`;
    const c = await mqtt.connectAsync(fms.mqttUrl, { clientId: 'long-topics', reconnectPeriod: 0 });
    await expect(c.subscribeAsync(long, { qos: 0 })).rejects.toThrow(/Subscribe error/);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(long, '{}', { qos: 1 });
    await closed;
    c.end(true);
    const rejected = (await getJson(`${fms.httpUrl}/api/ingest/rejected`)).items as { kind: string; reason: string }[];
    expect(
      rejected.filter((r) => r.kind === 'topic' && /^refused: a (topic|subscription) of 1029 bytes, more than the 256 accepted/.test(r.reason)),
      JSON.stringify(rejected.slice(0, 3)),
    ).toHaveLength(2);
  });
});
