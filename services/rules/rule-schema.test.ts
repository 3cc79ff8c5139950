import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ruleSchema } from './rule-schema.ts';

function problems(input: unknown): string[] {
  const r = z.array(ruleSchema).safeParse([input]);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('rule format', () => {
  it('reads each kind: threshold, rate of change, repeat, combination, event, silence', () => {
    const kinds = [
      { id: 'a', assetType: 'pump', metric: 'vibration_mms', when: { op: '>', value: 7.1 }, for: '60s', severity: 'critical' },
      { id: 'b', assetType: 'pump', metric: 'starts', change: { over: '1h' }, when: { op: '>', value: 12 }, severity: 'warning' },
      {
        id: 'c',
        assetType: 'elevator',
        metric: 'leveling_error_mm',
        when: { op: 'outside', value: [-10, 10] },
        repeat: { count: 3, within: '10m' },
        severity: 'warning',
      },
      {
        id: 'd',
        assetType: 'pump',
        all: [
          { metric: 'running', when: { op: '==', value: true } },
          { metric: 'flow_m3h', when: { op: '<', value: 1 } },
        ],
        for: '2m',
        severity: 'major',
      },
      { id: 'e', assetType: 'elevator', on: 'door_fault', repeat: { count: 3, within: '10m' }, severity: 'major' },
      { id: 'f', assetType: 'gate', noData: '5m', severity: 'major' },
    ];
    for (const k of kinds) expect(problems(k), k.id).toEqual([]);
  });

  it('names the field and the problem', () => {
    expect(
      problems({
        id: 'x',
        assetType: 'pump',
        metric: 'vibration_mms',
        when: { op: '>', value: 7 },
        for: '1m',
        repeat: { count: 3, within: '5m' },
        severity: 'major',
      }),
    ).toEqual(['0.repeat: expected either for or repeat, not both']);
    expect(problems({ id: 'x', assetType: 'pump', metric: 'running', change: { over: '1m' }, when: { op: '==', value: true }, severity: 'major' })).toEqual([
      '0.change: running is true/false: it has no rate of change',
    ]);
    expect(
      problems({
        id: 'x',
        assetType: 'pump',
        all: [
          { metric: 'flow_m3h', when: { op: '<', value: 1 } },
          { metric: 'rpm', when: { op: '>', value: 1 } },
        ],
        severity: 'major',
      }),
    ).toEqual([expect.stringMatching(/^0.all.1.metric: "rpm" is not a pump metric/)]);
    expect(problems({ id: 'x', assetType: 'pump', metric: 'flow_m3h', usage: true, when: { op: '>', value: 1 }, severity: 'major' })).toEqual([
      '0.usage: flow_m3h is not a counter: usage needs one (run_hours, starts)',
    ]);
    expect(problems({ id: 'x', assetType: 'gate', noData: 'a while', severity: 'major' })).toEqual([expect.stringMatching(/^0.noData: expected a duration/)]);
    expect(problems({ id: 'x', assetType: 'gate', on: 'door_fault', severity: 'major' })).toEqual([
      expect.stringMatching(/^0.on: "door_fault" is not a gate event/),
    ]);
    expect(problems({ id: 'x', assetType: 'elevator', on: 'door_fault', repeat: { count: 1, within: '1m' }, severity: 'major' })).toEqual([
      '0.repeat.count: expected a count of at least 2',
    ]);
    expect(problems({ id: 'x', assetType: 'pump', metric: 'flow_m3h', when: { op: '<', value: 1 }, severity: 'major', colour: 'red' })).toEqual([
      '0: unknown field "colour"',
    ]);
  });
});
