import { signWebhook } from '../../shared/webhooks.ts';
import { parseWebhookPayload } from '../message.ts';
import type { Channel } from '../outbox-sender.ts';
import { excerpt, networkFailure, post, retryableStatus } from './http.ts';

export interface WebhookHook {
  id: string;
  url: string;
  /** Signs each body with HMAC-SHA256 in `x-fms-signature` when given. */
  secret?: string;
}

/**
 * Webhook deliveries from the outbox, with the headers and signature integrators already check
 * (services/shared/webhooks.ts): `x-fms-delivery` is the outbox entry's id, the same on every attempt,
 * so a receiver that got a delivery whose answer was lost can drop the retry. 5xx, 408, 429 and
 * network failures are retried; another 4xx is the receiver refusing it, and is not.
 */
export function createWebhookChannel(hooks: readonly WebhookHook[], opts: { timeoutMs?: number } = {}): Channel {
  const byId = new Map(hooks.map((h) => [h.id, h]));
  return async (entry) => {
    const p = parseWebhookPayload(entry.payload);
    if (!p.ok) return { ok: false, error: p.error, retry: false };
    const hook = byId.get(p.value.address);
    if (!hook) return { ok: false, error: `no webhook "${p.value.address}" is configured`, retry: false };
    const { event, body } = p.value;
    const timestamp = String(Date.now());
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-fms-event': event,
      'x-fms-delivery': entry.id,
      'x-fms-timestamp': timestamp,
      ...(hook.secret ? { 'x-fms-signature': signWebhook(hook.secret, timestamp, body) } : {}),
    };
    try {
      const res = await post(hook.url, body, headers, opts.timeoutMs);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const said = res.text.trim() ? `: ${excerpt(res.text.trim())}` : '';
      return { ok: false, error: `webhook ${hook.id} answered ${res.status}${said}`, retry: retryableStatus(res.status) };
    } catch (err) {
      return networkFailure(`webhook ${hook.id}`, err);
    }
  };
}
