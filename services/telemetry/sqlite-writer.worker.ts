/**
 * The embedded telemetry store's writer, in its own thread: inserts cost about 12 µs a reading in
 * SQLite, and on the ingest thread they would take a third of its time. The main thread sends
 * batches; the worker writes each in one transaction and answers with the batch id. A batch that
 * fails is answered with the error and kept by the main thread for the next attempt.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { catalog, deviceTypes, type DeviceType } from '../../devices/catalog.ts';
import type { MaintainRequest, WriterBatch, WriterReply } from './sqlite-writer.protocol.ts';
import { openTelemetrySchema, tableColumns } from './sqlite-schema.ts';
import { appendAggregate, type Aggregate } from './buckets.ts';

const { file } = (workerData as { data: { file: string } }).data;
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
openTelemetrySchema(db);

const insertRow = new Map<DeviceType, Database.Statement>(
  deviceTypes.map((type) => {
    const columns = tableColumns(type);
    const list = columns.map((c) => `"${c}"`).join(', ');
    // The same series and time again merges the fields, as InfluxDB does: a replayed batch is not counted twice.
    return [
      type,
      db.prepare(
        `INSERT INTO "telemetry_${type}" (series, ts, ${list}) VALUES (${['?', '?', ...columns.map(() => '?')].join(', ')}) ` +
          `ON CONFLICT (series, ts) DO UPDATE SET ${columns.map((c) => `"${c}" = coalesce(excluded."${c}", "${c}")`).join(', ')}`,
      ),
    ];
  }),
);
const insertSeries = db.prepare('INSERT OR IGNORE INTO series (id, measurement, site, asset) VALUES (?, ?, ?, ?)');
const upsertLatest = db.prepare(
  'INSERT INTO latest (series, metric, ts, value) VALUES (?, ?, ?, ?) ON CONFLICT (series, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= latest.ts',
);
const insertEvent = db.prepare('INSERT OR REPLACE INTO events (asset, ts, type, site, details) VALUES (?, ?, ?, ?, ?)');
const insertAlarm = db.prepare('INSERT OR REPLACE INTO alarm_changes (asset, rule, ts, site, severity, state, value) VALUES (?, ?, ?, ?, ?, ?, ?)');

const write = db.transaction((b: WriterBatch) => {
  for (const s of b.series) insertSeries.run(s.id, s.measurement, s.site, s.asset);
  for (const [type, rows] of Object.entries(b.rows) as [DeviceType, Float64Array][]) {
    const stride = catalog[type].metrics.length + 2;
    const stmt = insertRow.get(type)!;
    const args: (number | null)[] = new Array(stride);
    for (let i = 0; i < rows.length; i += stride) {
      for (let k = 0; k < stride; k++) {
        const v = rows[i + k]!;
        args[k] = Number.isNaN(v) ? null : v;
      }
      stmt.run(args);
    }
  }
  for (const e of b.events) insertEvent.run(e.asset, e.ts, e.type, e.site, JSON.stringify(e.details));
  for (const a of b.alarms) insertAlarm.run(a.asset, a.rule, a.ts, a.site, a.severity, a.state, a.value);
  for (const [series, metric, ts, value] of b.latest) upsertLatest.run(series, metric, ts, value);
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Readings may arrive this late and still make it into their minute's rollup. */
const ROLLUP_GRACE_MS = 2 * MINUTE;
const getMeta = db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?');
const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
const allSeries = db.prepare<[], { id: number; measurement: DeviceType }>('SELECT id, measurement FROM series');
const upsertRollup = db.prepare(
  `INSERT INTO rollups (series, metric, minute, min, max, sum, count, first, last, inc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
   ON CONFLICT (series, metric, minute) DO UPDATE SET min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count,
   first = excluded.first, last = excluded.last, inc = excluded.inc`,
);
const rowsOf = new Map<DeviceType, Database.Statement>(
  deviceTypes.map((t) => [t, db.prepare(`SELECT * FROM "telemetry_${t}" WHERE series = ? AND ts >= ? AND ts < ? ORDER BY ts`)]),
);
const pruneRaw = new Map<DeviceType, Database.Statement>(deviceTypes.map((t) => [t, db.prepare(`DELETE FROM "telemetry_${t}" WHERE series = ? AND ts < ?`)]));
const pruneRollups = db.prepare('DELETE FROM rollups WHERE series = ? AND minute < ?');
const minutesOf = db.prepare<[number, number, number], Aggregate & { metric: string }>(
  'SELECT metric, minute AS ts, min, max, sum, count, first, last, inc FROM rollups WHERE series = ? AND minute >= ? AND minute < ? ORDER BY metric, minute',
);
const upsertHourly = db.prepare(
  `INSERT INTO rollups_hourly (series, metric, hour, min, max, sum, count, first, last, inc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
   ON CONFLICT (series, metric, hour) DO UPDATE SET min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count,
   first = excluded.first, last = excluded.last, inc = excluded.inc`,
);
const pruneHourly = db.prepare('DELETE FROM rollups_hourly WHERE series = ? AND hour < ?');
const pruneEvents = db.prepare('DELETE FROM events WHERE ts < ?');
const pruneAlarms = db.prepare('DELETE FROM alarm_changes WHERE ts < ?');

