import type { DeviceSpec } from '../device-spec.ts';

/** Access gates and turnstiles (DOMAIN.md). */
export const gateSpec: DeviceSpec = {
  type: 'gate',
  description: 'Access gate or turnstile',
  metrics: [
    { name: 'open', unit: '', kind: 'state', description: 'Gate open' },
    { name: 'passages', unit: '', kind: 'counter', min: 0, max: 1e11, description: 'Passage counter' },
    { name: 'supply_v', unit: 'V', kind: 'gauge', min: 0, max: 400, description: 'Supply voltage' },
    { name: 'battery_pct', unit: '%', kind: 'gauge', min: 0, max: 100, description: 'Backup battery charge' },
  ],
  events: [
    { type: 'forced_open', description: 'Opened without a valid passage' },
    {
      type: 'held_open',
      description: 'Held open too long',
      details: { seconds: { type: 'number', required: false, description: 'How long it has been open' } },
    },
    { type: 'tamper', description: 'Tamper switch triggered' },
    { type: 'reader_fault', description: 'Card/QR reader fault', details: { code: { type: 'string', required: false, description: 'Reader fault code' } } },
  ],
};
