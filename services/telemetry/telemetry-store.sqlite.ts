import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { catalog, deviceTypes, type DeviceType } from '../../devices/catalog.ts';
import type {
  AggregateQuery,
  AlarmPoint,
  Bucket,
  EventPoint,
  LatestValue,
  TelemetryPoint,
  TelemetryStore,
  TelemetryStoreHealth,
} from './telemetry-store.ts';

export interface SqliteTelemetryStoreOptions {
  /** Database file, or `:memory:`. */
  file: string;
  log: Logger;
  /** Write when this many points are waiting. */
  batchSize?: number;
  /** Write at least this often (ms). */
  flushIntervalMs?: number;
}

interface Series {
  id: number;
  measurement: DeviceType;
  asset: string;
}

interface Table {
  columns: readonly string[];
  /** Column index by metric name. */
  index: ReadonlyMap<string, number>;
  bool: ReadonlySet<string>;
  insert: Database.Statement;
}

/** How often the last values are saved; after a crash they are rebuilt from the newest rows. */
const LATEST_SAVE_MS = 2000;

/**
 * The embedded telemetry store: one SQLite file in the data folder, for a single estate on one machine.
 *
 * One row per reading, one table per device type with a column per metric (InfluxDB's own layout:
 * measurement, series, fields). Each table is WITHOUT ROWID and keyed by (series, ts), so the hot
 * insert path touches one clustered index only (PERFORMANCE.md: a secondary index on a high-rate
 * table divides insert speed by ~30, and a row per value costs five times a row per reading).
 * Writing the same series and time again merges the fields, as InfluxDB does, so a replayed batch is
 * never counted twice.
 */
