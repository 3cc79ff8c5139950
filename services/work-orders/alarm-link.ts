import type { Logger } from 'pino';
import type { AlarmEvents, AlarmService } from '../alarms/alarm-service.ts';
import { isEventRule, type Rule } from '../rules/rule-schema.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { WorkOrderService } from './work-order-service.ts';

export interface AlarmLinkDeps {
  alarms: Pick<AlarmService, 'on' | 'linkWorkOrder' | 'openOfWorkOrder' | 'acknowledge' | 'resolve'>;
  workOrders: Pick<WorkOrderService, 'on' | 'openFromAlarm'>;
  /** The rule in force with this id: an event alarm (a trapped passenger) is over when its order is verified. */
  ruleById: (id: string) => Rule | undefined;
  metrics: Metrics;
  now: () => number;
  log: Logger;
}

/** Order events after which the order's alarms are resolved: the work is verified (or closed). */
const done = new Set(['verify', 'verified', 'close', 'closed']);
/** Order events by which a person takes the fault on: their alarm is acknowledged with them. */
const takenOn = new Set(['acknowledge', 'start']);

/**
 * How alarms and work orders follow each other (docs/work-orders.md, "An alarm follows its order"):
 *
 * - an alarm raised, repeated or escalated opens its rule's work order, or attaches to the one open
 *   for the fault (one fault, one work order), and is linked to it;
 * - acknowledging the order (or going on site) acknowledges its active alarms, in the same person's name;
 * - a verified or closed order resolves what it can: an event alarm (entrapment, a forced gate) is
 *   cleared, since its situation is over; a condition alarm (vibration over its limit) clears only when
 *   its condition does — it is acknowledged if nobody had;
 * - a cancelled order acknowledges its alarms: someone decided about them.
 */
export function linkAlarmsToOrders(d: AlarmLinkDeps): void {
  const { alarms, workOrders, log } = d;

  const open = async ({ alarm, rule, receivedAt }: AlarmEvents['raised']) => {
    if (!rule) return;
    const result = await workOrders.openFromAlarm(alarm, rule);
    if (!result) return;
    if (alarm.workOrderId !== result.order.id) await alarms.linkWorkOrder(alarm.id, result.order.id);
    d.metrics.alarmToWorkOrder.observe((d.now() - receivedAt) / 1000);
  };
  alarms.on('raised', open);
  alarms.on('repeated', open);
  alarms.on('escalated', open);

  workOrders.on('changed', async ({ event, order, extra }) => {
    const finished = done.has(event) && (order.state === 'verified' || order.state === 'closed');
    const cancelled = event === 'cancel' && order.state === 'cancelled';
    if (!finished && !cancelled && !takenOn.has(event)) return;
    // Alarms are linked to alarm orders, and to a predictive order whose fault fired before the repair.
    if (order.source !== 'alarm' && order.source !== 'predictive') return;
    const by = actorOf(extra) ?? order.assignee ?? 'system';
    for (const alarm of await alarms.openOfWorkOrder(order.id)) {
      const rule = d.ruleById(alarm.ruleId);
      if (finished && rule && isEventRule(rule)) {
        // Queued behind the fault's own signals; not awaited, as this may run inside one of them.
        alarms
          .resolve(alarm.id, by, `resolved: work order ${order.id} ${order.state}`)
          .catch((err) => log.error({ err, alarmId: alarm.id }, 'alarm not resolved'));
        continue;
      }
      if (alarm.state !== 'active') continue;
      const note = finished
        ? `work order ${order.id} ${order.state}; the alarm clears when its condition does`
        : cancelled
          ? `work order ${order.id} cancelled`
          : `acknowledged with work order ${order.id}`;
      await alarms.acknowledge(alarm.id, by, note);
    }
  });
}

/** Who did it: the actor of the first history event the change wrote. */
function actorOf(extra: Record<string, unknown>): string | undefined {
  const events = extra.events;
  if (!Array.isArray(events) || events.length === 0) return undefined;
  const actor = (events[0] as { actor?: unknown }).actor;
  return typeof actor === 'string' ? actor : undefined;
}
