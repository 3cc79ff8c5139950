import type { DeviceSpec } from '../device-spec.ts';

/** Passenger elevators (DOMAIN.md). */
export const elevatorSpec: DeviceSpec = {
  type: 'elevator',
  description: 'Passenger elevator',
  metrics: [
    { name: 'floor', unit: '', kind: 'gauge', min: -20, max: 300, description: 'Car position (floor number)' },
    { name: 'door_open', unit: '', kind: 'state', description: 'Car door open' },
    { name: 'door_cycles', unit: '', kind: 'counter', min: 0, max: 1e11, description: 'Door open/close cycle counter' },
    { name: 'trips', unit: '', kind: 'counter', min: 0, max: 1e11, description: 'Trip counter' },
    { name: 'motor_temp_c', unit: '°C', kind: 'gauge', min: -40, max: 250, description: 'Traction motor temperature' },
    { name: 'vibration_mms', unit: 'mm/s', kind: 'gauge', min: 0, max: 100, description: 'Car vibration, RMS velocity' },
    { name: 'leveling_error_mm', unit: 'mm', kind: 'gauge', min: -1000, max: 1000, description: 'Levelling error at the last stop' },
    { name: 'load_pct', unit: '%', kind: 'gauge', min: 0, max: 200, description: 'Car load against rated load' },
    { name: 'in_service', unit: '', kind: 'state', description: 'In normal service' },
  ],
  events: [
    {
      type: 'entrapment',
      description: 'Passenger trapped in the car',
      details: { floor: { type: 'number', required: false, description: 'Floor where the car stopped' } },
    },
    {
      type: 'door_fault',
      description: 'Door fault with controller code',
      details: { code: { type: 'string', required: true, description: 'Controller fault code, e.g. E21' } },
    },
    { type: 'alarm_button', description: 'In-car emergency alarm button pressed' },
    { type: 'safety_circuit_open', description: 'Safety circuit opened' },
    { type: 'out_of_service', description: 'Taken out of service' },
  ],
};
