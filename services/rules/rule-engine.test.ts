import { describe, expect, it } from 'vitest';
import { createRuleEngine, holds, type AlarmSignal, type RuleTarget } from './rule-engine.ts';
import { ruleSchema, type Rule, type RuleInput } from './rule-schema.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const pump: RuleTarget = { id: 'p1', type: 'pump', site: 'riverside', tags: ['old'] };
const gate: RuleTarget = { id: 'g1', type: 'gate', site: 'riverside', tags: [] };
const rule = (r: RuleInput): Rule => ruleSchema.parse(r);

const vibrationCritical = rule({
  id: 'pump.vibration-critical',
  assetType: 'pump',
  metric: 'vibration_mms',
  when: { op: '>', value: 7.1 },
  for: '60s',
  clear: { op: '<', value: 5.5, for: '5m' },
  severity: 'critical',
  workOrder: { priority: 'P2', title: 'Pump vibration critical' },
});

/** Feeds one vibration reading every `step` seconds and returns the signals with their times. */
function feed(engine: ReturnType<typeof createRuleEngine>, values: number[], stepS = 10, start = T0) {
  const out: { at: number; kind: AlarmSignal['kind'] }[] = [];
  values.forEach((v, i) => {
    for (const s of engine.onReading(pump, start + i * stepS * 1000, { vibration_mms: v })) out.push({ at: (s.ts - T0) / 1000, kind: s.kind });
  });
  return out;
}

describe('threshold rule with for and a hysteresis clear', () => {
  it('raises once the condition has held for 60 s, confirmed by a reading', () => {
    const engine = createRuleEngine([vibrationCritical]);
    expect(feed(engine, [2, 7.5, 7.6, 7.8, 8, 8.1, 8.2, 8.3, 8.4])).toEqual([{ at: 70, kind: 'raise' }]);
  });

  it('does not raise when the condition breaks before 60 s', () => {
    const engine = createRuleEngine([vibrationCritical]);
    expect(feed(engine, [7.5, 7.6, 7.7, 7.8, 7.9, 6.9, 7.5, 7.6, 7.7])).toEqual([]);
  });

  it('stays raised between the clear and the raise limits, and clears after 5 min below 5.5', () => {
    const engine = createRuleEngine([vibrationCritical]);
    const highs = Array(8).fill(8); // raise at 70 s
    const hovering = Array(60).fill(6.5); // neither above 7.1 nor below 5.5: stays active
    const low = Array(32).fill(4); // 5 min below 5.5 → clear
    const signals = feed(engine, [...highs, ...hovering, ...low]);
    expect(signals).toEqual([
      { at: 60, kind: 'raise' },
      { at: (8 + 60 + 30) * 10, kind: 'clear' },
    ]);
  });

  it('goes back to active when the value rises during the clear period', () => {
    const engine = createRuleEngine([vibrationCritical]);
    const signals = feed(engine, [...Array(8).fill(8), ...Array(20).fill(4), 6, ...Array(31).fill(4)]);
    expect(signals.map((s) => s.kind)).toEqual(['raise', 'clear']);
    expect(signals[1]!.at).toBe((8 + 20 + 1 + 30) * 10);
  });

  it('raises at once without for, and clears when the condition is false without clear', () => {
    const engine = createRuleEngine([rule({ id: 'r', assetType: 'pump', metric: 'motor_temp_c', when: { op: '>=', value: 90 }, severity: 'major' })]);
    const at = (i: number) => T0 + i * 1000;
    expect(engine.onReading(pump, at(0), { motor_temp_c: 90 })[0]?.kind).toBe('raise');
    expect(engine.onReading(pump, at(1), { motor_temp_c: 95 })).toEqual([]);
    expect(engine.onReading(pump, at(2), { motor_temp_c: 89 })[0]?.kind).toBe('clear');
  });

  it('ignores readings older than the last one evaluated', () => {
    const engine = createRuleEngine([rule({ id: 'r', assetType: 'pump', metric: 'motor_temp_c', when: { op: '>', value: 90 }, severity: 'major' })]);
    engine.onReading(pump, T0 + 10_000, { motor_temp_c: 50 });
    expect(engine.onReading(pump, T0, { motor_temp_c: 99 })).toEqual([]);
  });

  it('keeps the state of each asset apart', () => {
    const engine = createRuleEngine([vibrationCritical]);
    const p2 = { ...pump, id: 'p2' };
    for (let i = 0; i <= 6; i++) engine.onReading(pump, T0 + i * 10_000, { vibration_mms: 8 });
    expect(engine.onReading(p2, T0 + 70_000, { vibration_mms: 8 })).toEqual([]);
  });

  it('resumes a pending for-timer after a restart from the saved state', () => {
    const before = createRuleEngine([vibrationCritical]);
    feed(before, [8, 8, 8, 8]); // pending since T0, 30 s in
    const saved = JSON.parse(JSON.stringify(before.exportStates()));
    const after = createRuleEngine([vibrationCritical]);
    after.importStates(saved);
    expect(feed(after, [8, 8, 8, 8], 10, T0 + 40_000)).toEqual([{ at: 60, kind: 'raise' }]);
  });

  it('does not raise again after a restart when the alarm is open in the database', () => {
    const engine = createRuleEngine([vibrationCritical]);
    engine.restoreActive('p1', 'riverside', 'pump.vibration-critical', T0);
    expect(feed(engine, Array(10).fill(8))).toEqual([]);
  });
});

