import type { Logger } from 'pino';
import type { Asset } from '../assets/asset.ts';
import type { ConditionPoint } from '../telemetry/telemetry-store.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import type { AssetHealth, AssetHealthService } from './asset-health.ts';
import type { IndicatorCondition } from './condition-service.ts';
import { indicatorsByType } from './indicators.ts';

const hasIndicators = (type: string) => (indicatorsByType[type]?.length ?? 0) > 0;

const HOUR = 3_600_000;
/** A predictive order is due within a day: P2 (as an alarm's repair), otherwise P3. */
const URGENT_MS = 24 * HOUR;

export interface ConditionWatchDeps {
  /** Each asset's health now, its indicators' assessments with it. */
  health: Pick<AssetHealthService, 'of'>;
  assets: { list(): Asset[] };
  workOrders: Pick<WorkOrderService, 'openPredictive'>;
  /** A predictive order is opened when the likely crossing of a limit is this close (undefined: never). */
  windowMs: number | undefined;
  /** Where each assessment goes besides (the Grafana asset board's condition panels). */
  record?: (health: AssetHealth & { at: number }) => void;
  siteTimeZone: (site: string | null) => string;
  now: () => number;
  log: Logger;
}

/**
 * Assesses every asset's condition indicators (hourly, on the leader) and acts on them: when the likely
 * crossing of a limit enters the window (FMS_PREDICTIVE_WINDOW, 14 days by default), one predictive
 * work order per asset and failure mode, with the evidence and the interval — attached to the order
 * already open for the fault or to an open repair of the asset when there is one.
 */
export function createConditionWatch(d: ConditionWatchDeps) {
  return {
    /** One pass over the estate; returns what it did. */
    async check(): Promise<{ assessed: number; opened: number; attached: number }> {
      const at = d.now();
      let assessed = 0;
      let opened = 0;
      let attached = 0;
      for (const asset of d.assets.list()) {
        if (!hasIndicators(asset.type)) continue;
        const health = await d.health.of(asset);
        assessed++;
        d.record?.(health);
        if (d.windowMs === undefined) continue;
        for (const x of health.indicators) {
          const crossing = x.assessment.crossing;
          if (!crossing || crossing.likely - at > d.windowMs) continue;
          const result = await d.workOrders.openPredictive({
            assetId: asset.id,
            failureMode: x.failureMode,
            priority: crossing.likely - at <= URGENT_MS ? 'P2' : 'P3',
            title: `Predicted: ${asset.name} ${x.name} reaches ${x.limit} ${x.unit} ${inWords(crossing.likely - at)}`,
            description: evidenceText(asset.id, x, at, d.siteTimeZone(asset.site)),
            crossing,
            evidence: {
              metric: x.metric,
              level: x.assessment.level,
              limit: x.limit,
              baseline: x.assessment.baseline?.level ?? null,
              onset: x.assessment.onset,
              rulHours: x.assessment.rulHours,
              assessedAt: at,
            },
            cancelledSince: at - d.windowMs,
          });
          if (result?.outcome === 'opened') opened++;
          if (result?.outcome === 'attached') attached++;
        }
      }
      if (opened || attached) d.log.info({ assessed, opened, attached }, 'condition checked: predictive work orders');
      return { assessed, opened, attached };
    },
  };
}
export type ConditionWatch = ReturnType<typeof createConditionWatch>;

/** "in about 6 days" / "within hours". */
function inWords(ms: number): string {
  if (ms < 12 * HOUR) return 'within hours';
  const days = ms / (24 * HOUR);
  return days < 1.5 ? 'in about a day' : `in about ${Math.round(days)} days`;
}

/** The evidence of a prediction in a technician's words, dates in the site's time zone. */
export function evidenceText(assetId: string, x: IndicatorCondition, at: number, timeZone: string): string {
  const a = x.assessment;
  const date = (t: number) =>
    new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
  const num = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
  const parts = [
    `${cap(x.name)} runs at ${a.level === null ? '—' : num(a.level)} ${x.unit}` +
      (a.baseline ? ` (its healthy level ${num(a.baseline.level)} ${x.unit})` : '') +
      `; the limit is ${x.limit} ${x.unit} (the warning level ${x.warning}).`,
  ];
  if (a.onset !== null) parts.push(`It has been rising since ${date(a.onset)}.`);
  if (a.crossing) {
    const c = a.crossing;
    parts.push(
      `It will likely reach the limit around ${date(c.likely)}: between ${date(c.low)} and ${date(c.high)} with ${Math.round(c.coverage * 100)} % confidence` +
        ` (${rulText(a.rulHours)} from ${date(at)}).`,
    );
  }
  parts.push(`Inspect and repair before the earliest date; the assessment is at GET /api/assets/${assetId}/health and on the asset board.`);
  return parts.join(' ');
}

function rulText(r: { low: number; high: number } | null): string {
  if (!r) return '';
  const f = (h: number) => (h < 48 ? `${Math.max(0, Math.round(h))} h` : `${Math.round(h / 24)} days`);
  return `${f(r.low)} to ${f(r.high)}`;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One indicator of an asset's health as the Grafana asset board reads it (measurement `fms_condition`). */
export function conditionPoint(h: AssetHealth & { at: number }, x: IndicatorCondition): ConditionPoint {
  const a = x.assessment;
  const fields: ConditionPoint['fields'] = { warning: x.warning, limit: x.limit, health: h.score, risk: h.risk, state: a.state, action: h.action };
  if (a.level !== null) fields.level = a.level;
  if (a.baseline) fields.baseline = a.baseline.level;
  if (a.rulHours)
    Object.assign(fields, {
      rul_likely_h: a.rulHours.likely,
      rul_low_h: a.rulHours.low,
      ...(Number.isFinite(a.rulHours.high) ? { rul_high_h: a.rulHours.high } : {}),
    });
  return { site: h.site, asset: h.assetId, type: h.type, metric: x.metric, ts: h.at, fields };
}
