import { createHmac } from 'node:crypto';

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

/** Hands an alarm or work-order event to the webhooks that want it (through the durable outbox: docs/notifications.md). Never throws, never waits. */
export type WebhookNotify = (kind: NotificationKind, event: string, site: string | null, payload: unknown) => void;

/** The signature a receiver checks: `sha256=` and the hex HMAC-SHA256 of `timestamp.body` with the secret. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
