import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { createInfluxTelemetryStore } from '../telemetry/telemetry-store.influx.ts';
import { createSqliteTelemetryStore } from '../telemetry/telemetry-store.sqlite.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';

/** InfluxDB when FMS_INFLUX_URL is set, the embedded SQLite store otherwise. */
export async function openTelemetryStore(config: Config, log: Logger, onDeadLetter: (line: string, reason: string) => void): Promise<TelemetryStore> {
  if (config.influx) {
    if (config.dataDir === ':memory:') throw new Error('FMS_DATA_DIR=:memory: cannot hold the InfluxDB spool: give a folder');
    log.info({ url: config.influx.url, db: config.influx.db }, 'telemetry goes to InfluxDB');
    return createInfluxTelemetryStore({ connection: config.influx, dataDir: config.dataDir, spoolMaxBytes: config.spool.maxBytes, log, onDeadLetter });
  }
  return createSqliteTelemetryStore({
    file: config.dataDir === ':memory:' ? ':memory:' : path.join(config.dataDir, 'telemetry.db'),
    log,
    rawRetentionMs: config.retention.rawMs,
    rollupRetentionMs: config.retention.rollupMs,
  });
}
