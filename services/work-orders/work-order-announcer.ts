import type { Logger } from 'pino';
import type { MessageBus } from '../broker/message-bus.ts';
import type { EventSource } from '../shared/events.ts';
import { workOrderTopic } from '../shared/topics.ts';
import type { WebhookNotify } from '../shared/webhooks.ts';
import type { WorkOrderEvents } from './work-order-service.ts';

/**
 * Tells integrations what happens to work orders: a message on `fms/{site}/work-orders/{id}` (QoS 1)
 * and the webhooks (`work-order.<event>`). The requester learns the order was received (DOMAIN.md
 * step 4) through the `opened` event.
 */
export function announceWorkOrders(
  workOrders: EventSource<WorkOrderEvents>,
  out: { bus: Pick<MessageBus, 'publish'>; notify?: WebhookNotify | undefined; log: Logger },
): void {
  workOrders.on('changed', ({ event, order, extra }) => {
    if (!order.site) return;
    const payload = JSON.stringify({ event, workOrder: order, ...extra });
    out.bus
      .publish(workOrderTopic(order.site, order.id), payload, { qos: 1 })
      .catch((err) => out.log.warn({ err, workOrderId: order.id }, 'work-order event not published'));
    out.notify?.('work-order', `work-order.${event}`, order.site, { workOrder: order, ...extra });
  });
}