export function createSqliteTelemetryStore(opts: SqliteTelemetryStoreOptions): TelemetryStore {
  const batchSize = opts.batchSize ?? 5000;
  const flushIntervalMs = opts.flushIntervalMs ?? 200;
  const db = new Database(opts.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
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
    CREATE TABLE IF NOT EXISTS alarm_changes (
      asset TEXT NOT NULL, rule TEXT NOT NULL, ts INTEGER NOT NULL, site TEXT NOT NULL,
      severity TEXT NOT NULL, state TEXT NOT NULL, value REAL,
      PRIMARY KEY (asset, rule, ts)
    ) WITHOUT ROWID;
  `);
  const tables = new Map<DeviceType, Table>(deviceTypes.map((type) => [type, openTable(db, type)]));

  const insertSeries = db.prepare('INSERT INTO series (measurement, site, asset) VALUES (?, ?, ?) RETURNING id');
  const upsertLatest = db.prepare(
    'INSERT INTO latest (series, metric, ts, value) VALUES (?, ?, ?, ?) ON CONFLICT (series, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= latest.ts',
  );
  const insertEvent = db.prepare('INSERT OR REPLACE INTO events (asset, ts, type, site, details) VALUES (?, ?, ?, ?, ?)');
  const insertAlarm = db.prepare('INSERT OR REPLACE INTO alarm_changes (asset, rule, ts, site, severity, state, value) VALUES (?, ?, ?, ?, ?, ?, ?)');

  // Series by "measurement\0site\0asset"; the last value of every metric of every series, in memory.
  const seriesIds = new Map<string, Series>();
  const seriesByAsset = new Map<string, Series[]>();
  const latest = new Map<number, Map<string, { ts: number; value: number }>>();
  for (const row of db.prepare<[], { id: number; measurement: DeviceType; site: string; asset: string }>('SELECT * FROM series').all()) {
    remember(row.measurement, row.site, row.asset, row.id);
  }
  for (const row of db.prepare<[], { series: number; metric: string; ts: number; value: number }>('SELECT * FROM latest').all()) {
    latestOf(row.series).set(row.metric, { ts: row.ts, value: row.value });
  }
  // Last values are saved every few seconds: after a crash, the newest row of each series is newer.
  for (const s of seriesIds.values()) {
    const t = tables.get(s.measurement)!;
    const row = db.prepare(`SELECT * FROM "telemetry_${s.measurement}" WHERE series = ? ORDER BY ts DESC LIMIT 1`).get(s.id) as Record<string, number | null> | undefined;
    if (row) for (const c of t.columns) if (row[c] !== null) noteLatest(s.id, c, row.ts!, row[c]!);
  }

  // Pending rows, one array of bind values per reading.
  let pending: { table: Table; values: (number | null)[] }[] = [];
  let pendingEvents: EventPoint[] = [];
  let pendingAlarms: AlarmPoint[] = [];
  const dirtyLatest = new Set<number>();
  let written = 0;
  let lastError: string | undefined;
  let closed = false;
  let latestSavedAt = 0;

  const writeBatch = db.transaction((rows: typeof pending, events: EventPoint[], alarms: AlarmPoint[], latestIds: number[]) => {
    for (const r of rows) r.table.insert.run(r.values);
    for (const e of events) insertEvent.run(e.asset, e.ts, e.type, e.site, JSON.stringify(e.details));
    for (const a of alarms) insertAlarm.run(a.asset, a.rule, a.ts, a.site, a.severity, a.state, a.value);
    for (const id of latestIds) for (const [metric, l] of latest.get(id) ?? []) upsertLatest.run(id, metric, l.ts, l.value);
  });

  const timer = setInterval(() => flushNow(), flushIntervalMs);
  timer.unref();

  function remember(measurement: DeviceType, site: string, asset: string, id: number): Series {
    const s: Series = { id, measurement, asset };
    seriesIds.set(`${measurement}\0${site}\0${asset}`, s);
    let list = seriesByAsset.get(asset);
    if (!list) seriesByAsset.set(asset, (list = []));
    list.push(s);
    return s;
  }

  function latestOf(series: number): Map<string, { ts: number; value: number }> {
    let m = latest.get(series);
    if (!m) latest.set(series, (m = new Map()));
    return m;
  }

  function noteLatest(series: number, metric: string, ts: number, value: number): boolean {
    const m = latestOf(series);
    const last = m.get(metric);
    if (last && ts < last.ts) return false;
    m.set(metric, { ts, value });
    return true;
  }

  function flushNow(): void {
    const now = Date.now();
    const saveLatest = closed || now - latestSavedAt >= LATEST_SAVE_MS;
    if (pending.length === 0 && pendingEvents.length === 0 && pendingAlarms.length === 0 && (!saveLatest || dirtyLatest.size === 0)) return;
    const rows = pending;
    const events = pendingEvents;
    const alarms = pendingAlarms;
    const latestIds = saveLatest ? [...dirtyLatest] : [];
    try {
      writeBatch(rows, events, alarms, latestIds);
    } catch (err) {
      // Keep everything for the next attempt: a full disk or a locked file must not lose readings.
      lastError = (err as Error).message;
      opts.log.error({ err }, 'telemetry batch write failed');
      return;
    }
    pending = [];
    pendingEvents = [];
    pendingAlarms = [];
    if (saveLatest) {
      dirtyLatest.clear();
      latestSavedAt = now;
    }
    written += rows.length;
    lastError = undefined;
  }

  return {
    write(points) {
      for (const p of points) {
        const key = `${p.measurement}\0${p.site}\0${p.asset}`;
        const s = seriesIds.get(key) ?? remember(p.measurement, p.site, p.asset, (insertSeries.get(p.measurement, p.site, p.asset) as { id: number }).id);
        const table = tables.get(p.measurement)!;
        const values: (number | null)[] = new Array(table.columns.length + 2).fill(null);
        values[0] = s.id;
        values[1] = p.ts;
        let newer = false;
        for (const metric in p.fields) {
          const i = table.index.get(metric);
          if (i === undefined) continue; // ingest only passes catalogue metrics
          const v = p.fields[metric]!;
          const value = typeof v === 'boolean' ? (v ? 1 : 0) : v;
          values[i + 2] = value;
          if (noteLatest(s.id, metric, p.ts, value)) newer = true;
        }
        if (newer) dirtyLatest.add(s.id);
        pending.push({ table, values });
      }
      if (pending.length >= batchSize) flushNow();
    },

    writeEvent(event) {
      pendingEvents.push(event);
    },

    writeAlarm(alarm) {
      pendingAlarms.push(alarm);
    },

    async latest(asset) {
      // Several series can carry an asset when it moved site: the newest value of each metric wins.
      const best = new Map<string, LatestValue>();
      for (const s of seriesByAsset.get(asset) ?? []) {
        const bool = tables.get(s.measurement)!.bool;
        for (const [metric, l] of latest.get(s.id) ?? []) {
          const prev = best.get(metric);
          if (!prev || l.ts > prev.ts) best.set(metric, { metric, ts: l.ts, value: bool.has(metric) ? l.value === 1 : l.value });
        }
      }
      return [...best.values()].sort((a, b) => a.metric.localeCompare(b.metric));
    },

    async aggregate(q: AggregateQuery): Promise<Bucket[]> {
      flushNow();
      const rows: { ts: number; value: number }[] = [];
      for (const s of seriesByAsset.get(q.asset) ?? []) {
        // The column name comes from the catalogue, never from the request.
        const column = tables.get(s.measurement)!.columns.find((c) => c === q.metric);
        if (!column) continue;
        rows.push(
          ...(db
            .prepare(`SELECT ts, "${column}" AS value FROM "telemetry_${s.measurement}" WHERE series = ? AND ts >= ? AND ts < ? AND "${column}" IS NOT NULL ORDER BY ts`)
            .all(s.id, q.from, q.to) as { ts: number; value: number }[]),
        );
      }
      rows.sort((a, b) => a.ts - b.ts);
      return bucketize(rows, q);
    },

    async events(q) {
      flushNow();
      const rows = db
        .prepare<[string, number, number, number], { asset: string; ts: number; type: string; site: string; details: string }>(
          'SELECT * FROM events WHERE asset = ? AND ts >= ? AND ts < ? ORDER BY ts DESC LIMIT ?',
        )
        .all(q.asset, q.from, q.to, q.limit);
      return rows.map((r) => ({ asset: r.asset, ts: r.ts, type: r.type, site: r.site, details: JSON.parse(r.details) }));
    },

    async flush() {
      flushNow();
    },

    health(): TelemetryStoreHealth {
      return {
        state: lastError ? 'down' : 'up',
        pending: pending.length + pendingEvents.length + pendingAlarms.length,
        written,
        ...(lastError ? { detail: lastError } : {}),
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      flushNow();
      db.close();
    },
  };
}

/** Creates (or extends, when the catalogue gained metrics) the table of one device type. */
function openTable(db: Database.Database, type: DeviceType): Table {
  const metrics = catalog[type].metrics;
  const name = `telemetry_${type}`;
  db.exec(`CREATE TABLE IF NOT EXISTS "${name}" (series INTEGER NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (series, ts)) WITHOUT ROWID`);
  const existing = new Set((db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name));
  for (const m of metrics) if (!existing.has(m.name)) db.exec(`ALTER TABLE "${name}" ADD COLUMN "${m.name}" REAL`);
  const columns = metrics.map((m) => m.name);
  const list = columns.map((c) => `"${c}"`).join(', ');
  // Same series and time again: merge the fields, as InfluxDB does.
  const insert = db.prepare(
    `INSERT INTO "${name}" (series, ts, ${list}) VALUES (${['?', '?', ...columns.map(() => '?')].join(', ')}) ` +
      `ON CONFLICT (series, ts) DO UPDATE SET ${columns.map((c) => `"${c}" = coalesce(excluded."${c}", "${c}")`).join(', ')}`,
  );
  return { columns, index: new Map(columns.map((c, i) => [c, i])), bool: new Set(metrics.filter((m) => m.kind === 'state').map((m) => m.name)), insert };
}

/** Aggregates time-ordered rows into buckets of `every` ms starting at `from`; empty buckets are left out. */
export function bucketize(rows: readonly { ts: number; value: number }[], q: AggregateQuery): Bucket[] {
  const out: Bucket[] = [];
  let i = 0;
  let prev: number | undefined;
  while (i < rows.length) {
    const start = q.from + Math.floor((rows[i]!.ts - q.from) / q.every) * q.every;
    const end = start + q.every;
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let last = 0;
    let increase = 0;
    for (; i < rows.length && rows[i]!.ts < end; i++) {
      const v = rows[i]!.value;
      count++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      last = v;
      // A counter that drops was reset by the device: it counted up from zero since (CONTRACT.md).
      if (prev !== undefined) increase += v >= prev ? v - prev : v;
      prev = v;
    }
    const value = { mean: sum / count, min, max, last, count, increase }[q.fn];
    out.push({ ts: start, value });
  }
  return out;
}
