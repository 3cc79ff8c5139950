import { describe, expect, it } from 'vitest';
import { healthIndex, recommend, risk, type HealthInputs } from './health.ts';
import type { TrendEstimate } from './trend.ts';

const NOW = Date.UTC(2026, 10, 24);
const DAY = 86_400_000;
const trendIn = (days: number): TrendEstimate => ({
  status: 'trend',
  summary: '',
  model: 'linear',
  slopePerDay: 0.05,
  crossing: { earliest: NOW + (days - 5) * DAY, likely: NOW + days * DAY, latest: NOW + (days + 5) * DAY },
  confidence: 0.8,
  estimatedAt: NOW,
  from: NOW - 60 * DAY,
  points: 200,
});
const healthy: HealthInputs = {
  indicators: [{ metric: 'vibration_mms', level: 2, normal: 2.8, limit: 7.1 }],
  alarms: 0,
  openRepairs: 0,
  overduePm: 0,
  now: NOW,
};

describe('health index', () => {
  it('is 100 for a healthy asset, with nothing deducted', () => {
    expect(healthIndex(healthy)).toEqual({ score: 100, deductions: [] });
    expect(recommend(healthIndex(healthy), healthy).action).toBe('none');
  });

  it('deducts for each input, as computed by hand, and lists why', () => {
    const worn: HealthInputs = {
      // 5.68 between normal 2.8 and limit 7.1: (5.68 − 2.8) / (7.1 − 2.8) × 40 = 26.79 → 26.8 points;
      // the motor at its normal 60 °C costs nothing.
      indicators: [
        { metric: 'vibration_mms', level: 5.68, normal: 2.8, limit: 7.1, trend: trendIn(20) },
        { metric: 'motor_temp_c', level: 60, normal: 60, limit: 80 },
      ],
      alarms: 2, // 6
      openRepairs: 1, // 5
      ageYears: 9, // 9 of 10 years: (0.9 − 0.8) / 0.4 × 10 = 2.5
      expectedLifeYears: 10,
      overduePm: 1, // 5
      now: NOW,
    };
    const h = healthIndex(worn);
    // 26.8 + 15 (crossing within 30 days) + 6 + 5 + 2.5 + 5 = 60.3 → 39.7 → 40
    expect(h.deductions).toEqual([
      {
        input: 'condition',
        points: 26.8,
        because: 'vibration_mms runs at 5.68, 80 % of its limit 7.1',
        facts: { metric: 'vibration_mms', level: 5.68, limit: 7.1, pct: 80 },
      },
      { input: 'trend', points: 15, because: 'vibration_mms reaches 7.1 in about 20 days', facts: { metric: 'vibration_mms', limit: 7.1, days: 20 } },
      { input: 'alarms', points: 6, because: '2 alarms in the period', facts: { count: 2 } },
      { input: 'open_repairs', points: 5, because: '1 repair open', facts: { count: 1 } },
      { input: 'overdue_pm', points: 5, because: '1 preventive visit overdue', facts: { count: 1 } },
      { input: 'age', points: 2.5, because: '9 of 10 expected years', facts: { years: 9, expected: 10 } },
    ]);
    expect(h.score).toBe(40);
    expect(recommend(h, worn)).toEqual({
      action: 'inspect',
      reason: 'condition',
      because: 'vibration_mms runs at 5.68, 80 % of its limit 7.1',
      facts: { metric: 'vibration_mms', level: 5.68, limit: 7.1, pct: 80 },
    });
    expect(risk(h, 4)).toBe(240);
  });

  it('caps every input and never goes below 0', () => {
    const wreck: HealthInputs = {
      indicators: [{ metric: 'vibration_mms', level: 12, normal: 2.8, limit: 7.1 }],
      alarms: 40,
      openRepairs: 9,
      ageYears: 30,
      expectedLifeYears: 10,
      overduePm: 7,
      now: NOW,
    };
    const h = healthIndex(wreck);
    expect(h.deductions.map((d) => d.points)).toEqual([40, 15, 15, 10, 10]);
    expect(h.score).toBe(10);
    expect(recommend(h, wreck).action).toBe('replace');
  });

  it('recommends a repair when a limit will be crossed within two weeks', () => {
    const soon: HealthInputs = { ...healthy, indicators: [{ metric: 'vibration_mms', level: 4, normal: 2.8, limit: 7.1, trend: trendIn(10) }] };
    expect(recommend(healthIndex(soon), soon)).toEqual({
      action: 'schedule_repair',
      reason: 'crossing_soon',
      because: 'vibration_mms reaches 7.1 in about 10 days',
      facts: { metric: 'vibration_mms', limit: 7.1, days: 10 },
    });
  });

  it('costs nothing for running at the normal level, and asks for a repair at the limit, naming the indicator', () => {
    const warm: HealthInputs = { ...healthy, indicators: [{ metric: 'motor_temp_c', level: 59.5, normal: 60, limit: 80 }] };
    expect(healthIndex(warm).score).toBe(100);
    const atLimit: HealthInputs = { ...healthy, indicators: [{ metric: 'motor_temp_c', level: 81, normal: 60, limit: 80 }] };
    expect(recommend(healthIndex(atLimit), atLimit)).toMatchObject({
      action: 'schedule_repair',
      reason: 'at_limit',
      because: 'motor_temp_c is at its limit of 80',
    });
  });
});
