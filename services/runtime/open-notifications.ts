import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Tell } from '../residents/message.ts';
import type { ReportScheduler } from '../reports/report-scheduler.ts';
import type { ReportService } from '../reports/report-service.ts';
import { deliverReports } from '../notifications/report-delivery.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { AlarmEvents } from '../alarms/alarm-service.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import { createEmailChannel, redactUrl } from '../notifications/channels/email.ts';
import { createRobotChannel } from '../notifications/channels/robots.ts';
import { createSmsChannel } from '../notifications/channels/sms.ts';
import { createWebhookChannel } from '../notifications/channels/webhook.ts';
import { createNotifier, webhookId } from '../notifications/notifier.ts';
import { foldIntoDigest } from '../notifications/digest.ts';
import { createOutboxSender, type Channel, type Outcome } from '../notifications/outbox-sender.ts';
import { createKyselyOutboxStore } from '../notifications/outbox-store.kysely.ts';
import { outboxStates, type OutboxEntry, type OutboxState } from '../notifications/outbox-store.ts';
import type { Language } from '../notifications/texts.ts';
import { parseDuration } from '../shared/duration.ts';
import type { EventSource } from '../shared/events.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { Directory } from '../work-orders/people.ts';
import type { WorkOrder } from '../work-orders/work-order.ts';
import type { WorkOrderEvents } from '../work-orders/work-order-service.ts';
import type { Closers } from './closers.ts';

export interface NotificationsDeps {
  config: Config;
  db: Db;
  directory: () => Directory;
  workOrders: EventSource<WorkOrderEvents> & { get(id: string): Promise<{ order: WorkOrder } | undefined> };
  alarms: EventSource<AlarmEvents>;
  accounts: Pick<Accounts, 'list'>;
  siteLanguage: (site: string | null) => Language;
  timeZoneOf: (site: string | null) => string;
  /** The HTTP listener's address, for links when FMS_PUBLIC_URL is not set (known once it listens). */
  httpUrl: () => string | undefined;
  metrics: Metrics;
  audit: AuditLog;
  closers: Closers;
  log: Logger;
  now: () => number;
}

/** How often the sender looks for deliveries that fell due (new ones are sent at once). */
const ROUND_MS = 1000;

/**
 * People are told (docs/notifications.md): the notifier turns events into outbox rows, the sender
 * delivers them through email (FMS_SMTP_URL), SMS, the group robots, webhooks and the console's bell.
 * Every instance sends; the outbox's leases keep each delivery to one of them.
 */
