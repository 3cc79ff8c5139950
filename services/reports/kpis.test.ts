import { describe, expect, it } from 'vitest';
import { backlog, badActors, pmCompliance, reliability, rulePrecision, satisfaction, slaCompliance, type AssetFacts, type OrderFacts } from './kpis.ts';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 10, 1);
const period = { from: T0, to: T0 + 30 * D };
const assets: AssetFacts[] = [
  { id: 'p1', type: 'pump', site: 'riverside' },
  { id: 'p2', type: 'pump', site: 'riverside' },
  { id: 'g1', type: 'gate', site: 'lakeview' },
];
const order = (o: Partial<OrderFacts> & Pick<OrderFacts, 'id' | 'assetId' | 'createdAt'>): OrderFacts => ({
  source: 'alarm',
  category: 'repair',
  priority: 'P2',
  state: 'closed',
  site: o.assetId === 'g1' ? 'lakeview' : 'riverside',
  ruleId: null,
  faultKey: null,
  acknowledgedAt: null,
  resolvedAt: null,
  closedAt: null,
  breached: false,
  repeatCount: 0,
  rating: null,
  ...o,
});

// A month of a small estate, computed by hand in the comments.
const orders: OrderFacts[] = [
  order({ id: 'o1', assetId: 'p1', ruleId: 'pump.vibration-critical', faultKey: 'p1/pump.vibration', createdAt: T0 + 2 * D, acknowledgedAt: T0 + 2 * D + 10 * 60_000, resolvedAt: T0 + 2 * D + 4 * H, closedAt: T0 + 3 * D, rating: { score: 5 } }),
  order({ id: 'o2', assetId: 'p1', ruleId: 'pump.vibration-critical', faultKey: 'p1/pump.vibration', createdAt: T0 + 12 * D, acknowledgedAt: T0 + 12 * D + 20 * 60_000, resolvedAt: T0 + 12 * D + 6 * H, closedAt: T0 + 13 * D, breached: true, rating: { score: 2 } }),
  order({ id: 'o3', assetId: 'p2', source: 'request', priority: 'P3', state: 'verified', createdAt: T0 + 5 * D, acknowledgedAt: T0 + 5 * D + 60 * 60_000, resolvedAt: T0 + 5 * D + 10 * H }),
  order({ id: 'o4', assetId: 'g1', ruleId: 'gate.forced-open', priority: 'P1', state: 'in_progress', createdAt: T0 + 20 * D, acknowledgedAt: T0 + 20 * D + 4 * 60_000 }),
  order({ id: 'o5', assetId: 'p2', ruleId: 'pump.cavitation', priority: 'P3', state: 'cancelled', createdAt: T0 + 25 * D, closedAt: T0 + 25 * D + H }),
  order({ id: 'o6', assetId: 'p1', source: 'pm', category: 'preventive', priority: 'P4', createdAt: T0 + D, resolvedAt: T0 + D + 2 * H, closedAt: T0 + 2 * D }),
  order({ id: 'o7', assetId: 'p1', ruleId: 'pump.vibration-critical', faultKey: 'p1/pump.vibration', createdAt: T0 - 200 * D, resolvedAt: T0 - 200 * D + 5 * H, closedAt: T0 - 199 * D }),
];

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
    expect(pmCompliance([{ dueAt: T0 + 10 * D, doneAt: T0 + 9 * D, status: 'on_time' }, { dueAt: T0 + 20 * D, doneAt: T0 + 21 * D, status: 'late' }, { dueAt: T0 + 40 * D, doneAt: null, status: 'open' }], period)).toEqual({ due: 2, onTime: 1, compliancePct: 50 });
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