describe('selectors', () => {
  const oldPumps = rule({
    id: 'r',
    assetType: 'pump',
    select: { tags: ['old'], sites: ['riverside'] },
    metric: 'motor_temp_c',
    when: { op: '>', value: 70 },
    severity: 'warning',
  });
  it('apply a rule to the assets whose site and tags match', () => {
    const engine = createRuleEngine([oldPumps]);
    expect(engine.onReading(pump, T0, { motor_temp_c: 75 })).toHaveLength(1);
    expect(engine.onReading({ ...pump, id: 'p3', tags: [] }, T0, { motor_temp_c: 75 })).toEqual([]);
    expect(engine.onReading({ ...pump, id: 'p4', site: 'lakeview' }, T0, { motor_temp_c: 75 })).toEqual([]);
  });
});

describe('event rules', () => {
  const forced = rule({ id: 'gate.forced-open', assetType: 'gate', on: 'forced_open', clear: { after: '10m' }, severity: 'critical' });

  it('raise on the event, count repeats while active, and clear after the quiet period', () => {
    const engine = createRuleEngine([forced]);
    expect(engine.onEvent(gate, T0, 'forced_open').map((s) => s.kind)).toEqual(['raise']);
    expect(engine.onEvent(gate, T0 + 60_000, 'forced_open').map((s) => s.kind)).toEqual(['repeat']);
    expect(engine.tick(T0 + 60_000 + 9 * 60_000)).toEqual([]);
    expect(engine.tick(T0 + 60_000 + 10 * 60_000).map((s) => s.kind)).toEqual(['clear']);
    expect(engine.onEvent(gate, T0 + 3_600_000, 'forced_open').map((s) => s.kind)).toEqual(['raise']);
  });

  it('ignore other events and other device types', () => {
    const engine = createRuleEngine([forced]);
    expect(engine.onEvent(gate, T0, 'tamper')).toEqual([]);
    expect(engine.onEvent(pump, T0, 'forced_open')).toEqual([]);
  });
});

describe('evaluation cost', () => {
  it('touches only the rules of the reading’s type and metrics', () => {
    // 1,000 rules on another metric must not be evaluated for a vibration reading: no signal, and
    // none of their state is created.
    const others = Array.from({ length: 1000 }, (_, i) =>
      rule({ id: `other-${i}`, assetType: 'pump', metric: 'flow_m3h', when: { op: '<', value: -1 }, severity: 'info' }),
    );
    const engine = createRuleEngine([...others, vibrationCritical]);
    expect(feed(engine, Array(8).fill(8))).toEqual([{ at: 60, kind: 'raise' }]);
  });
});

