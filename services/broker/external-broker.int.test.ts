import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { getJson, requireProgram, startTestFms, waitFor } from '../testing/harness.ts';
import { startMosquitto, type Mosquitto } from '../testing/mosquitto.ts';

const mosquitto = requireProgram('mosquitto', 'mosquitto');

describe.skipIf(!mosquitto.available)(`FMS on an external broker (Mosquitto, FMS_MQTT_URL) ${mosquitto.reason}`, () => {
  let broker: Mosquitto;
  let fms: Fms;
  beforeAll(async () => {
    broker = await startMosquitto();
    fms = await startTestFms(undefined, { FMS_MQTT_URL: broker.url, FMS_INSTANCE_ID: 'fms-test', FMS_STORE_DOWN_ALARM_AFTER: '1s' });
  }, 30_000);
  afterAll(async () => {
    await fms?.stop();
    await broker?.destroy();
  });

  const device = async () => {
    const c = await mqtt.connectAsync(broker.url, { clientId: `device-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 0 });
    return c;
  };
  const latest = async (metric: string) => (await getJson(`${fms.httpUrl}/api/assets/rs-pump-01/latest`)).metrics?.[metric]?.value;

  it('takes device readings from the broker and publishes its alarms and work orders there', async () => {
    const d = await device();
    const listener = await device();
    const heard: string[] = [];
    listener.on('message', (topic) => heard.push(topic));
    await listener.subscribeAsync(['fms/+/alarms/#', 'fms/+/work-orders/#'], { qos: 1 });
    try {
      await d.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ ts: Date.now(), pressure_out_bar: 4.25 }), { qos: 1 });
      expect(await waitFor(() => latest('pressure_out_bar'), 5000, 'the reading')).toBe(4.25);
      await d.publishAsync('fms/riverside/gate/rs-gate-01/event', JSON.stringify({ type: 'forced_open' }), { qos: 1 });
      await waitFor(() => heard.length >= 2, 5000, 'the alarm and the work order on the broker');
      expect(heard[0]).toBe('fms/riverside/alarms/rs-gate-01');
      expect(heard[1]).toMatch(/^fms\/riverside\/work-orders\/WO-\d{4}-000001$/);
      // FMS does not hear itself: nothing of its own landed among the rejected messages.
      expect((await getJson(`${fms.httpUrl}/api/ingest/rejected`)).items).toEqual([]);
    } finally {
      await d.endAsync();
      await listener.endAsync();
    }
  });

  it('shows the broker down while it is away, raises a system alarm, and reconnects and resubscribes by itself', async () => {
    await broker.stop();
    const down = await waitFor(
      async () => {
        const h = await fetch(`${fms.httpUrl}/api/health`);
        return h.status === 503 ? await h.json() : undefined;
      },
      5000,
      'health to say the broker is down',
    );
    expect(down).toMatchObject({ status: 'degraded', broker: { state: 'down' } });
    const alarm = await waitFor(
      async () => (await getJson(`${fms.httpUrl}/api/alarms?state=active`)).items.find((a: { ruleId: string }) => a.ruleId === 'system.broker-down'),
      5000,
      'the broker-down alarm',
    );
    expect(alarm.message).toContain('MQTT broker unreachable');

    await broker.start();
    await waitFor(async () => (await fetch(`${fms.httpUrl}/api/health`)).status === 200, 20_000, 'health back to ok');
    const d = await device();
    try {
      // Resubscribed: a reading sent after the broker came back arrives.
      await waitFor(
        async () => {
          await d.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ ts: Date.now(), pressure_out_bar: 3.5 }), { qos: 1 });
          return (await latest('pressure_out_bar')) === 3.5;
        },
        10_000,
        'a reading after the broker came back',
      );
    } finally {
      await d.endAsync();
    }
    await waitFor(
      async () => !(await getJson(`${fms.httpUrl}/api/alarms?state=active`)).items.some((a: { ruleId: string }) => a.ruleId === 'system.broker-down'),
      5000,
      'the broker-down alarm to clear',
    );
  }, 60_000);

  it('gets the readings sent while it was away when it comes back under the same FMS_INSTANCE_ID (persistent session)', async () => {
    await fms.stop();
    const d = await device();
    const t0 = Date.now() - 10_000;
    try {
      for (let i = 0; i < 5; i++)
        await d.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ ts: t0 + i * 1000, flow_m3h: 30 + i }), { qos: 1 });
    } finally {
      await d.endAsync();
    }
    fms = await startTestFms(undefined, { FMS_MQTT_URL: broker.url, FMS_INSTANCE_ID: 'fms-test', FMS_STORE_DOWN_ALARM_AFTER: '1s' });
    const count = async () => {
      const r = await getJson(`${fms.httpUrl}/api/assets/rs-pump-01/telemetry?metric=flow_m3h&fn=count&from=${t0}&to=${t0 + 5000}&every=5s`);
      return r.buckets?.[0]?.value;
    };
    expect(await waitFor(async () => ((await count()) === 5 ? 5 : undefined), 10_000, 'the five readings sent while FMS was away')).toBe(5);
  }, 30_000);
});
