import type { DeviceType } from '../../devices/catalog.ts';

/** What a simulated device emits in one step. */
export interface StepOutput {
  telemetry: Record<string, number | boolean>;
  events: { type: string; [detail: string]: string | number | boolean }[];
}

export interface ActiveFault {
  name: string;
  /** When it was injected (simulated epoch ms). */
  since: number;
  /** Time for a growing fault to reach full severity, ms. */
  rampMs: number;
}

/** A device model: advances its physical state and reports it. Pure apart from its seeded randomness. */
export interface DeviceModel {
  readonly type: DeviceType;
  /** Fault names this model knows. */
  readonly faults: readonly string[];
  /** Advances to time `t` (epoch ms) and returns what the device would publish. */
  step(t: number): StepOutput;
  inject(fault: string, at: number, rampMs?: number): void;
  /** Clears a fault: models the repair. */
  clear(fault: string): void;
  active(): ActiveFault[];
}

/** Severity of a growing fault at time t: 0 at injection, 1 after its ramp. */
export function severity(f: ActiveFault | undefined, t: number): number {
  if (!f) return 0;
  if (f.rampMs <= 0) return 1;
  return Math.min(1, Math.max(0, (t - f.since) / f.rampMs));
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/**
 * Hour of day with fractions (0-24) in a time zone (the machine's when none is given), for daily
 * demand and traffic profiles. Scenarios give their sites' zone, so a run does not depend on where
 * the machine is.
 */
export function hourOfDay(t: number, timeZone?: string): number {
  if (!timeZone) {
    const d = new Date(t);
    return d.getHours() + d.getMinutes() / 60;
  }
  let f = clocks.get(timeZone);
  if (!f) clocks.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' })));
  const [h, m] = f.format(t).split(':');
  return Number(h) + Number(m) / 60;
}

/** Helper shared by the models: a fault register with `inject`/`clear`/`active`. */
export function createFaultSet(known: readonly string[], type: string) {
  const faults = new Map<string, ActiveFault>();
  return {
    get: (name: string) => faults.get(name),
    inject(name: string, at: number, rampMs = 0) {
      if (!known.includes(name)) throw new Error(`unknown ${type} fault "${name}": expected one of ${known.join(', ')}`);
      faults.set(name, { name, since: at, rampMs });
    },
    clear(name: string) {
      faults.delete(name);
    },
    active: () => [...faults.values()],
  };
}
