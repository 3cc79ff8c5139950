import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { catalog, deviceTypes, type DeviceType } from '../../devices/catalog.ts';
import { startTsWorker } from '../shared/ts-worker.ts';
import { openTelemetrySchema, tableColumns } from './sqlite-schema.ts';
import type { WriterBatch, WriterReply } from './sqlite-writer.protocol.ts';
import { bucketizeAggregates, summarizeAggregates } from './buckets.ts';
import type { MaintainResult } from './sqlite-rollups.ts';
import { createTierReader } from './sqlite-tiers.ts';
import type {
  AggregateQuery,
  AlarmPoint,
  Bucket,
  EventPoint,
  LatestValue,
  RangeQuery,
  SummaryBucket,
  TelemetryStore,
  TelemetryStoreHealth,
} from './telemetry-store.ts';

export interface SqliteTelemetryStoreOptions {
  /** Database file, or `:memory:` (a temporary file, removed on close). */
  file: string;
  log: Logger;
  /** Send a batch to the writer when this many readings are waiting. */
  batchSize?: number;
  /** Send a batch at least this often (ms). */
  flushIntervalMs?: number;
  /** Raw readings are kept this long (default 7 days)… */
  rawRetentionMs?: number;
  /** …and 1-minute rollups this long (default 400 days). */
  rollupRetentionMs?: number;
  /** How often rollups and pruning run (default every minute; 0: only when `maintain` is called). */
  maintenanceIntervalMs?: number;
}

