import { describe, expect, it } from 'vitest';
import type { Assessment } from '../prediction/types.ts';
import { alarmPoints, healthIndex, recommend, risk, type HealthInputs, type IndicatorInput } from './health.ts';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 24);

/** An assessment as services/prediction makes it, reduced to what the health index reads. */
function assessed(a: Partial<Assessment> & Pick<Assessment, 'state' | 'level'>): Assessment {
  return { baseline: null, onset: null, change: 0, model: null, crossing: null, rulHours: null, recommendation: 'none', why: {}, ...a };
}
const inDays = (days: number, low: number, high: number): Partial<Assessment> => ({
  crossing: { likely: NOW + days * 24 * H, low: NOW + low * 24 * H, high: NOW + high * 24 * H, coverage: 0.8 },
  rulHours: { likely: days * 24, low: low * 24, high: high * 24 },
  onset: NOW - 10 * 24 * H,
});
const vibration = (a: Assessment): IndicatorInput => ({ metric: 'vibration_mms', normal: 2.8, limit: 7.1, assessment: a });
const healthy: HealthInputs = {
  indicators: [vibration(assessed({ state: 'normal', level: 2 }))],
  alarms: [],
  openRepairs: 0,
  overduePm: 0,
};

describe('the health index', () => {
  it('is 100 for a healthy asset, with nothing deducted', () => {
    expect(healthIndex(healthy)).toEqual({ score: 100, deductions: [] });
    expect(recommend(healthIndex(healthy), healthy).action).toBe('none');
  });

  it('deducts for each input, as computed by hand, and lists the figures behind each', () => {
    const worn: HealthInputs = {
      // 5.68 between normal 2.8 and limit 7.1: (5.68 − 2.8) / (7.1 − 2.8) × 40 = 26.79 → 26.8 points;
      // the motor at its normal 60 °C costs nothing.
      indicators: [
        vibration(assessed({ state: 'at_limit', level: 5.68, recommendation: 'schedule_repair', ...inDays(20, 15, 27) })),
        { metric: 'motor_temp_c', normal: 60, limit: 80, assessment: assessed({ state: 'normal', level: 60 }) },
      ],
      // A critical alarm open 30 h (5 × 2 = 10) and a warning open 1 h (1): 11 points.
      alarms: [
        { severity: 'critical', hours: 30 },
        { severity: 'warning', hours: 1 },
      ],
      openRepairs: 1, // 5
      ageYears: 9, // 9 of 10 years: (0.9 − 0.8) / 0.4 × 10 = 2.5
      expectedLifeYears: 10,
      overduePm: 1, // 5
    };
    const h = healthIndex(worn);
    // 26.8 + 10 (likely crossing within 30 days) + 11 + 5 + 2.5 + 5 = 60.3 → 39.7 → 40
    expect(h.deductions).toEqual([
      { input: 'condition', points: 26.8, facts: { metric: 'vibration_mms', level: 5.68, limit: 7.1, pct: 80, state: 'at_limit' } },
      { input: 'alarms', points: 11, facts: { count: 2, critical: 1, major: 0, warning: 1, hours: 31 } },
      { input: 'trend', points: 10, facts: { metric: 'vibration_mms', limit: 7.1, days: 20, low: 15, high: 27 } },
      { input: 'open_repairs', points: 5, facts: { count: 1 } },
      { input: 'overdue_pm', points: 5, facts: { count: 1 } },
      { input: 'age', points: 2.5, facts: { years: 9, expected: 10 } },
    ]);
    expect(h.score).toBe(40);
    expect(risk(h, 4)).toBe(240);
  });

  it('weighs an alarm by its severity and by how long it stayed open', () => {
    expect(alarmPoints({ severity: 'info', hours: 0.1 })).toBe(0.5);
    expect(alarmPoints({ severity: 'warning', hours: 2 })).toBe(1);
    expect(alarmPoints({ severity: 'critical', hours: 0.2 })).toBe(5);
    // One more weight per full day open, at most four in all.
    expect(alarmPoints({ severity: 'critical', hours: 50 })).toBe(15);
    expect(alarmPoints({ severity: 'critical', hours: 24 * 30 })).toBe(20);
    const one = (severity: 'warning' | 'critical', hours: number) => healthIndex({ ...healthy, alarms: [{ severity, hours }] }).score;
    expect(one('critical', 1)).toBeLessThan(one('warning', 1));
    expect(one('warning', 72)).toBeLessThan(one('warning', 1));
  });

  it('caps every input and never goes below 0', () => {
    const wreck: HealthInputs = {
      indicators: [vibration(assessed({ state: 'beyond_limit', level: 12, recommendation: 'repair_now' }))],
      alarms: Array.from({ length: 40 }, () => ({ severity: 'critical' as const, hours: 1 })),
      openRepairs: 9,
      ageYears: 30,
      expectedLifeYears: 10,
      overduePm: 7,
    };
    const h = healthIndex(wreck);
    expect(h.deductions.map((d) => d.points)).toEqual([40, 15, 15, 10, 10]);
    expect(h.score).toBe(10);
    expect(recommend(h, wreck).action).toBe('replace');
  });
});

