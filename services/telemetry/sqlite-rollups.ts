import type Database from 'better-sqlite3';
import { deviceTypes, type DeviceType } from '../../devices/catalog.ts';
import { appendAggregate, type Aggregate } from './buckets.ts';
import { tableColumns } from './sqlite-schema.ts';
import type { MaintainRequest } from './sqlite-writer.protocol.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Readings may arrive this late and still make it into their minute's first rollup. */
const ROLLUP_GRACE_MS = 2 * MINUTE;

export interface MaintainResult {
  /** Minute rollups (series, metric, minute) made for minutes that just finished. */
  rolledUp: number;
  /** Minute rollups made again because late readings arrived in them. */
  rolledUpLate: number;
  /** Raw readings deleted, past the raw retention. */
  pruned: number;
  /** Minutes before this are rolled up; a reading older than it is late. */
  watermark: number;
}

/** Start times of the runs of consecutive steps in sorted `starts`, as [start, end) ranges. */
function runsOf(starts: readonly number[], step: number): [number, number][] {
  const runs: [number, number][] = [];
  for (const t of starts) {
    const last = runs[runs.length - 1];
    if (last && last[1] === t) last[1] = t + step;
    else if (!last || t >= last[1]) runs.push([t, t + step]);
  }
  return runs;
}

/**
 * The embedded store's rollups and retention, run in the writer thread (one connection, so a late
 * reading and its mark are in one transaction, and a rollup never runs between a row and its mark).
 *
 * Every run rolls up the minutes finished since the last one (the watermark `rollup_until`) into
 * min/max/sum/count/first/last/increase per series and metric, then the hours finished since
 * `hourly_until` from their minutes. A reading older than the watermark when it is written is late:
 * the writer marks its minute in `rollup_dirty` (`markLate`), and the next run rolls that minute up
 * again from its readings, and its hour from its minutes. On-time readings write no mark.
 */
