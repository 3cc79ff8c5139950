import type { Logger } from 'pino';
import type { MessageBus } from '../broker/message-bus.ts';
import type { Alarm } from '../alarms/alarm.ts';
import type { Rule } from '../rules/rule-schema.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { WebhookNotifier } from '../shared/webhooks.ts';
import type { WorkOrder } from './work-order.ts';
import type { WorkOrderFilter, WorkOrderStore } from './work-order-store.ts';

export interface WorkOrderServiceDeps {
  store: WorkOrderStore;
  bus: Pick<MessageBus, 'publish'>;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  /** Time zone that decides the year in work-order ids. */
  timeZone: string;
  /** Webhooks. */
  notify?: WebhookNotifier['notify'];
}

export type WorkOrderService = ReturnType<typeof createWorkOrderService>;

export function createWorkOrderService(deps: WorkOrderServiceDeps) {
  const { store, log, metrics } = deps;
  const yearOf = new Intl.DateTimeFormat('en', { timeZone: deps.timeZone, year: 'numeric' });

  function announce(order: WorkOrder, event: string): void {
    if (!order.site) return;
    const payload = JSON.stringify({ event, workOrder: order });
    deps.bus.publish(`fms/${order.site}/work-orders/${order.id}`, payload, { qos: 1 }).catch((err) => log.warn({ err, workOrderId: order.id }, 'work-order event not published'));
    deps.notify?.('work-order', `work-order.${event}`, order.site, { workOrder: order });
  }

  return {
    /**
     * Opens the work order an alarm's rule asks for, or attaches the alarm to the order already open
     * for the same asset and rule (one fault, one work order).
     */
    async openFromAlarm(alarm: Alarm, rule: Rule): Promise<{ order: WorkOrder; opened: boolean } | undefined> {
      const wo = rule.workOrder;
      if (!wo) return undefined;
      const at = deps.now();
      const result = await store.openOrAttach(
        {
          source: 'alarm',
          channel: 'sensor',
          category: wo.category,
          priority: wo.priority,
          title: wo.title,
          description: wo.description ?? alarm.message,
          assetId: alarm.assetId,
          site: alarm.site,
          ruleId: rule.id,
          alarmId: alarm.id,
          checklist: wo.checklist,
          // One fault, one work order: rules of one failure mode share it.
          faultKey: `${alarm.assetId}/${rule.failureMode ?? rule.id}`,
          actor: 'system',
        },
        at,
        Number(yearOf.format(at)),
        alarm.message,
      );
      if (result.opened) {
        metrics.workOrdersOpened.labels(wo.priority, 'alarm').inc();
        log.info({ workOrderId: result.order.id, assetId: alarm.assetId, ruleId: rule.id, priority: wo.priority }, 'work order opened');
        announce(result.order, 'opened');
      } else {
        metrics.workOrderOccurrences.inc();
        log.info({ workOrderId: result.order.id, assetId: alarm.assetId, ruleId: rule.id, occurrences: result.order.occurrences }, 'fault attached to open work order');
        announce(result.order, 'occurrence');
      }
      return result;
    },

    get: (id: string) => store.get(id),
    list: (filter: WorkOrderFilter) => store.list(filter),
    countOpenByPriority: () => store.countOpenByPriority(),
  };
}
