import { createRandom } from '../random.ts';
import { createFaultSet, hourOfDay, type DeviceModel, type StepOutput } from './model.ts';

const FAULTS = ['forced_open', 'held_open', 'reader_fault', 'tamper', 'battery_decline'] as const;

/** Passages per minute over the day: commuters out in the morning, back in the evening. */
function passagesPerMinute(hour: number): number {
  const peak = (h: number, width: number) => Math.exp(-(((hour - h) / width) ** 2));
  return 0.2 + 6 * peak(8, 1) + 5 * peak(18.5, 1.3) + 1.5 * peak(12.5, 1.5);
}

/** An access gate on mains with a backup battery: passages open and close it. */
export function createGateModel(seed: number, startAt: number, timeZone?: string): DeviceModel {
  const rnd = createRandom(seed);
  const faults = createFaultSet(FAULTS, 'gate');
  let last = startAt;
  let passages = Math.round(rnd.between(10_000, 500_000));
  let battery = rnd.between(92, 100);
  let pendingEvents: StepOutput['events'] = [];

  return {
    type: 'gate',
    faults: FAULTS,
    step(t) {
      const dtMin = Math.max(0, t - last) / 60_000;
      last = t;
      const events = pendingEvents;
      pendingEvents = [];
      const expected = passagesPerMinute(hourOfDay(t, timeZone)) * dtMin;
      // A dead reader lets nobody through; people try, and the controller reports it.
      const readerDead = faults.get('reader_fault') !== undefined;
      const n = readerDead ? 0 : Math.floor(expected) + (rnd.chance(expected % 1) ? 1 : 0);
      if (readerDead && rnd.chance(Math.min(1, expected))) events.push({ type: 'reader_fault' });
      passages += n;
      const declining = faults.get('battery_decline');
      // A healthy battery floats near full; a failing one loses a few percent an hour (faster when compressed).
      battery = declining ? Math.max(0, battery - dtMin * (declining.rampMs > 0 ? 6_000_000 / declining.rampMs : 0.05)) : Math.min(100, battery + dtMin * 0.02);
      const heldOpen = faults.get('held_open') !== undefined;
      return {
        telemetry: {
          open: heldOpen || (n > 0 && rnd.chance(0.4)),
          passages,
          supply_v: Math.round(rnd.gauss(24, 0.15) * 100) / 100,
          battery_pct: Math.round(battery * 10) / 10,
        },
        events,
      };
    },
    inject(fault, at, rampMs) {
      faults.inject(fault, at, rampMs);
      if (fault === 'forced_open') pendingEvents.push({ type: 'forced_open' });
      if (fault === 'held_open') pendingEvents.push({ type: 'held_open', seconds: 120 });
      if (fault === 'reader_fault') pendingEvents.push({ type: 'reader_fault' });
      if (fault === 'tamper') pendingEvents.push({ type: 'tamper' });
    },
    clear: faults.clear,
    active: faults.active,
  };
}
