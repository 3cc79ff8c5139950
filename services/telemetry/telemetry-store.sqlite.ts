import Database from 'better-sqlite3';
import type { Logger } from 'pino';
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
  /** Write when this many values are waiting. */
  batchSize?: number;
  /** Write at least this often (ms). */
  flushIntervalMs?: number;
}

interface Series {
  id: number;
  bool: boolean;
}

/**
 * The embedded telemetry store: one SQLite file in the data folder, for a single estate on one machine.
 *
 * The hot insert path touches one clustered index only: `points` is a WITHOUT ROWID table keyed by
 * (series, ts), so a batch costs one B-tree insert per value (PERFORMANCE.md: a secondary index on a
 * high-rate table divides insert speed by ~30). Writing the same series and time again replaces the
 * value, as InfluxDB does, so a replayed batch is never counted twice.
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
      measurement TEXT NOT NULL, site TEXT NOT NULL, asset TEXT NOT NULL, metric TEXT NOT NULL,
      is_bool INTEGER NOT NULL,
      UNIQUE (asset, metric, measurement, site)
    );
    CREATE TABLE IF NOT EXISTS points (
      series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
      PRIMARY KEY (series, ts)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS latest (
      series INTEGER PRIMARY KEY, ts INTEGER NOT NULL, value REAL NOT NULL
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

  const insertSeries = db.prepare('INSERT INTO series (measurement, site, asset, metric, is_bool) VALUES (?, ?, ?, ?, ?) RETURNING id');
  const insertPoint = db.prepare('INSERT OR REPLACE INTO points (series, ts, value) VALUES (?, ?, ?)');
  const upsertLatest = db.prepare(
    'INSERT INTO latest (series, ts, value) VALUES (?, ?, ?) ON CONFLICT (series) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= latest.ts',
  );
  const insertEvent = db.prepare('INSERT OR REPLACE INTO events (asset, ts, type, site, details) VALUES (?, ?, ?, ?, ?)');
  const insertAlarm = db.prepare('INSERT OR REPLACE INTO alarm_changes (asset, rule, ts, site, severity, state, value) VALUES (?, ?, ?, ?, ?, ?, ?)');

  // Series ids by "measurement\0site\0asset\0metric", and the last value of each series (served from memory).
  const seriesIds = new Map<string, Series>();
  const latestBySeries = new Map<number, { ts: number; value: number }>();
  const seriesByAsset = new Map<string, { metric: string; series: Series }[]>();
  for (const row of db.prepare<[], { id: number; measurement: string; site: string; asset: string; metric: string; is_bool: number }>('SELECT * FROM series').all()) {
    remember(row.measurement, row.site, row.asset, row.metric, { id: row.id, bool: row.is_bool === 1 });
  }
  for (const row of db.prepare<[], { series: number; ts: number; value: number }>('SELECT * FROM latest').all()) {
    latestBySeries.set(row.series, { ts: row.ts, value: row.value });
  }

  // Pending values as flat triples (series, ts, value): cheaper than an object per value.
  let pending: number[] = [];
  let pendingEvents: EventPoint[] = [];
  let pendingAlarms: AlarmPoint[] = [];
  const dirtyLatest = new Set<number>();
  let written = 0;
  let lastError: string | undefined;
  let closed = false;

  const writeBatch = db.transaction((values: number[], events: EventPoint[], alarms: AlarmPoint[], latestIds: number[]) => {
    for (let i = 0; i < values.length; i += 3) insertPoint.run(values[i], values[i + 1], values[i + 2]);
    for (const e of events) insertEvent.run(e.asset, e.ts, e.type, e.site, JSON.stringify(e.details));
    for (const a of alarms) insertAlarm.run(a.asset, a.rule, a.ts, a.site, a.severity, a.state, a.value);
    for (const id of latestIds) {
      const l = latestBySeries.get(id);
      if (l) upsertLatest.run(id, l.ts, l.value);
    }
  });

  const timer = setInterval(() => flushNow(), flushIntervalMs);
  timer.unref();

  function remember(measurement: string, site: string, asset: string, metric: string, s: Series): void {
    seriesIds.set(`${measurement}\0${site}\0${asset}\0${metric}`, s);
    let list = seriesByAsset.get(asset);
    if (!list) seriesByAsset.set(asset, (list = []));
    list.push({ metric, series: s });
  }

  function seriesFor(p: TelemetryPoint, metric: string, bool: boolean): Series {
    const key = `${p.measurement}\0${p.site}\0${p.asset}\0${metric}`;
    let s = seriesIds.get(key);
    if (!s) {
      const row = insertSeries.get(p.measurement, p.site, p.asset, metric, bool ? 1 : 0) as { id: number };
      s = { id: row.id, bool };
      remember(p.measurement, p.site, p.asset, metric, s);
    }
    return s;
  }

  function flushNow(): void {
    if (pending.length === 0 && pendingEvents.length === 0 && pendingAlarms.length === 0) return;
    const values = pending;
    const events = pendingEvents;
    const alarms = pendingAlarms;
    const latestIds = [...dirtyLatest];
    try {
      writeBatch(values, events, alarms, latestIds);
    } catch (err) {
      // Keep everything for the next attempt: a full disk or a locked file must not lose readings.
      lastError = (err as Error).message;
      opts.log.error({ err }, 'telemetry batch write failed');
      return;
    }
    pending = [];
    pendingEvents = [];
    pendingAlarms = [];
    for (const id of latestIds) dirtyLatest.delete(id);
    written += values.length / 3;
    lastError = undefined;
  }

  return {
    write(points) {
      for (const p of points) {
        for (const metric in p.fields) {
          const v = p.fields[metric]!;
          const bool = typeof v === 'boolean';
          const s = seriesFor(p, metric, bool);
          const value = bool ? (v ? 1 : 0) : (v as number);
          pending.push(s.id, p.ts, value);
          const last = latestBySeries.get(s.id);
          if (!last || p.ts >= last.ts) {
            latestBySeries.set(s.id, { ts: p.ts, value });
            dirtyLatest.add(s.id);
          }
        }
      }
      if (pending.length >= batchSize * 3) flushNow();
    },

    writeEvent(event) {
      pendingEvents.push(event);
    },

    writeAlarm(alarm) {
      pendingAlarms.push(alarm);
    },

    async latest(asset) {
      // Several series can share a metric when an asset moved site: the newest value wins.
      const best = new Map<string, LatestValue>();
      for (const { metric, series } of seriesByAsset.get(asset) ?? []) {
        const l = latestBySeries.get(series.id);
        const prev = best.get(metric);
        if (l && (!prev || l.ts > prev.ts)) best.set(metric, { metric, ts: l.ts, value: series.bool ? l.value === 1 : l.value });
      }
      return [...best.values()].sort((a, b) => a.metric.localeCompare(b.metric));
    },

    async aggregate(q: AggregateQuery): Promise<Bucket[]> {
      flushNow();
      const ids = db.prepare<[string, string], { id: number }>('SELECT id FROM series WHERE asset = ? AND metric = ?').all(q.asset, q.metric).map((r) => r.id);
      if (ids.length === 0) return [];
      const inList = ids.map(() => '?').join(',');
      const rows = db
        .prepare(`SELECT ts, value FROM points WHERE series IN (${inList}) AND ts >= ? AND ts < ? ORDER BY ts`)
        .all(...ids, q.from, q.to) as { ts: number; value: number }[];
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
        pending: pending.length / 3 + pendingEvents.length + pendingAlarms.length,
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