export function createRollups(db: Database.Database) {
  const getMeta = db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const allSeries = db.prepare<[], { id: number; measurement: DeviceType }>('SELECT id, measurement FROM series');
  const insertMark = db.prepare('INSERT OR IGNORE INTO rollup_dirty (series, minute) VALUES (?, ?)');
  const marksOf = db.prepare<[number], number>('SELECT minute FROM rollup_dirty WHERE series = ? ORDER BY minute').pluck();
  const clearMarks = db.prepare('DELETE FROM rollup_dirty');
  const upsertRollup = db.prepare(
    `INSERT INTO rollups (series, metric, minute, min, max, sum, count, first, last, inc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (series, metric, minute) DO UPDATE SET min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count,
     first = excluded.first, last = excluded.last, inc = excluded.inc`,
  );
  // A minute whose earlier readings are pruned: the late readings are added to what its rollup holds.
  // Minimum, maximum, sum and count stay exact; first and last stay the rollup's (the late readings'
  // places among the pruned ones are unknown) and the counter increase adds the late readings' own.
  const mergeRollup = db.prepare(
    `INSERT INTO rollups (series, metric, minute, min, max, sum, count, first, last, inc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (series, metric, minute) DO UPDATE SET min = min(rollups.min, excluded.min), max = max(rollups.max, excluded.max),
     sum = rollups.sum + excluded.sum, count = rollups.count + excluded.count, inc = rollups.inc + excluded.inc`,
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
   * Rolls up the readings of [from, until) of one series, minute by minute; returns the rollups written.
   * `merge`: the minutes' other readings are pruned, so these are added to their rollups instead of replacing them.
   */
  function rollUpMinutes(s: { id: number; measurement: DeviceType }, from: number, until: number, merge = false): number {
    const columns = tableColumns(s.measurement);
    const acc = new Map<string, Omit<Aggregate, 'ts'>>();
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
      (merge ? mergeRollup : upsertRollup).run(s.id, metric, Number(minute), a.min, a.max, a.sum, a.count, a.first, a.last, a.inc);
    }
    return acc.size;
  }

  /** Rolls up the hours of [from, until) of one series from their minutes. */
  function rollUpHours(series: number, from: number, until: number): void {
    let run: (Aggregate & { metric: string }) | undefined;
    const flush = () => run && upsertHourly.run(series, run.metric, run.ts, run.min, run.max, run.sum, run.count, run.first, run.last, run.inc);
    for (const minute of minutesOf.all(series, from, until)) {
      const hour = Math.floor(minute.ts / HOUR) * HOUR;
      if (run && run.metric === minute.metric && run.ts === hour) appendAggregate(run, minute);
      else {
        flush();
        run = { ...minute, ts: hour };
      }
    }
    flush();
  }

  /**
   * Rolls up every minute finished since the last run and every minute late readings arrived in, then
   * their hours, then deletes raw rows past the raw retention and rollups past theirs. Runs per series
   * so that every query uses the (series, ts) key.
   */
  const maintain = db.transaction((m: MaintainRequest): MaintainResult => {
    const until = Math.floor((m.now - ROLLUP_GRACE_MS) / MINUTE) * MINUTE;
    // Whole minutes only: a minute is either all in raw rows or all gone, so it can be rolled up again.
    const rawCutoff = Math.floor((m.now - m.rawRetentionMs) / MINUTE) * MINUTE;
    const from = getMeta.get('rollup_until')?.value ?? 0;
    const prunedBefore = getMeta.get('pruned_before')?.value ?? 0;
    let rolledUp = 0;
    let rolledUpLate = 0;
    let pruned = 0;
    // Hours whose minutes are all rolled up (after this run) are rolled up in turn.
    const hoursFrom = getMeta.get('hourly_until')?.value ?? 0;
    const hoursUntil = Math.floor(Math.max(until, from) / HOUR) * HOUR;
    for (const s of allSeries.all()) {
      if (until > from) rolledUp += rollUpMinutes(s, from, until);
      // A late reading's minute again, from all its readings — or, when the minute's other readings are
      // already pruned (it is older than the raw retention: an import of old history), by adding the late
      // readings to its rollup. Either way nothing accepted is lost when the raw rows are pruned below.
      const late = marksOf.all(s.id);
      for (const [a, b] of runsOf(late, MINUTE)) {
        if (b <= prunedBefore) rolledUpLate += rollUpMinutes(s, a, b, true);
        else if (a >= prunedBefore) rolledUpLate += rollUpMinutes(s, a, b);
        else rolledUpLate += rollUpMinutes(s, a, prunedBefore, true) + rollUpMinutes(s, prunedBefore, b);
      }
      if (hoursUntil > hoursFrom) rollUpHours(s.id, hoursFrom, hoursUntil);
      const lateHours = late.map((minute) => Math.floor(minute / HOUR) * HOUR).filter((hour) => hour < hoursFrom);
      for (const [a, b] of runsOf(lateHours, HOUR)) rollUpHours(s.id, a, b);
      pruned += pruneRaw.get(s.measurement)!.run(s.id, rawCutoff).changes;
      pruneRollups.run(s.id, m.now - m.rollupRetentionMs);
      pruneHourly.run(s.id, m.now - m.rollupRetentionMs);
    }
    clearMarks.run();
    if (hoursUntil > hoursFrom) setMeta.run('hourly_until', hoursUntil);
    pruneEvents.run(m.now - m.rollupRetentionMs);
    pruneAlarms.run(m.now - m.rollupRetentionMs);
    if (until > from) setMeta.run('rollup_until', until);
    setMeta.run('pruned_before', Math.max(rawCutoff, prunedBefore));
    return { rolledUp, rolledUpLate, pruned, watermark: Math.max(until, from) };
  });

  return {
    maintain,
    /** Minutes before this are rolled up: a reading older than it is late. */
    watermark: (): number => getMeta.get('rollup_until')?.value ?? 0,
    /** Marks the minute of a late reading for the next run; call it in the transaction that writes the reading. */
    markLate(series: number, minute: number): void {
      insertMark.run(series, minute);
    },
  };
}
