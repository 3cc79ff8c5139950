import type { AggregateQuery, Bucket, RangeQuery, SummaryBucket } from './telemetry-store.ts';

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

/** A time-ordered reading. */
export interface Reading {
  ts: number;
  value: number;
}

/** Aggregates time-ordered rows into buckets of `every` ms starting at `from`; empty buckets are left out. */
export function bucketize(rows: readonly Reading[], q: AggregateQuery): Bucket[] {
  return bucketizeAggregates(
    rows.map((r) => single(r.ts, r.value)),
    q,
  );
}

/** The same, as minimum, maximum, mean and count per bucket. */
export function summarizeReadings(rows: readonly Reading[], q: RangeQuery): SummaryBucket[] {
  return summarizeAggregates(
    rows.map((r) => single(r.ts, r.value)),
    q,
  );
}

/** Buckets over readings and rolled-up minutes or hours mixed; an item falls in the bucket of its start. */
export function bucketizeAggregates(items: readonly Aggregate[], q: AggregateQuery): Bucket[] {
  return bucketTotals(items, q).map((b) => ({
    ts: b.ts,
    value: { mean: b.sum / b.count, min: b.min, max: b.max, last: b.last, count: b.count, increase: b.increase }[q.fn],
  }));
}

/** The same, as minimum, maximum, mean and count per bucket. */
export function summarizeAggregates(items: readonly Aggregate[], q: RangeQuery): SummaryBucket[] {
  return bucketTotals(items, q).map((b) => ({ ts: b.ts, min: b.min, max: b.max, mean: b.sum / b.count, count: b.count }));
}

interface BucketTotals {
  ts: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  increase: number;
}

/** What the items of each bucket add up to, from which every function's figure is read. */
function bucketTotals(items: readonly Aggregate[], q: Pick<RangeQuery, 'from' | 'every'>): BucketTotals[] {
  const out: BucketTotals[] = [];
  let i = 0;
  let prevLast: number | undefined;
  while (i < items.length) {
    const start = q.from + Math.floor((items[i]!.ts - q.from) / q.every) * q.every;
    const end = start + q.every;
    const b: BucketTotals = { ts: start, count: 0, sum: 0, min: Infinity, max: -Infinity, last: 0, increase: 0 };
    for (; i < items.length && items[i]!.ts < end; i++) {
      const a = items[i]!;
      b.count += a.count;
      b.sum += a.sum;
      if (a.min < b.min) b.min = a.min;
      if (a.max > b.max) b.max = a.max;
      b.last = a.last;
      // A counter that drops was reset by the device: it counted up from zero since (CONTRACT.md).
      if (prevLast !== undefined) b.increase += a.first >= prevLast ? a.first - prevLast : a.first;
      b.increase += a.inc;
      prevLast = a.last;
    }
    out.push(b);
  }
  return out;
}
