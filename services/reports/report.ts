import { assetHealth, type AssetHealth } from '../condition/asset-health.ts';
import type { AssetCondition } from '../condition/condition-service.ts';
import { MAX_RISK, type AlarmInput } from '../condition/health.ts';
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

export interface ReportAsset extends AssetFacts {
  name: string;
  location: string;
  criticality: number;
  installedAt: string | null;
}

/** An order as a report reads it: what KPIs need, and what an asset's open repair shows. */
export type ReportOrder = OrderFacts & { title?: string; faultKey: string | null };

/** Everything a report is computed from, gathered beforehand (report-service.ts does it). */
export interface ReportData {
  site: string | null;
  /** Dates in the report are shown in this zone (the site's, or FMS_TZ for the whole estate). */
  timeZone: string;
  period: Period;
  generatedAt: number;
  assets: ReportAsset[];
  /** Orders of these assets from two years before the period's end (bad actors look that far back). */
  orders: ReportOrder[];
  /** The period's preventive visits (due in it, or done in it). */
  pm: PmFacts[];
  /** Each asset's condition at the period's end (services/condition): its indicators' assessments. */
  conditions: Map<string, AssetCondition>;
  /** Alarms open during the period, per asset, with their severity and hours open within it. */
  alarms: Map<string, AlarmInput[]>;
  /** PM occurrences past due and not done at the period's end, per asset. */
  overduePm: Map<string, number>;
}

export type { AssetHealth } from '../condition/asset-health.ts';

export type Report = ReturnType<typeof buildReport>;

/** Computes every figure of the report from its data. Pure: the same data gives the same report. */
export function buildReport(d: ReportData) {
  const p = d.period;
  const health: AssetHealth[] = d.assets.map((a) =>
    assetHealth(a, d.conditions.get(a.id), { at: p.to, alarms: d.alarms.get(a.id) ?? [], orders: d.orders, overduePm: d.overduePm.get(a.id) ?? 0 }),
  );
  const inPeriod = d.orders.filter((o) => o.createdAt < p.to);
  return {
    site: d.site,
    timeZone: d.timeZone,
    from: p.from,
    to: p.to,
    generatedAt: d.generatedAt,
    assets: d.assets.length,
    health: health.sort((a, b) => a.assetId.localeCompare(b.assetId)),
    maxRisk: MAX_RISK,
    // What to act on first: by risk, and among equal risks the largest change of condition first.
    risks: [...health]
      .sort((a, b) => b.risk - a.risk || changeOf(b) - changeOf(a) || a.score - b.score)
      .filter((h) => h.risk > 0 || h.action !== 'none')
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
        reason: h.reason,
        open_order: h.openRepair?.id ?? null,
        ...crossingColumns(h),
      })),
    ),
    'reliability.csv': csv([...r.reliabilityByType, ...r.reliabilityBySite] as unknown as Record<string, unknown>[]),
    'sla.csv': csv(r.sla as unknown as Record<string, unknown>[]),
    'bad-actors.csv': csv(r.badActors as unknown as Record<string, unknown>[]),
    'rule-precision.csv': csv(r.rulePrecision as unknown as Record<string, unknown>[]),
  };
}

/** The size of the largest change of condition of an asset, in baseline spreads (the assessments' ranking key). */
function changeOf(h: AssetHealth): number {
  return Math.max(0, ...h.indicators.map((x) => x.assessment.change));
}

/** The soonest predicted crossing of an asset's indicators, as CSV columns (ISO times; empty when none). */
function crossingColumns(h: AssetHealth): Record<string, string | null> {
  const soonest = h.indicators.filter((x) => x.assessment.crossing).sort((a, b) => a.assessment.crossing!.likely - b.assessment.crossing!.likely)[0];
  const iso = (t: number | undefined) => (t === undefined || !Number.isFinite(t) ? null : new Date(t).toISOString());
  const c = soonest?.assessment.crossing;
  return { crossing_metric: soonest?.metric ?? null, crossing_likely: iso(c?.likely), crossing_low: iso(c?.low), crossing_high: iso(c?.high) };
}
