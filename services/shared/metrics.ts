import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type CounterConfiguration, type LabelValues } from 'prom-client';

/** A count kept as a plain number and added to its Prometheus counter when the counter is read. */
export interface Tally {
  add(n?: number): void;
}

/**
 * A counter for the per-message path: `tally(labels)` gives a plain number to add to, and what was
 * added reaches the counter when it is read (/metrics, or `get()`). prom-client hashes and checks the
 * labels on every `inc()`, and a busy broker counts tens of thousands of messages a second.
 */
function hotCounter<T extends string>(config: CounterConfiguration<T>) {
  const flushes: (() => void)[] = [];
  const counter = new Counter<T>({
    ...config,
    collect() {
      for (const flush of flushes) flush();
    },
  });
  return Object.assign(counter, {
    tally(labels?: LabelValues<T>): Tally {
      let pending = 0;
      flushes.push(() => {
        if (pending === 0) return;
        if (labels) counter.inc(labels, pending);
        else counter.inc(pending);
        pending = 0;
      });
      return {
        add(n = 1) {
          pending += n;
        },
      };
    },
  });
}

/** The service's Prometheus metrics, on one registry per service instance (no global state). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fms_process_' });
  return {
    registry,
    messagesIn: hotCounter({ name: 'fms_mqtt_messages_total', help: 'Device messages received, by channel', labelNames: ['channel'], registers: [registry] }),
    mqttRefused: new Counter({
      name: 'fms_mqtt_refused_total',
      help: 'MQTT connections refused or cut for hostile input, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    mqttThrottled: new Counter({
      name: 'fms_mqtt_throttled_total',
      help: 'MQTT messages held back because their sender went over FMS_MQTT_MAX_MSGS_PER_SEC',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'fms_ingest_rejected_total',
      help: 'Device messages rejected by ingest, by reason kind',
      labelNames: ['reason'],
      registers: [registry],
    }),
    pointsAccepted: hotCounter({ name: 'fms_telemetry_points_accepted_total', help: 'Telemetry values accepted for storage', registers: [registry] }),
    eventsAccepted: new Counter({ name: 'fms_device_events_total', help: 'Device events accepted', labelNames: ['type'], registers: [registry] }),
    alarms: new Counter({ name: 'fms_alarms_total', help: 'Alarm changes, by change and severity', labelNames: ['change', 'severity'], registers: [registry] }),
    alarmsSuppressed: new Counter({
      name: 'fms_alarms_suppressed_total',
      help: 'Non-safety alarms held back because the asset was in maintenance',
      labelNames: ['rule'],
      registers: [registry],
    }),
    workOrdersOpened: new Counter({
      name: 'fms_work_orders_opened_total',
      help: 'Work orders opened, by priority and source',
      labelNames: ['priority', 'source'],
      registers: [registry],
    }),
    workOrderOccurrences: new Counter({
      name: 'fms_work_order_occurrences_total',
      help: 'Repeat faults attached to an open work order',
      registers: [registry],
    }),
    alarmToWorkOrder: new Histogram({
      name: 'fms_alarm_to_work_order_seconds',
      help: 'From receipt of the message that raised an alarm to its work order being stored',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    workOrderActions: new Counter({
      name: 'fms_work_order_actions_total',
      help: 'Work-order actions applied, by action',
      labelNames: ['action'],
      registers: [registry],
    }),
    workOrderEscalations: new Counter({
      name: 'fms_work_order_escalations_total',
      help: 'SLA escalations, by level and clock',
      labelNames: ['level', 'clock'],
      registers: [registry],
    }),
    sensorChecks: new Counter({
      name: 'fms_work_order_sensor_checks_total',
      help: 'Sensor verifications of repairs, by result (passed, rework, deferred)',
      labelNames: ['result'],
      registers: [registry],
    }),
    webhooks: new Counter({ name: 'fms_webhook_deliveries_total', help: 'Webhook deliveries, by outcome', labelNames: ['outcome'], registers: [registry] }),
    notifications: new Counter({
      name: 'fms_notifications_total',
      help: 'Notification deliveries (email, SMS, robots, in-app, webhooks), by channel and outcome (sent, retry, dead, cancelled, postponed, lost)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'fms_job_runs_total',
      help: 'Runs of the scheduled jobs (PM generation, condition check, sweeps…), by job and outcome',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    jobSeconds: new Gauge({
      name: 'fms_job_last_run_seconds',
      help: 'How long the last run of each scheduled job took',
      labelNames: ['job'],
      registers: [registry],
    }),
    errors: new Counter({ name: 'fms_internal_errors_total', help: 'Unexpected errors, by area', labelNames: ['area'], registers: [registry] }),
    gauge(name: string, help: string, collect: () => number) {
      return new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(collect());
        },
      });
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
