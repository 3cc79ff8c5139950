import type { Logger } from 'pino';
import { signWebhook } from '../../shared/webhooks.ts';
import { parseDeliveryPayload, type NotificationMessage } from '../message.ts';
import type { Channel } from '../outbox-sender.ts';
import { excerpt, networkFailure, post } from './http.ts';

/** The longest SMS text FMS sends: a few concatenated SMS parts (70 Chinese characters each), what gateways accept in one request. */
export const SMS_MAX_CHARS = 300;

export interface SmsChannelOptions {
  /** The gateway's endpoint: FMS POSTs `{ to, text, urgent }` there as JSON. */
  url: string;
  /** Signs each body like FMS's webhooks (`x-fms-timestamp`, `x-fms-signature`) when given. */
  secret?: string;
  /** Extra headers the gateway wants (an API key, say). */
  headers?: Record<string, string>;
  log: Logger;
  timeoutMs?: number;
}

/** The JSON body a gateway receives. */
export interface SmsRequest {
  to: string;
  text: string;
  urgent: boolean;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The first `max` user-perceived characters of `s` (a Chinese character, an emoji with its modifiers, each count one). */
export function truncateChars(s: string, max: number): string {
  const out: string[] = [];
  for (const { segment } of segmenter.segment(s)) {
    if (out.length === max) return out.join('');
    out.push(segment);
  }
  return out.join('');
}

/**
 * An SMS is the title and the link, no more. The link is kept whole (a cut link is useless) and the
 * title shortened with an ellipsis to make room for it; a link too long to fit is left out.
 */
export function smsText(m: Pick<NotificationMessage, 'title' | 'link'>, max = SMS_MAX_CHARS): string {
  const title = m.title.trim();
  const link = m.link && [...segmenter.segment(m.link)].length + 1 < max ? m.link : undefined;
  const room = link ? max - [...segmenter.segment(link)].length - 1 : max;
  const short = truncateChars(title, room);
  const shown = short.length < title.length ? `${truncateChars(title, room - 1)}…` : title;
  return link ? `${shown} ${link}` : shown;
}

/**
 * SMS through a pluggable HTTP gateway: whatever the estate uses (a carrier's API, a small adapter in
 * front of one) receives the same signed JSON. 2xx is sent; 5xx and 429 are retried; another 4xx is
 * the gateway refusing this message (a bad number) and is not, nor is a 408: the gateway may have
 * sent the text already, and a second SMS costs money and worries people. `x-fms-delivery` (the outbox
 * entry id) lets a gateway drop a retry it has already sent.
 */
export function createSmsChannel(o: SmsChannelOptions): Channel {
  return async (entry) => {
    const p = parseDeliveryPayload(entry.payload);
    if (!p.ok) return { ok: false, error: p.error, retry: false };
    const req: SmsRequest = { to: p.value.address, text: smsText(p.value.message), urgent: p.value.message.urgent ?? false };
    const body = JSON.stringify(req);
    const timestamp = String(Date.now());
    const signed: Record<string, string> = o.secret ? { 'x-fms-timestamp': timestamp, 'x-fms-signature': signWebhook(o.secret, timestamp, body) } : {};
    try {
      const res = await post(o.url, body, { ...o.headers, ...signed, 'x-fms-delivery': entry.id }, o.timeoutMs);
      if (res.status >= 200 && res.status < 300) {
        o.log.debug({ id: entry.id }, 'sms handed to the gateway');
        return { ok: true };
      }
      const said = res.text.trim() ? `: ${excerpt(res.text.trim())}` : '';
      return { ok: false, error: `the SMS gateway answered ${res.status}${said}`, retry: res.status >= 500 || res.status === 429 };
    } catch (err) {
      return networkFailure('the SMS gateway', err);
    }
  };
}
