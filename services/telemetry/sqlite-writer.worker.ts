/**
 * The embedded telemetry store's writer, in its own thread: inserts cost about 12 µs a reading in
 * SQLite, and on the ingest thread they would take a third of its time. The main thread sends
 * batches; the worker writes each in one transaction and answers with the batch id. A batch that
 * fails is answered with the error and kept by the main thread for the next attempt. It also runs
 * the rollups and pruning (sqlite-rollups.ts) when asked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { catalog, deviceTypes, type DeviceType } from '../../devices/catalog.ts';
import type { MaintainRequest, WriterBatch, WriterReply } from './sqlite-writer.protocol.ts';
import { createRollups } from './sqlite-rollups.ts';
import { openTelemetrySchema, tableColumns } from './sqlite-schema.ts';

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

const rollups = createRollups(db);
/** Kept in step with the rollups, which only this thread runs. */
let watermark = rollups.watermark();

const MINUTE = 60_000;

const write = db.transaction((b: WriterBatch) => {
  for (const s of b.series) insertSeries.run(s.id, s.measurement, s.site, s.asset);
  for (const [type, rows] of Object.entries(b.rows) as [DeviceType, Float64Array][]) {
    const stride = catalog[type].metrics.length + 2;
    const stmt = insertRow.get(type)!;
    const args: (number | null)[] = new Array(stride);
    let markedSeries = NaN;
    let markedMinute = NaN;
    for (let i = 0; i < rows.length; i += stride) {
      for (let k = 0; k < stride; k++) {
        const v = rows[i + k]!;
        args[k] = Number.isNaN(v) ? null : v;
      }
      stmt.run(args);
      // A reading older than the watermark lands in a minute already rolled up: mark it for the next
      // run, in this transaction, so the mark is kept exactly when the reading is. On time: no write.
      const ts = rows[i + 1]!;
      if (ts < watermark) {
        const minute = Math.floor(ts / MINUTE) * MINUTE;
        if (minute !== markedMinute || rows[i] !== markedSeries) rollups.markLate(rows[i]!, minute);
        markedSeries = rows[i]!;
        markedMinute = minute;
      }
    }
  }
  for (const e of b.events) insertEvent.run(e.asset, e.ts, e.type, e.site, JSON.stringify(e.details));
  for (const a of b.alarms) insertAlarm.run(a.asset, a.rule, a.ts, a.site, a.severity, a.state, a.value);
  for (const [series, metric, ts, value] of b.latest) upsertLatest.run(series, metric, ts, value);
});

parentPort!.on('message', (b: WriterBatch | MaintainRequest | 'close') => {
  if (typeof b === 'object' && 'maintain' in b) {
    try {
      const result = rollups.maintain(b);
      watermark = result.watermark;
      parentPort!.postMessage({ maintained: b.maintain, ok: true, ...result } satisfies WriterReply);
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
