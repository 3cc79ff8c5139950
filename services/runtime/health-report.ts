import type { HealthReport } from '../api/routes/health.ts';
import type { MessageBus } from '../broker/message-bus.ts';
import type { Coordinator } from '../cluster/coordinator.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';

/** GET /api/health: each part's state; `ok` only when the broker, the telemetry store, the database and the cluster are all up. */
export function createHealthReport(d: {
  broker: Pick<MessageBus, 'health'>;
  telemetry: Pick<TelemetryStore, 'health'>;
  database: { ping(): Promise<boolean> };
  coordinator: Pick<Coordinator, 'health'>;
  alarmQueue: () => number;
  notifications?: () => NonNullable<HealthReport['notifications']>;
  instanceId: string;
  version: string;
  now: () => number;
}): () => Promise<HealthReport> {
  const started = d.now();
  return async () => {
    const broker = d.broker.health();
    const telemetry = d.telemetry.health();
    const dbUp = await d.database.ping();
    const cluster = d.coordinator.health();
    const ok = broker.state === 'up' && telemetry.state === 'up' && dbUp && cluster.state === 'up';
    return {
      status: ok ? 'ok' : 'degraded',
      broker,
      telemetryStore: telemetry,
      database: { state: dbUp ? 'up' : 'down' },
      cluster: { ...cluster, instance: d.instanceId },
      spoolDepth: telemetry.spool?.points ?? 0,
      alarmQueue: d.alarmQueue(),
      ...(d.notifications ? { notifications: d.notifications() } : {}),
      uptimeSeconds: Math.round((d.now() - started) / 1000),
      version: d.version,
    };
  };
}
