import { describe, expect, it } from 'vitest';
import type { AssetCondition } from '../condition/condition-service.ts';
import { indicatorsByType } from '../condition/indicators.ts';
import { assessIndicator } from '../prediction/assess.ts';
import { explain, reportDocument } from './report-document.ts';
import { buildReport, reportCsv } from './report.ts';
import { D, H, fixtureReportData, hourly, order, period } from './testing/fixture.ts';

/** The fixture's data with p1's vibration replaced by `level(hour)` over the last 60 days. */
function withVibration(level: (h: number) => number) {
  const data = fixtureReportData();
  const hours = hourly(period.to - 60 * D, 60 * 24, level);
  const spec = indicatorsByType.pump!.find((s) => s.metric === 'vibration_mms')!;
  const p1 = data.conditions.get('p1')!;
  const assessment = assessIndicator(hours, { at: period.to, limit: spec.limit, warning: spec.warning, normal: spec.normal });
  const condition: AssetCondition = { ...p1, indicators: p1.indicators.map((x) => (x.metric === 'vibration_mms' ? { ...x, assessment } : x)) };
  data.conditions.set('p1', condition);
  data.series.set('p1/vibration_mms', hours);
  return data;
}

describe('the maintenance report', () => {
  it('puts the wearing pump first, with the range in which its vibration reaches the limit, and the real crossing inside it', async () => {
    const data = fixtureReportData();
    const report = buildReport(data);
    const top = report.risks[0]!;
    expect(top.assetId).toBe('p1');
    expect(top.action).toBe('schedule_repair');
    const vibration = top.indicators.find((x) => x.metric === 'vibration_mms')!.assessment;
    // The fixture's path 2.2 + 0.12·(e^(0.2/24·h) − 1) after its onset 12 days before the end reaches 7.1 after 448 h.
    const real = period.to - 12 * D + 448 * H;
    expect(vibration.crossing!.low).toBeLessThanOrEqual(real);
    expect(vibration.crossing!.high).toBeGreaterThanOrEqual(real);
    expect(vibration.crossing!.coverage).toBe(0.8);
    // The healthy pump is not ranked at all.
    expect(report.risks.map((r) => r.assetId)).not.toContain('p2');
    const csv = reportCsv(report)['health.csv']!;
    expect(csv.split('\n')[0]).toBe('asset,type,site,health,risk,action,reason,open_order,crossing_metric,crossing_likely,crossing_low,crossing_high');
    expect(csv).toMatch(/^p1,pump,riverside,\d+,\d+,schedule_repair,crossing_soon,,vibration_mms,2026-12-0\dT/m);
  });

  it('names the repair already open instead of asking for another, with its state', async () => {
    const data = fixtureReportData();
    data.orders.push(
      order({ id: 'WO-2026-000042', assetId: 'p1', source: 'predictive', state: 'in_progress', faultKey: 'p1/pump.vibration', createdAt: period.to - 2 * D }),
    );
    const report = buildReport(data);
    const p1 = report.risks.find((r) => r.assetId === 'p1')!;
    expect(p1.action).toBe('repair_under_way');
    expect(p1.openRepair).toEqual({ id: 'WO-2026-000042', state: 'in_progress' });
    const doc = await reportDocument(report, data.series, 'en');
    const brief = JSON.stringify(doc.blocks[1]);
    expect(brief).toContain('1 with a repair under way');
    expect(brief).toContain('WO-2026-000042 is in progress: vibration (mm/s) likely reaches 7.1');
    expect(brief).not.toContain('schedule a repair');
  });

  it('words a pump beyond its limit from the one figure it shows everywhere', async () => {
    // 10.51 mm/s for the last two days, after a rise: beyond the 7.1 limit.
    const data = withVibration((h) => (h < 55 * 24 ? 2.2 : h < 58 * 24 ? 2.2 + (h - 55 * 24) * 0.08 : 10.51));
    const report = buildReport(data);
    const p1 = report.health.find((h) => h.assetId === 'p1')!;
    expect(p1.action).toBe('repair_now');
    expect(p1.reason).toBe('beyond_limit');
    const why = explain(p1, 'en', 'UTC');
    const level = p1.indicators.find((x) => x.metric === 'vibration_mms')!.assessment.level!;
    expect(level).toBeGreaterThan(10);
    expect(why).toBe(
      `vibration (mm/s) is beyond its limit: ${Math.round(level * 100) / 100}, ${Math.round((100 * Math.round(level * 100)) / 100 / 7.1)} % of 7.1`,
    );
    expect(why).not.toMatch(/at the limit|near its limit/);
    const doc = await reportDocument(report, data.series, 'en');
    const everything = JSON.stringify(doc.blocks.filter((b) => b.kind !== 'chart'));
    // The health table's deduction says the same figure the same way.
    expect(everything).toContain(`vibration (mm/s) is beyond its limit: ${Math.round(level * 100) / 100}`);
    expect(everything).not.toContain('runs at 10');
  });

  it('shows assets by name and place, and the risk with its scale', async () => {
    const data = fixtureReportData();
    const doc = await reportDocument(buildReport(data), data.series, 'en');
    const act = doc.blocks.find((b) => b.kind === 'table')!;
    expect(act.kind === 'table' && act.headers[2]).toBe('Risk (of 500)');
    expect(act.kind === 'table' && act.rows[0]![0]).toBe('P1 · Plant room B1 (p1)');
    expect(JSON.stringify(doc.blocks)).toContain('Risk = health points lost × criticality (1 to 5): from 0');
    const badActors = doc.blocks.filter((b) => b.kind === 'table').find((b) => b.kind === 'table' && b.headers.includes('Repeats'))!;
    expect(badActors.kind === 'table' && badActors.rows.map((r) => r[0])).toEqual([
      'P1 · Plant room B1 (p1)',
      'G1 · North gate (g1)',
      'P2 · Plant room B1 (p2)',
    ]);
  });

  it('counts the preventive visits of the period, and only residents’ ratings', async () => {
    const data = fixtureReportData();
    // A supervisor rates a PM order and an alarm order: not residents.
    data.orders.push(
      order({
        id: 'pm-rated',
        assetId: 'p2',
        source: 'pm',
        category: 'preventive',
        createdAt: period.from + D,
        closedAt: period.from + 2 * D,
        rating: { score: 1 },
      }),
    );
    data.orders.push(order({ id: 'alarm-rated', assetId: 'p2', createdAt: period.from + 2 * D, closedAt: period.from + 3 * D, rating: { score: 1 } }));
    const report = buildReport(data);
    // Due in the period (one on time, one late) and one due after it but done in it: 3 visits, 2 on time.
    expect(report.pm).toEqual({ due: 3, onTime: 2, compliancePct: 66.7 });
    expect(report.satisfaction.ratings).toBe(2);
    const doc = await reportDocument(report, data.series, 'en');
    const brief = JSON.stringify(doc.blocks[1]);
    expect(brief).toContain('2 of 3 preventive visits of the period done on time (66.7 %).');
    expect(brief).toContain('Residents rated 2 orders: 3.5 / 5 on average');
  });

  it('does not count a predictive repair as a failure unless its fault fired first', () => {
    const data = fixtureReportData();
    const base = buildReport(data).reliabilityByType.find((r) => r.group === 'pump')!.failures;
    data.orders.push(order({ id: 'pred-1', assetId: 'p2', source: 'predictive', createdAt: period.from + 3 * D, resolvedAt: period.from + 3 * D + 4 * H }));
    expect(buildReport(data).reliabilityByType.find((r) => r.group === 'pump')!.failures).toBe(base);
    data.orders.push(
      order({ id: 'pred-2', assetId: 'p2', source: 'predictive', occurrences: 2, createdAt: period.from + 6 * D, resolvedAt: period.from + 6 * D + 4 * H }),
    );
    expect(buildReport(data).reliabilityByType.find((r) => r.group === 'pump')!.failures).toBe(base + 1);
  });
});
