import { describe, expect, it } from 'vitest';
import { telemetrySchemas, eventSchemas } from '../../devices/schemas.ts';
import { deviceTypes } from '../../devices/catalog.ts';
import { createRuleEngine, type AlarmSignal } from '../../services/rules/rule-engine.ts';
import { loadDefaultRules } from '../../services/rules/rule-loader.ts';
import { parseFault } from '../fault-spec.ts';
import { createModel } from './index.ts';

const T0 = new Date(2026, 10, 24, 8, 0, 0).getTime(); // 08:00 local: morning rush

function run(
  type: (typeof deviceTypes)[number],
  seed: number,
  steps: number,
  stepMs: number,
  before?: (m: ReturnType<typeof createModel>, t: number, i: number) => void,
) {
  const model = createModel(type, seed, T0);
  return Array.from({ length: steps }, (_, i) => {
    const t = T0 + (i + 1) * stepMs;
    before?.(model, t, i);
    return { t, ...model.step(t) };
  });
}

describe('simulated devices', () => {
  it.each(deviceTypes)('%s: the same seed gives identical output, another seed does not', (type) => {
    expect(run(type, 42, 200, 1000)).toEqual(run(type, 42, 200, 1000));
    expect(run(type, 42, 200, 1000)).not.toEqual(run(type, 43, 200, 1000));
  });

  it.each(deviceTypes)('%s: every message it publishes passes the contract schemas', (type) => {
    const faults = { pump: ['bearing_wear', 'trip'], elevator: ['entrapment', 'door_obstruction'], gate: ['forced_open', 'held_open', 'battery_decline'] }[
      type
    ];
    for (const out of run(type, 1, 600, 1000, (m, t, i) => i === 100 && faults.forEach((f) => m.inject(f, t, 60_000)))) {
      expect(telemetrySchemas[type].safeParse(out.telemetry).success).toBe(true);
      for (const e of out.events) expect(eventSchemas[type].safeParse(e).success, JSON.stringify(e)).toBe(true);
    }
  });

  it('counters only grow in normal operation', () => {
    const pump = run('pump', 3, 3600, 1000);
    const elevator = run('elevator', 3, 3600, 1000);
    const gate = run('gate', 3, 3600, 1000);
    const grows = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);
    expect(grows(pump.map((o) => o.telemetry.run_hours as number))).toBe(true);
    expect(grows(elevator.map((o) => o.telemetry.trips as number))).toBe(true);
    expect(grows(gate.map((o) => o.telemetry.passages as number))).toBe(true);
    // At 08:00 an elevator is busy: a rush hour has trips every minute.
    const trips = (elevator.at(-1)!.telemetry.trips as number) - (elevator[0]!.telemetry.trips as number);
    expect(trips).toBeGreaterThan(60);
  });

  it('a running pump follows its curve over a day: more flow, less head', () => {
    const samples = run('pump', 9, 1440, 60_000)
      .map((o) => o.telemetry)
      .filter((x) => x.running);
    const lowFlow = samples.filter((x) => (x.flow_m3h as number) < 25);
    const highFlow = samples.filter((x) => (x.flow_m3h as number) > 35);
    const mean = (xs: typeof samples) => xs.reduce((a, x) => a + (x.pressure_out_bar as number), 0) / xs.length;
    expect(lowFlow.length && highFlow.length).toBeGreaterThan(0);
    expect(mean(lowFlow)).toBeGreaterThan(mean(highFlow));
  });
});

describe('faults produce the signature their rule expects (through the real rule engine)', () => {
  const engine = () => createRuleEngine(loadDefaultRules());

  function alarmsOf(type: (typeof deviceTypes)[number], fault: string | undefined, steps: number, rampMs = 0) {
    const e = engine();
    const target = { id: `${type}-1`, type, site: 's', tags: [] };
    const signals: AlarmSignal[] = [];
    for (const out of run(type, 5, steps, 1000, (m, t, i) => fault && i === 10 && m.inject(fault, t, rampMs))) {
      signals.push(...e.onReading(target, out.t, out.telemetry));
      for (const ev of out.events) signals.push(...e.onEvent(target, out.t, ev.type));
    }
    return signals.filter((s) => s.kind === 'raise').map((s) => s.rule.id);
  }

  it('normal operation over an hour raises nothing', () => {
    for (const type of deviceTypes) expect(alarmsOf(type, undefined, 3600), type).toEqual([]);
  });

  it('pump bearing wear raises the vibration warning, then the critical alarm', () => {
    expect(alarmsOf('pump', 'bearing_wear', 900, 120_000)).toEqual(['pump.vibration-critical', 'pump.vibration-warning']);
  });

  it('elevator entrapment raises the entrapment alarm', () => {
    expect(alarmsOf('elevator', 'entrapment', 60)).toEqual(['elevator.entrapment']);
  });

  it('gate forced open raises the forced-open alarm; a declining battery raises the battery alarm', () => {
    expect(alarmsOf('gate', 'forced_open', 60)).toEqual(['gate.forced-open']);
    expect(alarmsOf('gate', 'battery_decline', 3600, 600_000)).toEqual(['gate.battery-low']);
  });

  it('a pump trip raises the trip alarm', () => {
    expect(alarmsOf('pump', 'trip', 60)).toEqual(['pump.trip']);
  });
});

describe('parseFault', () => {
  it('reads asset, fault, delay and ramp', () => {
    expect(parseFault('sim-pump-01:bearing_wear@30s~5m')).toEqual({ assetId: 'sim-pump-01', fault: 'bearing_wear', delayMs: 30_000, rampMs: 300_000 });
    expect(parseFault('g1:forced_open')).toEqual({ assetId: 'g1', fault: 'forced_open', delayMs: 0, rampMs: 0 });
    expect(parseFault('g1 forced_open')).toBeUndefined();
  });
});
