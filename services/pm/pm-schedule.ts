import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import type { ChecklistStep } from '../shared/vocabulary.ts';
import { intervalMs, isFloating, triggersOf, type Interval, type PmPlan } from './pm-plan.ts';

/**
 * When a plan's occurrences fall due, as pure functions of the plan, what the database says happened
 * so far, and the time. The same inputs always give the same occurrences with the same keys, which is
 * what makes generation idempotent across restarts and instances.
 */

/** What the database knows about one plan on one asset. */
export interface PlanAssetState {
  /** When FMS began following this plan for this asset (nothing before it is caught up). */
  trackedSince: number;
  /** The latest occurrence generated. */
  last: { key: string; dueAt: number; seq: number } | null;
  /** How many occurrences have been generated (floating schedules number their tiers by it). */
  generated: number;
  /** When the latest PM order of this plan and asset was completed (resolved). */
  lastDone: number | null;
  /** When the latest corrective repair of the asset was completed (for `resetOnRepair`). */
  lastRepair: number | null;
}

export interface Occurrence {
  /** Stable: the plan, asset and key identify it everywhere. */
  key: string;
  dueAt: number;
  /** When its order opens: the due time (start of the due day for interval plans) minus the lead time. */
  opensAt: number;
  /** 1-based number of the occurrence (decides the tier of a cumulative regime). */
  seq: number;
  /** What made it due: `every 15d`, `cron …`, `run_hours +500`. */
  reason: string;
  /** Earlier occurrences missed during downtime and folded into this one (`catchUp: combined`). */
  combines: { key: string; dueAt: number }[];
}

/** The usage reading a usage trigger needs: how much the counter grew since a time. */
export type UsageSince = (metric: string, since: number) => number | undefined;

const MAX_STEPS = 5000;

function addInterval(t: DateTime, i: Interval, k: number): DateTime {
  return i.unit === 'days' ? t.plus({ days: i.count * k }) : t.plus({ months: i.count * k });
}

/** Local midnight of a yyyy-MM-dd date, or of the day of a moment. */
function localDay(date: string | number, tz: string): DateTime {
  return (typeof date === 'string' ? DateTime.fromISO(date, { zone: tz }) : DateTime.fromMillis(date, { zone: tz })).startOf('day');
}

/**
 * Due dates of an interval plan are whole local days: the order is due by the end of its due day
 * (23:59:59.999 there), so "done by the due date" means what a person means by it, DST or not.
 */
function endOfDay(t: DateTime): number {
  return t.endOf('day').toMillis();
}

/** The k-th due date (k ≥ 1) of a fixed interval schedule, as the local day. */
function fixedDay(anchor: DateTime, i: Interval, k: number): DateTime {
  return addInterval(anchor, i, k);
}

/** Occurrences due to be opened now (their due time minus the lead time has come), after the last generated one. */
export function dueOccurrences(plan: PmPlan, tz: string, state: PlanAssetState, now: number, usage: UsageSince): Occurrence[] {
  if (!plan.enabled) return [];
  const found = isFloating(plan) ? floatingDue(plan, tz, state, now, usage) : fixedDue(plan, tz, state, now, usage);
  return plan.catchUp === 'combined' ? combine(found, now) : found;
}

/** The next occurrence whether or not it is due yet (for `GET /api/pm-plans/{id}`); usage not yet reached gives none. */
export function nextOccurrence(plan: PmPlan, tz: string, state: PlanAssetState, usage: UsageSince, now: number): Occurrence | undefined {
  if (!plan.enabled) return undefined;
  const horizon = now + 800 * 86_400_000;
  const found = isFloating(plan) ? floatingDue(plan, tz, state, horizon, usage, now) : fixedDue(plan, tz, state, horizon, usage, 1);
  return found[0];
}

function combine(found: Occurrence[], now: number): Occurrence[] {
  // Missed: due before now; usage marks passed together count as missed but the last.
  const missed = found.filter((o, i) => o.dueAt < now || (o.dueAt === now && i < found.length - 1));
  if (missed.length <= 1) return found;
  const latest = missed.at(-1)!;
  const rest = found.filter((o) => !missed.includes(o));
  if (rest[0]?.dueAt === now && rest[0].key.startsWith('usage-'))
    return [{ ...rest[0], combines: missed.map((o) => ({ key: o.key, dueAt: o.dueAt })) }, ...rest.slice(1)];
  return [{ ...latest, combines: missed.slice(0, -1).map((o) => ({ key: o.key, dueAt: o.dueAt })) }, ...rest];
}

