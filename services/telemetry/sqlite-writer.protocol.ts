import type { DeviceType } from '../../devices/catalog.ts';
import type { MaintainResult } from './sqlite-rollups.ts';
import type { AlarmPoint, EventPoint } from './telemetry-store.ts';

/**
 * One batch from the ingest thread to the writer thread. Readings travel as one Float64Array per
 * device type (transferred, not copied): per reading, series id, ts, then one value per catalogue
 * metric with NaN for "not in this reading".
 */
export interface WriterBatch {
  id: number;
  series: { id: number; measurement: DeviceType; site: string; asset: string }[];
  rows: Partial<Record<DeviceType, Float64Array>>;
  events: EventPoint[];
  alarms: AlarmPoint[];
  /** Last values to save: [series, metric, ts, value]. */
  latest: [number, string, number, number][];
}

/** Roll up finished minutes and minutes with late readings, and prune what is past retention, as of `now` (the main thread's clock). */
export interface MaintainRequest {
  maintain: number;
  now: number;
  rawRetentionMs: number;
  rollupRetentionMs: number;
}

export type WriterReply =
  | { id: number; ok: true }
  | { id: number; ok: false; error: string }
  | ({ maintained: number; ok: true } & MaintainResult)
  | { maintained: number; ok: false; error: string }
  | { closed: true };
