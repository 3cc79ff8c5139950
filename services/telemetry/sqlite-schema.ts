import type Database from 'better-sqlite3';
import { catalog, deviceTypes, type DeviceType } from '../../devices/catalog.ts';

/** Metric columns of a device type's table, in catalogue order. */
export function tableColumns(type: DeviceType): string[] {
  return catalog[type].metrics.map((m) => m.name);
}

/**
 * Creates the embedded store's tables, or adds the columns of metrics the catalogue gained.
 *
 * One table per device type with a column per metric (InfluxDB's own layout: measurement, series,
 * fields), WITHOUT ROWID and keyed by (series, ts), so the hot insert path touches one clustered
 * index only (PERFORMANCE.md: a secondary index on a high-rate table divides insert speed by ~30,
 * and a row per value costs several times a row per reading).
 */
export function openTelemetrySchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS series (
      id INTEGER PRIMARY KEY,
      measurement TEXT NOT NULL, site TEXT NOT NULL, asset TEXT NOT NULL,
      UNIQUE (asset, measurement, site)
    );
    CREATE TABLE IF NOT EXISTS latest (
      series INTEGER NOT NULL, metric TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
      PRIMARY KEY (series, metric)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS events (
      asset TEXT NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL, site TEXT NOT NULL, details TEXT NOT NULL,
      PRIMARY KEY (asset, ts, type)
    ) WITHOUT ROWID;
    -- One row per series, metric and minute: what long ranges are read from once raw rows are pruned.
    CREATE TABLE IF NOT EXISTS rollups (
      series INTEGER NOT NULL, metric TEXT NOT NULL, minute INTEGER NOT NULL,
      min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
      first REAL NOT NULL, last REAL NOT NULL, inc REAL NOT NULL,
      PRIMARY KEY (series, metric, minute)
    ) WITHOUT ROWID;
    -- The same per hour, made from the minutes: what long ranges at coarse steps (reports, 90-day trends) read.
    CREATE TABLE IF NOT EXISTS rollups_hourly (
      series INTEGER NOT NULL, metric TEXT NOT NULL, hour INTEGER NOT NULL,
      min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
      first REAL NOT NULL, last REAL NOT NULL, inc REAL NOT NULL,
      PRIMARY KEY (series, metric, hour)
    ) WITHOUT ROWID;
    -- Minutes that late readings arrived in after they were rolled up, to roll up again (with their
    -- hours) at the next run. Written only for late readings, in the same transaction.
    CREATE TABLE IF NOT EXISTS rollup_dirty (
      series INTEGER NOT NULL, minute INTEGER NOT NULL,
      PRIMARY KEY (series, minute)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS alarm_changes (
      asset TEXT NOT NULL, rule TEXT NOT NULL, ts INTEGER NOT NULL, site TEXT NOT NULL,
      severity TEXT NOT NULL, state TEXT NOT NULL, value REAL,
      PRIMARY KEY (asset, rule, ts)
    ) WITHOUT ROWID;
  `);
  for (const type of deviceTypes) {
    const name = `telemetry_${type}`;
    db.exec(`CREATE TABLE IF NOT EXISTS "${name}" (series INTEGER NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (series, ts)) WITHOUT ROWID`);
    const existing = new Set((db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name));
    for (const c of tableColumns(type)) if (!existing.has(c)) db.exec(`ALTER TABLE "${name}" ADD COLUMN "${c}" REAL`);
  }
}