describe('what to do about an asset', () => {
  it('asks for a repair when the limit is likely reached within two weeks, with the range', () => {
    const soon: HealthInputs = {
      ...healthy,
      indicators: [vibration(assessed({ state: 'degrading', level: 4, recommendation: 'schedule_repair', ...inDays(10, 7, 14) }))],
    };
    expect(recommend(healthIndex(soon), soon)).toEqual({
      action: 'schedule_repair',
      reason: 'crossing_soon',
      facts: { metric: 'vibration_mms', limit: 7.1, level: 4, days: 10, low: 7, high: 14 },
    });
  });

  it('says the repair is under way, naming the open order, rather than asking for another', () => {
    const soon: HealthInputs = {
      ...healthy,
      indicators: [vibration(assessed({ state: 'at_limit', level: 5, recommendation: 'schedule_repair', ...inDays(5, 3, 8) }))],
    };
    expect(recommend(healthIndex(soon), soon, { id: 'WO-2026-000042', state: 'in_progress' })).toEqual({
      action: 'repair_under_way',
      reason: 'open_order',
      facts: { metric: 'vibration_mms', limit: 7.1, level: 5, days: 5, low: 3, high: 8, order: 'WO-2026-000042', state: 'in_progress', because: 'at_limit' },
    });
  });

  it('costs nothing at the normal level; beyond the limit it is a repair now, worded from the level', () => {
    const warm: HealthInputs = {
      ...healthy,
      indicators: [{ metric: 'motor_temp_c', normal: 60, limit: 80, assessment: assessed({ state: 'normal', level: 59.5 }) }],
    };
    expect(healthIndex(warm).score).toBe(100);
    const hot: HealthInputs = {
      ...healthy,
      indicators: [
        { metric: 'motor_temp_c', normal: 60, limit: 80, assessment: assessed({ state: 'beyond_limit', level: 81.2, recommendation: 'repair_now' }) },
      ],
    };
    expect(recommend(healthIndex(hot), hot)).toEqual({
      action: 'repair_now',
      reason: 'beyond_limit',
      facts: { metric: 'motor_temp_c', limit: 80, level: 81.2 },
    });
  });

  it('watches a degradation that has started but has no date yet', () => {
    const started: HealthInputs = {
      ...healthy,
      indicators: [vibration(assessed({ state: 'degrading', level: 3.1, onset: NOW - 2 * 24 * H, recommendation: 'watch' }))],
    };
    const h = healthIndex(started);
    expect(h.deductions).toContainEqual({
      input: 'trend',
      points: 3,
      facts: { metric: 'vibration_mms', limit: 7.1, days: 'unknown', since: NOW - 2 * 24 * H },
    });
    expect(recommend(h, started)).toEqual({ action: 'watch', reason: 'degrading', facts: { metric: 'vibration_mms', level: 3.1, limit: 7.1 } });
  });
});
