import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../shared/webhooks.ts';
import { captureLogger } from '../../testing/harness.ts';
import { closedPort, startHttpReceiver, type Received } from '../../testing/http-receiver.ts';
import { outboxEntry } from '../../testing/outbox-entry.ts';
import type { DeliveryPayload } from '../message.ts';
import { createSmsChannel, smsText, truncateChars } from './sms.ts';

const SECRET = 'gateway-secret-0123456789';
const LINK = 'https://fms.estate.example/console/orders/WO-12';
const sms = (message: Partial<DeliveryPayload['message']>, to = '+8613800138000'): DeliveryPayload => ({
  address: to,
  message: { language: 'zh', title: '3号楼电梯困人 P1', text: '详情很长,短信不发', link: LINK, ...message },
});

/** A gateway that checks FMS's signature the way a receiver of FMS's webhooks does, and refuses a bad one. */
const verifying = (r: Received) => {
  const ts = String(r.headers['x-fms-timestamp']);
  const ok = r.headers['x-fms-signature'] === signWebhook(SECRET, ts, r.body) && Math.abs(Date.now() - Number(ts)) < 5 * 60_000;
  return ok ? { status: 200, body: { queued: true } } : { status: 401, body: { error: 'bad signature' } };
};

describe('the SMS channel', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('posts the number, the title and the link, signed, and Chinese arrives intact', async () => {
    const rx = await startHttpReceiver(verifying);
    cleanup.push(rx.close);
    const send = createSmsChannel({ url: `${rx.url}/sms`, secret: SECRET, headers: { 'x-api-key': 'k1' }, log: captureLogger().log });
    expect(await send(outboxEntry('ob-1', 'sms', sms({ urgent: true })))).toEqual({ ok: true });
    const r = rx.received[0]!;
    expect(JSON.parse(r.body)).toEqual({ to: '+8613800138000', text: `3号楼电梯困人 P1 ${LINK}`, urgent: true });
    expect(r.headers['x-api-key']).toBe('k1');
    expect(r.headers['x-fms-delivery']).toBe('ob-1');
  });

  it('is refused by the gateway when signed with another secret, and does not retry that', async () => {
    const rx = await startHttpReceiver(verifying);
    cleanup.push(rx.close);
    const send = createSmsChannel({ url: rx.url, secret: 'not-the-gateway-secret', log: captureLogger().log });
    expect(await send(outboxEntry('ob-2', 'sms', sms({})))).toEqual({
      ok: false,
      error: 'the SMS gateway answered 401: {"error":"bad signature"}',
      retry: false,
    });
  });

  it('keeps a long title to 300 characters, counting Chinese characters and emoji as one, with the link whole', async () => {
    const title = '水泵房积水报警'.repeat(60); // 420 characters, 1,260 bytes in UTF-8
    const text = smsText({ title, link: LINK });
    expect([...text]).toHaveLength(300);
    expect(text.endsWith(`… ${LINK}`)).toBe(true);
    expect(smsText({ title: '短标题' })).toBe('短标题');
    // An emoji made of several code points is one character, never cut in half.
    expect(truncateChars('告警👩‍🔧维修', 3)).toBe('告警👩‍🔧');
    expect(smsText({ title: `${'a'.repeat(298)}👩‍🔧👩‍🔧` })).toBe(`${'a'.repeat(298)}👩‍🔧👩‍🔧`);
    expect(smsText({ title: `${'a'.repeat(299)}👩‍🔧👩‍🔧` })).toBe(`${'a'.repeat(299)}…`);
  });

  it('retries on 5xx, 429 and a gateway that is down, and not on another 4xx', async () => {
    const answers = [502, 429, 400, 408];
    const rx = await startHttpReceiver(() => ({ status: answers.shift()! }));
    cleanup.push(rx.close);
    const send = createSmsChannel({ url: rx.url, log: captureLogger().log });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await send(outboxEntry(`ob-${i}`, 'sms', sms({}))));
    expect(results.map((r) => !r.ok && r.retry)).toEqual([true, true, false, false]);
    expect(rx.received[0]!.headers['x-fms-signature']).toBeUndefined();
    const down = createSmsChannel({ url: `http://127.0.0.1:${await closedPort()}/sms`, log: captureLogger().log });
    expect(await down(outboxEntry('ob-5', 'sms', sms({})))).toEqual({ ok: false, error: 'the SMS gateway: ECONNREFUSED', retry: true });
  });
});
