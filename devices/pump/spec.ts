import type { DeviceSpec } from '../device-spec.ts';

/** Water pumps: domestic supply, sump and fire pumps (DOMAIN.md). */
export const pumpSpec: DeviceSpec = {
  type: 'pump',
  description: 'Water pump (domestic supply, sump, fire)',
  metrics: [
    { name: 'flow_m3h', unit: 'm³/h', kind: 'gauge', min: 0, max: 5000, description: 'Flow rate' },
    // Gauge pressures; suction can be below atmospheric, hence the negative lower bound.
    { name: 'pressure_in_bar', unit: 'bar', kind: 'gauge', min: -1, max: 60, description: 'Suction pressure' },
    { name: 'pressure_out_bar', unit: 'bar', kind: 'gauge', min: -1, max: 60, description: 'Discharge pressure' },
    // RMS velocity; ISO 10816 zones end at 4.5 (warning) and 7.1 (critical) mm/s for this class.
    { name: 'vibration_mms', unit: 'mm/s', kind: 'gauge', min: 0, max: 100, description: 'Vibration, RMS velocity' },
    { name: 'motor_temp_c', unit: '°C', kind: 'gauge', min: -40, max: 250, description: 'Motor (bearing) temperature' },
    { name: 'current_a', unit: 'A', kind: 'gauge', min: 0, max: 5000, description: 'Motor current' },
    { name: 'running', unit: '', kind: 'state', description: 'Pump running' },
    { name: 'run_hours', unit: 'h', kind: 'counter', min: 0, max: 1e7, description: 'Run-hours counter' },
    { name: 'starts', unit: '', kind: 'counter', min: 0, max: 1e10, description: 'Start counter' },
  ],
  events: [
    { type: 'trip', description: 'Motor protection tripped', details: { reason: { type: 'string', required: false, description: 'Why it tripped' } } },
    { type: 'dry_run', description: 'Running without water' },
    { type: 'start', description: 'Pump started' },
    { type: 'stop', description: 'Pump stopped' },
  ],
};
