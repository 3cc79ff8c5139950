import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { indicatorsByType } from '../condition/indicators.ts';
import { judge, levelsFor, type RuleLike } from './limits.ts';

const rules = (type: string) => parse(readFileSync(new URL(`../../devices/${type}/rules.yaml`, import.meta.url), 'utf8')) as RuleLike[];
const pump = { id: 'rs-pump-01', type: 'pump', site: 'riverside' };

describe('the levels a reading is judged by', () => {
  it("takes a pump's vibration levels from its indicator and its rules, once each", () => {
    const levels = levelsFor(pump, indicatorsByType.pump!, rules('pump'));
    expect(levels.get('vibration_mms')).toEqual([
      { value: 7.1, kind: 'limit', side: 'above' },
      { value: 4.5, kind: 'warning', side: 'above' },
      { value: 2.8, kind: 'normal', side: 'above' },
    ]);
    // A combination rule (cavitation) and a rate-of-change rule (starts) draw no level.
    expect(levels.has('pressure_in_bar')).toBe(false);
    expect(levels.has('starts')).toBe(false);
    expect(judge(5, levels.get('vibration_mms')!)).toBe('warning');
    expect(judge(7.2, levels.get('vibration_mms')!)).toBe('limit');
    expect(judge(2.9, levels.get('vibration_mms')!)).toBeNull();
  });

  it('reads a low-side limit and a range rule the right way round', () => {
    const gate = levelsFor({ id: 'g', type: 'gate', site: 'riverside' }, [], rules('gate'));
    const battery = gate.get('battery_pct')!;
    expect(battery).toEqual([{ value: 20, kind: expect.any(String), side: 'below' }]);
    expect(judge(15, battery)).not.toBeNull();
    expect(judge(80, battery)).toBeNull();
    const lift = levelsFor({ id: 'e', type: 'elevator', site: 'riverside' }, indicatorsByType.elevator!, rules('elevator'));
    expect(judge(-12, lift.get('leveling_error_mm')!)).toBe('limit');
    expect(judge(8, lift.get('leveling_error_mm')!)).toBe('warning');
  });

  it("uses an asset's own override and ignores rules selected for other sites", () => {
    const custom: RuleLike[] = [
      {
        assetType: 'pump',
        severity: 'major',
        metric: 'motor_temp_c',
        when: { op: '>', value: 80 },
        overrides: { 'rs-pump-01': { when: { op: '>', value: 90 } } },
      },
      { assetType: 'pump', severity: 'critical', metric: 'current_a', when: { op: '>', value: 30 }, select: { sites: ['harbour'] } },
    ];
    const levels = levelsFor(pump, [], custom);
    expect(levels.get('motor_temp_c')).toEqual([{ value: 90, kind: 'limit', side: 'above' }]);
    expect(levels.has('current_a')).toBe(false);
  });
});
