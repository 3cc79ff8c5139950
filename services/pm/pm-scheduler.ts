import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { createStateLog } from '../shared/state-log.ts';
import type { Asset } from '../assets/asset.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import { isFloating, triggersOf, type PmPlan } from './pm-plan.ts';
import type { PmPlanService } from './pm-plan-service.ts';
import { dueOccurrences, nextOccurrence, tierOf, typicalInterval, type Occurrence, type PlanAssetState, type UsageSince } from './pm-schedule.ts';
import type { ClaimedOccurrence, PmStore } from './pm-store.ts';

export interface PmSchedulerDeps {
  store: PmStore;
  plans: PmPlanService;
  assets: { list(): Asset[]; get(id: string): Asset | undefined };
  workOrders: Pick<WorkOrderService, 'openPlanned'>;
  telemetry: Pick<TelemetryStore, 'aggregate'>;
  siteTimeZone: (site: string | null) => string;
  log: Logger;
  metrics: Metrics;
  now: () => number;
}

/** Whether a plan applies to an asset: its type, then every list of its selector. */
export function planApplies(plan: PmPlan, asset: Asset): boolean {
  if (plan.assetType !== asset.type) return false;
  const s = plan.select;
  if (!s) return true;
  return (!s.sites || s.sites.includes(asset.site)) && (!s.assets || s.assets.includes(asset.id)) && (!s.tags || s.tags.some((t) => asset.tags.includes(t)));
}

/**
 * Opens preventive-maintenance orders when their plans fall due — exactly once: each occurrence is
 * claimed in the database under a stable key (plan, asset, due date or usage mark) before its order
 * is opened, and the order itself is unique by that key, so restarts and several instances never
 * double one. Runs from a timer; everything it needs to know is read from the database each time.
 */
