import { catalog, type DeviceType } from '../../devices/catalog.ts';
import type { WorkOrder } from '../work-orders/work-order.ts';
import { clockNames } from '../work-orders/sla.ts';
import { html, type Html } from './html.ts';
import { duration, when } from './i18n.ts';
import type { PageContext } from './layout.ts';

export interface AssetInfo {
  id: string;
  name?: string | undefined;
  location?: string | undefined;
  site: string;
  type: string;
}

export const priorityBadge = (ctx: PageContext, p: string) => html`<span class="badge prio-${p}">${ctx.m.priorities[p] ?? p}</span>`;
export const stateBadge = (ctx: PageContext, s: string) => html`<span class="badge state state-${s}">${ctx.m.states[s] ?? s}</span>`;

/** The SLA clock that matters now: the first one not met, as "due in 25 min" or "overdue by 2 h". */
export function slaNow(ctx: PageContext, o: Pick<WorkOrder, 'sla' | 'state'>): { text: string; late: boolean; soon: boolean } | null {
  if (['resolved', 'verified', 'closed', 'cancelled'].includes(o.state)) return null;
  for (const name of clockNames) {
    const c = o.sla.clocks[name];
    if (!c || c.metAt !== null) continue;
    const left = c.due - ctx.now;
    const label = ctx.m.clocks[name]!;
    if (o.sla.pausedSince !== null) return { text: `${label}: ${ctx.m.paused}`, late: false, soon: false };
    return left >= 0
      ? { text: `${label}: ${ctx.m.due(ctx.m.inTime(duration(left, ctx.m)))}`, late: false, soon: ctx.now >= c.warnAt }
      : { text: `${label}: ${ctx.m.overdue(duration(-left, ctx.m))}`, late: true, soon: false };
  }
  return null;
}

export function slaBadge(ctx: PageContext, o: Pick<WorkOrder, 'sla' | 'state'>): Html | '' {
  const s = slaNow(ctx, o);
  if (!s) return '';
  return html`<span class="sla${s.late ? ' late' : s.soon ? ' soon' : ''}">${s.text}</span>`;
}

/** Every clock of the order with its deadline and whether it was met. */
export function slaClocks(ctx: PageContext, o: WorkOrder): Html {
  const tz = ctx.timeZoneOf(o.site);
  return html`<ul class="clocks">
    ${clockNames.map((name) => {
      const c = o.sla.clocks[name];
      if (!c) return '';
      const label = ctx.m.clocks[name]!;
      if (c.metAt !== null) {
        const late = c.metAt > c.due;
        return html`<li class="${late ? 'late' : 'met'}">
          ${label}: ${late ? ctx.m.metLate(when(c.metAt, tz, ctx.now)) : ctx.m.metAt(when(c.metAt, tz, ctx.now))}
        </li>`;
      }
      const left = c.due - ctx.now;
      return html`<li class="${left < 0 ? 'late' : ctx.now >= c.warnAt ? 'soon' : ''}">
        ${label}: ${when(c.due, tz, ctx.now)} ·
        ${
          left >= 0 ? ctx.m.due(ctx.m.inTime(duration(left, ctx.m))) : ctx.m.overdue(duration(-left, ctx.m))
        }${o.sla.pausedSince !== null ? html` (${ctx.m.paused})` : ''}
      </li>`;
    })}
  </ul>`;
}

export const assetLabel = (a: AssetInfo | undefined, id: string | null) => (a ? (a.name ? `${a.name} (${a.id})` : a.id) : (id ?? '—'));

/** One order in a list: what a technician or a dispatcher needs to choose what to do next. */
export function orderCard(ctx: PageContext, o: WorkOrder, assets: Map<string, AssetInfo>, people: Map<string, string>): Html {
  const a = o.assetId ? assets.get(o.assetId) : undefined;
  const place = o.location ?? a?.location;
  const escalated = Object.values(o.sla.clocks).some((c) => c && c.escalated.length > 0);
  const sla = slaBadge(ctx, o);
  return html`<li class="card prio-edge-${o.priority}${o.breached ? ' breached' : ''}">
    <a class="card-link" href="/orders/${encodeURIComponent(o.id)}">
      <span class="card-top"
        >${priorityBadge(ctx, o.priority)} ${stateBadge(ctx, o.state)}
        ${o.breached ? html`<span class="badge warn">${ctx.m.breached}</span>` : ''}${
          escalated ? html` <span class="badge warn">${ctx.m.escalated}</span>` : ''
        }</span
      >
      <span class="card-title">${o.title}</span>
      <span class="card-meta">${o.id} · ${assetLabel(a, o.assetId)}${place ? ` · ${place}` : ''}${o.site ? ` · ${o.site}` : ''}</span>
      <span class="card-meta">${o.assignee ? (people.get(o.assignee) ?? o.assignee) : ctx.m.unassigned}${sla ? html` · ${sla}` : ''}</span>
    </a>
  </li>`;
}

/** An error the API gave, as a message at the top of a page. */
export const errorBox = (message: string) => html`<p class="error" role="alert">${message}</p>`;
export const noticeBox = (message: string) => html`<p class="notice" role="status">${message}</p>`;

/** A metric's name as people read it: the console's translation, else the device catalogue's description, else its key. */
export function metricLabel(ctx: PageContext, type: string | undefined, metric: string): string {
  return ctx.m.metricNames[metric] ?? (type ? catalog[type as DeviceType]?.metrics.find((x) => x.name === metric)?.description : undefined) ?? metric;
}

/** The "site" field of a filter form: every site the person may see, and "all sites" first. */
export function siteFilter(ctx: PageContext, sites: readonly string[], selected: string | undefined): Html {
  return html`<label
    >${ctx.m.filterSite}
    <select name="site">
      <option value="">${ctx.m.filterAll}</option>
      ${sites.map((s) => html`<option value="${s}" ${selected === s ? html` selected` : ''}>${s}</option>`)}
    </select>
  </label>`;
}
