/** The three kinds of equipment FMS watches (CONTRACT.md). */
export const deviceTypes = ['pump', 'elevator', 'gate'] as const;
export type DeviceType = (typeof deviceTypes)[number];

/**
 * One metric a device type reports. `gauge` is a measured value, `counter` only grows (a drop is a
 * device reset), `state` is a boolean.
 */
export interface MetricSpec {
  name: string;
  /** Unit as it appears in the metric name and on boards. */
  unit: string;
  kind: 'gauge' | 'counter' | 'state';
  /** Plausible range: a value outside it is a broken sensor or a bad payload and is rejected. */
  min?: number;
  max?: number;
  description: string;
}

/** One event a device type sends; `details` are the fields it carries besides `type` and `ts`. */
export interface EventSpec {
  type: string;
  description: string;
  details?: Record<string, { type: 'string' | 'number' | 'boolean'; required: boolean; description: string }>;
}

export interface DeviceSpec {
  type: DeviceType;
  description: string;
  metrics: readonly MetricSpec[];
  events: readonly EventSpec[];
}
