import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestFms, testEstate, waitFor } from '../testing/harness.ts';
import { createMetrics } from './metrics.ts';
import { createWebhookNotifier, signWebhook } from './webhooks.ts';

describe('webhooks', () => {
  let server: Server;
  let url: string;
  let answers: number[];
  let received: { headers: IncomingHttpHeaders; body: string }[];

  beforeEach(async () => {
    answers = [];
    received = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answers.shift() ?? 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  afterEach(() => new Promise((r) => server.close(r)));

  const notifier = (hooks: Parameters<typeof createWebhookNotifier>[0]['hooks']) =>
    createWebhookNotifier({ hooks, log: pino({ level: 'silent' }), metrics: createMetrics(), baseDelayMs: 10, random: () => 0.5 });

  it('POSTs signed JSON that the receiver can verify', async () => {
    const n = notifier([{ url, secret: 'a-shared-secret-16', events: ['alarm'] }]);
    n.notify('alarm', 'alarm.raised', 'riverside', { change: 'raised', alarm: { id: 1 } });
    await n.close();
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(JSON.parse(body)).toEqual({ event: 'alarm.raised', site: 'riverside', change: 'raised', alarm: { id: 1 } });
    expect(headers['x-fms-event']).toBe('alarm.raised');
    expect(headers['x-fms-signature']).toBe(signWebhook('a-shared-secret-16', String(headers['x-fms-timestamp']), body));
  });

  it('retries a receiver that is down or answers 5xx, and gives up at once on a 4xx', async () => {
    answers = [503, 500, 204];
    const n = notifier([{ url, events: ['alarm'] }]);
    n.notify('alarm', 'alarm.raised', 's', {});
    await waitFor(() => received.length === 3, 5000, 'three attempts');
    expect(new Set(received.map((r) => r.headers['x-fms-delivery'])).size).toBe(1);
    received = [];
    answers = [400];
    n.notify('alarm', 'alarm.cleared', 's', {});
    await n.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
  });

  it('sends each hook only the kinds and sites it asked for', async () => {
    const n = notifier([{ url, events: ['work-order'], sites: ['lakeview'] }]);
    n.notify('alarm', 'alarm.raised', 'lakeview', {});
    n.notify('work-order', 'work-order.opened', 'riverside', {});
    n.notify('work-order', 'work-order.opened', 'lakeview', {});
    await n.close();
    expect(received.map((r) => JSON.parse(r.body).site)).toEqual(['lakeview']);
  });

  it('tells a configured receiver about alarms and work orders from a real fault', async () => {
    const fms = await startTestFms({ ...testEstate, webhooks: [{ url, secret: 'another-secret-16+', events: ['alarm', 'work-order'] }] });
    const device = await mqtt.connectAsync(fms.mqttUrl);
    await device.publishAsync('fms/riverside/elevator/rs-elevator-01/event', JSON.stringify({ type: 'entrapment' }), { qos: 1 });
    await waitFor(() => received.length >= 2, 5000, 'two notifications');
    expect(received.map((r) => r.headers['x-fms-event']).sort()).toEqual(['alarm.raised', 'work-order.opened']);
    await device.endAsync();
    await fms.stop();
  });
});
