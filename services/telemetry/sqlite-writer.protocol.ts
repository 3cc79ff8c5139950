import type { DeviceType } from '../../devices/catalog.ts';
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

export type WriterReply = { id: number; ok: true } | { id: number; ok: false; error: string } | { closed: true };
