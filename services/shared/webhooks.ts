import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';

export interface WebhookConfig {
  url: string;
  /** Signs each body with HMAC-SHA256 in `x-fms-signature` when given. */
  secret?: string;
  /** Which notifications: `alarm`, `work-order` (default both). */
  events: ('alarm' | 'work-order')[];
  /** Only these sites (default all). */
  sites?: string[];
}

export type NotificationKind = 'alarm' | 'work-order';

const MAX_ATTEMPTS = 6;
const MAX_QUEUED = 10_000;
const TIMEOUT_MS = 10_000;

/** The signature a receiver checks: `sha256=` and the hex HMAC-SHA256 of `timestamp.body` with the secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Delivers alarm and work-order notifications to configured webhooks: JSON POSTs, signed, retried
 * with exponential backoff and jitter (up to 6 attempts over about a minute) when the receiver is
 * down or answers 5xx, 408 or 429; a receiver that refuses with another 4xx is not retried.
 * Deliveries wait in memory (bounded); they are lost if FMS stops before delivering them.
 */
export function createWebhookNotifier(opts: { hooks: readonly WebhookConfig[]; log: Logger; metrics: Metrics; random?: () => number; baseDelayMs?: number }) {
  const { hooks, log } = opts;
  const random = opts.random ?? Math.random;
  const baseDelay = opts.baseDelayMs ?? 1000;
  const inFlight = new Set<Promise<void>>();
  let queued = 0;
  let closed = false;
  opts.metrics.gauge('fms_webhook_queue', 'Webhook deliveries waiting or in flight', () => queued);

  async function deliver(hook: WebhookConfig, event: string, body: string, id: string): Promise<void> {
    for (let attempt = 1; !closed; attempt++) {
      const timestamp = String(Date.now());
      let reason: string;
      let retryable = true;
      try {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-fms-event': event,
            'x-fms-delivery': id,
            'x-fms-timestamp': timestamp,
            ...(hook.secret ? { 'x-fms-signature': signWebhook(hook.secret, timestamp, body) } : {}),
          },
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) {
          opts.metrics.webhooks.labels('delivered').inc();
          return;
        }
        reason = `answered ${res.status}`;
        retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      } catch (err) {
        reason = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      }
      if (!retryable || attempt >= MAX_ATTEMPTS) {
        log.warn({ url: hook.url, event, attempts: attempt, reason }, 'webhook delivery given up');
        break;
      }
      log.debug({ url: hook.url, event, attempt, reason }, 'webhook delivery failed: retrying');
      await new Promise((r) => setTimeout(r, Math.round(baseDelay * 2 ** (attempt - 1) * (0.8 + 0.4 * random()))).unref());
    }
    opts.metrics.webhooks.labels('failed').inc();
  }

  return {
    /** Sends a notification to every webhook that wants it. Never throws, never waits. */
    notify(kind: NotificationKind, event: string, site: string | null, payload: unknown): void {
      if (closed) return;
      for (const hook of hooks) {
        if (!hook.events.includes(kind)) continue;
        if (hook.sites && site && !hook.sites.includes(site)) continue;
        if (queued >= MAX_QUEUED) {
          opts.metrics.webhooks.labels('dropped').inc();
          continue;
        }
        const body = JSON.stringify({ event, site, ...((payload as object) ?? {}) });
        queued++;
        const p = deliver(hook, event, body, randomUUID()).finally(() => {
          queued--;
          inFlight.delete(p);
        });
        inFlight.add(p);
      }
    },
    /** Waits up to `ms` for deliveries under way, then gives up on the rest. */
    async close(ms = 3000): Promise<void> {
      await Promise.race([Promise.all([...inFlight]), new Promise((r) => setTimeout(r, ms).unref())]);
      closed = true;
    },
  };
}
export type WebhookNotifier = ReturnType<typeof createWebhookNotifier>;
