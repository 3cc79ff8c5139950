import { elevatorSpec } from './elevator/spec.ts';
import { gateSpec } from './gate/spec.ts';
import { pumpSpec } from './pump/spec.ts';
import type { DeviceSpec, DeviceType, MetricSpec } from './device-spec.ts';

export { deviceTypes, type DeviceType, type DeviceSpec, type MetricSpec, type EventSpec } from './device-spec.ts';

/** Every device type's metrics and events, by type. */
export const catalog: Readonly<Record<DeviceType, DeviceSpec>> = {
  pump: pumpSpec,
  elevator: elevatorSpec,
  gate: gateSpec,
};

export function metricSpec(type: DeviceType, metric: string): MetricSpec | undefined {
  return catalog[type].metrics.find((m) => m.name === metric);
}
