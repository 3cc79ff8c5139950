/**
 * Service-quality figures for a period, as pure functions over work orders, PM occurrences and
 * assets. docs/reports.md says how each is computed; the tests check them against hand-computed
 * fixtures.
 */

export interface OrderFacts {
  id: string;
  source: string;
  category: string;
  priority: string;
  state: string;
  assetId: string | null;
  site: string | null;
  ruleId: string | null;
  faultKey: string | null;
  createdAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  breached: boolean;
  repeatCount: number;
  /** Times its fault occurred while it was open (a predictive order whose alarm fired before the repair: > 1). */
  occurrences?: number;
  /** Who asked for the work (a resident, a tenant), when a person did. */
  requester: unknown | null;
  rating: { score: number } | null;
}

export interface AssetFacts {
  id: string;
  type: string;
  site: string;
}

export interface PmFacts {
  dueAt: number;
  doneAt: number | null;
  status: string;
}

export interface Period {
  from: number;
  to: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Corrective work, a failure: repairs opened by a sensor, a person or an inspection — not planned
 * maintenance, not cancelled as no fault. A predictive repair is a failure avoided, unless the fault's
 * alarm fired before it was done.
 */
export function isCorrective(o: OrderFacts): boolean {
  if (o.category !== 'repair' || o.source === 'pm' || o.state === 'cancelled') return false;
  return o.source !== 'predictive' || (o.occurrences ?? 1) > 1;
}

const within = (t: number | null, p: Period) => t !== null && t >= p.from && t < p.to;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const round = (x: number | null, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

export interface ReliabilityRow {
  /** `pump`, `riverside`, or `pump @ riverside`. */
  group: string;
  assets: number;
  failures: number;
  /** Mean time between failures, hours: asset-hours in the period / failures (null: no failure). */
  mtbfHours: number | null;
  /** Mean time to restore, hours: opening to resolution of the corrective orders resolved in the period. */
  mttrHours: number | null;
  /** Share of asset-time not under an open corrective order, %. */
  availabilityPct: number;
  /** Mean time to acknowledge, minutes, over the orders acknowledged in the period. */
  mttaMinutes: number | null;
}

/** MTBF, MTTR, availability and mean time to acknowledge, per group of assets. */
export function reliability(orders: readonly OrderFacts[], assets: readonly AssetFacts[], p: Period, groupOf: (a: AssetFacts) => string): ReliabilityRow[] {
  const groups = new Map<string, AssetFacts[]>();
  for (const a of assets) {
    const g = groupOf(a);
    groups.set(g, [...(groups.get(g) ?? []), a]);
  }
  const hours = (p.to - p.from) / HOUR;
  return [...groups]
    .map(([group, members]) => {
      const ids = new Set(members.map((a) => a.id));
      const mine = orders.filter((o) => o.assetId !== null && ids.has(o.assetId));
      const corrective = mine.filter(isCorrective);
      const failures = corrective.filter((o) => within(o.createdAt, p)).length;
      const restored = corrective.filter((o) => within(o.resolvedAt, p)).map((o) => (o.resolvedAt! - o.createdAt) / HOUR);
      // Downtime: the part of each corrective order's open time that lies in the period.
      const down = corrective.reduce((sum, o) => sum + Math.max(0, Math.min(o.resolvedAt ?? p.to, p.to) - Math.max(o.createdAt, p.from)), 0) / HOUR;
      const acked = mine.filter((o) => within(o.acknowledgedAt, p)).map((o) => (o.acknowledgedAt! - o.createdAt) / 60_000);
      return {
        group,
        assets: members.length,
        failures,
        mtbfHours: failures ? round((members.length * hours) / failures) : null,
        mttrHours: round(mean(restored)),
        availabilityPct: round(100 * (1 - down / (members.length * hours)), 2)!,
        mttaMinutes: round(mean(acked)),
      };
    })
    .sort((a, b) => a.group.localeCompare(b.group));
}

/** Orders opened in the period that met every deadline, per priority, %. */
export function slaCompliance(orders: readonly OrderFacts[], p: Period): { priority: string; orders: number; met: number; compliancePct: number | null }[] {
  const byPriority = new Map<string, OrderFacts[]>();
  for (const o of orders.filter((x) => within(x.createdAt, p) && x.state !== 'cancelled'))
    byPriority.set(o.priority, [...(byPriority.get(o.priority) ?? []), o]);
  return ['P1', 'P2', 'P3', 'P4'].map((priority) => {
    const list = byPriority.get(priority) ?? [];
    const met = list.filter((o) => !o.breached).length;
    return { priority, orders: list.length, met, compliancePct: list.length ? round((100 * met) / list.length)! : null };
  });
}

/** PM occurrences due in the period: done by the due date, %. */
/**
 * The period's preventive visits — due in the period, or done in it (a visit done ahead of its due
 * date counts in the week it was done) — and how many were done by their due date.
 */
export function pmCompliance(occurrences: readonly PmFacts[], p: Period): { due: number; onTime: number; compliancePct: number | null } {
  const visits = occurrences.filter((o) => within(o.dueAt, p) || within(o.doneAt, p));
  const onTime = visits.filter((o) => o.doneAt !== null && o.doneAt <= o.dueAt).length;
  return { due: visits.length, onTime, compliancePct: visits.length ? round((100 * onTime) / visits.length)! : null };
}

/** Orders open at the end of the period by age. */
export function backlog(
  orders: readonly OrderFacts[],
  p: Period,
): { open: number; byAge: Record<'under1d' | 'd1to7' | 'd7to30' | 'over30d', number>; oldestDays: number | null } {
  const open = orders.filter((o) => o.createdAt < p.to && (o.closedAt === null || o.closedAt >= p.to) && o.state !== 'cancelled' && o.state !== 'closed');
  const byAge = { under1d: 0, d1to7: 0, d7to30: 0, over30d: 0 };
  for (const o of open) {
    const days = (p.to - o.createdAt) / DAY;
    byAge[days < 1 ? 'under1d' : days < 7 ? 'd1to7' : days < 30 ? 'd7to30' : 'over30d']++;
  }
  const oldest = open.length ? Math.max(...open.map((o) => (p.to - o.createdAt) / DAY)) : null;
  return { open: open.length, byAge, oldestDays: round(oldest) };
}

/**
 * Bad actors: corrective orders per asset in the period, most first, with the cumulative share
 * (Pareto); `chronic` marks assets with 3 or more unplanned failures in the 2 years to the period's
 * end; `repeats` counts faults that came back (reopened or the same fault within 30 days).
 */
export function badActors(
  orders: readonly OrderFacts[],
  p: Period,
): { assetId: string; failures: number; cumulativePct: number; repeats: number; chronic: boolean }[] {
  const corrective = orders.filter((o) => isCorrective(o) && o.assetId);
  const inPeriod = corrective.filter((o) => within(o.createdAt, p));
  const total = inPeriod.length;
  const counts = new Map<string, number>();
  for (const o of inPeriod) counts.set(o.assetId!, (counts.get(o.assetId!) ?? 0) + 1);
  const twoYears = corrective.filter((o) => o.createdAt >= p.to - 730 * DAY && o.createdAt < p.to);
  let cumulative = 0;
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([assetId, failures]) => {
      cumulative += failures;
      const mine = inPeriod.filter((o) => o.assetId === assetId);
      const byFault = new Map<string, number[]>();
      for (const o of corrective.filter((x) => x.assetId === assetId && x.faultKey))
        byFault.set(o.faultKey!, [...(byFault.get(o.faultKey!) ?? []), o.createdAt]);
      const returned = [...byFault.values()].reduce(
        (n, ts) => n + ts.sort((a, b) => a - b).filter((t, i) => i > 0 && within(t, p) && t - ts[i - 1]! <= 30 * DAY).length,
        0,
      );
      return {
        assetId,
        failures,
        cumulativePct: round((100 * cumulative) / total)!,
        repeats: mine.reduce((n, o) => n + o.repeatCount, 0) + returned,
        chronic: twoYears.filter((o) => o.assetId === assetId).length >= 3,
      };
    });
}

/** Ratings given to orders closed or verified in the period. */
export function satisfaction(
  orders: readonly OrderFacts[],
  p: Period,
): { ratings: number; mean: number | null; low: number; distribution: Record<1 | 2 | 3 | 4 | 5, number> } {
  // Residents' ratings: of orders a person asked for (a supervisor's rating of a PM or alarm order is not satisfaction).
  const rated = orders.filter((o) => o.rating && o.requester && within(o.closedAt ?? o.resolvedAt, p));
  const distribution = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } as Record<1 | 2 | 3 | 4 | 5, number>;
  for (const o of rated) distribution[o.rating!.score as 1 | 2 | 3 | 4 | 5]++;
  return {
    ratings: rated.length,
    mean: round(mean(rated.map((o) => o.rating!.score)), 2),
    low: rated.filter((o) => o.rating!.score <= 2).length,
    distribution,
  };
}

/**
 * Rule precision: of the alarm orders a rule opened and that were settled in the period, the share
 * that was real work (resolved) rather than cancelled as no fault.
 */
export function rulePrecision(
  orders: readonly OrderFacts[],
  p: Period,
): { ruleId: string; orders: number; realWork: number; noFault: number; precisionPct: number | null }[] {
  const byRule = new Map<string, { real: number; none: number }>();
  for (const o of orders.filter((x) => x.source === 'alarm' && x.ruleId)) {
    const settledReal = within(o.resolvedAt, p);
    const settledNone = o.state === 'cancelled' && within(o.closedAt, p);
    if (!settledReal && !settledNone) continue;
    const r = byRule.get(o.ruleId!) ?? { real: 0, none: 0 };
    if (settledNone) r.none++;
    else r.real++;
    byRule.set(o.ruleId!, r);
  }
  return [...byRule]
    .map(([ruleId, r]) => ({ ruleId, orders: r.real + r.none, realWork: r.real, noFault: r.none, precisionPct: round((100 * r.real) / (r.real + r.none))! }))
    .sort((a, b) => (a.precisionPct ?? 0) - (b.precisionPct ?? 0) || a.ruleId.localeCompare(b.ruleId));
}
