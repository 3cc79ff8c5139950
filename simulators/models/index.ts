import type { DeviceType } from '../../devices/catalog.ts';
import { createElevatorModel } from './elevator.ts';
import { createGateModel } from './gate.ts';
import type { DeviceModel } from './model.ts';
import { createPumpModel } from './pump.ts';

export type { DeviceModel, StepOutput } from './model.ts';

export function createModel(type: DeviceType, seed: number, startAt: number): DeviceModel {
  switch (type) {
    case 'pump':
      return createPumpModel(seed, startAt);
    case 'elevator':
      return createElevatorModel(seed, startAt);
    case 'gate':
      return createGateModel(seed, startAt);
  }
}
