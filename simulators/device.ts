import { catalog, type DeviceType } from '../devices/catalog.ts';
import { createModel } from './models/index.ts';
import { severity, type ActiveFault } from './models/model.ts';
import { deviceTopic, type Channel } from '../services/shared/topics.ts';
import { createRandom, seedFrom } from './random.ts';

export interface DeviceSpec {
  id: string;
  type: DeviceType;
  site: string;
  /** The site's time zone, for daily profiles (the machine's when absent). */
  timeZone?: string | undefined;
}

/**
 * Faults of the device rather than the machine: its controller, its network, its sensors, its
 * firmware. Any device type can have them.
 */
export const deviceFaults = ['silent', 'flapping_connection', 'stuck_sensor', 'spikes', 'clock_skew', 'counter_reset', 'malformed'] as const;
export type DeviceFault = (typeof deviceFaults)[number];

export interface OutMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain?: boolean;
}

/** How long a flapping connection stays up, then down (simulated time). */
const FLAP_MS = 20_000;
/** How far a skewed clock is off. */
const SKEW_MS = 10 * 60_000;

/**
 * A simulated device: its machine model plus the faults of the device itself, turned into the MQTT
 * messages it would send at each step. The fleet only carries them; the offline scenario runner feeds
 * them to the rule engine. Same seed, same messages.
 */
export function createSimulatedDevice(spec: DeviceSpec, seed: number, startAt: number) {
  const model = createModel(spec.type, seedFrom(spec.id, seed), startAt, spec.timeZone);
  const rnd = createRandom(seedFrom(`${spec.id}/device`, seed));
  /** This device's topic of a channel. */
  const topic = (channel: Channel) => deviceTopic(spec.site, spec.type, spec.id, channel);
  const faults = new Map<DeviceFault, ActiveFault>();
  const counters = catalog[spec.type].metrics.filter((m) => m.kind === 'counter').map((m) => m.name);
  const gauges = catalog[spec.type].metrics.filter((m) => m.kind !== 'counter' && m.kind !== 'state').map((m) => m.name);
  let frozen: Record<string, number | boolean> | undefined;
  let counterOffsets: Record<string, number> = {};
  let resetPending = false;
  let hostile = 0;

  const isDeviceFault = (f: string): f is DeviceFault => (deviceFaults as readonly string[]).includes(f);

  function hostilePayload(t: number): string {
    // Each kind in turn: what a broken firmware or an attacker sends.
    switch (hostile++ % 6) {
      case 0:
        return '{"ts":' + t + ',"flow_m3h":'; // cut off mid-message
      case 1:
        return JSON.stringify({ ts: t, [gauges[0] ?? 'x']: 'NaN' }); // a number as text
      case 2:
        return JSON.stringify({ ts: t, firmware_debug: 1 }); // a metric nobody knows
      case 3:
        return JSON.stringify([1, 2, 3]); // not an object
      case 4:
        return JSON.stringify({ ts: t, blob: 'A'.repeat(20_000) }); // too large
      default:
        return '\u0000\u00ff\u00fe garbage';
    }
  }

  return {
    spec,
    topic,
    faultNames: [...model.faults, ...deviceFaults] as readonly string[],

    inject(fault: string, at: number, rampMs = 0): void {
      if (isDeviceFault(fault)) {
        faults.set(fault, { name: fault, since: at, rampMs });
        if (fault === 'counter_reset') resetPending = true;
        if (fault === 'stuck_sensor') frozen = undefined;
      } else if (model.faults.includes(fault)) model.inject(fault, at, rampMs);
      else throw new Error(`unknown ${spec.type} fault "${fault}": expected one of ${[...model.faults, ...deviceFaults].join(', ')}`);
    },

    clear(fault: string): void {
      if (isDeviceFault(fault)) {
        faults.delete(fault);
        if (fault === 'stuck_sensor') frozen = undefined;
      } else model.clear(fault);
    },

    faults(): string[] {
      return [...model.active().map((f) => f.name), ...faults.keys()];
    },

    /** Whether the device keeps its connection up at `t` (a flapping one drops it every 20 s). */
    online(t: number): boolean {
      const f = faults.get('flapping_connection');
      return !f || Math.floor((t - f.since) / FLAP_MS) % 2 === 0;
    },

    /** The messages the device sends at time `t` (telemetry, events), after its own faults. */
    step(t: number): OutMessage[] {
      const out = model.step(t);
      if (faults.has('silent') || !this.online(t)) return [];
      let telemetry = { ...out.telemetry };
      if (resetPending) {
        // A firmware update or a replaced controller: counters start again from zero.
        counterOffsets = Object.fromEntries(counters.map((c) => [c, Number(telemetry[c] ?? 0)]));
        resetPending = false;
      }
      for (const c of counters)
        if (typeof telemetry[c] === 'number') telemetry[c] = Math.round(((telemetry[c] as number) - (counterOffsets[c] ?? 0)) * 1000) / 1000;
      if (faults.has('stuck_sensor')) {
        // The sensors report the same values for ever; counters are kept by the controller and move on.
        frozen ??= Object.fromEntries(gauges.filter((g) => g in telemetry).map((g) => [g, telemetry[g]!]));
        telemetry = { ...telemetry, ...frozen };
      }
      const spikes = faults.get('spikes');
      if (spikes && gauges.length && rnd.chance(0.05 + 0.15 * severity(spikes, t))) {
        const g = gauges[Math.floor(rnd.next() * gauges.length)]!;
        if (typeof telemetry[g] === 'number') telemetry[g] = (telemetry[g] as number) * 10 + 100;
      }
      const ts = faults.has('clock_skew') ? t + SKEW_MS : t;
      const messages: OutMessage[] = [];
      const malformed = faults.has('malformed') && rnd.chance(0.3);
      messages.push({ topic: topic('telemetry'), payload: malformed ? hostilePayload(ts) : JSON.stringify({ ts, ...telemetry }), qos: 0 });
      for (const e of out.events) messages.push({ topic: topic('event'), payload: JSON.stringify({ ts, ...e }), qos: 1 });
      return messages;
    },

    /** Events a fault sends at once when injected (entrapment, forced open…), without a telemetry step. */
    eventsNow(t: number): OutMessage[] {
      return this.step(t).filter((m) => m.topic.endsWith('/event'));
    },
  };
}
export type SimulatedDevice = ReturnType<typeof createSimulatedDevice>;