export function openNotifications(d: NotificationsDeps) {
  const { config, log } = d;
  const store = createKyselyOutboxStore(d.db);
  const n = config.estate.notifications;
  const smtp = config.notify.smtpUrl;
  const email = smtp ? createEmailChannel({ url: smtp, from: config.notify.from, log }) : undefined;
  if (email) d.closers.add('email', () => email.close());
  const hooks = config.estate.webhooks.map((h) => ({ id: webhookId(h), url: h.url, ...(h.secret ? { secret: h.secret } : {}) }));

  let languages = new Map<string, Language>();
  const refreshLanguages = async () => {
    languages = new Map((await d.accounts.list()).filter((a) => a.personId && a.language).map((a) => [a.personId!, a.language as Language]));
  };

  const notifier = createNotifier({
    store,
    directory: d.directory,
    config: { ...n, managerAfterMs: parseDuration(n.managerAfter)! },
    can: { email: email !== undefined, sms: n.sms !== undefined },
    webhooks: config.estate.webhooks,
    accountLanguage: (id) => languages.get(id),
    siteLanguage: d.siteLanguage,
    timeZoneOf: d.timeZoneOf,
    links: {
      order: (id) => `${base()}/orders/${encodeURIComponent(id)}`,
      alarms: () => `${base()}/alarms`,
      report: (id) => `${base()}/reports/${encodeURIComponent(id)}`,
    },
    order: async (id) => (await d.workOrders.get(id))?.order,
    log,
    now: d.now,
    onLost: () => d.metrics.notifications.labels('unknown', 'lost').inc(),
  });
  const base = () => config.notify.publicUrl ?? d.httpUrl() ?? 'http://127.0.0.1:3000';

  const channels: Record<string, Channel> = {
    inapp: notifier.inApp,
    robot: createRobotChannel(n.robots), // signed with the wall clock: the platforms check it against theirs
    webhook: createWebhookChannel(hooks),
    ...(email ? { email } : {}),
    ...(n.sms ? { sms: createSmsChannel({ url: n.sms.url, ...(n.sms.secret ? { secret: n.sms.secret } : {}), log }) } : {}),
  };

  // Channels whose last attempt failed, since when and why (GET /api/health).
  const failingChannels = new Map<string, { since: number; detail: string }>();
  const onOutcome = (e: OutboxEntry, outcome: Outcome, error?: string) => {
    d.metrics.notifications.labels(e.channel, outcome).inc();
    // The log tells when a channel starts failing and when it works again, not every retry.
    if (outcome === 'sent' && failingChannels.has(e.channel)) {
      log.info({ channel: e.channel, failedForMs: d.now() - failingChannels.get(e.channel)!.since }, `${e.channel} notifications are sent again`);
      failingChannels.delete(e.channel);
    } else if (outcome === 'retry' && !failingChannels.has(e.channel))
      log.warn({ channel: e.channel, reason: error }, `${e.channel} notifications failing: they wait in the outbox and are retried`);
    if (outcome === 'retry' && !failingChannels.has(e.channel)) failingChannels.set(e.channel, { since: d.now(), detail: error ?? 'failed' });
    if (e.channel === 'webhook' && (outcome === 'sent' || outcome === 'dead')) d.metrics.webhooks.labels(outcome === 'sent' ? 'delivered' : 'failed').inc();
    // Where it matters: an unacknowledged P1 reached a chief, or a message to a person was given up.
    const matters = (outcome === 'sent' && e.event === 'order.unacknowledged' && e.channel !== 'inapp') || outcome === 'dead';
    if (matters)
      d.audit.record({
        actor: 'system',
        actorName: 'notifications',
        actorRole: null,
        address: null,
        action: outcome === 'dead' ? 'notification.given-up' : 'notification.sent',
        outcome: outcome === 'dead' ? 'failed' : 'ok',
        target: e.subjectId ?? e.recipient,
        detail: `${e.event} by ${e.channel} to ${e.recipient}${error ? `: ${error}` : ''}`,
      });
  };
  const sender = createOutboxSender({
    store,
    channels,
    log,
    now: d.now,
    perRecipientPerMinute: n.perRecipientPerMinute,
    limitedChannels: ['email', 'sms', 'robot'], // robots too: WeCom and DingTalk take about 20 a minute
    obsolete: notifier.obsolete,
    fold: (entries) => foldIntoDigest(entries, `${base()}/notifications`),
    onOutcome,
  });

  // What the outbox holds, for /metrics: counted every 15 s (a count over the table is not free).
  let counts = Object.fromEntries(outboxStates.map((s) => [s, 0])) as Record<OutboxState, number>;
  for (const s of outboxStates) d.metrics.gauge(`fms_outbox_${s}`, `Outbox deliveries ${s}`, () => counts[s]);
  let lastCount = 0;

  // One round at a time; a kick while one runs asks for another right after it.
  let busy: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let failing = false;
  const pump = (): void => {
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    busy = (async () => {
      try {
        do {
          again = false;
          const r = await sender.runOnce();
          if (r.sent + r.retry + r.dead + r.cancelled + r.postponed >= 50) again = true;
        } while (again && !stopped);
        if (d.now() - lastCount >= 15_000) {
          lastCount = d.now();
          counts = await store.counts();
          await refreshLanguages();
        }
        if (failing) log.info('notifications are sent again');
        failing = false;
      } catch (err) {
        if (!failing) log.warn({ err: (err as Error).message }, 'notifications not sent: the outbox cannot be read; trying again every second');
        failing = true;
      } finally {
        busy = undefined;
      }
    })();
  };
  const timer = setInterval(pump, ROUND_MS);
  timer.unref();
  d.closers.add('notifications', async () => {
    stopped = true;
    clearInterval(timer);
    await busy;
  });
  void refreshLanguages().catch(() => undefined);

  const kick = (): void => void setImmediate(pump);
  notifier.listen(d.workOrders, d.alarms);
  // A new delivery goes out at once rather than at the next round.
  d.workOrders.on('changed', kick);
  d.alarms.on('raised', kick);
  if (smtp) log.info({ smtp: redactUrl(smtp) }, 'email notifications on');
  /** Tells a resident (who is no person of the directory) by email and SMS, as FMS can reach them. */
  const tellResident: Tell = async (to, m) => {
    const { event, subjectId, ...message } = m;
    const key = createHash('sha256').update(`${message.title}\n${message.text}`).digest('hex').slice(0, 16);
    if (email && to.email) await notifier.tellAddress('email', to.email, event, subjectId, message, key);
    if (n.sms && to.phone) await notifier.tellAddress('sms', to.phone, event, subjectId, message, key);
    if (!(email && to.email) && !(n.sms && to.phone))
      log.warn({ event, subjectId }, 'resident not told: no email (FMS_SMTP_URL) or SMS gateway reaches their contact');
    kick();
  };
  return {
    notifier,
    store,
    pump,
    /** For GET /api/health: what waits, and which channels are failing. */
    health: () => ({ pending: counts.pending + counts.sending, failing: [...failingChannels].map(([channel, f]) => ({ channel, ...f })) }),
    tellResident,
    /** Scheduled reports go to their subscribers by email. */
    deliverReports(reports: Pick<ReportService, 'generate' | 'pdfPath'>, scheduler: Pick<ReportScheduler, 'onReady'>) {
      const deliver = deliverReports({
        ...{ reports, config: config.estate.reports, directory: d.directory, languageOf: (id: string) => languages.get(id) },
        ...{ notifier, can: () => email !== undefined, log },
      });
      scheduler.onReady(async (r) => {
        await deliver(r);
        kick();
      });
    },
    webhook: (kind: 'alarm' | 'work-order', event: string, site: string | null, payload: unknown) => {
      if (config.estate.webhooks.length > 0) void notifier.webhook(kind, event, site, payload).then(kick);
    },
  };
}
export type Notifications = ReturnType<typeof openNotifications>;
