import type { Logger } from 'pino';
import type { MessageBus } from '../broker/message-bus.ts';
import type { AlarmSignal, RuleEngine } from '../rules/rule-engine.ts';
import { createKeyedQueue } from '../shared/keyed-queue.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import type { Alarm } from './alarm.ts';
import type { AlarmStore } from './alarm-store.ts';

export interface AlarmServiceDeps {
  store: AlarmStore;
  workOrders: WorkOrderService;
  telemetry: Pick<TelemetryStore, 'writeAlarm'>;
  bus: Pick<MessageBus, 'publish'>;
  log: Logger;
  metrics: Metrics;
  now: () => number;
}

export type AlarmService = ReturnType<typeof createAlarmService>;

/** System alarms are about FMS itself: this asset id at this site. */
export const SYSTEM_ASSET = 'fms';
export const SYSTEM_SITE = 'system';

/**
 * Turns the rule engine's signals into stored alarms and work orders. Signals for one asset and
 * rule are handled one after another, so a burst of repeats can never open two orders.
 */
export function createAlarmService(deps: AlarmServiceDeps) {
  const { store, log, metrics } = deps;
  const queue = createKeyedQueue();

  function announce(alarm: Alarm, change: string): void {
    deps.telemetry.writeAlarm({ site: alarm.site, asset: alarm.assetId, rule: alarm.ruleId, severity: alarm.severity, ts: alarm.clearedAt ?? alarm.lastRaisedAt, state: alarm.state, value: alarm.value });
    deps.bus.publish(`fms/${alarm.site}/alarms/${alarm.assetId}`, JSON.stringify({ change, alarm }), { qos: 1 }).catch((err) => log.warn({ err, alarmId: alarm.id }, 'alarm change not published'));
  }

  async function apply(signal: AlarmSignal, receivedAt: number): Promise<void> {
    const { rule } = signal;
    if (signal.kind === 'clear') {
      const cleared = await store.clear(signal.assetId, rule.id, signal.ts, signal.message);
      if (!cleared) return;
      metrics.alarms.labels('cleared', cleared.severity).inc();
      log.info({ alarmId: cleared.id, assetId: cleared.assetId, ruleId: rule.id }, 'alarm cleared');
      announce(cleared, 'cleared');
      return;
    }
    const { alarm, created } = await store.raise({
      assetId: signal.assetId,
      site: signal.site,
      ruleId: rule.id,
      ruleVersion: rule.version,
      severity: rule.severity,
      message: signal.message,
      value: signal.value,
      raisedAt: signal.ts,
      receivedAt,
    });
    metrics.alarms.labels(created ? 'raised' : 'repeated', alarm.severity).inc();
    if (created) {
      log.info({ alarmId: alarm.id, assetId: alarm.assetId, ruleId: rule.id, severity: alarm.severity }, 'alarm raised');
      announce(alarm, 'raised');
    }
    const result = await deps.workOrders.openFromAlarm(alarm, rule);
    if (!result) return;
    if (alarm.workOrderId !== result.order.id) await store.linkWorkOrder(alarm.id, result.order.id);
    metrics.alarmToWorkOrder.observe((deps.now() - receivedAt) / 1000);
  }

  return {
    /** Queues signals from the rule engine; errors are logged and counted, never thrown at ingest. */
    handle(signals: readonly AlarmSignal[], receivedAt: number): void {
      for (const signal of signals) {
        queue.run(`${signal.assetId}\0${signal.rule.id}`, () => apply(signal, receivedAt)).catch((err) => {
          metrics.errors.labels('alarms').inc();
          log.error({ err, assetId: signal.assetId, ruleId: signal.rule.id }, 'alarm signal not applied');
        });
      }
    },

    /** Tells the rule engine which alarms are open, so that a restart does not raise them again. */
    async restore(engine: RuleEngine): Promise<number> {
      const open = await store.listOpen();
      for (const a of open) engine.restoreActive(a.assetId, a.site, a.ruleId, a.lastRaisedAt);
      return open.length;
    },

    /**
     * Raises or clears an alarm about FMS itself (telemetry store down, spool filling up): asset
     * `fms` at site `system`, never a work order.
     */
    setSystemAlarm(ruleId: string, severity: Alarm['severity'], active: boolean, message: string): void {
      const at = deps.now();
      void queue
        .run(`fms\0${ruleId}`, async () => {
          if (active) {
            const open = (await store.listOpen()).some((a) => a.assetId === SYSTEM_ASSET && a.ruleId === ruleId);
            if (open) return;
            const { alarm } = await store.raise({ assetId: SYSTEM_ASSET, site: SYSTEM_SITE, ruleId, ruleVersion: 1, severity, message, value: null, raisedAt: at, receivedAt: at });
            metrics.alarms.labels('raised', severity).inc();
            log.warn({ alarmId: alarm.id, ruleId }, 'system alarm raised');
            announce(alarm, 'raised');
          } else {
            const cleared = await store.clear(SYSTEM_ASSET, ruleId, at, message);
            if (!cleared) return;
            metrics.alarms.labels('cleared', severity).inc();
            log.info({ alarmId: cleared.id, ruleId }, 'system alarm cleared');
            announce(cleared, 'cleared');
          }
        })
        .catch((err) => log.error({ err, ruleId }, 'system alarm not stored'));
    },

    acknowledge: (id: number, by: string, note: string | null) => store.acknowledge(id, by, note, deps.now()),
    get: (id: number) => store.get(id),
    history: store.history.bind(store),
    list: store.list.bind(store),
    /** Waits for every queued signal (shutdown, tests). */
    drain: () => queue.drain(),
    get pending(): number {
      return queue.size;
    },
  };
}
