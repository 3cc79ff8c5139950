import type { AggregateQuery, Bucket } from './telemetry-store.ts';

/** A reading, or a minute of readings already rolled up. */
export interface Aggregate {
  ts: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  first: number;
  last: number;
  /** Counter increase within the item (0 for a single reading). */
  inc: number;
}

/** One reading as an aggregate of one. */
export function single(ts: number, v: number): Aggregate {
  return { ts, min: v, max: v, sum: v, count: 1, first: v, last: v, inc: 0 };
}

/**
 * Appends `a` (later in time) to the run `acc`, in place. A counter that drops between them was reset
 * by the device: it counted up from zero since (CONTRACT.md).
 */
export function appendAggregate(acc: Aggregate, a: Aggregate): void {
  acc.count += a.count;
  acc.sum += a.sum;
  if (a.min < acc.min) acc.min = a.min;
  if (a.max > acc.max) acc.max = a.max;
  acc.inc += (a.first >= acc.last ? a.first - acc.last : a.first) + a.inc;
  acc.last = a.last;
}

/** Aggregates time-ordered rows into buckets of `every` ms starting at `from`; empty buckets are left out. */
export function bucketize(rows: readonly { ts: number; value: number }[], q: AggregateQuery): Bucket[] {
  return bucketizeAggregates(
    rows.map((r) => single(r.ts, r.value)),
    q,
  );
}

/** The same over readings and rolled-up minutes mixed; an item falls in the bucket of its start. */
export function bucketizeAggregates(items: readonly Aggregate[], q: AggregateQuery): Bucket[] {
  const out: Bucket[] = [];
  let i = 0;
  let prevLast: number | undefined;
  while (i < items.length) {
    const start = q.from + Math.floor((items[i]!.ts - q.from) / q.every) * q.every;
    const end = start + q.every;
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let last = 0;
    let increase = 0;
    for (; i < items.length && items[i]!.ts < end; i++) {
      const a = items[i]!;
      count += a.count;
      sum += a.sum;
      if (a.min < min) min = a.min;
      if (a.max > max) max = a.max;
      last = a.last;
      // A counter that drops was reset by the device: it counted up from zero since (CONTRACT.md).
      if (prevLast !== undefined) increase += a.first >= prevLast ? a.first - prevLast : a.first;
      increase += a.inc;
      prevLast = a.last;
    }
    const value = { mean: sum / count, min, max, last, count, increase }[q.fn];
    out.push({ ts: start, value });
  }
  return out;
}
