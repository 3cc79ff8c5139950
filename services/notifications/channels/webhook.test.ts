import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../shared/webhooks.ts';
import { closedPort, startHttpReceiver } from '../../testing/http-receiver.ts';
import { outboxEntry } from '../../testing/outbox-entry.ts';
import type { WebhookPayload } from '../message.ts';
import { createWebhookChannel } from './webhook.ts';

const SECRET = 'a-shared-secret-16';
const payload = (body: object, address = 'ops'): WebhookPayload => ({ address, event: 'work-order.opened', body: JSON.stringify(body) });

describe('the webhook channel', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('POSTs the stored body with the same headers and signature as before, the outbox id as the delivery id', async () => {
    const rx = await startHttpReceiver(() => ({ status: 204 }));
    cleanup.push(rx.close);
    const send = createWebhookChannel([{ id: 'ops', url: `${rx.url}/hook`, secret: SECRET }]);
    const body = { event: 'work-order.opened', site: 'riverside', order: { id: 'WO-7', title: '电梯困人' } };
    expect(await send(outboxEntry('ob-1', 'webhook', payload(body)))).toEqual({ ok: true });
    expect(await send(outboxEntry('ob-1', 'webhook', payload(body)))).toEqual({ ok: true });
    const [first, retried] = rx.received;
    expect(first!.headers['content-type']).toBe('application/json');
    expect(first!.headers['x-fms-event']).toBe('work-order.opened');
    expect(JSON.parse(first!.body)).toEqual(body);
    // What an integrator's receiver does: recompute the signature over timestamp.body with the shared secret.
    expect(first!.headers['x-fms-signature']).toBe(signWebhook(SECRET, String(first!.headers['x-fms-timestamp']), first!.body));
    expect(Math.abs(Number(first!.headers['x-fms-timestamp']) - Date.now())).toBeLessThan(60_000);
    // A retried delivery carries the same id, so the receiver can drop the duplicate.
    expect(first!.headers['x-fms-delivery']).toBe('ob-1');
    expect(retried!.headers['x-fms-delivery']).toBe('ob-1');
  });

  it('sends no signature header for a hook without a secret', async () => {
    const rx = await startHttpReceiver();
    cleanup.push(rx.close);
    const send = createWebhookChannel([{ id: 'ops', url: rx.url }]);
    expect(await send(outboxEntry('ob-2', 'webhook', payload({ a: 1 })))).toEqual({ ok: true });
    expect(rx.received[0]!.headers['x-fms-signature']).toBeUndefined();
  });

  it('asks for a retry on 5xx, 408, 429 and a receiver that is down, and gives up on another 4xx', async () => {
    const answers = [503, 500, 408, 429, 400, 404, 410];
    const rx = await startHttpReceiver(() => ({ status: answers.shift()!, body: 'busy' }));
    cleanup.push(rx.close);
    const send = createWebhookChannel([{ id: 'ops', url: rx.url }]);
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await send(outboxEntry(`ob-${i}`, 'webhook', payload({ i }))));
    expect(results.map((r) => !r.ok && r.retry)).toEqual([true, true, true, true, false, false, false]);
    expect(results[0]).toEqual({ ok: false, error: 'webhook ops answered 503: busy', retry: true });

    const down = createWebhookChannel([{ id: 'ops', url: `http://127.0.0.1:${await closedPort()}/hook` }]);
    expect(await down(outboxEntry('ob-8', 'webhook', payload({})))).toEqual({ ok: false, error: 'webhook ops: ECONNREFUSED', retry: true });
  });

  it('gives up on a receiver that accepts the connection and never answers, after the timeout, to try again later', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanup.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    });
    const send = createWebhookChannel([{ id: 'ops', url: `http://127.0.0.1:${(silent.address() as { port: number }).port}/` }], { timeoutMs: 300 });
    expect(await send(outboxEntry('ob-9', 'webhook', payload({})))).toEqual({ ok: false, error: 'webhook ops: timed out', retry: true });
  });

  it('refuses a delivery to a hook nobody configured, or with a malformed payload, without retrying', async () => {
    const send = createWebhookChannel([]);
    expect(await send(outboxEntry('ob-10', 'webhook', payload({}, 'gone')))).toEqual({ ok: false, error: 'no webhook "gone" is configured', retry: false });
    const bad = await send(outboxEntry('ob-11', 'webhook', { address: 'ops' }));
    expect(bad).toMatchObject({ ok: false, retry: false });
    expect(!bad.ok && bad.error).toMatch(/^malformed payload: event/);
  });
});
