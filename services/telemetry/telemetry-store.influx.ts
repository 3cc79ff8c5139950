import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { catalog, type DeviceType } from '../../devices/catalog.ts';
import { createInfluxClient, type InfluxConnection } from './influx-client.ts';
import { createInfluxWriter } from './influx-writer.ts';
import { alarmLine, eventLine, statusLine, conditionLine, telemetryLine } from './line-protocol.ts';
import { createSpool } from './spool.ts';
import { influxIdent, influxString } from './influxql.ts';
import { createInfluxRollups, type RollupRun } from './influx-rollups.ts';
import { bucketize, bucketizeAggregates, summarizeAggregates, summarizeReadings, type Reading } from './buckets.ts';
import type { AggregateQuery, Bucket, EventPoint, LatestValue, RangeQuery, SummaryBucket, TelemetryStore, TelemetryStoreHealth } from './telemetry-store.ts';

export interface InfluxTelemetryStoreOptions {
  connection: InfluxConnection;
  /** Folder for the spool and the dead-letter file. */
  dataDir: string;
  /** Largest spool on disk, bytes. */
  spoolMaxBytes: number;
  log: Logger;
  /** Told about each reading the server refused (e.g. the rejected-messages log). */
  onDeadLetter?: (line: string, reason: string) => void;
  batchPoints?: number;
  flushIntervalMs?: number;
  /** How often hourly rollups are made (default every minute; 0: only when `maintain` is called). */
  rollupIntervalMs?: number;
}

/** Beyond this many device resets in one query (each read back by its own statement, all in one URL), a counter's increase is worked out here from the raw points. */
const MAX_RESETS_READ_BACK = 50;

export interface InfluxTelemetryStore extends TelemetryStore {
  /** Rolls up the hours finished, the hours late readings arrived in, and older history, as of `now`. */
  maintain(now: number): Promise<RollupRun>;
}

const MINUTE = 60_000;

const SERVER_FNS = { mean: 'MEAN', min: 'MIN', max: 'MAX', last: 'LAST', count: 'COUNT' } as const;

/**
 * Telemetry in InfluxDB through the v1 HTTP API that 1.x, 2.x (DBRP mapping) and 3.x serve: the
 * layout of CONTRACT.md, written in batches by the writer with its spool, read with InfluxQL over
 * explicit time ranges. Last values are also kept in memory, so /latest does not wait for a query.
 */
