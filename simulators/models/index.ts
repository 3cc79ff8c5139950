import type { DeviceType } from '../../devices/catalog.ts';
import { createElevatorModel } from './elevator.ts';
import { createGateModel } from './gate.ts';
import type { DeviceModel } from './model.ts';
import { createPumpModel } from './pump.ts';

export type { DeviceModel, StepOutput } from './model.ts';

/** A device model; daily profiles follow `timeZone` (the machine's when absent). */
export function createModel(type: DeviceType, seed: number, startAt: number, timeZone?: string): DeviceModel {
  switch (type) {
    case 'pump':
      return createPumpModel(seed, startAt, timeZone);
    case 'elevator':
      return createElevatorModel(seed, startAt, timeZone);
    case 'gate':
      return createGateModel(seed, startAt, timeZone);
  }
}
