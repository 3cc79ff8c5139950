import type { Logger } from 'pino';
import { createPostgresCoordinator, singleInstance, type Coordinator } from '../cluster/coordinator.ts';
import type { Config } from '../config/config.ts';

/**
 * Several instances (an external broker and PostgreSQL) split the assets into partitions and elect a
 * leader for the scheduled jobs (docs/scaling.md); one instance owns everything.
 */
export function openCoordinator(config: Config, log: Logger): Coordinator {
  if (!(config.mqtt.url && config.databaseUrl)) return singleInstance(config.instanceId);
  if (!config.influx) {
    log.warn(
      'several instances need a shared telemetry store: set FMS_INFLUX_URL, or each instance keeps only the readings of its own partitions (docs/scaling.md)',
    );
  }
  return createPostgresCoordinator({ url: config.databaseUrl, instanceId: config.instanceId, log: log.child({ svc: 'cluster' }) });
}
