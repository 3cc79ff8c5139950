import type { AssetCondition } from '../../condition/condition-service.ts';
import { indicatorsByType } from '../../condition/indicators.ts';
import { assessIndicator } from '../../prediction/assess.ts';
import type { HourBucket } from '../../prediction/types.ts';
import type { AssetFacts, OrderFacts } from '../kpis.ts';
import type { ReportData } from '../report.ts';

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
  requester: null,
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
    requester: { name: 'Mrs Zhou' },
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
    requester: { name: 'Mr Li' },
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
 * Hourly figures of an indicator: `level(hour)` as the hour's mean, with a little deterministic ripple
 * (a healthy machine is never perfectly flat).
 */
export function hourly(from: number, hours: number, level: (h: number) => number): HourBucket[] {
  return Array.from({ length: hours }, (_, h) => {
    const v = level(h) * (1 + 0.01 * Math.sin(h * 1.7));
    return { t: from + h * H, mean: v, max: v * 1.05, count: 6 };
  });
}

/**
 * The same month as a report's data. Pump p1's vibration runs at 2.2 mm/s until 12 days before the
 * period's end, then its excess grows by 20 % a day (a bearing wearing: 4.5 mm/s around the end, the
 * 7.1 limit likely a few days later); p2 and p1's motor run flat. Their conditions are what the
 * assessment (services/prediction) makes of those hours at the period's end.
 */
export function fixtureReportData(): ReportData & { series: Map<string, HourBucket[]> } {
  const start = period.to - 60 * D;
  const onsetHour = 48 * 24;
  const wearing = hourly(start, 60 * 24, (h) => 2.2 + (h < onsetHour ? 0 : 0.12 * (Math.exp((0.2 / 24) * (h - onsetHour)) - 1)));
  const flat = (v: number) => hourly(start, 60 * 24, () => v);
  const series = new Map([
    ['p1/vibration_mms', wearing],
    ['p2/vibration_mms', flat(2)],
    ['p1/motor_temp_c', flat(55)],
    ['p2/motor_temp_c', flat(52)],
  ]);
  const conditions = new Map<string, AssetCondition>();
  for (const a of assets) {
    const indicators = (indicatorsByType[a.type] ?? []).flatMap((spec) => {
      const hours = series.get(`${a.id}/${spec.metric}`);
      if (!hours) return [];
      return [{ ...spec, assessment: assessIndicator(hours, { at: period.to, limit: spec.limit, warning: spec.warning, normal: spec.normal }) }];
    });
    conditions.set(a.id, { assetId: a.id, at: period.to, indicators, recommendation: 'none' });
  }
  return {
    site: null,
    timeZone: 'UTC',
    period,
    generatedAt: period.to + 6 * H,
    assets: assets.map((a) => ({
      ...a,
      name: a.id.toUpperCase(),
      location: a.type === 'gate' ? 'North gate' : 'Plant room B1',
      criticality: a.type === 'gate' ? 3 : 4,
      installedAt: '2019-05-01',
    })),
    orders: [...orders],
    pm: [
      { dueAt: T0 + 10 * D, doneAt: T0 + 9 * D, status: 'on_time' },
      { dueAt: T0 + 20 * D, doneAt: T0 + 21 * D, status: 'late' },
      // Due after the period, done in it: a visit of this period (done early).
      { dueAt: period.to + 2 * D, doneAt: period.to - D, status: 'on_time' },
    ],
    conditions,
    series,
    alarms: new Map([
      [
        'p1',
        [
          { severity: 'critical', hours: 4 },
          { severity: 'warning', hours: 30 },
        ],
      ],
      ['g1', [{ severity: 'critical', hours: 0.5 }]],
    ]),
    overduePm: new Map([['g1', 1]]),
  };
}
