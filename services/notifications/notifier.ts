import { createHash, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type { AlarmEvents } from '../alarms/alarm-service.ts';
import type { EventSource } from '../shared/events.ts';
import { createEvents } from '../shared/events.ts';
import type { WebhookConfig } from '../shared/webhooks.ts';
import { parseHours, withinWeeklyWindows } from '../work-orders/business-calendar.ts';
import type { Directory, StaffMember, Team } from '../work-orders/people.ts';
import type { WorkOrder } from '../work-orders/work-order.ts';
import type { WorkOrderEvents } from '../work-orders/work-order-service.ts';
import type { NotificationMessage } from './message.ts';
import type { NotificationEvent, NotificationsConfig } from './notifications-config.ts';
import type { OutboxEntry, OutboxStore } from './outbox-store.ts';
import { texts, type Language, type Links } from './texts.ts';

/** A person to tell, and whether loudly (SMS too, whatever their choice: an unacknowledged P1). */
interface Recipient {
  id: string;
  loud?: boolean;
}

export interface NotifierDeps {
  store: OutboxStore;
  directory: () => Directory;
  config: NotificationsConfig & { managerAfterMs: number };
  /** Which channels can send (email needs FMS_SMTP_URL, SMS a gateway). */
  can: { email: boolean; sms: boolean };
  webhooks: readonly WebhookConfig[];
  /** The language of a person's console account, when they chose one. */
  accountLanguage: (personId: string) => Language | undefined;
  siteLanguage: (site: string | null) => Language;
  timeZoneOf: (site: string | null) => string;
  links: Links;
  /** The order as it is now (a delayed step asks whether it is still needed). */
  order: (id: string) => Promise<WorkOrder | undefined>;
  log: Logger;
  now: () => number;
  /** An enqueue that failed (the database is down): counted. */
  onLost?: (event: string) => void;
}

/** A webhook's stable id: from its URL, so its deliveries keep their recipient across restarts. */
export const webhookId = (hook: Pick<WebhookConfig, 'url'>) => `hook-${createHash('sha256').update(hook.url).digest('hex').slice(0, 12)}`;

/** The moment quiet hours end, when `at` falls inside them (in the person's site's time zone); else null. */
export function quietUntil(at: number, hours: string | undefined, timeZone: string): number | null {
  const span = hours ? parseHours(hours, true) : undefined;
  if (!span) return null;
  const [start, end] = span;
  const t = DateTime.fromMillis(at, { zone: timeZone });
  const minute = t.hour * 60 + t.minute;
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return null;
  const endToday = t.startOf('day').plus({ minutes: end });
  return (endToday.toMillis() > at ? endToday : endToday.plus({ days: 1 })).toMillis();
}

/** Teams serving a site (the order's own team first when it has one). */
function teamsFor(dir: Directory, site: string | null, teamId: string | null = null): Team[] {
  const own = teamId ? dir.teams.filter((t) => t.id === teamId) : [];
  return own.length > 0 ? own : dir.teams.filter((t) => t.sites.length === 0 || (site !== null && t.sites.includes(site)));
}

/**
 * Who hears what (docs/notifications.md): turns FMS's events into deliveries in the durable outbox, one
 * row per person and channel (in the console always; email and SMS as the person chose; SMS whatever
 * their choice when the news is an unacknowledged P1), in the person's language, outside their quiet
 * hours unless it is urgent; and the group robots of the site. It only writes rows: the outbox sender
 * delivers them, so nothing here waits on a mail server.
 */
export function createNotifier(deps: NotifierDeps) {
  const { log } = deps;
  const events = createEvents<{ inapp: { personId: string; entry: OutboxEntry } }>((name, err) => log.error({ err, event: name }, 'in-app listener failed'));

  async function enqueue(
    row: Omit<OutboxEntry, 'id' | 'state' | 'attempts' | 'nextAttemptAt' | 'leaseUntil' | 'lastError' | 'sentAt' | 'readAt' | 'createdAt'> & {
      notBefore?: number;
    },
  ) {
    try {
      await deps.store.enqueue({ id: randomUUID(), createdAt: deps.now(), ...row });
    } catch (err) {
      deps.onLost?.(row.event);
      log.error({ err, event: row.event, recipient: row.recipient }, 'notification not recorded: the database refused it');
    }
  }

  const nameOf = (id: string | null) => (id ? deps.directory().people.get(id)?.name : undefined);

  function languageOf(p: StaffMember, site: string | null): Language {
    return deps.accountLanguage(p.id) ?? p.language ?? deps.siteLanguage(site);
  }

  /** Supervisors (or managers) of a site: those on duty, or all of them when none is. */
  function chiefs(role: 'supervisor' | 'manager', site: string | null, teamId: string | null = null): Recipient[] {
    const dir = deps.directory();
    const ids = [...new Set(teamsFor(dir, site, teamId).map((t) => t[role]))].filter((x): x is string => !!x && dir.people.get(x)?.enabled === true);
    const tz = deps.timeZoneOf(site);
    const onDuty = ids.filter((id) => {
      const p = dir.people.get(id)!;
      return !p.onDuty || withinWeeklyWindows(deps.now(), tz, p.onDuty);
    });
    return (onDuty.length > 0 ? onDuty : ids).map((id) => ({ id }));
  }

  /** Tells people: one row per person and channel. */
  async function tell(
    event: NotificationEvent,
    subjectId: string,
    key: string,
    site: string | null,
    recipients: readonly Recipient[],
    make: (lang: Language) => NotificationMessage,
    opts: { notBefore?: number; unless?: { acknowledged: string } } = {},
  ): Promise<void> {
    const dir = deps.directory();
    const seen = new Set<string>();
    for (const r of recipients) {
      const p = dir.people.get(r.id);
      if (!p || !p.enabled || seen.has(r.id)) continue;
      seen.add(r.id);
      const message = make(languageOf(p, site));
      const wants = p.notify ?? ['email'];
      const channels: { channel: string; address: string }[] = [{ channel: 'inapp', address: p.id }];
      if (deps.can.email && p.email && wants.includes('email')) channels.push({ channel: 'email', address: p.email });
      if (deps.can.sms && p.phone && (wants.includes('sms') || r.loud)) channels.push({ channel: 'sms', address: p.phone });
      // Quiet hours hold email and SMS until they end; urgent news (P1, safety) is never held.
      const quiet = message.urgent ? null : quietUntil(opts.notBefore ?? deps.now(), p.quietHours, deps.timeZoneOf(site));
      for (const c of channels) {
        const notBefore = c.channel === 'inapp' ? opts.notBefore : (quiet ?? opts.notBefore);
        await enqueue({
          dedupeKey: `${key}|person:${p.id}|${c.channel}`,
          channel: c.channel,
          recipient: `person:${p.id}`,
          event,
          subjectId,
          payload: { address: c.address, message, ...(opts.unless ? { unless: opts.unless } : {}) },
          ...(notBefore !== undefined ? { notBefore } : {}),
        });
      }
    }
  }

  /** Tells the group robots that hear this event for this site. */
  async function tellRobots(event: NotificationEvent, subjectId: string, key: string, site: string | null, make: (lang: Language) => NotificationMessage) {
    for (const robot of deps.config.robots) {
      if (!robot.events.includes(event) || (robot.sites && (site === null || !robot.sites.includes(site)))) continue;
      await enqueue({
        dedupeKey: `${key}|robot:${robot.id}`,
        channel: 'robot',
        recipient: `robot:${robot.id}`,
        event,
        subjectId,
        payload: { address: robot.id, message: make(robot.language ?? deps.siteLanguage(site)) },
      });
    }
  }

  async function onOrder({ event, order: o, extra }: WorkOrderEvents['changed']): Promise<void> {
    const tz = deps.timeZoneOf(o.site);
    const links = deps.links;
    // An urgent order is told once it has its technician (or once dispatch found none, or never dispatches).
    const dir = deps.directory();
    const settled = event === 'assigned' || event === 'not-dispatched' || (event === 'opened' && (!dir.dispatch.auto || dir.teams.length === 0));
    if (settled && (o.priority === 'P1' || o.priority === 'P2')) {
      const key = `order.urgent|${o.id}`;
      await tell('order.urgent', o.id, key, o.site, chiefs('supervisor', o.site, o.team), (l) => texts.urgent(l, o, tz, links, nameOf(o.assignee)));
      await tellRobots('order.urgent', o.id, key, o.site, (l) => texts.urgent(l, o, tz, links, nameOf(o.assignee)));
    }
    if ((event === 'assigned' || event === 'assign') && o.assignee) {
      await tell('order.assigned', o.id, `order.assigned|${o.id}|${o.version}`, o.site, [{ id: o.assignee, loud: o.priority === 'P1' }], (l) =>
        texts.assigned(l, o, tz, links),
      );
    }
    const escalation = extra.escalation as { level: 'approaching' | 'breached'; clock: string; recipients: { id: string }[] } | undefined;
    if (event === 'escalated' && escalation) await onEscalated(o, escalation);
    const events = (extra.events ?? []) as { type?: string }[];
    if (events.some((e) => e.type === 'rework')) {
      const who = [...(o.assignee ? [{ id: o.assignee }] : []), ...chiefs('supervisor', o.site, o.team)];
      await tell('order.rework', o.id, `order.rework|${o.id}|${o.version}`, o.site, who, (l) => texts.rework(l, o, tz, links));
    }
  }

  /**
   * SLA escalations. A P1 (or P2) not acknowledged by its limit is the loud case: its supervisors hear at
   * once by SMS too, and the robots; its managers a while later (`managerAfter`), also loudly, unless the
   * order was acknowledged meanwhile. Other clocks tell those the escalation names.
   */
  async function onEscalated(o: WorkOrder, e: { level: 'approaching' | 'breached'; clock: string; recipients: { id: string }[] }) {
    const tz = deps.timeZoneOf(o.site);
    const links = deps.links;
    const key = `order.escalated|${o.id}|${e.clock}|${e.level}`;
    if (e.clock === 'acknowledge' && e.level === 'breached' && (o.priority === 'P1' || o.priority === 'P2')) {
      const limit = (o.sla.clocks.acknowledge?.due ?? deps.now()) - (o.sla.clocks.acknowledge?.start ?? deps.now());
      const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));
      const supervisors = chiefs('supervisor', o.site, o.team).map((r) => ({ ...r, loud: true }));
      await tell('order.unacknowledged', o.id, `${key}|1`, o.site, supervisors, (l) =>
        texts.unacknowledged(l, o, tz, minutes(limit), links, nameOf(o.assignee)),
      );
      await tellRobots('order.unacknowledged', o.id, key, o.site, (l) => texts.unacknowledged(l, o, tz, minutes(limit), links, nameOf(o.assignee)));
      const managers = chiefs('manager', o.site, o.team).map((r) => ({ ...r, loud: true }));
      const later = deps.now() + deps.config.managerAfterMs;
      await tell(
        'order.unacknowledged',
        o.id,
        `${key}|2`,
        o.site,
        managers,
        (l) => texts.unacknowledged(l, o, tz, minutes(limit + deps.config.managerAfterMs), links, nameOf(o.assignee)),
        { notBefore: later, unless: { acknowledged: o.id } },
      );
      return;
    }
    const loud = e.level === 'breached' && o.priority === 'P1';
    await tell(
      'order.escalated',
      o.id,
      key,
      o.site,
      e.recipients.map((r) => ({ id: r.id, loud })),
      (l) => texts.escalated(l, o, tz, e, links),
    );
    if (e.level === 'breached') await tellRobots('order.escalated', o.id, key, o.site, (l) => texts.escalated(l, o, tz, e, links));
  }

  return {
    on: events.on,
    /** Listens to the work-order and alarm services. */
    listen(workOrders: EventSource<WorkOrderEvents>, alarms: EventSource<AlarmEvents>): void {
      workOrders.on('changed', onOrder);
      // A critical alarm that opens an order is told as that order (one message per incident, not two).
      const critical = async ({ alarm: a, rule }: Pick<AlarmEvents['raised'], 'alarm' | 'rule'>) => {
        if (a.severity !== 'critical' || rule?.workOrder) return;
        const key = `alarm.critical|${a.id}`;
        await tell('alarm.critical', String(a.id), key, a.site, chiefs('supervisor', a.site), (l) => texts.criticalAlarm(l, a, deps.links));
        await tellRobots('alarm.critical', String(a.id), key, a.site, (l) => texts.criticalAlarm(l, a, deps.links));
      };
      alarms.on('raised', critical);
      alarms.on('escalated', critical);
    },

    /** Sends the integrations' webhooks through the outbox (same events and bodies as before). */
    async webhook(kind: 'alarm' | 'work-order', event: string, site: string | null, payload: unknown): Promise<void> {
      for (const hook of deps.webhooks) {
        if (!hook.events.includes(kind) || (hook.sites && site && !hook.sites.includes(site))) continue;
        const id = webhookId(hook);
        const body = JSON.stringify({ event, site, ...((payload as object) ?? {}) });
        const about = payload as { workOrder?: { id?: string }; alarm?: { id?: number } };
        const subjectId = about.workOrder?.id ?? (about.alarm?.id !== undefined ? String(about.alarm.id) : null);
        await enqueue({
          dedupeKey: `webhook|${randomUUID()}`,
          channel: 'webhook',
          recipient: `hook:${id}`,
          event,
          subjectId,
          payload: { address: id, event, body },
        });
      }
    },

    /** A scheduled report is ready: its subscribers get it by email, each in their language. */
    tellReport: async (
      report: { id: string; kind: string; site: string | null; title: string },
      subscribers: readonly { address: string; language: Language; pdf?: { filename: string; path: string } }[],
    ): Promise<void> => {
      for (const s of subscribers)
        await enqueue({
          dedupeKey: `report.ready|${report.id}|email:${s.address}`,
          channel: 'email',
          recipient: `email:${s.address}`,
          event: 'report.ready',
          subjectId: report.id,
          payload: { address: s.address, message: texts.report(s.language, report, deps.links, s.pdf) },
        });
    },

    /** Tells someone who is no person of the directory (a resident) by email or SMS. */
    tellAddress: (channel: 'email' | 'sms', address: string, event: string, subjectId: string, message: NotificationMessage, key: string) =>
      enqueue({
        dedupeKey: `${event}|${key}|${channel}:${address}`,
        channel,
        recipient: `${channel}:${address}`,
        event,
        subjectId,
        payload: { address, message },
      }),

    /** Why a delivery is no longer needed when it falls due (the outbox sender asks), or null. */
    async obsolete(entry: OutboxEntry): Promise<string | null> {
      const unless = (entry.payload as { unless?: { acknowledged?: string } }).unless;
      if (!unless?.acknowledged) return null;
      const o = await deps.order(unless.acknowledged);
      if (!o) return 'the order is gone';
      if (o.acknowledgedAt !== null) return `the order was acknowledged at ${new Date(o.acknowledgedAt).toISOString()}`;
      if (!['new', 'assigned'].includes(o.state)) return `the order is ${o.state}`;
      return null;
    },

    /** The in-app channel: the row is the notification; the console's live updates show it at once. */
    async inApp(entry: OutboxEntry): Promise<{ ok: true }> {
      await events.emit('inapp', { personId: entry.recipient.replace(/^person:/, ''), entry });
      return { ok: true };
    },
  };
}
export type Notifier = ReturnType<typeof createNotifier>;
