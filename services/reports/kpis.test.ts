import { describe, expect, it } from 'vitest';
import { backlog, badActors, pmCompliance, reliability, rulePrecision, satisfaction, slaCompliance } from './kpis.ts';
import { D, T0, assets, orders, period } from './testing/fixture.ts';

describe('service-quality figures against a hand-computed month', () => {
  it('MTBF, MTTR, availability and time to acknowledge per asset type', () => {
    expect(reliability(orders, assets, period, (a) => a.type)).toEqual([
      // 1 gate × 720 h / 1 failure; still open 10 days of 30: 66.67 %; acknowledged in 4 min.
      { group: 'gate', assets: 1, failures: 1, mtbfHours: 720, mttrHours: null, availabilityPct: 66.67, mttaMinutes: 4 },
      // 2 pumps × 720 h / 3 failures (o1, o2, o3; o5 was no fault, o6 planned) = 480 h; (4 + 6 + 10) / 3 = 6.7 h;
      // 20 h down of 1,440: 98.61 %; (10 + 20 + 60) / 3 = 30 min.
      { group: 'pump', assets: 2, failures: 3, mtbfHours: 480, mttrHours: 6.7, availabilityPct: 98.61, mttaMinutes: 30 },
    ]);
  });

  it('SLA compliance by priority, PM compliance, backlog', () => {
    expect(slaCompliance(orders, period)).toEqual([
      { priority: 'P1', orders: 1, met: 1, compliancePct: 100 },
      { priority: 'P2', orders: 2, met: 1, compliancePct: 50 },
      { priority: 'P3', orders: 1, met: 1, compliancePct: 100 },
      { priority: 'P4', orders: 1, met: 1, compliancePct: 100 },
    ]);
    expect(
      pmCompliance(
        [
          { dueAt: T0 + 10 * D, doneAt: T0 + 9 * D, status: 'on_time' },
          { dueAt: T0 + 20 * D, doneAt: T0 + 21 * D, status: 'late' },
          { dueAt: T0 + 40 * D, doneAt: null, status: 'open' },
        ],
        period,
      ),
    ).toEqual({ due: 2, onTime: 1, compliancePct: 50 });
    // Open at the end: o3 (verified, 25 days) and o4 (in progress, 10 days).
    expect(backlog(orders, period)).toEqual({ open: 2, byAge: { under1d: 0, d1to7: 0, d7to30: 2, over30d: 0 }, oldestDays: 25 });
  });

  it('bad actors with repeats and chronic assets, satisfaction, rule precision', () => {
    expect(badActors(orders, period)).toEqual([
      // p1: o1 and o2 (the same fault back after 10 days: a repeat); with o7, 3 failures in 2 years: chronic.
      { assetId: 'p1', failures: 2, cumulativePct: 50, repeats: 1, chronic: true },
      { assetId: 'g1', failures: 1, cumulativePct: 75, repeats: 0, chronic: false },
      { assetId: 'p2', failures: 1, cumulativePct: 100, repeats: 0, chronic: false },
    ]);
    expect(satisfaction(orders, period)).toEqual({ ratings: 2, mean: 3.5, low: 1, distribution: { 1: 0, 2: 1, 3: 0, 4: 0, 5: 1 } });
    expect(rulePrecision(orders, period)).toEqual([
      { ruleId: 'pump.cavitation', orders: 1, realWork: 0, noFault: 1, precisionPct: 0 },
      { ruleId: 'pump.vibration-critical', orders: 2, realWork: 2, noFault: 0, precisionPct: 100 },
    ]);
  });
});
