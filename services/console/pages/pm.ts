import { DateTime } from 'luxon';
import { isFloating, type PmPlan } from '../../pm/pm-plan.ts';
import { nextOccurrence, tierOf, type PlanAssetState } from '../../pm/pm-schedule.ts';
import type { ApiClient } from '../api-client.ts';
import { assetMap } from '../data.ts';
import { html, type Html } from '../html.ts';
import { page, type PageContext } from '../layout.ts';
import type { PlanReport } from './asset.ts';
import { siteFilter } from '../widgets.ts';

/** How far ahead the calendar looks. */
export const PM_HORIZON_DAYS = 30;
const enc = encodeURIComponent;

export interface Visit {
  site: string;
  planId: string;
  planTitle: string;
  assetId: string;
  dueAt: number;
  tier: string | null;
  /** The order opened for it (its lead time has come), or null while it is only planned. */
  workOrderId: string | null;
}

type Row = PlanReport['assets'][number];

/**
 * The visits of one plan on one asset due before `until`: the occurrences opened already (from the
 * plan's history), the next one the API names, and — on a fixed calendar — the ones after it, by the
 * same schedule functions the scheduler runs (a floating or usage plan's later visits depend on when
 * the next is done, so they are not guessed).
 */
export function visitsOf(plan: PlanReport, row: Row, tz: string, now: number, until: number): { due: Visit[]; overdue: Visit[] } {
  const base = { site: row.site, planId: plan.id, planTitle: plan.title, assetId: row.assetId };
  const overdue = row.history.filter((o) => o.status === 'overdue').map((o) => ({ ...base, dueAt: o.dueAt, tier: o.tier, workOrderId: o.workOrderId }));
  const due: Visit[] = row.history
    .filter((o) => o.status === 'open' && o.dueAt <= until)
    .map((o) => ({ ...base, dueAt: o.dueAt, tier: o.tier, workOrderId: o.workOrderId }));
  const next = row.nextDue;
  if (!next || next.dueAt > until) return { due, overdue };
  due.push({ ...base, dueAt: next.dueAt, tier: next.tier, workOrderId: null });
  if (isFloating(plan)) return { due, overdue };
  let state: PlanAssetState = {
    trackedSince: row.trackedSince,
    last: { key: next.key, dueAt: next.dueAt, seq: 0 },
    generated: 0,
    lastDone: row.lastDone,
    lastRepair: null,
  };
  for (let i = 0; i < 400; i++) {
    const occ = nextOccurrence(plan, tz, state, () => undefined, now);
    if (!occ || occ.dueAt > until || occ.dueAt <= state.last!.dueAt) break;
    due.push({ ...base, dueAt: occ.dueAt, tier: tierOf(plan, occ.seq).name, workOrderId: null });
    state = { ...state, last: { key: occ.key, dueAt: occ.dueAt, seq: occ.seq }, generated: state.generated + 1 };
  }
  return { due, overdue };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** On time of due, over plan rows: the API's per-asset compliance added up. */
function compliance(rows: Row[]): { due: number; onTime: number; pct: number | null; tolerance: number | null } {
  const due = sum(rows.map((r) => r.compliance.due));
  const onTime = sum(rows.map((r) => r.compliance.onTime));
  const tol = rows.filter((r) => r.compliance.withinTolerancePct !== null && r.compliance.due > 0);
  const tolDue = sum(tol.map((r) => r.compliance.due));
  return {
    due,
    onTime,
    pct: due ? Math.round((1000 * onTime) / due) / 10 : null,
    tolerance: tolDue ? Math.round((10 * sum(tol.map((r) => r.compliance.withinTolerancePct! * r.compliance.due))) / tolDue) / 10 : null,
  };
}

/** Upcoming preventive visits per site and day for the next 30 days, overdue ones first, with PM compliance. */
export async function pmPage(api: ApiClient, ctx: PageContext, q: { site?: string | undefined }, sites: readonly string[]): Promise<string> {
  const pp = ctx.m.pmPage;
  const plans = (await api.get<{ items: PmPlan[] }>('/api/pm-plans')).items.filter((p) => p.enabled);
  const [reports, assets] = await Promise.all([
    Promise.all(plans.map((p) => api.get<PlanReport>(`/api/pm-plans/${enc(p.id)}${q.site ? `?site=${enc(q.site)}` : ''}`))),
    assetMap(api, ctx),
  ]);
  const until = ctx.now + PM_HORIZON_DAYS * 86_400_000;
  const due: Visit[] = [];
  const overdue: Visit[] = [];
  for (const plan of reports) {
    for (const row of plan.assets) {
      const v = visitsOf(plan, row, ctx.timeZoneOf(row.site), ctx.now, until);
      due.push(...v.due);
      overdue.push(...v.overdue);
    }
  }
  const shownSites = [...new Set(reports.flatMap((p) => p.assets.map((a) => a.site)))].sort();
  const visibleSites = ctx.principal?.sites ?? sites;
  const assetLink = (id: string) => html`<a href="/assets/${enc(id)}">${assets.get(id)?.name || id}</a>`;

  const siteSection = (site: string): Html => {
    const tz = ctx.timeZoneOf(site);
    const rows = reports.flatMap((p) => p.assets.filter((a) => a.site === site));
    const c = compliance(rows);
    const mine = due.filter((v) => v.site === site).sort((a, b) => a.dueAt - b.dueAt);
    const days = new Map<string, Visit[]>();
    for (const v of mine) {
      const day = DateTime.fromMillis(v.dueAt, { zone: tz }).toISODate()!;
      days.set(day, [...(days.get(day) ?? []), v]);
    }
    const today = DateTime.fromMillis(ctx.now, { zone: tz }).startOf('day');
    return html`<section class="site-card pm-site" aria-labelledby="pm-${site}">
      <h2 id="pm-${site}">${site}</h2>
      <p class="stats">
        <span>${pp.complianceLine(c.onTime, c.due, c.pct)}</span>
        ${c.tolerance !== null ? html`<span class="muted">${pp.withinTolerance(c.tolerance)}</span>` : ''}
      </p>
      ${
        days.size === 0
          ? html`<p class="muted">${pp.nothingDue(PM_HORIZON_DAYS)}</p>`
          : html`<ol class="pm-days">
              ${[...days].map(([day, visits]) => {
                const d = DateTime.fromISO(day, { zone: tz }).setLocale(ctx.lang === 'zh' ? 'zh-CN' : 'en-GB');
                const offset = Math.round(d.diff(today, 'days').days);
                const byPlan = new Map<string, Visit[]>();
                for (const v of visits) byPlan.set(`${v.planId}|${v.tier ?? ''}`, [...(byPlan.get(`${v.planId}|${v.tier ?? ''}`) ?? []), v]);
                return html`<li class="pm-day">
                  <h3>
                    <time datetime="${day}">${ctx.lang === 'zh' ? d.toFormat('M月d日 ccc') : d.toFormat('ccc d LLL')}</time>${
                      offset === 0 ? html` <span class="badge">${pp.today}</span>` : offset === 1 ? html` <span class="badge">${pp.tomorrow}</span>` : ''
                    }
                  </h3>
                  <ul class="plain">
                    ${[...byPlan.values()].map((vs) => {
                      const who = vs.map(
                        (v, i) =>
                          html`${i > 0 ? ', ' : ''}${assetLink(v.assetId)}${
                            v.workOrderId ? html` (<a href="/orders/${enc(v.workOrderId)}">${v.workOrderId}</a>)` : ''
                          }`,
                      );
                      const planned = vs.every((v) => !v.workOrderId);
                      return html`<li class="pm-visit">
                        <strong>${vs[0]!.planTitle}</strong>${vs[0]!.tier ? html` <span class="badge">${vs[0]!.tier}</span>` : ''}${
                          planned ? html` <span class="muted small">${pp.planned}</span>` : ''
                        }
                        <br />
                        ${
                          vs.length > 6
                            ? html`<details>
                                <summary>${vs.length} ${ctx.m.assets}</summary>
                                <span class="small">${who}</span>
                              </details>`
                            : html`<span class="small">${who}</span>`
                        }
                      </li>`;
                    })}
                  </ul>
                </li>`;
              })}
            </ol>`
      }
    </section>`;
  };

  const sortedOverdue = [...overdue].sort((a, b) => a.dueAt - b.dueAt);
  const planRows = reports
    .map((p) => ({ title: p.title, c: compliance(p.assets) }))
    .filter((r) => r.c.due > 0)
    .sort((a, b) => (a.c.pct ?? 100) - (b.c.pct ?? 100));

  return page(
    ctx,
    pp.title,
    html`<h1>${pp.title}</h1>
      <p class="muted">${pp.lead(PM_HORIZON_DAYS)}</p>
      ${
        visibleSites.length > 1
          ? html`<form class="filters" method="get" action="/pm">
              ${siteFilter(ctx, visibleSites, q.site)}
              <button type="submit">${ctx.m.filter}</button>
            </form>`
          : ''
      }
      <section aria-labelledby="overdue" class="pm-overdue">
        <h2 id="overdue">${pp.overdue} <span class="count">${sortedOverdue.length}</span></h2>
        ${
          sortedOverdue.length === 0
            ? html`<p class="muted">${pp.noOverdue}</p>`
            : html`<ul class="cards">
                ${sortedOverdue.map(
                  (v) =>
                    html`<li class="card prio-edge-P1">
                      <div class="card-body">
                        <span class="card-title">${v.planTitle}${v.tier ? ` · ${v.tier}` : ''}</span>
                        <span>${assetLink(v.assetId)} · ${v.site}</span>
                        <span class="late"
                          >${ctx.m.assetPage.overdueVisit(DateTime.fromMillis(v.dueAt, { zone: ctx.timeZoneOf(v.site) }).toISODate()!)}${
                            v.workOrderId ? html` · <a href="/orders/${enc(v.workOrderId)}">${v.workOrderId}</a>` : ''
                          }</span
                        >
                      </div>
                    </li>`,
                )}
              </ul>`
        }
      </section>
      <div class="sites pm-sites">${shownSites.map(siteSection)}</div>
      ${
        planRows.length
          ? html`<section aria-labelledby="by-plan">
              <h2 id="by-plan">${pp.byPlan}</h2>
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">${pp.plan}</th>
                    <th scope="col" class="num">${pp.due}</th>
                    <th scope="col" class="num">${pp.onTimeCol}</th>
                    <th scope="col" class="num">${pp.pct}</th>
                  </tr>
                </thead>
                <tbody>
                  ${planRows.map(
                    (r) =>
                      html`<tr>
                        <th scope="row">${r.title}</th>
                        <td class="num">${r.c.due}</td>
                        <td class="num">${r.c.onTime}</td>
                        <td class="num ${r.c.pct !== null && r.c.pct < 90 ? 'late' : ''}">${r.c.pct ?? '—'}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </section>`
          : ''
      }`,
    { active: 'pm' },
  );
}