describe('holds', () => {
  it.each([
    [{ op: '>', value: 1 }, 2, true],
    [{ op: '>', value: 1 }, 1, false],
    [{ op: '>=', value: 1 }, 1, true],
    [{ op: '<', value: 1 }, 0, true],
    [{ op: '<=', value: 1 }, 2, false],
    [{ op: '==', value: false }, false, true],
    [{ op: '!=', value: true }, true, false],
    [{ op: 'between', value: [1, 3] }, 3, true],
    [{ op: 'between', value: [1, 3] }, 3.1, false],
    [{ op: 'outside', value: [1, 3] }, 0.9, true],
    [{ op: '>', value: 1 }, true, false],
  ] as const)('%j with %s is %s', (c, v, expected) => {
    expect(holds(c as never, v)).toBe(expected);
  });
});

describe('repeating conditions', () => {
  it('raise when a threshold is crossed the given number of times within the window', () => {
    const engine = createRuleEngine([
      rule({
        id: 'r',
        assetType: 'elevator',
        metric: 'leveling_error_mm',
        when: { op: 'outside', value: [-10, 10] },
        repeat: { count: 3, within: '10m' },
        severity: 'warning',
      }),
    ]);
    const lift: RuleTarget = { id: 'e1', type: 'elevator', site: 's', tags: [] };
    const at = (min: number) => T0 + min * 60_000;
    const feedLift = (min: number, v: number) => engine.onReading(lift, at(min), { leveling_error_mm: v }).map((s) => s.kind);
    expect(feedLift(0, 12)).toEqual([]); // 1st time out of limits
    expect(feedLift(1, 14)).toEqual([]); // still the same excursion: not counted again
    expect(feedLift(2, 1)).toEqual([]);
    expect(feedLift(3, -11)).toEqual([]); // 2nd
    expect(feedLift(4, 0)).toEqual([]);
    expect(feedLift(12, 13)).toEqual([]); // 3rd, but the 1st (minute 0) is now older than 10 min
    expect(feedLift(12.5, 0)).toEqual([]);
    expect(feedLift(12.9, 15)).toEqual(['raise']); // minutes 3, 12 and 12.9: three within 10 min
    expect(feedLift(13, 0)).toEqual(['clear']);
  });

  it('raise an event rule on the nth event within the window, then count repeats', () => {
    const engine = createRuleEngine([
      rule({ id: 'doors', assetType: 'elevator', on: 'door_fault', repeat: { count: 3, within: '10m' }, clear: { after: '30m' }, severity: 'major' }),
    ]);
    const lift: RuleTarget = { id: 'e1', type: 'elevator', site: 's', tags: [] };
    const kinds = [0, 4, 11, 12, 13, 14].map((min) => engine.onEvent(lift, T0 + min * 60_000, 'door_fault').map((s) => s.kind));
    // At minute 12 the faults of minutes 4, 11 and 12 fall within 10 minutes (minute 0 no longer does).
    expect(kinds).toEqual([[], [], [], ['raise'], ['repeat'], ['repeat']]);
  });
});

