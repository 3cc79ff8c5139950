import type { AlarmStore } from '../alarms/alarm-store.ts';
import type { PmStore } from '../pm/pm-store.ts';
import type { WorkOrderStore } from '../work-orders/work-order-store.ts';
import type { AssetCondition, ConditionService, IndicatorCondition } from './condition-service.ts';
import { healthIndex, recommend, risk, type Action, type AlarmInput, type Deduction, type OpenRepair, type Recommendation } from './health.ts';
import { expectedLife } from './indicators.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Alarms weigh in the health index over the last week (the weekly report's period). */
export const ALARM_WINDOW = 7 * DAY;
/** Overdue maintenance looks this far back. */
export const OVERDUE_WINDOW = 90 * DAY;

/** What the health index needs to know of an asset. */
export interface HealthAsset {
  id: string;
  name: string;
  location: string;
  type: string;
  site: string;
  criticality: number;
  installedAt: string | null;
}

/** An asset's work order, as far as its health is concerned. */
export interface HealthOrder {
  id: string;
  assetId: string | null;
  category: string;
  state: string;
  createdAt: number;
  resolvedAt: number | null;
}

/** An asset's health at a time: the index, its deductions, the risk, what to do and why, each indicator's assessment. */
export interface AssetHealth {
  assetId: string;
  name: string;
  location: string;
  type: string;
  site: string;
  criticality: number;
  score: number;
  deductions: Deduction[];
  /** (100 − health) × criticality: 0 to MAX_RISK. */
  risk: number;
  action: Action;
  /** What decided the action, with its numbers (a report words them in its language). */
  reason: Recommendation['reason'];
  reasonFacts: Recommendation['facts'];
  /** Each indicator's assessment. */
  indicators: IndicatorCondition[];
  /** The repair open for the asset, if any. */
  openRepair: OpenRepair | null;
}

const OPEN_STATES = new Set(['new', 'assigned', 'acknowledged', 'in_progress', 'on_hold', 'resolved']);

/**
 * An asset's health as of `at` from its condition, the alarms of the period before, its orders and
 * its overdue maintenance. Pure: the weekly report and GET /api/assets/{id}/health both call it.
 */
export function assetHealth(
  a: HealthAsset,
  condition: AssetCondition | undefined,
  c: { at: number; alarms: AlarmInput[]; orders: readonly HealthOrder[]; overduePm: number },
): AssetHealth {
  const indicators = condition?.indicators ?? [];
  // Corrective work open at `at`: opened before it, not yet resolved by then.
  const repairs = c.orders.filter(
    (o) => o.assetId === a.id && o.category === 'repair' && o.createdAt < c.at && (o.resolvedAt === null || o.resolvedAt >= c.at) && o.state !== 'cancelled',
  );
  const open = repairs.filter((o) => OPEN_STATES.has(o.state)).sort((x, y) => y.createdAt - x.createdAt)[0];
  const inputs = {
    indicators: indicators.map((x) => ({ metric: x.metric, normal: x.normal, limit: x.limit, assessment: x.assessment })),
    alarms: c.alarms,
    openRepairs: repairs.length,
    ageYears: a.installedAt ? (c.at - Date.parse(a.installedAt)) / (365.25 * DAY) : undefined,
    expectedLifeYears: expectedLife[a.type],
    overduePm: c.overduePm,
  };
  const h = healthIndex(inputs);
  const openRepair = open ? { id: open.id, state: open.state } : null;
  const r = recommend(h, inputs, openRepair ?? undefined);
  return {
    assetId: a.id,
    name: a.name,
    location: a.location,
    type: a.type,
    site: a.site,
    criticality: a.criticality,
    score: h.score,
    deductions: h.deductions,
    risk: risk(h, a.criticality),
    action: r.action,
    reason: r.reason,
    reasonFacts: r.facts,
    indicators,
    openRepair,
  };
}

/** Alarms as the health index weighs them: severity, and hours open within [from, to). */
export function alarmInputs(
  alarms: readonly { severity: AlarmInput['severity']; raisedAt: number; clearedAt: number | null }[],
  from: number,
  to: number,
): AlarmInput[] {
  return alarms.map((a) => ({ severity: a.severity, hours: Math.max(0, (Math.min(a.clearedAt ?? to, to) - Math.max(a.raisedAt, from)) / HOUR) }));
}

/** Overdue at `at`: due in the window before it, not done, nor folded into a later visit. */
export function isOverdue(o: { combinedInto: string | null; doneAt: number | null }): boolean {
  return !o.combinedInto && o.doneAt === null;
}

/** One asset's health now, read from the stores (GET /api/assets/{id}/health). */
export function createAssetHealth(d: {
  conditions: Pick<ConditionService, 'assess'>;
  alarms: Pick<AlarmStore, 'openBetween'>;
  workOrders: Pick<WorkOrderStore, 'list'>;
  pm: Pick<PmStore, 'dueBetween'>;
  now: () => number;
}) {
  return {
    async of(asset: HealthAsset): Promise<AssetHealth & { at: number }> {
      const at = d.now();
      const orders = (await d.workOrders.list({ assetId: asset.id, category: 'repair', from: at - 730 * DAY, limit: 1000, offset: 0 })).items;
      const resolved = orders.filter((o) => o.resolvedAt !== null && o.resolvedAt <= at).map((o) => o.resolvedAt!);
      const condition = await d.conditions.assess(asset, at, { repairs: resolved });
      const alarms = alarmInputs(await d.alarms.openBetween(at - ALARM_WINDOW, at, asset.id), at - ALARM_WINDOW, at);
      const overduePm = (await d.pm.dueBetween(at - OVERDUE_WINDOW, at, asset.id)).filter(isOverdue).length;
      return { at, ...assetHealth(asset, condition, { at, alarms, orders, overduePm }) };
    },
  };
}
export type AssetHealthService = ReturnType<typeof createAssetHealth>;
