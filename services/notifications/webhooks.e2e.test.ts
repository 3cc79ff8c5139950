import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../shared/webhooks.ts';
import { startTestFms, testEstate, waitFor } from '../testing/harness.ts';
import { startHttpReceiver } from '../testing/http-receiver.ts';

/** The integrations' webhooks, now delivered through the durable outbox: same bodies, headers and signature. */
describe('webhooks through the outbox', () => {
  let rx: Awaited<ReturnType<typeof startHttpReceiver>>;
  beforeAll(async () => {
    rx = await startHttpReceiver();
  });
  afterAll(() => rx.close());

  it('tells a receiver about a real fault with signed JSON, and each hook only the kinds and sites it asked for', async () => {
    const fms = await startTestFms({
      ...testEstate,
      sites: [{ id: 'riverside' }, { id: 'lakeview' }],
      webhooks: [
        { url: `${rx.url}/all`, secret: 'another-secret-16+', events: ['alarm', 'work-order'] },
        { url: `${rx.url}/lakeview-orders`, events: ['work-order'], sites: ['lakeview'] },
      ],
    });
    try {
      const device = await mqtt.connectAsync(fms.mqttUrl);
      await device.publishAsync('fms/riverside/elevator/rs-elevator-01/event', JSON.stringify({ type: 'entrapment' }), { qos: 1 });
      await device.endAsync();
      await waitFor(() => rx.received.filter((r) => r.url === '/all').length >= 2, 5000, 'alarm raised and order opened');
      const all = rx.received.filter((r) => r.url === '/all');
      expect(all.map((r) => r.headers['x-fms-event'])).toEqual(expect.arrayContaining(['alarm.raised', 'work-order.opened']));
      for (const r of all) {
        expect(r.headers['x-fms-signature']).toBe(signWebhook('another-secret-16+', String(r.headers['x-fms-timestamp']), r.body));
        expect(JSON.parse(r.body)).toMatchObject({ event: r.headers['x-fms-event'], site: 'riverside' });
      }
      // The delivery id is the outbox row's: the API lists it, sent.
      const rows = (await (await fetch(`${fms.httpUrl}/api/notifications?channel=webhook&state=sent`)).json()) as { items: { id: string }[] };
      expect(rows.items.map((x) => x.id)).toEqual(expect.arrayContaining(all.map((r) => String(r.headers['x-fms-delivery']))));
      await new Promise((r) => setTimeout(r, 1500));
      expect(rx.received.filter((r) => r.url === '/lakeview-orders')).toEqual([]);
    } finally {
      await fms.stop();
    }
  });
});
