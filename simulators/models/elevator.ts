import { createRandom } from '../random.ts';
import { createFaultSet, hourOfDay, severity, type DeviceModel, type StepOutput } from './model.ts';

const FAULTS = ['entrapment', 'door_obstruction', 'leveling_drift', 'overheating', 'alarm_button', 'safety_circuit', 'out_of_service'] as const;

/** Trips per minute over the day: morning and evening rush hours. */
function tripsPerMinute(hour: number): number {
  const peak = (h: number, width: number) => Math.exp(-(((hour - h) / width) ** 2));
  return 0.3 + 2.5 * peak(8, 1) + 2 * peak(18.5, 1.2) + 0.8 * peak(12.5, 1);
}

/**
 * A passenger elevator: trips between floors with a door cycle at each stop, load from traffic,
 * motor temperature following the work it does. Entrapment stops the car with its door shut; an open
 * safety circuit or an out-of-service switch stops it too.
 */
export function createElevatorModel(seed: number, startAt: number, timeZone?: string, floors = 18): DeviceModel {
  const rnd = createRandom(seed);
  const faults = createFaultSet(FAULTS, 'elevator');
  const ambient = rnd.between(22, 30);
  let last = startAt;
  let floor = 1;
  let doorCycles = Math.round(rnd.between(100_000, 900_000));
  let trips = Math.round(doorCycles * 0.55);
  let motorTemp = ambient + 5;
  let load = 0;
  let pendingEvents: StepOutput['events'] = [];

  return {
    type: 'elevator',
    faults: FAULTS,
    step(t) {
      const dtMin = Math.max(0, t - last) / 60_000;
      last = t;
      const events = pendingEvents;
      pendingEvents = [];
      const trapped = faults.get('entrapment') !== undefined;
      const stopped = trapped || faults.get('safety_circuit') !== undefined || faults.get('out_of_service') !== undefined;
      let moved = 0;
      if (!stopped) {
        // Poisson-ish: the expected trips in this step, at least sometimes one.
        const expected = tripsPerMinute(hourOfDay(t, timeZone)) * dtMin;
        moved = Math.floor(expected) + (rnd.chance(expected % 1) ? 1 : 0);
        for (let i = 0; i < moved; i++) {
          let next = floor;
          while (next === floor) next = 1 + Math.floor(rnd.next() * floors);
          floor = next;
          trips++;
          doorCycles++;
          if (faults.get('door_obstruction') && rnd.chance(0.5)) {
            doorCycles++;
            events.push({ type: 'door_fault', code: 'E21' });
          }
        }
        load = moved > 0 ? Math.min(100, Math.max(0, rnd.gauss(35, 20))) : 0;
      }
      // Levelling drift (worn brake, stretched ropes): the stopping error grows with severity, biased one way.
      const drift = 14 * severity(faults.get('leveling_drift'), t);
      const work = moved / Math.max(dtMin, 1 / 60) / 3;
      const hot = faults.get('overheating') ? 35 : 0;
      motorTemp += (ambient + 8 + 20 * Math.min(1, work) + hot - motorTemp) * Math.min(1, dtMin / 10);
      return {
        telemetry: {
          floor,
          door_open: !trapped && moved > 0 && rnd.chance(0.3),
          door_cycles: doorCycles,
          trips,
          motor_temp_c: Math.round((motorTemp + rnd.gauss(0, 0.1)) * 10) / 10,
          vibration_mms: Math.round(Math.max(0.05, (moved > 0 ? 0.9 : 0.1) + rnd.gauss(0, 0.05)) * 100) / 100,
          leveling_error_mm: Math.round((rnd.gauss(0, 1.5) + (moved > 0 ? drift : 0)) * 10) / 10,
          load_pct: Math.round(load),
          in_service: !stopped,
        },
        events,
      };
    },
    inject(fault, at, rampMs) {
      faults.inject(fault, at, rampMs);
      if (fault === 'entrapment') pendingEvents.push({ type: 'entrapment', floor });
      if (fault === 'alarm_button') pendingEvents.push({ type: 'alarm_button', floor });
      if (fault === 'safety_circuit') pendingEvents.push({ type: 'safety_circuit_open', floor });
    },
    clear: faults.clear,
    active: faults.active,
  };
}