describe('rate of change', () => {
  const rising = rule({ id: 'hot', assetType: 'pump', metric: 'motor_temp_c', change: { over: '10m' }, when: { op: '>', value: 15 }, severity: 'warning' });

  it('compares the change over the window, not the value', () => {
    const engine = createRuleEngine([rising]);
    const temps = [40, 42, 44, 47, 50, 53, 56, 58, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60];
    const signals = temps.flatMap((v, min) =>
      engine.onReading(pump, T0 + min * 60_000, { motor_temp_c: v }).map((s) => ({ min, kind: s.kind, value: s.value })),
    );
    // At minute 10 the temperature is 20 K above minute 0; it clears once the window holds no rise above 15 K.
    expect(signals).toEqual([
      { min: 10, kind: 'raise', value: 20 },
      { min: 13, kind: 'clear', value: 13 },
    ]);
  });

  it('says nothing until the history reaches back over the whole window', () => {
    const engine = createRuleEngine([rising]);
    expect(engine.onReading(pump, T0, { motor_temp_c: 20 })).toEqual([]);
    expect(engine.onReading(pump, T0 + 60_000, { motor_temp_c: 90 })).toEqual([]);
  });
});

describe('combinations of metrics of one asset', () => {
  const cavitation = rule({
    id: 'cav',
    assetType: 'pump',
    all: [
      { metric: 'running', when: { op: '==', value: true } },
      { metric: 'pressure_in_bar', when: { op: '<', value: 0.3 } },
    ],
    for: '2m',
    severity: 'major',
  });

  it('raise when all conditions hold on the latest values for the duration, also when they arrive in separate readings', () => {
    const engine = createRuleEngine([cavitation]);
    const at = (s: number) => T0 + s * 1000;
    expect(engine.onReading(pump, at(0), { pressure_in_bar: 0.2 })).toEqual([]); // running unknown yet
    expect(engine.onReading(pump, at(10), { running: true })).toEqual([]); // both hold from here
    expect(engine.onReading(pump, at(70), { pressure_in_bar: 0.25 })).toEqual([]);
    const raised = engine.onReading(pump, at(130), { pressure_in_bar: 0.2, running: true });
    expect(raised.map((s) => [s.kind, s.message])).toEqual([['raise', 'cav: running true == true and pressure_in_bar 0.2 < 0.3 for 2m']]);
    expect(engine.onReading(pump, at(140), { running: false }).map((s) => s.kind)).toEqual(['clear']);
  });

  it('any: one condition is enough', () => {
    const engine = createRuleEngine([
      rule({
        id: 'any',
        assetType: 'pump',
        any: [
          { metric: 'motor_temp_c', when: { op: '>', value: 90 } },
          { metric: 'current_a', when: { op: '>', value: 40 } },
        ],
        severity: 'major',
      }),
    ]);
    expect(engine.onReading(pump, T0, { motor_temp_c: 50, current_a: 45 }).map((s) => s.kind)).toEqual(['raise']);
  });
});

describe('device silent', () => {
  const offline = rule({ id: 'gate.offline', assetType: 'gate', noData: '5m', severity: 'major' });
  const gates: RuleTarget[] = [gate, { ...gate, id: 'g2' }];
  const min = (m: number) => T0 + m * 60_000;

  it('raises for a device not heard from for the duration and clears when it speaks again', () => {
    const engine = createRuleEngine([offline], T0);
    engine.onActivity(gate, min(0));
    engine.onActivity(gates[1]!, min(3));
    expect(engine.tick(min(4), { targets: gates, brokerUpSince: T0 })).toEqual([]);
    const raised = engine.tick(min(5), { targets: gates, brokerUpSince: T0 });
    expect(raised.map((s) => [s.assetId, s.kind])).toEqual([['g1', 'raise']]);
    expect(raised[0]!.message).toMatch(/^gate.offline: nothing received for 5m/);
    expect(engine.tick(min(6), { targets: gates, brokerUpSince: T0 })).toEqual([]); // once
    expect(engine.onActivity(gate, min(7)).map((s) => [s.assetId, s.kind])).toEqual([['g1', 'clear']]);
  });

  it('counts nothing while the broker is down, and measures silence from when it came back', () => {
    const engine = createRuleEngine([offline], T0);
    engine.onActivity(gate, min(0));
    engine.onActivity(gates[1]!, min(0));
    expect(engine.tick(min(10), { targets: gates, brokerUpSince: null })).toEqual([]);
    expect(engine.tick(min(12), { targets: gates, brokerUpSince: min(10) })).toEqual([]);
    engine.onActivity(gates[1]!, min(11));
    expect(engine.tick(min(15), { targets: gates, brokerUpSince: min(10) }).map((s) => s.assetId)).toEqual(['g1']);
  });

  it('measures a device never heard from since the start of FMS', () => {
    const engine = createRuleEngine([offline], min(100));
    expect(engine.tick(min(104), { targets: [gate], brokerUpSince: 0 })).toEqual([]);
    expect(engine.tick(min(105), { targets: [gate], brokerUpSince: 0 })).toHaveLength(1);
  });
});

