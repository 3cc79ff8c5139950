import type { ApiClient } from '../api-client.ts';
import { html, type Html } from '../html.ts';
import { when } from '../i18n.ts';
import { page, type PageContext } from '../layout.ts';

/** A delivery as GET /api/notifications answers it. */
export interface Delivery {
  id: string;
  event: string;
  channel: string;
  recipient: string;
  address: string | null;
  subjectId: string | null;
  title: string | null;
  urgent: boolean;
  link: string | null;
  state: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  nextAttemptAt: number | null;
  sentAt: number | null;
  readAt: number | null;
}

/** A link's path, so the console's own page opens on this host whatever FMS_PUBLIC_URL says. */
const pathOf = (link: string | null) => {
  if (!link) return null;
  try {
    const u = new URL(link);
    return `${u.pathname}${u.search}`;
  } catch {
    return null;
  }
};

/** A recipient as people read it: a person's name, a robot's or webhook's id, an address. */
const whoOf = (recipient: string, names: ReadonlyMap<string, string>) => {
  const [kind, id = ''] = recipient.split(/:(.*)/s);
  return kind === 'person' ? (names.get(id) ?? id) : id;
};

/** Who was told, by which channel, and what became of it: on an order's page and on the deliveries list. */
export function deliveriesTable(ctx: PageContext, items: readonly Delivery[], tz: string, names: ReadonlyMap<string, string> = new Map()): Html {
  const m = ctx.m.notices;
  return html`<div class="deliveries-wrap">
    <table class="table deliveries">
      <thead>
        <tr>
          <th scope="col">${m.when}</th>
          <th scope="col">${m.recipient}</th>
          <th scope="col">${m.channel}</th>
          <th scope="col">${m.state}</th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (d) =>
            html`<tr>
              <td><time>${when(d.createdAt, tz, ctx.now)}</time></td>
              <td>${whoOf(d.recipient, names)}<br /><span class="note">${m.events[d.event] ?? d.event}</span></td>
              <td>${m.channels[d.channel] ?? d.channel}</td>
              <td>
                <span class="badge ${d.state === 'dead' ? 'warn' : ''}">${m.states[d.state] ?? d.state}</span
                >${d.attempts > 1 ? html` · ${m.attempts(d.attempts)}` : ''}
                ${d.state === 'pending' && d.nextAttemptAt ? html`<br /><span class="note">${m.nextAttempt(when(d.nextAttemptAt, tz, ctx.now))}</span>` : ''}
                ${d.lastError && d.state !== 'sent' ? html`<br /><span class="note">${d.lastError}</span>` : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/**
 * The bell's page: the person's own notifications, newest first (seen once opened); for supervisors,
 * managers and admins, the deliveries that wait for a retry or were given up.
 */
export async function notificationsPage(api: ApiClient, ctx: PageContext): Promise<string> {
  const m = ctx.m.notices;
  const tz = ctx.timeZoneOf(null);
  const mine = ctx.principal?.personId
    ? await api.get<{ items: Delivery[]; total: number }>(
        `/api/notifications?channel=inapp&recipient=${encodeURIComponent(`person:${ctx.principal.personId}`)}&limit=100`,
      )
    : { items: [], total: 0 };
  const overseer = ctx.principal === null || (['admin', 'manager', 'supervisor'].includes(ctx.principal.role) && ctx.principal.sites === null);
  const [dead, waiting] = overseer
    ? await Promise.all([
        api.get<{ items: Delivery[]; total: number }>('/api/notifications?state=dead&limit=50'),
        api.get<{ items: Delivery[]; total: number }>('/api/notifications?state=pending&limit=50'),
      ])
    : [undefined, undefined];
  if (ctx.principal?.personId && mine.items.some((d) => d.readAt === null)) await api.call('POST', '/api/notifications/read');
  const people = overseer ? await api.get<{ items: { id: string; name: string }[] }>('/api/people').catch(() => ({ items: [] })) : { items: [] };
  const names = new Map(people.items.map((p) => [p.id, p.name]));
  const troubles = [...(dead?.items ?? []), ...(waiting?.items ?? []).filter((d) => d.attempts > 0)];
  return page(
    ctx,
    m.title,
    html`<h1>${m.title}</h1>
      ${
        mine.items.length === 0
          ? html`<p class="empty">${m.empty}</p>`
          : html`<ul class="cards">
              ${mine.items.map((d) => {
                const href = pathOf(d.link);
                return html`<li class="card ${d.urgent ? 'sev-edge-critical' : ''}">
                  <div class="card-body">
                    <span class="card-top"
                      >${d.readAt === null ? html`<span class="badge new">${m.unseen}</span>` : ''}${d.urgent ? html`<span class="badge sev-critical">${m.urgent}</span>` : ''}</span
                    >
                    <span class="card-title">${href ? html`<a href="${href}">${d.title ?? d.event}</a>` : (d.title ?? d.event)}</span>
                    <span class="card-meta"><time>${when(d.createdAt, tz, ctx.now)}</time> · ${m.events[d.event] ?? d.event}</span>
                  </div>
                </li>`;
              })}
            </ul>`
      }
      ${
        overseer
          ? html`<section aria-labelledby="troubles">
              <h2 id="troubles">${m.troubles}</h2>
              ${troubles.length === 0 ? html`<p class="empty">${m.noTroubles}</p>` : deliveriesTable(ctx, troubles, tz, names)}
            </section>`
          : ''
      }`,
    { active: 'notices', live: true },
  );
}
