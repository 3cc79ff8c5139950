import type { Logger } from 'pino';
import type { MessageBus } from '../broker/message-bus.ts';
import type { EventSource } from '../shared/events.ts';
import { alarmTopic } from '../shared/topics.ts';
import type { WebhookNotify } from '../shared/webhooks.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { Alarm } from './alarm.ts';
import type { AlarmEvents } from './alarm-service.ts';

/**
 * Tells the world outside about alarm changes: a point in the telemetry store (Grafana's annotations),
 * a message on `fms/{site}/alarms/{assetId}` for integrations (QoS 1), and the webhooks.
 */
export function announceAlarms(
  alarms: EventSource<AlarmEvents>,
  out: { telemetry: Pick<TelemetryStore, 'writeAlarm'>; bus: Pick<MessageBus, 'publish'>; notify?: WebhookNotify | undefined; log: Logger },
): void {
  const announce = (alarm: Alarm, change: string) => {
    out.telemetry.writeAlarm({
      site: alarm.site,
      asset: alarm.assetId,
      rule: alarm.ruleId,
      severity: alarm.severity,
      ts: alarm.clearedAt ?? alarm.lastRaisedAt,
      state: alarm.state,
      value: alarm.value,
    });
    out.bus
      .publish(alarmTopic(alarm.site, alarm.assetId), JSON.stringify({ change, alarm }), { qos: 1 })
      .catch((err) => out.log.warn({ err, alarmId: alarm.id }, 'alarm change not published'));
    out.notify?.('alarm', `alarm.${change}`, alarm.site, { change, alarm });
  };
  alarms.on('raised', ({ alarm }) => announce(alarm, 'raised'));
  alarms.on('escalated', ({ alarm }) => announce(alarm, 'escalated'));
  alarms.on('flapping', ({ alarm }) => announce(alarm, 'flapping'));
  alarms.on('cleared', ({ alarm }) => announce(alarm, 'cleared'));
}
