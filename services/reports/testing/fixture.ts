import type { AssetFacts, OrderFacts } from '../kpis.ts';
import type { ReportData } from '../report.ts';
import type { Point } from '../trend.ts';

/** A small estate's month with known failures, orders and ratings: the service figures are computed by hand in kpis.test.ts. */
export const H = 3_600_000;
export const D = 24 * H;
export const T0 = Date.UTC(2026, 10, 1);
export const period = { from: T0, to: T0 + 30 * D };
export const assets: AssetFacts[] = [
  { id: 'p1', type: 'pump', site: 'riverside' },
  { id: 'p2', type: 'pump', site: 'riverside' },
  { id: 'g1', type: 'gate', site: 'lakeview' },
];
export const order = (o: Partial<OrderFacts> & Pick<OrderFacts, 'id' | 'assetId' | 'createdAt'>): OrderFacts => ({
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
export const orders: OrderFacts[] = [
  order({
    id: 'o1',
    assetId: 'p1',
    ruleId: 'pump.vibration-critical',
    faultKey: 'p1/pump.vibration',
    createdAt: T0 + 2 * D,
    acknowledgedAt: T0 + 2 * D + 10 * 60_000,
    resolvedAt: T0 + 2 * D + 4 * H,
    closedAt: T0 + 3 * D,
    rating: { score: 5 },
  }),
  order({
    id: 'o2',
    assetId: 'p1',
    ruleId: 'pump.vibration-critical',
    faultKey: 'p1/pump.vibration',
    createdAt: T0 + 12 * D,
    acknowledgedAt: T0 + 12 * D + 20 * 60_000,
    resolvedAt: T0 + 12 * D + 6 * H,
    closedAt: T0 + 13 * D,
    breached: true,
    rating: { score: 2 },
  }),
  order({
    id: 'o3',
    assetId: 'p2',
    source: 'request',
    priority: 'P3',
    state: 'verified',
    createdAt: T0 + 5 * D,
    acknowledgedAt: T0 + 5 * D + 60 * 60_000,
    resolvedAt: T0 + 5 * D + 10 * H,
  }),
  order({
    id: 'o4',
    assetId: 'g1',
    ruleId: 'gate.forced-open',
    priority: 'P1',
    state: 'in_progress',
    createdAt: T0 + 20 * D,
    acknowledgedAt: T0 + 20 * D + 4 * 60_000,
  }),
  order({ id: 'o5', assetId: 'p2', ruleId: 'pump.cavitation', priority: 'P3', state: 'cancelled', createdAt: T0 + 25 * D, closedAt: T0 + 25 * D + H }),
  order({ id: 'o6', assetId: 'p1', source: 'pm', category: 'preventive', priority: 'P4', createdAt: T0 + D, resolvedAt: T0 + D + 2 * H, closedAt: T0 + 2 * D }),
  order({
    id: 'o7',
    assetId: 'p1',
    ruleId: 'pump.vibration-critical',
    faultKey: 'p1/pump.vibration',
    createdAt: T0 - 200 * D,
    resolvedAt: T0 - 200 * D + 5 * H,
    closedAt: T0 - 199 * D,
  }),
];

/**
 * The same month as a report's data: pump p1's vibration rising toward its limit (a straight line,
 * 4.0 → 6.3 mm/s over 30 days: it crosses 7.1 about 9 days after the period), the others flat.
 */
export function fixtureReportData(): ReportData {
  const daily = (from: number, start: number, perDay: number): Point[] =>
    Array.from({ length: 30 }, (_, i) => ({ t: from + i * D + D / 2, value: start + perDay * i }));
  return {
    site: null,
    timeZone: 'UTC',
    period,
    generatedAt: period.to + 6 * H,
    assets: assets.map((a) => ({ ...a, name: a.id.toUpperCase(), criticality: a.type === 'gate' ? 3 : 4, installedAt: '2019-05-01' })),
    orders,
    pm: [
      { dueAt: T0 + 10 * D, doneAt: T0 + 9 * D, status: 'on_time' },
      { dueAt: T0 + 20 * D, doneAt: T0 + 21 * D, status: 'late' },
    ],
    series: new Map([
      ['p1/vibration_mms', daily(T0, 4, 0.08)],
      ['p2/vibration_mms', daily(T0, 2, 0)],
      ['p1/motor_temp_c', daily(T0, 55, 0)],
    ]),
    alarms: new Map([
      ['p1', 2],
      ['g1', 1],
    ]),
    overduePm: new Map([['g1', 1]]),
  };
}
