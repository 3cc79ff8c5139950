import { createRandom } from '../random.ts';
import { createFaultSet, hourOfDay, severity, type DeviceModel, type StepOutput } from './model.ts';

const FAULTS = ['bearing_wear', 'cavitation', 'seal_leak', 'motor_overload', 'short_cycling', 'dry_run', 'trip'] as const;

// A domestic booster pump of ~40 m³/h: shut-off head 6 bar, curve H = H0 - k·Q².
const NOMINAL_FLOW = 40;
const SHUTOFF_BAR = 6;
const CURVE_K = 2.5 / (NOMINAL_FLOW * NOMINAL_FLOW);

/** Water demand over the day (0-1): morning and evening peaks, quiet nights. */
function demand(hour: number): number {
  const peak = (h: number, width: number) => Math.exp(-(((hour - h) / width) ** 2));
  return Math.min(1, 0.12 + 0.75 * peak(7.5, 1.5) + 0.6 * peak(19.5, 2) + 0.25 * peak(12.5, 1.5));
}

/**
 * A booster pump: runs when demand calls for it, delivers flow along its curve, and warms up and
 * vibrates with load. Bearing wear raises vibration and temperature as it grows.
 */
export function createPumpModel(seed: number, startAt: number, timeZone?: string): DeviceModel {
  const rnd = createRandom(seed);
  const faults = createFaultSet(FAULTS, 'pump');
  const ambient = rnd.between(18, 26);
  let last = startAt;
  let running = false;
  let motorTemp = ambient;
  let runHours = Math.round(rnd.between(500, 20_000));
  let starts = Math.round(runHours * rnd.between(2, 6));
  let tripped = false;
  let pendingEvents: StepOutput['events'] = [];

  return {
    type: 'pump',
    faults: FAULTS,
    step(t) {
      const dtH = Math.max(0, t - last) / 3_600_000;
      last = t;
      const events = pendingEvents;
      pendingEvents = [];
      // A leaking seal loses water the pump has to make up: more demand, and a little less pressure.
      const leak = 0.15 * severity(faults.get('seal_leak'), t);
      const d = Math.min(1, demand(hourOfDay(t, timeZone)) * rnd.between(0.9, 1.1) + leak);
      const dry = faults.get('dry_run') !== undefined;
      // On/off control with hysteresis; night demand (leaks, a few taps) keeps a booster set turning slowly.
      // A faulty pressure switch (short cycling) starts and stops the pump at every step.
      const shouldRun = !tripped && (faults.get('short_cycling') ? !running : running ? d > 0.06 : d > 0.1);
      if (shouldRun && !running) {
        starts++;
        events.push({ type: 'start' });
      }
      if (!shouldRun && running) events.push({ type: 'stop' });
      running = shouldRun;

      const wear = severity(faults.get('bearing_wear'), t);
      // Cavitation: the suction side starves (a clogged strainer, a low tank): suction pressure falls
      // below the vapour margin, flow turns noisy, the pump rattles.
      const cavitation = running ? severity(faults.get('cavitation'), t) : 0;
      const overload = severity(faults.get('motor_overload'), t);
      const load = running ? (dry ? 0.35 : Math.min(1.1, 0.45 + 0.6 * d)) : 0;
      const flow = running && !dry ? Math.max(0, NOMINAL_FLOW * d * 1.1 * (1 - 0.3 * cavitation) + rnd.gauss(0, 0.6 + 6 * cavitation)) : 0;
      const pressureIn = Math.max(0.02, 1.2 + rnd.gauss(0, 0.03) - (running ? 0.1 * d : 0) - 1.05 * cavitation);
      const head = running ? SHUTOFF_BAR - CURVE_K * flow * flow : 0;
      const pressureOut = Math.max(0, pressureIn + head - 0.6 * leak + rnd.gauss(0, 0.04));
      // First-order thermal lag toward ambient + 25 K at full load (+15 K with worn bearings, +45 K overloaded).
      const target = ambient + (running ? 25 * load + 15 * wear + 45 * overload : 0);
      motorTemp += (target - motorTemp) * Math.min(1, dtH * 6);
      const vibration = running
        ? Math.max(0.2, 1.6 + 0.8 * load + 8 * wear * wear + 2.5 * cavitation + rnd.gauss(0, 0.12))
        : Math.max(0, rnd.gauss(0.08, 0.02));
      const current = running ? (4 + 22 * load) * (1 + 0.45 * overload) + rnd.gauss(0, 0.3) : 0;
      if (running) runHours += dtH;
      if (dry && running) events.push({ type: 'dry_run' });

      return {
        telemetry: {
          flow_m3h: round(flow, 2),
          pressure_in_bar: round(pressureIn, 3),
          pressure_out_bar: round(pressureOut, 3),
          vibration_mms: round(vibration, 2),
          motor_temp_c: round(motorTemp + rnd.gauss(0, 0.1), 1),
          current_a: round(Math.max(0, current), 2),
          running,
          run_hours: round(runHours, 3),
          starts,
        },
        events,
      };
    },
    inject(fault, at, rampMs) {
      faults.inject(fault, at, rampMs);
      if (fault === 'trip') {
        tripped = true;
        pendingEvents.push({ type: 'trip', reason: 'overload' });
      }
    },
    clear(fault) {
      faults.clear(fault);
      if (fault === 'trip') tripped = false;
    },
    active: faults.active,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