export interface SqliteTelemetryStore extends TelemetryStore {
  /** Rolls up finished minutes, and again the minutes and hours late readings arrived in, then prunes what is past retention, as of `now`. */
  maintain(now: number): Promise<MaintainResult>;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

interface Series {
  id: number;
  measurement: DeviceType;
}

/** A growable buffer of readings of one device type: series, ts, then one value per metric (NaN = absent). */
interface RowBuffer {
  stride: number;
  index: ReadonlyMap<string, number>;
  bool: ReadonlySet<string>;
  data: Float64Array;
  length: number;
}

/** How often the last values are saved; after a crash they are rebuilt from the newest rows. */
const LATEST_SAVE_MS = 2000;
/** Wait before sending a failed batch again. */
const RETRY_MS = 1000;

/**
 * The embedded telemetry store: one SQLite file in the data folder, for a single estate on one machine.
 *
 * Readings are buffered on the ingest thread and written by a worker thread in batches, one
 * transaction each (sqlite-writer.worker.ts); queries read through a second connection (WAL lets
 * readers and the writer work at once). Last values are served from memory.
 */
export function createSqliteTelemetryStore(opts: SqliteTelemetryStoreOptions): SqliteTelemetryStore {
  const batchSize = opts.batchSize ?? 5000;
  const flushIntervalMs = opts.flushIntervalMs ?? 200;
  const temporary = opts.file === ':memory:' ? path.join(tmpdir(), `fms-telemetry-${process.pid}-${Math.random().toString(36).slice(2)}.db`) : undefined;
  const file = temporary ?? opts.file;

  const reader = new Database(file);
  reader.pragma('journal_mode = WAL');
  reader.pragma('busy_timeout = 5000');
  openTelemetrySchema(reader);

  // Series by "measurement\0site\0asset"; the last value of every metric of every series, in memory.
  const seriesIds = new Map<string, Series>();
  const seriesByAsset = new Map<string, Series[]>();
  const latest = new Map<number, Map<string, { ts: number; value: number }>>();
  let nextSeriesId = 1;
  for (const row of reader.prepare<[], { id: number; measurement: DeviceType; site: string; asset: string }>('SELECT * FROM series').all()) {
    remember(row.measurement, row.site, row.asset, row.id);
    nextSeriesId = Math.max(nextSeriesId, row.id + 1);
  }
  for (const row of reader.prepare<[], { series: number; metric: string; ts: number; value: number }>('SELECT * FROM latest').all()) {
    latestOf(row.series).set(row.metric, { ts: row.ts, value: row.value });
  }
  // Last values are saved every few seconds: after a crash, the newest row of each series is newer.
  for (const s of seriesIds.values()) {
    const row = reader.prepare(`SELECT * FROM "telemetry_${s.measurement}" WHERE series = ? ORDER BY ts DESC LIMIT 1`).get(s.id) as
      Record<string, number | null> | undefined;
    if (row) for (const c of tableColumns(s.measurement)) if (row[c] !== null) noteLatest(s.id, c, row.ts!, row[c]!);
  }

  const buffers = new Map<DeviceType, RowBuffer>(
    deviceTypes.map((type) => {
      const columns = tableColumns(type);
      const stride = columns.length + 2;
      const bool = new Set(catalog[type].metrics.filter((m) => m.kind === 'state').map((m) => m.name));
      return [type, { stride, index: new Map(columns.map((c, i) => [c, i + 2])), bool, data: new Float64Array(stride * 1024), length: 0 }];
    }),
  );
  let buffered = 0;
  let newSeries: WriterBatch['series'] = [];
  let events: EventPoint[] = [];
  let alarms: AlarmPoint[] = [];
  const dirtyLatest = new Set<number>();
  let latestSavedAt = 0;

  // Batches sent and not yet confirmed, kept for a retry when the write fails.
  const inFlight = new Map<number, { batch: WriterBatch; readings: number }>();
  let inFlightReadings = 0;
  let nextBatchId = 1;
  let written = 0;
  let lastError: string | undefined;
  let idleWaiters: (() => void)[] = [];
  let closing = false;
  let closedReply: (() => void) | undefined;

  const maintenanceWaiters = new Map<number, { resolve: (r: MaintainResult) => void; reject: (e: Error) => void }>();
  let nextMaintain = 1;

  function onReply(reply: WriterReply): void {
    if ('closed' in reply) return closedReply?.();
    if ('maintained' in reply) {
      const w = maintenanceWaiters.get(reply.maintained);
      maintenanceWaiters.delete(reply.maintained);
      if (reply.ok) w?.resolve({ rolledUp: reply.rolledUp, rolledUpLate: reply.rolledUpLate, pruned: reply.pruned, watermark: reply.watermark });
      else {
        opts.log.error({ err: reply.error }, 'telemetry rollup and pruning failed');
        w?.reject(new Error(reply.error));
      }
      return;
    }
    const sent = inFlight.get(reply.id);
    if (!sent) return;
    if (reply.ok) {
      inFlight.delete(reply.id);
      inFlightReadings -= sent.readings;
      written += sent.readings;
      lastError = undefined;
      if (inFlight.size === 0) {
        for (const w of idleWaiters) w();
        idleWaiters = [];
      }
    } else {
      // Keep the batch: a full disk or a locked file must not lose readings.
      if (lastError !== reply.error) opts.log.error({ err: reply.error }, 'telemetry batch write failed');
      lastError = reply.error;
      setTimeout(() => writer.postMessage(sent.batch), RETRY_MS).unref();
    }
  }

  function startWriter(): Worker {
    const w = startTsWorker(new URL('./sqlite-writer.worker.ts', import.meta.url), { file });
    w.on('message', onReply);
    w.on('error', (err) => {
      lastError = err.message;
      opts.log.error({ err }, 'telemetry writer thread failed');
    });
    w.on('exit', (code) => {
      if (closing) return;
      // The writer died: start another and send it every unconfirmed batch again, in order.
      lastError = `telemetry writer thread exited with code ${code}`;
      opts.log.error({ code }, 'telemetry writer thread exited; restarting it');
      setTimeout(() => {
        if (closing) return;
        writer = startWriter();
        for (const { batch } of inFlight.values()) writer.postMessage(batch);
      }, RETRY_MS).unref();
    });
    return w;
  }
  let writer = startWriter();

  const timer = setInterval(() => send(), flushIntervalMs);
  timer.unref();
  const rawRetentionMs = opts.rawRetentionMs ?? 7 * DAY;
  const rollupRetentionMs = opts.rollupRetentionMs ?? 400 * DAY;
  const maintenanceIntervalMs = opts.maintenanceIntervalMs ?? MINUTE;
  const maintenance = maintenanceIntervalMs > 0 ? setInterval(() => void maintain(Date.now()).catch(() => undefined), maintenanceIntervalMs) : undefined;
  maintenance?.unref();

  function maintain(now: number): Promise<MaintainResult> {
    return new Promise((resolve, reject) => {
      const id = nextMaintain++;
      maintenanceWaiters.set(id, { resolve, reject });
      writer.postMessage({ maintain: id, now, rawRetentionMs, rollupRetentionMs });
    });
  }

  const readTiers = createTierReader(reader);

  function remember(measurement: DeviceType, site: string, asset: string, id: number): Series {
    const s: Series = { id, measurement };
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

  /** Sends what is buffered to the writer as one batch. */
  function send(): void {
    const now = Date.now();
    const saveLatest = closing || now - latestSavedAt >= LATEST_SAVE_MS;
    if (buffered === 0 && events.length === 0 && alarms.length === 0 && (!saveLatest || dirtyLatest.size === 0)) return;
    const rows: WriterBatch['rows'] = {};
    for (const [type, b] of buffers) {
      if (b.length === 0) continue;
      rows[type] = b.data.slice(0, b.length);
      b.length = 0;
    }
    const saved: WriterBatch['latest'] = [];
    if (saveLatest) {
      for (const id of dirtyLatest) for (const [metric, l] of latest.get(id) ?? []) saved.push([id, metric, l.ts, l.value]);
      dirtyLatest.clear();
      latestSavedAt = now;
    }
    const batch: WriterBatch = { id: nextBatchId++, series: newSeries, rows, events, alarms, latest: saved };
    const readings = buffered;
    inFlight.set(batch.id, { batch, readings });
    inFlightReadings += readings;
    buffered = 0;
    newSeries = [];
    events = [];
    alarms = [];
    writer.postMessage(batch);
  }

  function idle(): Promise<void> {
    send();
    if (inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  return {
    write(points) {
      for (const p of points) {
        const key = `${p.measurement}\0${p.site}\0${p.asset}`;
        let s = seriesIds.get(key);
        if (!s) {
          s = remember(p.measurement, p.site, p.asset, nextSeriesId++);
          newSeries.push({ id: s.id, measurement: p.measurement, site: p.site, asset: p.asset });
        }
        const b = buffers.get(p.measurement)!;
        if (b.length + b.stride > b.data.length) {
          const bigger = new Float64Array(b.data.length * 2);
          bigger.set(b.data);
          b.data = bigger;
        }
        const at = b.length;
        b.data.fill(NaN, at, at + b.stride);
        b.data[at] = s.id;
        b.data[at + 1] = p.ts;
        let newer = false;
        for (const metric in p.fields) {
          const i = b.index.get(metric);
          if (i === undefined) continue; // ingest only passes catalogue metrics
          const v = p.fields[metric]!;
          const value = typeof v === 'boolean' ? (v ? 1 : 0) : v;
          b.data[at + i] = value;
          if (noteLatest(s.id, metric, p.ts, value)) newer = true;
        }
        if (newer) dirtyLatest.add(s.id);
        b.length += b.stride;
        buffered++;
      }
      if (buffered >= batchSize) send();
    },

    writeEvent(event) {
      events.push(event);
    },

    writeAlarm(alarm) {
      alarms.push(alarm);
    },

    // The embedded store serves FMS's own API; estate status is for Grafana boards, which read InfluxDB.
    writeStatus() {},
    writeCondition() {},

    async latest(asset, _measurement) {
      // Several series can carry an asset when it moved site: the newest value of each metric wins.
      const best = new Map<string, LatestValue>();
      for (const s of seriesByAsset.get(asset) ?? []) {
        const bool = buffers.get(s.measurement)!.bool;
        for (const [metric, l] of latest.get(s.id) ?? []) {
          const prev = best.get(metric);
          if (!prev || l.ts > prev.ts) best.set(metric, { metric, ts: l.ts, value: bool.has(metric) ? l.value === 1 : l.value });
        }
      }
      return [...best.values()].sort((a, b) => a.metric.localeCompare(b.metric));
    },

    async aggregate(q: AggregateQuery): Promise<Bucket[]> {
      await idle();
      return bucketizeAggregates(readTiers(seriesByAsset.get(q.asset) ?? [], q, q.fn === 'last' || q.fn === 'increase'), q);
    },

    async summarize(q: RangeQuery): Promise<SummaryBucket[]> {
      await idle();
      return summarizeAggregates(readTiers(seriesByAsset.get(q.asset) ?? [], q, false), q);
    },

    async events(q) {
      await idle();
      const rows = reader
        .prepare<[string, number, number, number], { asset: string; ts: number; type: string; site: string; details: string }>(
          'SELECT * FROM events WHERE asset = ? AND ts >= ? AND ts < ? ORDER BY ts DESC LIMIT ?',
        )
        .all(q.asset, q.from, q.to, q.limit);
      return rows.map((r) => ({ asset: r.asset, ts: r.ts, type: r.type, site: r.site, details: JSON.parse(r.details) }));
    },

    flush: idle,

    maintain,

    health(): TelemetryStoreHealth {
      return {
        state: lastError ? 'down' : 'up',
        pending: buffered + inFlightReadings + events.length + alarms.length,
        written,
        ...(lastError ? { detail: lastError } : {}),
      };
    },

    async close() {
      if (closing) return;
      closing = true;
      clearInterval(timer);
      clearInterval(maintenance);
      if (!lastError) await idle();
      else opts.log.error({ pending: buffered + inFlightReadings }, 'telemetry store closed with readings it could not write');
      await new Promise<void>((resolve) => {
        closedReply = resolve;
        writer.postMessage('close');
        setTimeout(resolve, 5000).unref(); // a writer that died cannot answer
      });
      await writer.terminate();
      reader.close();
      if (temporary) for (const suffix of ['', '-wal', '-shm']) rmSync(temporary + suffix, { force: true });
    },
  };
}
