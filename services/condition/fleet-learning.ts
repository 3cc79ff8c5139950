import type { Logger } from 'pino';
import { buildFleetPrior, DEFAULT_PRIOR } from '../prediction/fleet-prior.ts';
import { predictRul, trainFleetModel, type FleetModel, type RulPrediction } from '../prediction/fleet/fleet-model.ts';
import type { FleetPrior, HourBucket } from '../prediction/types.ts';
import type { WorkOrder } from '../work-orders/work-order.ts';
import type { WorkOrderStore } from '../work-orders/work-order-store.ts';
import { indicatorsByType, type IndicatorSpec } from './indicators.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How much of the run-up to a failure a history keeps. */
export const HISTORY_WINDOW = 60 * DAY;
/** Failures of a type before its multi-sensor RUL model is trained (fewer neighbours vote for nothing). */
export const MIN_FLEET_FAILURES = 5;
/** The multi-sensor model's remaining-life cap, in hours: beyond 30 days "healthy" is all it can say. */
export const FLEET_CAP_HOURS = 30 * 24;
/** Orders looked at per failure mode (the last two years). */
const LOOK_BACK = 730 * DAY;

/** The fleet's remaining-life estimate of an asset (hours), from the type's past failures. */
export interface FleetRul extends Pick<RulPrediction, 'rul' | 'low' | 'high'> {
  /** Past failures the model was trained on, and the nearest that voted. */
  failures: number;
  neighbours: number;
}

export interface FleetLearningDeps {
  workOrders: Pick<WorkOrderStore, 'list'>;
  /** An indicator's hourly figures (the condition service's). */
  hours: (asset: { id: string; type: string }, spec: IndicatorSpec, from: number, to: number) => Promise<HourBucket[]>;
  assetType: (assetId: string) => string | undefined;
  now: () => number;
  log: Logger;
}

/**
 * What the estate's own failures teach (issue #14, item 4). A failure is a repair order opened by the
 * alarm of an indicator's failure mode (or a predictive order whose alarm fired before the repair)
 * that the repair closed — verified or closed; its history is the indicator's hours over the 60 days
 * before the order opened. From them, per asset type:
 *
 * - the prior of each indicator's degradation path (growth rate, drift, and the forecast errors the
 *   crossing interval is read from: services/prediction/fleet-prior.ts);
 * - with at least five failures, a multi-sensor health index and similarity RUL model
 *   (services/prediction/fleet/fleet-model.ts) over all the type's indicators.
 *
 * Relearnt daily by the leader; until a type has failures, the built-in default prior holds.
 */
export function createFleetLearning(d: FleetLearningDeps) {
  const priors = new Map<string, FleetPrior>();
  const models = new Map<string, { model: FleetModel; failures: number }>();

  function failuresOf(orders: readonly WorkOrder[], type: string, spec: IndicatorSpec): { assetId: string; end: number }[] {
    return orders
      .filter((o) => o.assetId && d.assetType(o.assetId) === type && o.faultKey === `${o.assetId}/${spec.failureMode}`)
      .filter((o) => (o.state === 'verified' || o.state === 'closed') && (o.source === 'alarm' || (o.source === 'predictive' && o.occurrences > 1)))
      .map((o) => ({ assetId: o.assetId!, end: o.createdAt }));
  }

  return {
    /** The prior of an indicator of a type: learnt from the estate's failures, or the default. */
    priorFor(type: string, metric: string): FleetPrior {
      return priors.get(`${type}/${metric}`) ?? DEFAULT_PRIOR;
    },

    /** The fleet model's remaining life for an asset from its indicators' recent hours; undefined before the type has enough failures. */
    fleetRul(type: string, series: readonly (readonly HourBucket[])[]): FleetRul | undefined {
      const m = models.get(type);
      if (!m) return undefined;
      const rows = alignedRows(series);
      if (rows.length < 24) return undefined;
      const p = predictRul(m.model, rows.slice(-HISTORY_WINDOW / HOUR));
      return { rul: p.rul, low: p.low, high: p.high, failures: m.failures, neighbours: p.neighbours.length };
    },

    /** Reads the estate's failures again and relearns; returns the failures found per type. */
    async learn(): Promise<Record<string, number>> {
      const orders = (await d.workOrders.list({ category: 'repair', from: d.now() - LOOK_BACK, limit: 100_000, offset: 0 })).items;
      const found: Record<string, number> = {};
      for (const [type, specs] of Object.entries(indicatorsByType)) {
        const runs = new Map<string, { assetId: string; end: number }>();
        for (const spec of specs) {
          const failures = failuresOf(orders, type, spec);
          const histories: HourBucket[][] = [];
          for (const f of failures) {
            runs.set(`${f.assetId}@${f.end}`, f);
            histories.push(await d.hours({ id: f.assetId, type }, spec, f.end - HISTORY_WINDOW, f.end));
          }
          const prior = histories.length ? buildFleetPrior(histories, { limit: spec.limit }) : DEFAULT_PRIOR;
          if (prior.failures > 0) priors.set(`${type}/${spec.metric}`, prior);
          else priors.delete(`${type}/${spec.metric}`);
        }
        found[type] = runs.size;
        if (runs.size >= MIN_FLEET_FAILURES && specs.length > 0) {
          const histories = [];
          for (const run of runs.values()) {
            const series = await Promise.all(specs.map((s) => d.hours({ id: run.assetId, type }, s, run.end - HISTORY_WINDOW, run.end)));
            const rows = alignedRows(series);
            if (rows.length >= 24) histories.push({ id: `${run.assetId}@${new Date(run.end).toISOString()}`, rows });
          }
          if (histories.length >= MIN_FLEET_FAILURES)
            models.set(type, {
              model: trainFleetModel(histories, { cap: FLEET_CAP_HOURS, window: 48, k: Math.min(10, histories.length) }),
              failures: histories.length,
            });
        } else models.delete(type);
      }
      const learnt = Object.entries(found).filter(([, n]) => n > 0);
      if (learnt.length) d.log.info({ failures: Object.fromEntries(learnt) }, 'learnt from the estate’s past failures');
      return found;
    },
  };
}
export type FleetLearning = ReturnType<typeof createFleetLearning>;

/** Rows of the hours in which every indicator has a figure (their means), oldest first. */
function alignedRows(series: readonly (readonly HourBucket[])[]): number[][] {
  if (series.length === 0) return [];
  const maps = series.map((s) => new Map(s.map((h) => [h.t, h.mean])));
  return series[0]!.filter((h) => maps.every((m) => m.has(h.t))).map((h) => maps.map((m) => m.get(h.t)!));
}