/**
 * Rolls up every finished minute since the last run into min/max/sum/count/first/last/increase per
 * series and metric, then deletes raw rows past the raw retention and rollups past theirs. Runs per
 * series so that every query uses the (series, ts) key.
 */
const maintain = db.transaction((m: MaintainRequest) => {
  const until = Math.floor((m.now - ROLLUP_GRACE_MS) / MINUTE) * MINUTE;
  const rawCutoff = m.now - m.rawRetentionMs;
  const from = getMeta.get('rollup_until')?.value ?? 0;
  let rolledUp = 0;
  let pruned = 0;
  // Hours whose minutes are all rolled up (after this run) are rolled up in turn.
  const hoursFrom = getMeta.get('hourly_until')?.value ?? 0;
  const hoursUntil = Math.floor(Math.max(until, from) / HOUR) * HOUR;
  for (const s of allSeries.all()) {
    const columns = tableColumns(s.measurement);
    if (until > from) {
      const acc = new Map<string, { min: number; max: number; sum: number; count: number; first: number; last: number; inc: number }>();
      for (const row of rowsOf.get(s.measurement)!.iterate(s.id, from, until) as Iterable<Record<string, number | null>>) {
        const minute = Math.floor(row.ts! / MINUTE) * MINUTE;
        for (const c of columns) {
          const v = row[c];
          if (v === null || v === undefined) continue;
          const key = `${c}\0${minute}`;
          const a = acc.get(key);
          if (!a) acc.set(key, { min: v, max: v, sum: v, count: 1, first: v, last: v, inc: 0 });
          else {
            if (v < a.min) a.min = v;
            if (v > a.max) a.max = v;
            a.sum += v;
            a.count++;
            // A counter that drops was reset: it counted from zero since (CONTRACT.md).
            a.inc += v >= a.last ? v - a.last : v;
            a.last = v;
          }
        }
      }
      for (const [key, a] of acc) {
        const [metric, minute] = key.split('\0') as [string, string];
        upsertRollup.run(s.id, metric, Number(minute), a.min, a.max, a.sum, a.count, a.first, a.last, a.inc);
        rolledUp++;
      }
    }
    if (hoursUntil > hoursFrom) {
      let run: (Aggregate & { metric: string }) | undefined;
      const flush = () => run && upsertHourly.run(s.id, run.metric, run.ts, run.min, run.max, run.sum, run.count, run.first, run.last, run.inc);
      for (const minute of minutesOf.all(s.id, hoursFrom, hoursUntil)) {
        const hour = Math.floor(minute.ts / HOUR) * HOUR;
        if (run && run.metric === minute.metric && run.ts === hour) appendAggregate(run, minute);
        else {
          flush();
          run = { ...minute, ts: hour };
        }
      }
      flush();
    }
    pruned += pruneRaw.get(s.measurement)!.run(s.id, rawCutoff).changes;
    pruneRollups.run(s.id, m.now - m.rollupRetentionMs);
    pruneHourly.run(s.id, m.now - m.rollupRetentionMs);
  }
  if (hoursUntil > hoursFrom) setMeta.run('hourly_until', hoursUntil);
  pruneEvents.run(m.now - m.rollupRetentionMs);
  pruneAlarms.run(m.now - m.rollupRetentionMs);
  if (until > from) setMeta.run('rollup_until', until);
  setMeta.run('pruned_before', Math.max(rawCutoff, getMeta.get('pruned_before')?.value ?? 0));
  return { rolledUp, pruned, watermark: Math.max(until, getMeta.get('rollup_until')?.value ?? 0) };
});

parentPort!.on('message', (b: WriterBatch | MaintainRequest | 'close') => {
  if (typeof b === 'object' && 'maintain' in b) {
    try {
      parentPort!.postMessage({ maintained: b.maintain, ok: true, ...maintain(b) } satisfies WriterReply);
    } catch (err) {
      parentPort!.postMessage({ maintained: b.maintain, ok: false, error: (err as Error).message } satisfies WriterReply);
    }
    return;
  }
  if (b === 'close') {
    db.close();
    parentPort!.postMessage({ closed: true } satisfies WriterReply);
    return;
  }
  try {
    write(b);
    parentPort!.postMessage({ id: b.id, ok: true } satisfies WriterReply);
  } catch (err) {
    parentPort!.postMessage({ id: b.id, ok: false, error: (err as Error).message } satisfies WriterReply);
  }
});
