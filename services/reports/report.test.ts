import { describe, expect, it } from 'vitest';
import { createPumpModel } from '../../simulators/models/pump.ts';
import { buildReport, reportCsv, type ReportAsset, type ReportData } from './report.ts';
import type { Point } from './trend.ts';

const D = 86_400_000;
const T0 = Date.UTC(2026, 6, 1);

/**
 * Daily maximum vibration of a simulated pump, one reading every 10 minutes, with bearing wear
 * growing to full severity over `rampDays` from day 5.
 */
function simulatedVibration(days: number, rampDays: number, seed: number): Point[] {
  const model = createPumpModel(seed, T0, 'Asia/Shanghai');
  const daily: Point[] = [];
  let max = -Infinity;
  for (let t = T0 + 600_000; t <= T0 + days * D; t += 600_000) {
    if (t === T0 + 5 * D) model.inject('bearing_wear', t, rampDays * D);
    max = Math.max(max, model.step(t).telemetry.vibration_mms as number);
    if ((t - T0) % D === 0) {
      daily.push({ t: t - D / 2, value: max });
      max = -Infinity;
    }
  }
  return daily;
}

const asset = (id: string, type: string, criticality: number): ReportAsset => ({
  id,
  type,
  site: 'riverside',
  name: id,
  criticality,
  installedAt: '2020-01-01',
});

describe('the maintenance report', () => {
  it('puts a pump with bearing wear at the top of the risk ranking, its crossing range containing the real crossing', async () => {
    const full = simulatedVibration(150, 120, 4);
    const realCrossing = full.find((p) => p.value > 7.1)!.t;
    const now = T0 + 60 * D;
    const healthy = simulatedVibration(60, 1e9, 5);
    const data: ReportData = {
      site: 'riverside',
      timeZone: 'Asia/Shanghai',
      period: { from: now - 30 * D, to: now },
      generatedAt: now,
      assets: [asset('rs-pump-01', 'pump', 4), asset('rs-pump-02', 'pump', 4), asset('rs-gate-01', 'gate', 3)],
      orders: [],
      pm: [],
      series: new Map([
        ['rs-pump-01/vibration_mms', full.filter((p) => p.t < now)],
        ['rs-pump-02/vibration_mms', healthy],
      ]),
      alarms: new Map([['rs-pump-01', 1]]),
      overduePm: new Map([['rs-gate-01', 1]]),
    };
    const report = buildReport(data);
    const top = report.risks[0]!;
    expect(top.assetId).toBe('rs-pump-01');
    const trend = top.trends.find((t) => t.metric === 'vibration_mms')!.estimate;
    expect(trend.status).toBe('trend');
    expect(trend.crossing!.earliest).toBeLessThanOrEqual(realCrossing);
    expect(trend.crossing!.latest).toBeGreaterThanOrEqual(realCrossing);
    expect(report.health.find((h) => h.assetId === 'rs-pump-02')!.trends[0]!.estimate.status).not.toBe('trend');
    expect(report.health.find((h) => h.assetId === 'rs-pump-02')!.score).toBeGreaterThan(top.score);
    expect(report.health.find((h) => h.assetId === 'rs-gate-01')!.deductions).toContainEqual({
      input: 'overdue_pm',
      points: 5,
      because: '1 preventive visit overdue',
      facts: { count: 1 },
    });

    const csv = reportCsv(report);
    expect(csv['health.csv']!.split('\n')[0]).toBe('asset,type,site,health,risk,action,because,crossing');
    expect(csv['health.csv']).toMatch(/^rs-pump-01,pump,riverside,\d+,\d+,/m);
  });
});
