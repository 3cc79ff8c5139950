import { z } from 'zod';
import { idSchema } from '../assets/asset.ts';
import { parseDuration } from '../shared/duration.ts';

/** What FMS tells people about (docs/notifications.md, "Who hears what"). */
export const notificationEvents = [
  'order.assigned',
  'order.urgent',
  'order.escalated',
  'order.unacknowledged',
  'order.rework',
  'alarm.critical',
  'report.ready',
] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

const secret = z.string().min(8, 'expected a secret of at least 8 characters');

/** A group robot (WeCom, DingTalk, Feishu) in a team's chat: it hears a site's urgent news. */
export const robotSchema = z.strictObject({
  id: idSchema,
  kind: z.enum(['wecom', 'dingtalk', 'feishu'], { error: 'expected wecom, dingtalk or feishu' }),
  url: z.url({ protocol: /^https?$/, error: 'expected the robot’s http:// or https:// webhook address' }),
  /** DingTalk's 加签 secret (SEC…) or Feishu's signing secret; WeCom's key is in its URL. */
  secret: secret.optional(),
  /** Only these sites' news (default every site). */
  sites: z.array(idSchema).optional(),
  /** What it hears (default: urgent orders, unacknowledged P1s, breached escalations, critical alarms). */
  events: z
    .array(z.enum(notificationEvents, { error: `expected events among ${notificationEvents.join(', ')}` }))
    .default(['order.urgent', 'order.unacknowledged', 'order.escalated', 'alarm.critical']),
  /** Messages in this language (default: the site's, else en). */
  language: z.enum(['en', 'zh'], { error: 'expected en or zh' }).optional(),
});
export type RobotConfig = z.infer<typeof robotSchema>;

/** The `notifications:` block of the estate file. */
export const notificationsConfigSchema = z
  .strictObject({
    robots: z.array(robotSchema).default([]),
    /** An SMS gateway that takes a signed JSON POST `{to, text, urgent}` (docs/notifications.md, "SMS"). */
    sms: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
        secret: secret.optional(),
      })
      .optional(),
    /** A P1 not acknowledged at its limit goes to the supervisors; this long after, still not, to the managers. */
    managerAfter: z
      .string()
      .refine((v) => (parseDuration(v) ?? 0) >= 1000, 'expected a duration such as 5m')
      .default('5m'),
    /** At most this many messages a minute to one recipient; the rest wait their turn (never dropped). */
    perRecipientPerMinute: z.number().int().min(1).max(10_000).default(20),
  })
  .prefault({});
export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;