export function createPmScheduler(deps: PmSchedulerDeps) {
  const { store, log } = deps;
  const stateLog = createStateLog(log);
  /**
   * Plan and asset pairs with nothing to open before this time: skipped until then (a plain cache —
   * the database decides; a restart or another instance just looks again).
   */
  const quietUntil = new Map<string, number>();
  const USAGE_RECHECK = 5 * 60_000;

  async function usageFor(plan: PmPlan, asset: Asset, state: PlanAssetState, now: number): Promise<UsageSince> {
    const wanted = triggersOf(plan).flatMap((t) => ('usage' in t ? [t.usage.metric] : []));
    if (wanted.length === 0) return () => undefined;
    const anchors = new Set([
      state.trackedSince,
      Math.max(state.lastDone ?? state.trackedSince, plan.resetOnRepair ? (state.lastRepair ?? -Infinity) : -Infinity),
    ]);
    const known = new Map<string, number | undefined>();
    for (const metric of wanted) {
      for (const since of anchors) {
        const buckets = await deps.telemetry.aggregate({
          asset: asset.id,
          measurement: asset.type,
          metric,
          from: since,
          to: now + 1,
          every: now + 1 - since,
          fn: 'increase',
        });
        const values = buckets.map((b) => b.value).filter((v): v is number => v !== null);
        known.set(`${metric}@${since}`, values.length ? values.reduce((a, b) => a + b, 0) : undefined);
      }
    }
    return (metric, since) => known.get(`${metric}@${since}`);
  }

  async function stateOf(plan: PmPlan, asset: Asset, now: number): Promise<PlanAssetState> {
    const trackedSince = await store.track(plan.id, asset.id, now);
    return { trackedSince, ...(await store.state(plan.id, asset.id)) };
  }

  async function open(plan: PmPlan, asset: Asset, occ: ClaimedOccurrence, reason: string, folded: Occurrence['combines']): Promise<void> {
    const tier = tierOf(plan, occ.seq);
    const n = folded.length;
    const missed = n
      ? ` It also stands for ${n} earlier occurrence${n === 1 ? '' : 's'} not opened in time, e.g. while FMS was down (due ${folded.map((f) => new Date(f.dueAt).toISOString().slice(0, 10)).join(', ')}).`
      : '';
    const order = await deps.workOrders.openPlanned({
      source: 'pm',
      channel: 'schedule',
      category: plan.category,
      priority: plan.priority,
      title: tier.name ? `${plan.title} (${tier.name})` : plan.title,
      // People read the due time in the site's own time zone, as the console shows every time.
      description: `${plan.description ? plan.description + ' ' : ''}Due ${DateTime.fromMillis(occ.dueAt, { zone: deps.siteTimeZone(asset.site) }).toFormat('yyyy-MM-dd HH:mm')} (${reason}).${missed}`,
      assetId: asset.id,
      dueAt: occ.dueAt,
      checklist: tier.checklist,
      pm: { planId: plan.id, key: `${plan.id}/${asset.id}/${occ.key}`, assignee: plan.assign?.assignee, team: plan.assign?.team },
    });
    await store.linkOrder(plan.id, asset.id, occ.key, order.id);
    log.info({ workOrderId: order.id, planId: plan.id, assetId: asset.id, key: occ.key, tier: tier.name }, 'preventive maintenance order opened');
  }

  return {
    /** Forgets what it knows is quiet (after a plan changes). */
    reset: () => quietUntil.clear(),

    /** Opens what has fallen due; returns how many occurrences this call claimed. */
    async tick(now = deps.now()): Promise<number> {
      let claimed = 0;
      // Occurrences claimed by an instance that stopped before opening their orders.
      for (const o of await store.unopened(100)) {
        const plan = deps.plans.get(o.planId);
        const asset = deps.assets.get(o.assetId);
        if (plan && asset)
          await open(plan, asset, o, 'opened late: the instance that claimed it stopped', []).catch((err) =>
            log.error({ err, planId: o.planId }, 'PM order not opened'),
          );
      }
      let checked = 0;
      let failed = false;
      for (const plan of deps.plans.list()) {
        if (!plan.enabled) continue;
        for (const asset of deps.assets.list()) {
          if (!planApplies(plan, asset)) continue;
          const pair = `${plan.id}\0${asset.id}`;
          if ((quietUntil.get(pair) ?? -Infinity) > now) continue;
          // The SQLite driver answers synchronously: let MQTT and HTTP in between large estates' checks.
          if (++checked % 20 === 0) await new Promise((r) => setImmediate(r));
          try {
            const tz = deps.siteTimeZone(asset.site);
            const state = await stateOf(plan, asset, now);
            const usage = await usageFor(plan, asset, state, now);
            const due = dueOccurrences(plan, tz, state, now, usage);
            if (due.length === 0) {
              const usesCounters = triggersOf(plan).some((t) => 'usage' in t);
              const next = usesCounters ? undefined : nextOccurrence(plan, tz, state, usage, now);
              quietUntil.set(pair, usesCounters ? now + USAGE_RECHECK : (next?.opensAt ?? now + USAGE_RECHECK));
            }
            for (const occ of due) {
              const c: ClaimedOccurrence = {
                planId: plan.id,
                assetId: asset.id,
                key: occ.key,
                seq: occ.seq,
                dueAt: occ.dueAt,
                tier: tierOf(plan, occ.seq).name,
              };
              if (
                !(await store.claim(
                  c,
                  occ.combines.map((f) => ({ ...f, seq: 0 })),
                  now,
                ))
              )
                continue; // someone else has it
              claimed++;
              await open(plan, asset, c, occ.reason, occ.combines);
            }
          } catch (err) {
            failed = true;
            deps.metrics.errors.labels('pm').inc();
            stateLog.failed('generation', `PM generation failed for plan ${plan.id} on ${asset.id}`, err, { planId: plan.id, assetId: asset.id });
          }
        }
      }
      if (!failed) stateLog.ok('generation', 'PM generation works again');
      return claimed;
    },

    /**
     * A plan with, per asset, the next due occurrence, the last done, and compliance history; with
     * `sites`, only the assets of those sites (a key limited to them); with `assetId`, only that asset.
     */
    async report(plan: PmPlan, now = deps.now(), sites?: readonly string[] | null, assetId?: string) {
      const tolerance = typicalInterval(plan, 'UTC');
      const assets = [];
      const wanted = (a: Asset) => planApplies(plan, a) && (!sites || sites.includes(a.site)) && (assetId === undefined || a.id === assetId);
      for (const asset of deps.assets.list().filter(wanted)) {
        const tz = deps.siteTimeZone(asset.site);
        const state = await stateOf(plan, asset, now);
        const next = plan.enabled ? nextOccurrence(plan, tz, state, await usageFor(plan, asset, state, now), now) : undefined;
        const history = (await store.history(plan.id, asset.id, 200)).map((o) => {
          const onTime = o.doneAt !== null && o.doneAt <= o.dueAt;
          const withinTolerance = o.doneAt !== null && tolerance !== undefined ? Math.abs(o.doneAt - o.dueAt) <= 0.1 * tolerance : null;
          const status = o.combinedInto ? 'missed' : o.doneAt !== null ? (onTime ? 'on_time' : 'late') : o.dueAt < now ? 'overdue' : 'open';
          return {
            key: o.key,
            tier: o.tier,
            dueAt: o.dueAt,
            workOrderId: o.workOrderId,
            state: o.state,
            doneAt: o.doneAt,
            status,
            withinTolerance,
            combinedInto: o.combinedInto,
          };
        });
        const counted = history.filter((h) => h.status !== 'open');
        assets.push({
          assetId: asset.id,
          site: asset.site,
          trackedSince: state.trackedSince,
          nextDue: next ? { dueAt: next.dueAt, key: next.key, tier: tierOf(plan, next.seq).name, reason: next.reason } : null,
          lastDone: state.lastDone,
          compliance: {
            due: counted.length,
            onTime: counted.filter((h) => h.status === 'on_time').length,
            onTimePct: counted.length ? Math.round((1000 * counted.filter((h) => h.status === 'on_time').length) / counted.length) / 10 : null,
            withinTolerancePct:
              counted.length && tolerance !== undefined ? Math.round((1000 * counted.filter((h) => h.withinTolerance).length) / counted.length) / 10 : null,
          },
          history,
        });
      }
      return { ...plan, floating: isFloating(plan), assets };
    },
  };
}
export type PmScheduler = ReturnType<typeof createPmScheduler>;
