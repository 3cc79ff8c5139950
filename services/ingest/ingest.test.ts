import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { getJson, startTestFms, waitFor } from '../testing/harness.ts';

describe('ingest through the embedded broker', () => {
  let fms: Fms;
  let device: mqtt.MqttClient;
  let hostile: mqtt.MqttClient;

  beforeAll(async () => {
    fms = await startTestFms();
    device = await mqtt.connectAsync(fms.mqttUrl, { clientId: 'rs-pump-01' });
    hostile = await mqtt.connectAsync(fms.mqttUrl, { clientId: 'intruder' });
  });
  afterAll(async () => {
    await device?.endAsync();
    await hostile?.endAsync(true);
    await fms?.stop();
  });

  it('rejects a burst of hostile messages with reasons and ingests all valid telemetry published in between', async () => {
    const T0 = Date.now() - 60_000;
    const hostileMessages: [string, string | Buffer, RegExp][] = [
      ['fms/riverside/pump/rs-pump-01/telemetry', '{"flow_m3h": 3', /not valid JSON/],
      ['fms/riverside/pump/rs-pump-01/telemetry', '{"flow_m3h": "lots"}', /flow_m3h: expected a number/],
      ['fms/riverside/pump/ghost-pump/telemetry', '{"flow_m3h": 3}', /asset "ghost-pump" is not registered/],
      ['fms/riverside/pump', '{"flow_m3h": 3}', /wrong shape/],
      ['fms/riverside/elevator/rs-pump-01/telemetry', '{"floor": 3}', /registered as a pump at site "riverside", not a elevator/],
      ['fms/riverside/pump/rs-pump-01/event', '{"type":"explosion"}', /type: expected "type" to be one of/],
      ['fms/riverside/pump/rs-pump-01/telemetry', '{"vibration_mms": -3}', /outside the plausible range/],
      ['fms/riverside/pump/rs-pump-01/status', 'sleeping', /status must be "online" or "offline"/],
    ];
    const valid = 200;
    let k = 0;
    for (let i = 0; i < valid; i++) {
      await device.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ ts: T0 + i * 100, flow_m3h: i, running: true }), { qos: 1 });
      if (i % 20 === 10 && k < hostileMessages.length) {
        const [topic, payload] = hostileMessages[k++]!;
        await hostile.publishAsync(topic, payload, { qos: 1 });
      }
    }
    while (k < hostileMessages.length) {
      const [topic, payload] = hostileMessages[k++]!;
      await hostile.publishAsync(topic, payload, { qos: 1 });
    }

    // Every valid reading was accepted (a PUBACK means ingest took it) and is stored.
    const buckets = await getJson(`${fms.httpUrl}/api/assets/rs-pump-01/telemetry?metric=flow_m3h&from=${T0}&to=${T0 + valid * 100}&every=1h&fn=count`);
    expect(buckets.buckets).toEqual([{ ts: T0, value: valid }]);
    const sum = await getJson(`${fms.httpUrl}/api/assets/rs-pump-01/telemetry?metric=flow_m3h&from=${T0}&to=${T0 + valid * 100}&every=1h&fn=max`);
    expect(sum.buckets[0].value).toBe(valid - 1);

    const rejected = await getJson(`${fms.httpUrl}/api/ingest/rejected`);
    expect(rejected.total).toBe(hostileMessages.length);
    const reasons: string[] = rejected.items.map((r: { reason: string }) => r.reason);
    for (const [, , reason] of hostileMessages)
      expect(
        reasons.some((r) => reason.test(r)),
        String(reason),
      ).toBe(true);

    // A reading far too large is refused before it is read, and the connection that sent it closed:
    // MQTT 3.1.1 has no way to refuse one message and keep the connection.
    const big = await mqtt.connectAsync(fms.mqttUrl, { clientId: 'rs-pump-01.big', reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.publish('fms/riverside/pump/rs-pump-01/telemetry', Buffer.alloc(1024 * 1024, 'x'), { qos: 1 });
    await closed;
    await big.endAsync(true);
    const after = await getJson(`${fms.httpUrl}/api/ingest/rejected`);
    const tooLarge = after.items.find((r: { kind: string }) => r.kind === 'too_large');
    expect(tooLarge.reason).toMatch(/a payload of 10485\d\d bytes on fms\/riverside\/pump\/rs-pump-01\/telemetry, more than the 16384 accepted/);

    // The service and both connections are still up.
    expect(device.connected && hostile.connected).toBe(true);
    expect((await fetch(`${fms.httpUrl}/api/health`)).status).toBe(200);
    const metrics = await (await fetch(`${fms.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/fms_ingest_rejected_total\{reason="payload"\} 5/);
  });

  it('shows the last value of each metric at /latest', async () => {
    const ts = Date.now();
    await device.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ ts, vibration_mms: 2.4, running: false }), { qos: 1 });
    const latest = await getJson(`${fms.httpUrl}/api/assets/rs-pump-01/latest`);
    expect(latest.metrics.vibration_mms).toEqual({ value: 2.4, ts, time: new Date(ts).toISOString(), unit: 'mm/s' });
    expect(latest.metrics.running.value).toBe(false);
  });

  it('tracks a device going offline through its last will', async () => {
    const gate = await mqtt.connectAsync(fms.mqttUrl, {
      clientId: 'rs-gate-01',
      will: { topic: 'fms/riverside/gate/rs-gate-01/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await gate.publishAsync('fms/riverside/gate/rs-gate-01/status', 'online', { qos: 1, retain: true });
    expect((await getJson(`${fms.httpUrl}/api/assets/rs-gate-01`)).status.connection).toBe('online');
    gate.stream.destroy(); // dies without DISCONNECT: the broker publishes the will
    await waitFor(async () => (await getJson(`${fms.httpUrl}/api/assets/rs-gate-01`)).status.connection === 'offline', 5000, 'the last will');
    await gate.endAsync(true);
  });
});
