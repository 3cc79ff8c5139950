import { healthIndex, recommend, risk, type Action, type Deduction, type Indicator, type Recommendation } from './health.ts';
import {
  backlog,
  badActors,
  pmCompliance,
  reliability,
  rulePrecision,
  satisfaction,
  slaCompliance,
  type AssetFacts,
  type OrderFacts,
  type Period,
  type PmFacts,
} from './kpis.ts';
import { estimateTrend, type Point, type TrendEstimate } from './trend.ts';

/**
 * Condition indicators watched for degradation: the level up to which the asset runs as it should,
 * and the limit of the default rule they head for.
 */
export const indicatorsByType: Record<string, { metric: string; normal: number; limit: number }[]> = {
  pump: [
    // ISO 10816-3: up to 2.8 mm/s is good for a small pump; 7.1 mm/s is damage.
    { metric: 'vibration_mms', normal: 2.8, limit: 7.1 },
    { metric: 'motor_temp_c', normal: 60, limit: 80 },
  ],
  elevator: [
    { metric: 'leveling_error_mm', normal: 5, limit: 10 },
    { metric: 'motor_temp_c', normal: 65, limit: 85 },
  ],
  gate: [],
};

/** Expected service life by type (years), for the age input of the health index. */
export const expectedLife: Record<string, number> = { pump: 15, elevator: 25, gate: 10 };

export interface ReportAsset extends AssetFacts {
  name: string;
  criticality: number;
  installedAt: string | null;
}

/** Everything a report is computed from, gathered beforehand (report-service.ts does it). */
export interface ReportData {
  site: string | null;
  /** Dates in the report are shown in this zone (the site's, or FMS_TZ for the whole estate). */
  timeZone: string;
  period: Period;
  generatedAt: number;
  assets: ReportAsset[];
  /** Orders of these assets from two years before the period's end (bad actors look that far back). */
  orders: OrderFacts[];
  pm: PmFacts[];
  /** Daily maximum of each indicator per asset: `assetId/metric` → points. */
  series: Map<string, Point[]>;
  /** Alarms raised in the period per asset. */
  alarms: Map<string, number>;
  /** PM occurrences past due and not done at the period's end, per asset. */
  overduePm: Map<string, number>;
}

export interface AssetHealth {
  assetId: string;
  name: string;
  type: string;
  site: string;
  criticality: number;
  score: number;
  deductions: Deduction[];
  risk: number;
  action: Action;
  because: string;
  /** What decided the action, with its numbers (for reports in other languages). */
  reason: Recommendation['reason'];
  reasonFacts: Recommendation['facts'];
  trends: { metric: string; limit: number; estimate: TrendEstimate }[];
}

export type Report = ReturnType<typeof buildReport>;

/** Computes every figure of the report from its data. Pure: the same data gives the same report. */
export function buildReport(d: ReportData) {
  const p = d.period;
  const health: AssetHealth[] = d.assets.map((a) => {
    const indicators: Indicator[] = [];
    const trends: AssetHealth['trends'] = [];
    for (const { metric, normal, limit } of indicatorsByType[a.type] ?? []) {
      const points = d.series.get(`${a.id}/${metric}`) ?? [];
      if (points.length === 0) continue;
      const recent = points
        .filter((x) => x.t >= p.to - 7 * 86_400_000)
        .map((x) => x.value)
        .sort((x, y) => x - y);
      const level = recent.length ? recent[Math.floor(0.95 * (recent.length - 1))]! : points[points.length - 1]!.value;
      const repairs = d.orders.filter((o) => o.assetId === a.id && o.category === 'repair' && o.resolvedAt !== null).map((o) => o.resolvedAt!);
      const estimate = estimateTrend(points, { limit, now: p.to, repairs, minPoints: 7 });
      trends.push({ metric, limit, estimate });
      indicators.push({ metric, level, normal, limit, trend: estimate });
    }
    const openRepairs = d.orders.filter(
      (o) => o.assetId === a.id && o.category === 'repair' && o.createdAt < p.to && (o.resolvedAt === null || o.resolvedAt >= p.to) && o.state !== 'cancelled',
    ).length;
    const ageYears = a.installedAt ? (p.to - Date.parse(a.installedAt)) / (365.25 * 86_400_000) : undefined;
    const inputs = {
      indicators,
      alarms: d.alarms.get(a.id) ?? 0,
      openRepairs,
      ageYears,
      expectedLifeYears: expectedLife[a.type],
      overduePm: d.overduePm.get(a.id) ?? 0,
      now: p.to,
    };
    const h = healthIndex(inputs);
    const r = recommend(h, inputs);
    return {
      assetId: a.id,
      name: a.name,
      type: a.type,
      site: a.site,
      criticality: a.criticality,
      score: h.score,
      deductions: h.deductions,
      risk: risk(h, a.criticality),
      action: r.action,
      because: r.because,
      reason: r.reason,
      reasonFacts: r.facts,
      trends,
    };
  });
  const inPeriod = d.orders.filter((o) => o.createdAt < p.to);
  return {
    site: d.site,
    timeZone: d.timeZone,
    from: p.from,
    to: p.to,
    generatedAt: d.generatedAt,
    assets: d.assets.length,
    health: health.sort((a, b) => a.assetId.localeCompare(b.assetId)),
    risks: [...health]
      .sort((a, b) => b.risk - a.risk || a.score - b.score)
      .filter((h) => h.risk > 0)
      .slice(0, 10),
    reliabilityByType: reliability(inPeriod, d.assets, p, (a) => a.type),
    reliabilityBySite: reliability(inPeriod, d.assets, p, (a) => a.site),
    sla: slaCompliance(inPeriod, p),
    pm: pmCompliance(d.pm, p),
    backlog: backlog(inPeriod, p),
    badActors: badActors(inPeriod, p),
    satisfaction: satisfaction(inPeriod, p),
    rulePrecision: rulePrecision(inPeriod, p),
  };
}

/** The tables of a report as CSV files (name → text). */
export function reportCsv(r: Report): Record<string, string> {
  const csv = (rows: Record<string, unknown>[]) => {
    if (rows.length === 0) return '';
    const cols = Object.keys(rows[0]!);
    const cell = (v: unknown) => {
      const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    return [cols.join(','), ...rows.map((row) => cols.map((c) => cell(row[c])).join(','))].join('\n') + '\n';
  };
  return {
    'health.csv': csv(
      r.health.map((h) => ({
        asset: h.assetId,
        type: h.type,
        site: h.site,
        health: h.score,
        risk: h.risk,
        action: h.action,
        because: h.because,
        crossing: h.trends.find((t) => t.estimate.crossing)?.estimate.crossing?.likely ?? null,
      })),
    ),
    'reliability.csv': csv([...r.reliabilityByType, ...r.reliabilityBySite] as unknown as Record<string, unknown>[]),
    'sla.csv': csv(r.sla as unknown as Record<string, unknown>[]),
    'bad-actors.csv': csv(r.badActors as unknown as Record<string, unknown>[]),
    'rule-precision.csv': csv(r.rulePrecision as unknown as Record<string, unknown>[]),
  };
}
