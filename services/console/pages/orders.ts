import type { WorkOrder } from '../../work-orders/work-order.ts';
import type { ApiClient } from '../api-client.ts';
import { assetMap, listAll, peopleMap } from '../data.ts';
import { html } from '../html.ts';
import { page, type PageContext } from '../layout.ts';
import { orderCard, siteFilter } from '../widgets.ts';

const OPEN = 'new,assigned,acknowledged,in_progress,on_hold,resolved,verified';
const PAGE = 50;

/** Orders first by what is most urgent: priority, then the nearest deadline. */
const urgency = (o: WorkOrder) => {
  const dues = Object.values(o.sla.clocks)
    .filter((c) => c && c.metAt === null)
    .map((c) => c!.due);
  return Number(o.priority.slice(1)) * 1e15 + (dues.length ? Math.min(...dues) : 9e14);
};

/** A technician's own orders, most urgent first: what they work on today. */
export async function myOrdersPage(api: ApiClient, ctx: PageContext): Promise<string> {
  const me = ctx.principal?.personId;
  const [orders, assets, people] = await Promise.all([
    me
      ? listAll<WorkOrder>(api, ctx, `/api/work-orders?assignee=${encodeURIComponent(me)}&state=assigned,acknowledged,in_progress,on_hold,resolved&limit=200`)
      : { items: [], total: 0 },
    assetMap(api, ctx),
    peopleMap(api),
  ]);
  const items = [...orders.items].sort((a, b) => urgency(a) - urgency(b));
  return page(
    ctx,
    ctx.m.myOrders,
    html`<h1>${ctx.m.myOrders}</h1>
      <p class="live-note" hidden>${ctx.m.liveUpdates}</p>
      ${orders.total > items.length ? html`<p class="notice" role="status">${ctx.m.myOrdersMore(items.length, orders.total)}</p>` : ''}
      ${
        items.length === 0
          ? html`<p class="empty">${ctx.m.myOrdersEmpty}</p>`
          : html`<ul class="cards">
              ${items.map((o) => orderCard(ctx, o, assets, people))}
            </ul>`
      }`,
    { active: 'orders', live: true },
  );
}

export interface BoardQuery {
  site?: string | undefined;
  priority?: string | undefined;
  breached?: string | undefined;
  offset?: number | undefined;
}

/** The dispatcher's board: open orders by state, SLA trouble first, paged. */
export async function boardPage(api: ApiClient, ctx: PageContext, q: BoardQuery, sites: readonly string[]): Promise<string> {
  const offset = Math.max(0, q.offset ?? 0);
  const filters = [q.priority ? `priority=${encodeURIComponent(q.priority)}` : '', q.breached === 'true' ? 'breached=true' : ''].filter(Boolean).join('&');
  const url = `/api/work-orders?state=${OPEN}&limit=${PAGE}&offset=${offset}${filters ? `&${filters}` : ''}`;
  const [orders, assets, people] = await Promise.all([listAll<WorkOrder>(api, ctx, url, q.site), assetMap(api, ctx), peopleMap(api)]);
  const states = ['new', 'assigned', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'verified'];
  const groups = states
    .map((s) => ({ state: s, items: orders.items.filter((o) => o.state === s).sort((a, b) => urgency(a) - urgency(b)) }))
    .filter((g) => g.items.length > 0);
  const visibleSites = ctx.principal?.sites ?? sites;
  const link = (o: number) =>
    `/board?${[
      q.site ? `site=${encodeURIComponent(q.site)}` : '',
      q.priority ? `priority=${q.priority}` : '',
      q.breached === 'true' ? 'breached=true' : '',
      `offset=${o}`,
    ]
      .filter(Boolean)
      .join('&')}`;
  const shownTo = Math.min(offset + orders.items.length, orders.total);
  return page(
    ctx,
    ctx.m.board,
    html`<h1>${ctx.m.board}</h1>
      <form class="filters" method="get" action="/board">
        ${siteFilter(ctx, visibleSites, q.site)}
        <label
          >${ctx.m.filterPriority}
          <select name="priority">
            <option value="">${ctx.m.filterAny}</option>
            ${['P1', 'P2', 'P3', 'P4'].map((p) => html`<option value="${p}" ${q.priority === p ? html` selected` : ''}>${ctx.m.priorities[p]}</option>`)}
          </select>
        </label>
        <label class="check"
          ><input type="checkbox" name="breached" value="true" ${q.breached === 'true' ? html` checked` : ''} /> ${ctx.m.filterBreached}</label
        >
        <button type="submit">${ctx.m.filter}</button>
      </form>
      ${
        groups.length === 0
          ? html`<p class="empty">${ctx.m.boardEmpty}</p>`
          : groups.map(
              (g) =>
                html`<section class="lane" aria-labelledby="lane-${g.state}">
                  <h2 id="lane-${g.state}">${ctx.m.states[g.state]} <span class="count">${g.items.length}</span></h2>
                  <ul class="cards">
                    ${g.items.map((o) => orderCard(ctx, o, assets, people))}
                  </ul>
                </section>`,
            )
      }
      ${
        orders.total > PAGE
          ? html`<nav class="pager" aria-label="pages">
              <span>${ctx.m.showing(offset + 1, shownTo, orders.total)}</span>
              ${offset > 0 ? html`<a href="${link(Math.max(0, offset - PAGE))}">${ctx.m.previous}</a>` : ''}
              ${offset + PAGE < orders.total ? html`<a href="${link(offset + PAGE)}">${ctx.m.next}</a>` : ''}
            </nav>`
          : ''
      }`,
    { active: 'board', live: true },
  );
}
