import { DateTime } from 'luxon';
import type { ArchivedReport } from '../../reports/report-store.ts';
import type { ApiClient } from '../api-client.ts';
import { listAll } from '../data.ts';
import { html } from '../html.ts';
import { when } from '../i18n.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { errorBox, noticeBox } from '../widgets.ts';

/** Who makes a report on demand (the API decides; the page only leaves the form out for the others). */
const makers = ['admin', 'manager', 'supervisor'];
const enc = encodeURIComponent;

export interface ReportForm {
  site?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  language?: string | undefined;
}

/** The form's dates as the API's period: from the first day's midnight to the midnight after the last day, in the site's time zone. */
export function periodOf(form: ReportForm, zone: string): { from?: number; to?: number } {
  const day = (d: string | undefined) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? DateTime.fromISO(d, { zone }) : undefined);
  const from = day(form.from);
  const to = day(form.to);
  return { ...(from?.isValid ? { from: from.toMillis() } : {}), ...(to?.isValid ? { to: to.plus({ days: 1 }).toMillis() } : {}) };
}

/** Archived reports with links to open them (HTML, PDF), and a form to make one now. */
export async function reportsPage(
  api: ApiClient,
  ctx: PageContext,
  sites: readonly string[],
  opts: { error?: string | undefined; notice?: string | undefined; made?: string | undefined; form?: ReportForm | undefined } = {},
): Promise<string> {
  const rp = ctx.m.reportsPage;
  const { items } = await listAll<ArchivedReport>(api, ctx, '/api/reports?limit=100');
  const reports = [...items].sort((a, b) => b.createdAt - a.createdAt);
  const mayMake = ctx.principal === null || makers.includes(ctx.principal.role);
  const visibleSites = ctx.principal?.sites ?? sites;
  const form = opts.form ?? {};
  const lang = form.language ?? ctx.lang;
  const day = (t: number, tz: string) => DateTime.fromMillis(t, { zone: tz }).toISODate()!;

  return page(
    ctx,
    rp.title,
    html`${opts.error ? errorBox(opts.error) : ''}${opts.notice ? noticeBox(opts.notice) : ''}
      <h1>${rp.title}</h1>
      ${
        mayMake
          ? html`<details class="todo make" ${opts.error || opts.form || reports.length === 0 ? html` open` : ''}>
              <summary>${rp.make}</summary>
              <p class="muted small">${rp.makeLead}</p>
              <form method="post" action="/reports" class="make-report">
                ${csrfField(ctx)}
                <label
                  >${ctx.m.filterSite}
                  <select name="site">
                    ${ctx.principal?.sites ? '' : html`<option value="">${ctx.m.filterAll}</option>`}
                    ${visibleSites.map((s) => html`<option value="${s}" ${form.site === s ? html` selected` : ''}>${s}</option>`)}
                  </select>
                </label>
                <label>${rp.from} <input type="date" name="from" value="${form.from ?? ''}" /></label>
                <label>${rp.to} <input type="date" name="to" value="${form.to ?? ''}" /></label>
                <label
                  >${rp.language}
                  <select name="language">
                    ${['en', 'zh'].map((l) => html`<option value="${l}" ${lang === l ? html` selected` : ''}>${rp.languageOf[l]}</option>`)}
                  </select>
                </label>
                <button type="submit">${rp.submit}</button>
              </form>
            </details>`
          : ''
      }
      ${
        reports.length === 0
          ? html`<p class="empty">${rp.none}</p>`
          : html`<ul class="cards reports">
              ${reports.map((r) => {
                const tz = ctx.timeZoneOf(r.site);
                const pdfError = r.summary.pdfError;
                return html`<li class="card${r.id === opts.made ? ' made' : ''}" id="${r.id}">
                  <div class="card-body">
                    <span class="card-top"
                      ><span class="badge">${rp.kinds[r.kind] ?? r.kind}</span> <span class="badge">${rp.languageOf[r.language] ?? r.language}</span></span
                    >
                    <span class="card-title">${rp.periodText(day(r.from, tz), day(r.to - 1, tz))} · ${r.site ?? rp.allSites}</span>
                    <span class="card-meta">${r.id} · ${rp.created(when(r.createdAt, tz, ctx.now))}</span>
                    <span class="report-links">
                      <a class="button-link" href="/api/reports/${enc(r.id)}/report.html">${rp.open}</a>
                      ${
                        r.summary.files.includes('report.pdf') && !pdfError
                          ? html`<a class="button-link secondary" href="/api/reports/${enc(r.id)}/report.pdf">${rp.pdf}</a>`
                          : html`<span class="muted small">${rp.noPdf(pdfError ?? '—')}</span>`
                      }
                    </span>
                  </div>
                </li>`;
              })}
            </ul>`
      } `,
    { active: 'reports' },
  );
}