describe('per-asset overrides', () => {
  it('let an old pump run hotter without copying the rule', () => {
    const hot = rule({
      id: 'pump.hot',
      assetType: 'pump',
      metric: 'motor_temp_c',
      when: { op: '>', value: 80 },
      overrides: { 'old-pump': { when: { op: '>', value: 90 } } },
      severity: 'major',
    });
    const engine = createRuleEngine([hot]);
    const old: RuleTarget = { ...pump, id: 'old-pump' };
    expect(engine.onReading(pump, T0, { motor_temp_c: 85 }).map((s) => s.kind)).toEqual(['raise']);
    expect(engine.onReading(old, T0, { motor_temp_c: 85 })).toEqual([]);
    expect(engine.onReading(old, T0 + 1000, { motor_temp_c: 91 })[0]!.message).toBe('pump.hot: motor_temp_c 91 > 90');
  });
});

describe('usage since an anchor (counter thresholds)', () => {
  const service = rule({ id: 'pump.service-due', assetType: 'pump', metric: 'run_hours', usage: true, when: { op: '>=', value: 500 }, severity: 'info' });

  it('raises when the counter has grown by the limit since the first reading, counting across a device reset', () => {
    const engine = createRuleEngine([service]);
    const hours = [1000, 1100, 1200, 1300, 20, 120, 190, 220]; // reset to 0 after 1300: +20, +100, +70, +30
    const signals = hours.flatMap((h, i) => engine.onReading(pump, T0 + i * 3_600_000, { run_hours: h }).map((s) => ({ i, kind: s.kind, value: s.value })));
    expect(signals).toEqual([{ i: 7, kind: 'raise', value: 520 }]);
  });

  it('counts again from the acknowledgement: the alarm clears with the next reading', () => {
    const engine = createRuleEngine([service]);
    engine.onReading(pump, T0, { run_hours: 0 });
    expect(engine.onReading(pump, T0 + 1, { run_hours: 600 }).map((s) => s.kind)).toEqual(['raise']);
    engine.resetUsage('p1', 'pump.service-due');
    expect(engine.onReading(pump, T0 + 2, { run_hours: 601 }).map((s) => s.kind)).toEqual(['clear']);
    expect(engine.onReading(pump, T0 + 3, { run_hours: 1099 }).map((s) => s.kind)).toEqual([]); // 499 since the acknowledgement
    expect(engine.onReading(pump, T0 + 4, { run_hours: 1101 }).map((s) => s.kind)).toEqual(['raise']);
  });
});

describe('rate of change at a high reading rate', () => {
  it('keeps a bounded history, whatever the rate', () => {
    const engine = createRuleEngine([
      rule({ id: 'starts', assetType: 'pump', metric: 'starts', change: { over: '1h' }, when: { op: '>', value: 12 }, severity: 'warning' }),
    ]);
    // One reading a second for two hours; 20 starts in the second hour.
    for (let i = 0; i <= 7200; i++) engine.onReading(pump, T0 + i * 1000, { starts: i < 3600 ? 100 : 100 + Math.floor((i - 3600) / 180) });
    const saved = engine.exportStates();
    expect(saved[0]!.state.history.length).toBeLessThanOrEqual(62);
    expect(saved[0]!.state.phase).toBe('active');
  });
});
