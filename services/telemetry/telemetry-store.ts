import type { DeviceType } from '../../devices/catalog.ts';

/** One telemetry message as stored: InfluxDB layout of CONTRACT.md (measurement = device type). */
export interface TelemetryPoint {
  measurement: DeviceType;
  site: string;
  asset: string;
  /** Epoch milliseconds. */
  ts: number;
  fields: Record<string, number | boolean>;
}

/** A device event (measurement `events`). */
export interface EventPoint {
  site: string;
  asset: string;
  type: string;
  ts: number;
  details: Record<string, string | number | boolean>;
}

/** An alarm change (measurement `alarms`), read by Grafana annotations. */
export interface AlarmPoint {
  site: string;
  asset: string;
  rule: string;
  severity: string;
  ts: number;
  state: string;
  value: number | null;
}

/** The estate's state at a moment, per site, for boards (measurement `fms_status`). */
export interface StatusPoint {
  site: string;
  ts: number;
  fields: Record<string, number>;
}

/**
 * One asset's condition at a moment, per indicator, for the Grafana asset board (measurement
 * `fms_condition`): tags site, asset, type, metric; fields the level, its healthy baseline, warning and
 * limit, the predicted remaining life (hours: likely and the 80 % range), the asset's health and risk,
 * and the indicator's state and the asset's action as text.
 */
export interface ConditionPoint {
  site: string;
  asset: string;
  type: string;
  metric: string;
  ts: number;
  fields: Record<string, number | string>;
}

export interface LatestValue {
  metric: string;
  value: number | boolean;
  ts: number;
}

export const aggregateFns = ['mean', 'min', 'max', 'last', 'count', 'increase'] as const;
export type AggregateFn = (typeof aggregateFns)[number];

/** One metric of one asset over [from, to), in buckets of `every` ms starting at `from`. */
export interface RangeQuery {
  asset: string;
  /** The asset's device type (the measurement its readings are in). */
  measurement: DeviceType;
  metric: string;
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  /** Bucket width in ms. */
  every: number;
}

export interface AggregateQuery extends RangeQuery {
  fn: AggregateFn;
}

export interface Bucket {
  /** Start of the bucket, epoch ms. */
  ts: number;
  value: number | null;
}

/** Minimum, maximum, mean and count of the readings of one bucket (booleans as 0/1). */
export interface SummaryBucket {
  /** Start of the bucket, epoch ms. */
  ts: number;
  min: number;
  max: number;
  mean: number;
  /** Readings in the bucket (> 0: empty buckets are left out). */
  count: number;
}

export interface TelemetryStoreHealth {
  state: 'up' | 'down';
  /** Points accepted but not yet written. */
  pending: number;
  /** Points written since start. */
  written: number;
  detail?: string;
  /** Since when the store has been unreachable (epoch ms). */
  downSince?: number | null;
  /** Readings kept on disk until the store takes them again. */
  spool?: { points: number; bytes: number; maxBytes: number };
  /** Readings the store refused as bad data (kept in the dead-letter file with its reason). */
  deadLettered?: number;
  /** Readings dropped because the spool was full. */
  lost?: number;
}

/**
 * The telemetry store port. Writes are accepted at once and written in batches: a caller never
 * waits for the store and never gets an error because the store is slow or down.
 */
export interface TelemetryStore {
  /** Accepts telemetry points for writing. */
  write(points: readonly TelemetryPoint[]): void;
  /** Accepts a device event for writing. */
  writeEvent(event: EventPoint): void;
  /** Accepts an alarm change for writing. */
  writeAlarm(alarm: AlarmPoint): void;
  /** Records the estate's state (assets online, alarms, open work orders) for boards; InfluxDB keeps it, the embedded store does not. */
  writeStatus(status: StatusPoint): void;
  /** Records an asset's assessed condition (InfluxDB only: it is for Grafana; the embedded store keeps none). */
  writeCondition(condition: ConditionPoint): void;
  /** Last value of each metric of one asset, with its time. */
  latest(asset: string, measurement: DeviceType): Promise<LatestValue[]>;
  /** One metric of one asset aggregated into buckets over [from, to). */
  aggregate(query: AggregateQuery): Promise<Bucket[]>;
  /** One metric of one asset summarized (min, max, mean, count) into buckets over [from, to), in one pass. */
  summarize(query: RangeQuery): Promise<SummaryBucket[]>;
  /** Events of one asset over [from, to), newest first. */
  events(query: { asset: string; from: number; to: number; limit: number }): Promise<EventPoint[]>;
  /** Writes everything accepted so far. */
  flush(): Promise<void>;
  /** State and queue depth, for /api/health and /metrics. */
  health(): TelemetryStoreHealth;
  /** Flushes and releases the store. */
  close(): Promise<void>;
}
