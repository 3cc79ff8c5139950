import { z } from 'zod';

export interface NotificationMessage {
  language: 'en' | 'zh';
  /** One line: the email's subject, the robot message's title, the start of an SMS. */
  title: string;
  /** Plain text, several lines. */
  text: string;
  /** The console page it is about (absolute URL when FMS knows its public address). */
  link?: string;
  /** P1 and safety: shown as urgent (robots: @all / at everyone where the format allows; email: high priority). */
  urgent?: boolean;
  attachments?: { filename: string; path: string; contentType: string }[];
}
/** What a channel needs for one delivery: where to (an email address, a phone number, a robot id, a webhook id) and what. */
export interface DeliveryPayload {
  address: string;
  message: NotificationMessage;
}

/** A webhook delivery: which hook, the event name (`x-fms-event`) and the JSON text POSTed as it is. */
export interface WebhookPayload {
  address: string;
  event: string;
  /** JSON text: sent byte for byte, so the signature a receiver checks is over exactly what was stored. */
  body: string;
}

const messageSchema = z.object({
  language: z.enum(['en', 'zh']),
  title: z.string(),
  text: z.string(),
  link: z.string().optional(),
  urgent: z.boolean().optional(),
  attachments: z.array(z.object({ filename: z.string(), path: z.string(), contentType: z.string() })).optional(),
}) satisfies z.ZodType<NotificationMessage>;

const deliverySchema = z.object({ address: z.string().min(1), message: messageSchema }) satisfies z.ZodType<DeliveryPayload>;
const webhookSchema = z.object({ address: z.string().min(1), event: z.string().min(1), body: z.string() }) satisfies z.ZodType<WebhookPayload>;

/**
 * An outbox row's payload comes back from the database as `unknown`: a row written by another version
 * (or by hand) that does not fit is reported, not sent half-formed. The error text is what the sender
 * stores as the delivery's last error.
 */
export function parseDeliveryPayload(payload: unknown): { ok: true; value: DeliveryPayload } | { ok: false; error: string } {
  const r = deliverySchema.safeParse(payload);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: `malformed payload: ${issues(r.error)}` };
}

/** Like `parseDeliveryPayload`, for a webhook delivery. */
export function parseWebhookPayload(payload: unknown): { ok: true; value: WebhookPayload } | { ok: false; error: string } {
  const r = webhookSchema.safeParse(payload);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: `malformed payload: ${issues(r.error)}` };
}

const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
