import type { Alarm } from '../../alarms/alarm.ts';
import { severities } from '../../shared/vocabulary.ts';
import type { ApiClient } from '../api-client.ts';
import { assetMap, listAll } from '../data.ts';
import { html } from '../html.ts';
import { when } from '../i18n.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { assetLabel, errorBox, type AssetInfo } from '../widgets.ts';

type AssetWithStatus = AssetInfo & { maintenance: { until: number; by: string } | null; status: { connection: string; lastSeen: number | null } };

/** Active and acknowledged alarms, critical first, each with its order and an acknowledge button. */
export async function alarmsPage(api: ApiClient, ctx: PageContext, error?: string): Promise<string> {
  const [alarms, assets] = await Promise.all([listAll<Alarm>(api, ctx, '/api/alarms?state=active,acknowledged&limit=500'), assetMap(api, ctx)]);
  const items = [...alarms.items].sort((a, b) => severities.indexOf(b.severity) - severities.indexOf(a.severity) || b.raisedAt - a.raisedAt);
  const mayAck = ctx.principal === null || (['admin', 'manager', 'supervisor', 'technician'].includes(ctx.principal.role) && ctx.principal.personId !== null);
  return page(
    ctx,
    ctx.m.alarms,
    html`${error ? errorBox(error) : ''}
      <h1>${ctx.m.alarms}</h1>
      ${
        items.length === 0
          ? html`<p class="empty">${ctx.m.alarmsEmpty}</p>`
          : html`<ul class="cards">
              ${items.map((a) => {
                const tz = ctx.timeZoneOf(a.site);
                return html`<li class="card sev-edge-${a.severity}">
                  <div class="card-body">
                    <span class="card-top"
                      ><span class="badge sev-${a.severity}">${ctx.m.severity[a.severity] ?? a.severity}</span>
                      ${a.flapping ? html`<span class="badge">flapping</span>` : ''}</span
                    >
                    <span class="card-title">${a.message}</span>
                    <span class="card-meta"
                      ><a href="/assets/${encodeURIComponent(a.assetId)}">${assetLabel(assets.get(a.assetId), a.assetId)}</a> · ${a.site} ·
                      ${ctx.m.sinceTime(when(a.raisedAt, tz, ctx.now))}</span
                    >
                    ${a.workOrderId ? html`<span class="card-meta">${ctx.m.orderOf}: <a href="/orders/${encodeURIComponent(a.workOrderId)}">${a.workOrderId}</a></span>` : ''}
                    ${
                      a.state === 'acknowledged'
                        ? html`<span class="card-meta">${ctx.m.acked(a.acknowledgedBy ?? '')}</span>`
                        : mayAck
                          ? html`<form method="post" action="/alarms/${a.id}/ack" class="act">
                              ${csrfField(ctx)}<button type="submit">${ctx.m.ack}</button>
                            </form>`
                          : ''
                    }
                  </div>
                </li>`;
              })}
            </ul>`
      }`,
    { active: 'alarms', live: true },
  );
}

/** Per site: how many assets, online, offline, in alarm, in maintenance, and open orders. */
export async function sitesPage(api: ApiClient, ctx: PageContext): Promise<string> {
  const [assets, alarms] = await Promise.all([
    listAll<AssetWithStatus>(api, ctx, '/api/assets'),
    listAll<Alarm>(api, ctx, '/api/alarms?state=active,acknowledged&limit=1000'),
  ]);
  const sites = [...new Set(assets.items.map((a) => a.site))].sort();
  const inAlarm = new Set(alarms.items.map((a) => a.assetId));
  const rows = await Promise.all(
    sites.map(async (site) => {
      const mine = assets.items.filter((a) => a.site === site);
      const open =
        ctx.principal?.sites && !ctx.principal.sites.includes(site)
          ? 0
          : (await api.get<{ total: number }>(`/api/work-orders?state=new,assigned,acknowledged,in_progress,on_hold&limit=1&site=${encodeURIComponent(site)}`))
              .total;
      return {
        site,
        assets: mine,
        online: mine.filter((a) => a.status.connection === 'online').length,
        offline: mine.filter((a) => a.status.connection === 'offline'),
        alarm: mine.filter((a) => inAlarm.has(a.id)),
        maintenance: mine.filter((a) => a.maintenance && a.maintenance.until > ctx.now),
        open,
      };
    }),
  );
  const list = (xs: AssetWithStatus[]) =>
    xs.length
      ? html`<ul class="plain small">
          ${xs.map((a) => html`<li><a href="/assets/${encodeURIComponent(a.id)}">${assetLabel(a, a.id)}</a></li>`)}
        </ul>`
      : '';
  return page(
    ctx,
    ctx.m.status,
    html`<h1>${ctx.m.status}</h1>
      <div class="sites">
        ${rows.map(
          (r) =>
            html`<section class="site-card" aria-labelledby="site-${r.site}">
              <h2 id="site-${r.site}">${r.site}</h2>
              <p class="stats">
                <span><strong>${r.assets.length}</strong> ${ctx.m.assets}</span> <span><strong>${r.online}</strong> ${ctx.m.online}</span>
                <span class="${r.offline.length ? 'late' : ''}"><strong>${r.offline.length}</strong> ${ctx.m.offline}</span>
                <span class="${r.alarm.length ? 'late' : ''}"><strong>${r.alarm.length}</strong> ${ctx.m.inAlarm}</span>
                <span><strong>${r.maintenance.length}</strong> ${ctx.m.inMaintenance}</span>
                <span
                  ><a href="/board?site=${encodeURIComponent(r.site)}"><strong>${r.open}</strong> ${ctx.m.openOrders}</a></span
                >
              </p>
              ${
                r.alarm.length
                  ? html`<h3>${ctx.m.inAlarm}</h3>
                      ${list(r.alarm)}`
                  : ''
              }
              ${
                r.offline.length
                  ? html`<h3>${ctx.m.offline}</h3>
                      ${list(r.offline)}`
                  : ''
              }
              ${
                r.maintenance.length
                  ? html`<h3>${ctx.m.inMaintenance}</h3>
                      ${list(r.maintenance)}`
                  : ''
              }
            </section>`,
        )}
      </div>`,
    { active: 'status', live: true },
  );
}