export async function createInfluxTelemetryStore(opts: InfluxTelemetryStoreOptions): Promise<InfluxTelemetryStore> {
  const { log } = opts;
  const client = createInfluxClient(opts.connection);
  const deadLetterDir = path.join(opts.dataDir, 'dead-letter');
  mkdirSync(deadLetterDir, { recursive: true });
  const writer = createInfluxWriter({
    client,
    spool: createSpool(path.join(opts.dataDir, 'spool', 'influx'), opts.spoolMaxBytes),
    log,
    batchPoints: opts.batchPoints,
    flushIntervalMs: opts.flushIntervalMs,
    deadLetter(line, reason) {
      appendFileSync(path.join(deadLetterDir, 'influx.jsonl'), JSON.stringify({ at: new Date().toISOString(), reason, line }) + '\n');
      log.warn({ reason, line: line.slice(0, 300) }, 'reading refused by InfluxDB: dead-lettered');
      opts.onDeadLetter?.(line, reason);
    },
  });
  await ensureDatabase();
  const rollups = createInfluxRollups({
    raw: client,
    rollups: opts.connection.rollupRp === undefined ? client : createInfluxClient({ ...opts.connection, rp: opts.connection.rollupRp }),
    file: path.join(opts.dataDir, 'rollups', 'influx.json'),
    log,
    async writtenAll() {
      await writer.flush();
      const h = writer.health();
      return h.state === 'up' && h.pending === 0 && h.spool.points === 0;
    },
  });
  await rollups.start();
  const rollupIntervalMs = opts.rollupIntervalMs ?? MINUTE;
  const rollupTimer =
    rollupIntervalMs > 0
      ? setInterval(
          () => void rollups.run(Date.now()).catch((err: unknown) => log.warn({ err }, 'telemetry rollup failed: queries read raw readings meanwhile')),
          rollupIntervalMs,
        )
      : undefined;
  rollupTimer?.unref();

  // Last values: from writes as they happen, and from the server for assets not seen since start.
  const latest = new Map<string, Map<string, LatestValue>>();
  const loaded = new Set<string>();

  async function ensureDatabase(): Promise<void> {
    const db = opts.connection.db;
    try {
      await client.query(`CREATE DATABASE ${influxIdent(db)}`, 'POST');
      log.info({ db }, 'influxdb database ready');
      return;
    } catch (err) {
      if (!(await client.ping())) {
        log.warn({ url: opts.connection.url }, 'InfluxDB unreachable at start: readings are spooled until it answers');
        return;
      }
      // 2.x and 3.x cannot create databases over the v1 API, and a 1.x user may lack the right:
      // the database (or DBRP mapping) must then exist already.
      try {
        await client.query(`SHOW MEASUREMENTS LIMIT 1`);
        log.info({ db }, 'influxdb database exists (not created by FMS)');
      } catch (showErr) {
        log.error(
          { db, createError: (err as Error).message, readError: (showErr as Error).message },
          `InfluxDB database "${db}" does not exist and FMS cannot create it: create it (1.x: CREATE DATABASE ${db}) or map it to a bucket (2.x: influx v1 dbrp create); readings are spooled meanwhile`,
        );
      }
    }
  }

  function note(asset: string, metric: string, value: number | boolean, ts: number): void {
    let m = latest.get(asset);
    if (!m) latest.set(asset, (m = new Map()));
    const prev = m.get(metric);
    if (!prev) m.set(metric, { metric, value, ts });
    else if (ts >= prev.ts) {
      // In place: one object per asset and metric, not one per reading.
      prev.value = value;
      prev.ts = ts;
    }
  }

  async function loadLatest(asset: string, measurement: DeviceType): Promise<void> {
    const metrics = catalog[measurement].metrics.map((m) => m.name);
    const statements = metrics.map((m) => `SELECT LAST(${influxIdent(m)}) FROM ${influxIdent(measurement)} WHERE "asset" = ${influxString(asset)}`).join('; ');
    const results = await client.queryAll<[number, number | boolean | null]>(statements);
    results.forEach((series, i) => {
      const row = series[0]?.values[0];
      if (row && row[1] !== null) note(asset, metrics[i]!, row[1], row[0]);
    });
    loaded.add(asset);
  }

  function range(q: { from: number; to: number }): string {
    return `time >= ${Math.trunc(q.from)}ms AND time < ${Math.trunc(q.to)}ms`;
  }

  function where(q: RangeQuery): string {
    return `"asset" = ${influxString(q.asset)} AND ${range(q)}`;
  }

  /** Buckets of `every` starting at `from` (InfluxDB aligns them to the epoch, shifted by the offset). */
  function groupByTime(q: RangeQuery): string {
    const offset = ((q.from % q.every) + q.every) % q.every;
    return `GROUP BY time(${q.every}ms, ${offset}ms) fill(none)`;
  }

  /** The raw points of one catalogue metric, booleans as 0/1. */
  async function readings(q: RangeQuery, metric: string): Promise<Reading[]> {
    const [series] = await client.query<[number, number | boolean | null]>(
      `SELECT ${influxIdent(metric)} FROM ${influxIdent(q.measurement)} WHERE ${where(q)}`,
    );
    return (series?.values ?? []).flatMap(([ts, v]) => (v === null ? [] : [{ ts, value: typeof v === 'boolean' ? (v ? 1 : 0) : v }]));
  }

  /**
   * A counter's increase per bucket, worked out by InfluxDB rather than by reading every raw point
   * here (a pump's run-hours since its PM plan began may be a year of readings): the rises between
   * successive readings summed per bucket, plus, at each device reset (a drop), the value it counted
   * up to since — the few resets are read back by their times. Each step counts in the bucket of its
   * later reading, a bucket's first reading against the one before it, as bucketize() does.
   */
  async function increase(q: AggregateQuery, metric: string): Promise<Bucket[]> {
    const field = influxIdent(metric);
    const from = `FROM ${influxIdent(q.measurement)} WHERE ${where(q)}`;
    const [counts, rises, resets] = await client.queryAll<[number, number | null]>(
      [
        `SELECT COUNT(${field}) ${from} ${groupByTime(q)}`,
        `SELECT SUM(d) FROM (SELECT NON_NEGATIVE_DIFFERENCE(${field}) AS d ${from}) WHERE ${range(q)} ${groupByTime(q)}`,
        `SELECT d FROM (SELECT DIFFERENCE(${field}) AS d ${from}) WHERE d < 0`,
      ].join('; '),
    );
    const resetTimes = (resets?.[0]?.values ?? []).map(([ts]) => ts);
    if (resetTimes.length > MAX_RESETS_READ_BACK) return bucketize(await readings(q, metric), q);
    const byBucket = new Map<number, number>();
    const bucketOf = (ts: number) => q.from + Math.floor((ts - q.from) / q.every) * q.every;
    const add = (ts: number, v: number) => byBucket.set(bucketOf(ts), (byBucket.get(bucketOf(ts)) ?? 0) + v);
    for (const [ts, v] of rises?.[0]?.values ?? []) if (v !== null) add(ts, v);
    if (resetTimes.length > 0) {
      // InfluxQL cannot OR time conditions: one statement per reset, in one request.
      const after = await client.queryAll<[number, number | null]>(
        resetTimes.map((ts) => `SELECT ${field} FROM ${influxIdent(q.measurement)} WHERE "asset" = ${influxString(q.asset)} AND time = ${ts}ms`).join('; '),
      );
      for (const series of after) for (const [ts, v] of series[0]?.values ?? []) if (v !== null) add(ts, v);
    }
    return (counts?.[0]?.values ?? []).flatMap(([ts, n]) => (n ? [{ ts, value: byBucket.get(ts) ?? 0 }] : []));
  }

  return {
    write(points) {
      for (const p of points) {
        writer.add(telemetryLine(p));
        for (const metric in p.fields) note(p.asset, metric, p.fields[metric]!, p.ts);
        if (p.ts < rollups.lateBefore) rollups.mark(p.measurement, p.asset, p.ts);
      }
    },

    writeEvent(event) {
      writer.add(eventLine(event));
    },

    writeAlarm(alarm) {
      writer.add(alarmLine(alarm));
    },

    writeStatus(status) {
      writer.add(statusLine(status));
    },

    writeCondition(condition) {
      writer.add(conditionLine(condition));
    },

    async latest(asset, measurement) {
      if (!loaded.has(asset)) {
        try {
          await loadLatest(asset, measurement);
        } catch (err) {
          log.debug({ err, assetId: asset }, 'last values not read from InfluxDB');
        }
      }
      return [...(latest.get(asset)?.values() ?? [])].map((v) => ({ ...v })).sort((a, b) => a.metric.localeCompare(b.metric));
    },

    async aggregate(q: AggregateQuery): Promise<Bucket[]> {
      const spec = catalog[q.measurement].metrics.find((m) => m.name === q.metric);
      if (!spec) return [];
      // Booleans as 0/1 are computed here from the raw points; a counter's increase on the server.
      if (spec.kind === 'state') return bucketize(await readings(q, spec.name), q);
      if (q.fn === 'increase') return increase(q, spec.name);
      // Mean, minimum, maximum and count of whole hours come from the hourly rollups where they are complete.
      if (q.fn !== 'last') {
        const items = await rollups.read(q);
        if (items) return bucketizeAggregates(items, q);
      }
      const [series] = await client.query<[number, number | null]>(
        `SELECT ${SERVER_FNS[q.fn]}(${influxIdent(spec.name)}) FROM ${influxIdent(q.measurement)} WHERE ${where(q)} ${groupByTime(q)}`,
      );
      return (series?.values ?? []).flatMap(([ts, value]) => (value === null ? [] : [{ ts, value }]));
    },

    async summarize(q: RangeQuery): Promise<SummaryBucket[]> {
      const spec = catalog[q.measurement].metrics.find((m) => m.name === q.metric);
      if (!spec) return [];
      if (spec.kind === 'state') return summarizeReadings(await readings(q, spec.name), q);
      const items = await rollups.read(q);
      if (items) return summarizeAggregates(items, q);
      const field = influxIdent(spec.name);
      const [series] = await client.query<[number, number | null, number | null, number | null, number | null]>(
        `SELECT MIN(${field}), MAX(${field}), MEAN(${field}), COUNT(${field}) FROM ${influxIdent(q.measurement)} WHERE ${where(q)} ${groupByTime(q)}`,
      );
      return (series?.values ?? []).flatMap(([ts, min, max, mean, count]) =>
        count && min !== null && max !== null && mean !== null ? [{ ts, min, max, mean, count }] : [],
      );
    },

    async events(q) {
      const [series] = await client.query<unknown[]>(
        `SELECT * FROM "events" WHERE "asset" = ${influxString(q.asset)} AND ${range(q)} ORDER BY time DESC LIMIT ${Math.max(1, Math.trunc(q.limit))}`,
      );
      if (!series) return [];
      return series.values.map((row) => {
        const e: EventPoint = { asset: q.asset, site: '', type: '', ts: 0, details: {} };
        series.columns.forEach((c, i) => {
          const v = row[i];
          if (c === 'time') e.ts = v as number;
          else if (c === 'site' || c === 'type') e[c] = v as string;
          else if (c !== 'asset' && c !== 'count' && v !== null) e.details[c] = v as string | number | boolean;
        });
        return e;
      });
    },

    flush: () => writer.flush(),

    maintain: (now) => rollups.run(now),

    health(): TelemetryStoreHealth {
      const h = writer.health();
      return {
        state: h.state,
        pending: h.pending + h.spool.points,
        written: h.written,
        ...(h.detail ? { detail: h.detail } : {}),
        downSince: h.downSince,
        spool: { points: h.spool.points, bytes: h.spool.bytes, maxBytes: h.spool.maxBytes },
        deadLettered: h.deadLettered,
        lost: h.lost,
      };
    },

    async close() {
      clearInterval(rollupTimer);
      await writer.close();
      rollups.saveMarks();
    },
  };
}
