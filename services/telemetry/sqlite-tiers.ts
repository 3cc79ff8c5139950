import type Database from 'better-sqlite3';
import type { DeviceType } from '../../devices/catalog.ts';
import { single, type Aggregate } from './buckets.ts';
import { tableColumns } from './sqlite-schema.ts';
import type { RangeQuery } from './telemetry-store.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const floorTo = (t: number, step: number) => Math.floor(t / step) * step;
const ceilTo = (t: number, step: number) => Math.ceil(t / step) * step;

/** Where a query reads each tier: hourly rollups over [from, hoursEnd), minute rollups over [minutesFrom, minutesEnd), raw rows over [rawFrom, to). */
export interface Tiers {
  hoursEnd: number;
  minutesFrom: number;
  minutesEnd: number;
  rawFrom: number;
}

/**
 * Splits [from, to) between the tiers, oldest first: hourly rollups for whole hours when the buckets
 * are whole hours (a 90-day trend reads 2,160 rows a series instead of 129,600), 1-minute rollups
 * where raw rows were pruned, then raw rows. A rollup is read only when it lies inside [from, to): an
 * hour that ends after `to` is read from its minutes or readings instead, and where readings are
 * pruned a minute cut by `from` or `to` is left out rather than counted past the range.
 */
export function tiersOf(q: Pick<RangeQuery, 'from' | 'to' | 'every'>, hourlyUntil: number, prunedBefore: number): Tiers {
  const hourly = q.every % HOUR === 0 && q.from % HOUR === 0;
  const hoursEnd = hourly ? Math.max(q.from, Math.min(floorTo(q.to, HOUR), hourlyUntil)) : q.from;
  const rawFrom = Math.min(q.to, Math.max(hoursEnd, ceilTo(prunedBefore, MINUTE)));
  const minutesFrom = ceilTo(hoursEnd, MINUTE);
  return { hoursEnd, minutesFrom, minutesEnd: Math.max(minutesFrom, Math.min(rawFrom, floorTo(q.to, MINUTE))), rawFrom };
}

/**
 * Reads one metric of an asset's series through the tiers (`tiersOf`), as time-ordered aggregates:
 * the query side shared by `aggregate` and `summarize`.
 */
export function createTierReader(db: Database.Database) {
  const metaValue = db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?');
  const hourlyOf = db.prepare<[number, string, number, number], Aggregate>(
    'SELECT hour AS ts, min, max, sum, count, first, last, inc FROM rollups_hourly WHERE series = ? AND metric = ? AND hour >= ? AND hour < ? ORDER BY hour',
  );
  const hourlyBuckets = db.prepare<[number, number, number, number, number, string, number, number], Pick<Aggregate, 'ts' | 'min' | 'max' | 'sum' | 'count'>>(
    'SELECT ? + CAST((hour - ?) / ? AS INTEGER) * ? AS ts, min(min) AS min, max(max) AS max, sum(sum) AS sum, sum(count) AS count FROM rollups_hourly WHERE series = ? AND metric = ? AND hour >= ? AND hour < ? GROUP BY 1 ORDER BY 1',
  );
  const rollupsOf = db.prepare<[number, string, number, number], Aggregate>(
    'SELECT minute AS ts, min, max, sum, count, first, last, inc FROM rollups WHERE series = ? AND metric = ? AND minute >= ? AND minute < ? ORDER BY minute',
  );
  const rawOf = new Map<string, Database.Statement<[number, number, number], { ts: number; value: number }>>();

  function raw(measurement: DeviceType, column: string) {
    const key = `${measurement}\0${column}`;
    let stmt = rawOf.get(key);
    if (!stmt) {
      stmt = db.prepare(
        `SELECT ts, "${column}" AS value FROM "telemetry_${measurement}" WHERE series = ? AND ts >= ? AND ts < ? AND "${column}" IS NOT NULL ORDER BY ts`,
      );
      rawOf.set(key, stmt);
    }
    return stmt;
  }

  /**
   * The items of `q` over the given series, time-ordered. With `ordered`, hours come one by one (last
   * and increase need them in order); otherwise minimum, maximum, sum and count add up inside SQLite,
   * one row a bucket.
   */
  return function read(series: readonly { id: number; measurement: DeviceType }[], q: RangeQuery, ordered: boolean): Aggregate[] {
    const t = tiersOf(q, metaValue.get('hourly_until')?.value ?? 0, metaValue.get('pruned_before')?.value ?? 0);
    const items: Aggregate[] = [];
    for (const s of series) {
      // The column name comes from the catalogue, never from the request.
      const column = tableColumns(s.measurement).find((c) => c === q.metric);
      if (!column) continue;
      if (t.hoursEnd > q.from) {
        if (ordered) for (const r of hourlyOf.all(s.id, column, q.from, t.hoursEnd)) items.push(r);
        else
          for (const r of hourlyBuckets.all(q.from, q.from, q.every, q.every, s.id, column, q.from, t.hoursEnd))
            items.push({ ...r, first: r.min, last: r.max, inc: 0 });
      }
      if (t.minutesEnd > t.minutesFrom) for (const r of rollupsOf.all(s.id, column, t.minutesFrom, t.minutesEnd)) items.push(r);
      if (q.to > t.rawFrom) for (const r of raw(s.measurement, column).all(s.id, t.rawFrom, q.to)) items.push(single(r.ts, r.value));
    }
    items.sort((a, b) => a.ts - b.ts);
    return items;
  };
}
