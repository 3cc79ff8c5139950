import { Gauge } from 'prom-client';
import type { MessageBus } from '../broker/message-bus.ts';
import type { Coordinator } from '../cluster/coordinator.ts';
import type { RejectedLog } from '../ingest/rejected-log.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';

/** The state gauges of /metrics, read when Prometheus scrapes. */
export function registerGauges(
  metrics: Metrics,
  d: {
    telemetry: Pick<TelemetryStore, 'health'>;
    broker: Pick<MessageBus, 'health'>;
    workOrders: Pick<WorkOrderService, 'countOpen'>;
    rejected: RejectedLog;
    coordinator: Pick<Coordinator, 'owned' | 'isLeader'>;
  },
): void {
  const t = () => d.telemetry.health();
  metrics.gauge('fms_telemetry_pending_points', 'Telemetry points, events and alarm changes accepted and not yet written', () => t().pending);
  metrics.gauge('fms_telemetry_written_points', 'Telemetry points (readings) written to the store since start', () => t().written);
  metrics.gauge('fms_telemetry_store_up', '1 when the telemetry store accepts writes', () => (t().state === 'up' ? 1 : 0));
  metrics.gauge('fms_telemetry_spool_points', 'Telemetry readings in the on-disk spool', () => t().spool?.points ?? 0);
  metrics.gauge('fms_telemetry_spool_bytes', 'Size of the on-disk telemetry spool', () => t().spool?.bytes ?? 0);
  metrics.gauge('fms_telemetry_dead_lettered_points', 'Readings the telemetry store refused as bad data', () => t().deadLettered ?? 0);
  metrics.gauge('fms_telemetry_lost_points', 'Readings dropped because the spool was full', () => t().lost ?? 0);
  new Gauge({
    name: 'fms_work_orders_open',
    help: 'Open work orders by priority, and whether they missed an SLA deadline',
    labelNames: ['priority', 'breached'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const r of await d.workOrders.countOpen()) this.labels(r.priority, String(r.breached)).inc(r.n);
    },
  });
  metrics.gauge('fms_mqtt_clients_connected', 'MQTT clients connected to the embedded broker', () => d.broker.health().clients ?? 0);
  metrics.gauge('fms_ingest_rejected_recent', 'Rejected messages kept for GET /api/ingest/rejected', () => d.rejected.recent().length);
  metrics.gauge('fms_cluster_partitions_owned', 'Asset partitions this instance evaluates the rules of (of 64)', () => d.coordinator.owned().length);
  metrics.gauge('fms_cluster_leader', '1 when this instance runs the scheduled jobs', () => (d.coordinator.isLeader() ? 1 : 0));
}
