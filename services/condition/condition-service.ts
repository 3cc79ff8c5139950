import { assessIndicator, moreUrgent } from '../prediction/assess.ts';
import { DEFAULT_PRIOR } from '../prediction/fleet-prior.ts';
import type { Assessment, FleetPrior, HourBucket, Recommendation } from '../prediction/types.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderStore } from '../work-orders/work-order-store.ts';
import type { FleetRul } from './fleet-learning.ts';
import { indicatorsByType, type IndicatorSpec } from './indicators.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far back an assessment looks: long enough for a baseline and a slow degradation (P-F intervals of weeks). */
export const CONDITION_WINDOW = 90 * DAY;

export interface IndicatorCondition extends IndicatorSpec {
  assessment: Assessment;
}

/** An asset's condition at a time: each indicator's assessment, and the most urgent advice of them. */
export interface AssetCondition {
  assetId: string;
  at: number;
  indicators: IndicatorCondition[];
  recommendation: Recommendation;
  /** Remaining life (hours) by the type's multi-sensor fleet model, once the estate has enough failures of the type. */
  fleetRul?: FleetRul | undefined;
}

export interface ConditionServiceDeps {
  telemetry: Pick<TelemetryStore, 'summarize'>;
  /** Times at which repairs of the asset were resolved (history before the last one is ignored). */
  repairs: (assetId: string, before: number) => Promise<number[]>;
  /** What the fleet's past failures say about an indicator's degradation path (the built-in default otherwise). */
  prior?: (type: string, metric: string) => FleetPrior;
  /** The fleet model's remaining life from the indicators' hours (fleet-learning.ts). */
  fleetRul?: (type: string, series: readonly (readonly HourBucket[])[]) => FleetRul | undefined;
}

/**
 * Where each asset's condition indicators stand and where they are heading: reads each indicator's
 * hourly figures over the last 90 days from the telemetry store and assesses them (services/prediction).
 * The weekly report, GET /api/assets/{id}/health, the predictive work orders and the Grafana asset
 * board all ask it, so they all say the same.
 */
export function createConditionService(d: ConditionServiceDeps) {
  /** An indicator's complete hours in [from, to), as the assessment reads them. */
  async function hours(asset: { id: string; type: string }, spec: IndicatorSpec, from: number, to: number): Promise<HourBucket[]> {
    const buckets = await d.telemetry.summarize({ asset: asset.id, measurement: asset.type as never, metric: spec.metric, from, to, every: HOUR });
    return buckets.map((b) => {
      // A signed deviation: the worst of the hour, whichever side.
      const worst = spec.absolute ? Math.max(Math.abs(b.min), Math.abs(b.max)) : undefined;
      return { t: b.ts, mean: worst ?? b.mean, max: worst ?? b.max, count: b.count };
    });
  }

  return {
    hours,

    /** The condition of one asset as of `at` (only data before `at` counts). */
    async assess(asset: { id: string; type: string }, at: number, known?: { repairs?: number[] }): Promise<AssetCondition> {
      const specs = indicatorsByType[asset.type] ?? [];
      const repairs = known?.repairs ?? (specs.length ? await d.repairs(asset.id, at) : []);
      const from = Math.floor((at - CONDITION_WINDOW) / HOUR) * HOUR;
      const indicators: IndicatorCondition[] = [];
      const series: HourBucket[][] = [];
      let recommendation: Recommendation = 'none';
      for (const spec of specs) {
        const h = await hours(asset, spec, from, at);
        series.push(h);
        const assessment = assessIndicator(h, {
          at,
          limit: spec.limit,
          warning: spec.warning,
          normal: spec.normal,
          prior: d.prior?.(asset.type, spec.metric) ?? DEFAULT_PRIOR,
          repairs,
        });
        indicators.push({ ...spec, assessment });
        recommendation = moreUrgent(recommendation, assessment.recommendation);
      }
      // The fleet model reads the hours since the last repair, as the assessments do.
      const since = Math.max(from, ...repairs.filter((r) => r <= at));
      const fleetRul = d.fleetRul?.(
        asset.type,
        series.map((h) => h.filter((b) => b.t >= since)),
      );
      return { assetId: asset.id, at, indicators, recommendation, ...(fleetRul ? { fleetRul } : {}) };
    },
  };
}
export type ConditionService = ReturnType<typeof createConditionService>;

/** When an asset's repairs were resolved, before a time (what an assessment forgets history before). */
export function resolvedRepairs(workOrders: Pick<WorkOrderStore, 'list'>) {
  return async (assetId: string, before: number): Promise<number[]> =>
    (await workOrders.list({ assetId, category: 'repair', from: before - 730 * DAY, limit: 1000, offset: 0 })).items
      .filter((o) => o.resolvedAt !== null && o.resolvedAt <= before)
      .map((o) => o.resolvedAt!);
}