function fixedDue(plan: PmPlan, tz: string, state: PlanAssetState, now: number, usage: UsageSince, limit = MAX_STEPS): Occurrence[] {
  const trigger = triggersOf(plan)[0]!;
  const after = Math.max(state.last?.dueAt ?? -Infinity, state.trackedSince);
  const out: Occurrence[] = [];
  if ('every' in trigger) {
    const anchor = plan.start ? localDay(plan.start, tz) : localDay(state.trackedSince, tz);
    // Jump close to the first due date after `after`, then walk.
    let k = Math.max(1, Math.floor((after - anchor.toMillis()) / intervalMs(trigger.every)) - 1);
    for (let steps = 0; steps < MAX_STEPS && out.length < limit; steps++, k++) {
      const day = fixedDay(anchor, trigger.every, k);
      const dueAt = endOfDay(day);
      if (dueAt <= after) continue;
      const opensAt = day.toMillis() - plan.leadTime;
      if (opensAt > now) break;
      out.push({ key: day.toISODate()!, dueAt, opensAt, seq: k, reason: `every ${describe(trigger.every)}`, combines: [] });
    }
    return out;
  }
  if ('cron' in trigger) {
    const startAt = plan.start ? localDay(plan.start, tz).toMillis() : state.trackedSince;
    const it = CronExpressionParser.parse(trigger.cron, { currentDate: new Date(Math.max(after, startAt)), tz });
    let seq = state.generated;
    for (let steps = 0; steps < MAX_STEPS && out.length < limit; steps++) {
      const dueAt = it.next().getTime();
      const opensAt = dueAt - plan.leadTime;
      if (opensAt > now) break;
      seq += 1;
      out.push({
        key: DateTime.fromMillis(dueAt, { zone: tz }).toFormat("yyyy-MM-dd'T'HH:mm"),
        dueAt,
        opensAt,
        seq,
        reason: `cron ${trigger.cron}`,
        combines: [],
      });
    }
    return out;
  }
  // Usage, fixed: a mark at every `every` of growth since tracking began.
  const grown = usage(trigger.usage.metric, state.trackedSince);
  if (grown === undefined) return out;
  const reached = Math.floor(grown / trigger.usage.every);
  const lastMark = state.last ? Number(state.last.key.replace('usage-', '')) : 0;
  for (let n = lastMark + 1; n <= reached && out.length < limit; n++) {
    out.push({ key: `usage-${n}`, dueAt: now, opensAt: now, seq: n, reason: `${trigger.usage.metric} +${n * trigger.usage.every}`, combines: [] });
  }
  return out;
}

/**
 * Floating (and whichever-comes-first) schedules count from the last completion — or from a
 * corrective repair with `resetOnRepair` — so there is one next occurrence, keyed by that anchor.
 */
function floatingDue(plan: PmPlan, tz: string, state: PlanAssetState, now: number, usage: UsageSince, usageNow = now): Occurrence[] {
  const anchor = Math.max(state.lastDone ?? state.trackedSince, plan.resetOnRepair ? (state.lastRepair ?? -Infinity) : -Infinity);
  const key = `after-${new Date(anchor).toISOString()}`;
  if (state.last?.key === key) return [];
  let best: { dueAt: number; opensAt: number; reason: string } | undefined;
  const consider = (dueAt: number, opensAt: number, reason: string) => {
    if (!best || opensAt < best.opensAt) best = { dueAt, opensAt, reason };
  };
  for (const t of triggersOf(plan)) {
    if ('every' in t) {
      const day = addInterval(localDay(anchor, tz), t.every, 1);
      consider(endOfDay(day), day.toMillis() - plan.leadTime, `every ${describe(t.every)}`);
    } else if ('cron' in t) {
      const dueAt = CronExpressionParser.parse(t.cron, { currentDate: new Date(anchor), tz })
        .next()
        .getTime();
      consider(dueAt, dueAt - plan.leadTime, `cron ${t.cron}`);
    } else {
      const grown = usage(t.usage.metric, anchor);
      if (grown !== undefined && grown >= t.usage.every) consider(usageNow, usageNow, `${t.usage.metric} +${t.usage.every}`);
    }
  }
  if (!best || best.opensAt > now) return [];
  return [{ key, dueAt: best.dueAt, opensAt: best.opensAt, seq: state.generated + 1, reason: best.reason, combines: [] }];
}

function describe(i: Interval): string {
  return i.unit === 'days' ? `${i.count}d` : i.count % 12 === 0 ? `${i.count / 12}y` : `${i.count}mo`;
}

/** A cumulative regime's tier for the n-th occurrence, and its checklist with every lower tier's items. */
export function tierOf(plan: PmPlan, seq: number): { name: string | null; checklist: ChecklistStep[] } {
  if (!plan.tiers?.length) return { name: null, checklist: plan.checklist };
  let level = 0;
  plan.tiers.forEach((t, i) => {
    if (seq % t.every === 0) level = i;
  });
  return { name: plan.tiers[level]!.name, checklist: [...plan.checklist, ...plan.tiers.slice(0, level + 1).flatMap((t) => t.checklist)] };
}

/** The typical time between occurrences, for the "within 10 % of the interval" compliance; undefined for usage. */
export function typicalInterval(plan: PmPlan, tz: string): number | undefined {
  const t = triggersOf(plan).find((x) => !('usage' in x));
  if (!t) return undefined;
  if ('every' in t) return intervalMs(t.every);
  if ('cron' in t) {
    const it = CronExpressionParser.parse(t.cron, { currentDate: new Date(Date.UTC(2026, 0, 1)), tz });
    const a = it.next().getTime();
    return it.next().getTime() - a;
  }
  return undefined;
}
