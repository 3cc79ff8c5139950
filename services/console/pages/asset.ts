import { DateTime } from 'luxon';
import { catalog, type DeviceType } from '../../../devices/catalog.ts';
import type { AssetHealth } from '../../condition/asset-health.ts';
import type { PmPlan } from '../../pm/pm-plan.ts';
import { explain } from '../../reports/report-document.ts';
import { text as reportText } from '../../reports/report-text.ts';
import type { WorkOrder } from '../../work-orders/work-order.ts';
import type { ApiClient } from '../api-client.ts';
import { formatValue, lineChart, type ChartLine } from '../chart.ts';
import { html, type Html } from '../html.ts';
import { when } from '../i18n.ts';
import { page, type PageContext } from '../layout.ts';
import { judge, levelsFor, type Level, type RuleLike } from '../limits.ts';
import { metricLabel, priorityBadge, stateBadge, type AssetInfo } from '../widgets.ts';

export type Asset = AssetInfo & {
  name: string;
  location: string;
  criticality: number;
  tags: string[];
  maintenance: { until: number; by: string } | null;
  status: { connection: string; lastSeen: number | null };
};
type Latest = { metrics: Record<string, { value: number | boolean; ts: number; unit: string }> };
/** The health API's answer: JSON has no Infinity, so an open-ended range's high end is null. */
type Health = AssetHealth & { at: number; maxRisk: number };
type Buckets = { buckets: { ts: number; value: number | null }[] };
/** One plan's rows for this asset (GET /api/pm-plans/{id}?assetId=). */
export type PlanReport = PmPlan & {
  assets: {
    assetId: string;
    site: string;
    trackedSince: number;
    nextDue: { dueAt: number; key: string; tier: string | null; reason: string } | null;
    lastDone: number | null;
    compliance: { due: number; onTime: number; onTimePct: number | null; withinTolerancePct: number | null };
    history: { key: string; tier: string | null; dueAt: number; workOrderId: string | null; state: string | null; doneAt: number | null; status: string }[];
  }[];
};

export const ranges = {
  '24h': { span: 86_400_000, every: '15m', everyMs: 900_000 },
  '7d': { span: 7 * 86_400_000, every: '1h', everyMs: 3_600_000 },
  '90d': { span: 90 * 86_400_000, every: '12h', everyMs: 43_200_000 },
} as const;
export type RangeKey = keyof typeof ranges;
export const rangeOf = (q: unknown): RangeKey => (typeof q === 'string' && q in ranges ? (q as RangeKey) : '24h');

const date = (t: number, tz: string) => DateTime.fromMillis(t, { zone: tz }).toISODate()!;
const enc = encodeURIComponent;

/** The gauges worth a trend: the indicators first, then every measured quantity (with a unit); those with readings. */
function chartedMetrics(type: DeviceType, latest: Latest | undefined, health: Health | undefined): string[] {
  const gauges = catalog[type].metrics.filter((m) => m.kind === 'gauge' && m.unit !== '').map((m) => m.name);
  const first = (health?.indicators ?? []).map((x) => x.metric);
  const measured = new Set(Object.keys(latest?.metrics ?? {}));
  return [...new Set([...first, ...gauges])].filter((m) => gauges.includes(m) && measured.has(m));
}

/** A level as the page says it; one crossed downwards (a battery's) reads "< 20". */
const levelText = (ctx: PageContext, l: Level) => {
  const v = `${l.side === 'below' ? '< ' : ''}${formatValue(l.value)}`;
  return l.kind === 'normal' ? ctx.m.assetPage.normalUpTo(v) : l.kind === 'warning' ? ctx.m.assetPage.warningAt(v) : ctx.m.assetPage.limitAt(v);
};

const actionClass: Record<string, string> = { replace: 'late', repair_now: 'late', schedule_repair: 'soon', repair_under_way: 'soon', inspect: 'soon' };

/** The asset page: what it is, how it is now, where it is heading, what was done and what is planned. */
export async function assetPage(api: ApiClient, ctx: PageContext, id: string, range: RangeKey): Promise<string> {
  const a = await api.get<Asset>(`/api/assets/${enc(id)}`);
  const tz = ctx.timeZoneOf(a.site);
  const ap = ctx.m.assetPage;
  const [latest, health, rules, orders, plans] = await Promise.all([
    api.get<Latest>(`/api/assets/${enc(a.id)}/latest`).catch(() => undefined),
    api.get<Health>(`/api/assets/${enc(a.id)}/health`).catch(() => undefined),
    api.get<{ items: RuleLike[] }>(`/api/rules?assetType=${enc(a.type)}`).catch(() => ({ items: [] })),
    api.get<{ items: WorkOrder[]; total: number }>(`/api/work-orders?assetId=${enc(a.id)}&site=${enc(a.site)}&limit=20`).catch(() => undefined),
    api
      .get<{ items: PmPlan[] }>('/api/pm-plans')
      .then((p) =>
        Promise.all(
          p.items
            .filter((x) => x.assetType === a.type && x.enabled)
            .map((x) => api.get<PlanReport>(`/api/pm-plans/${enc(x.id)}?assetId=${enc(a.id)}&site=${enc(a.site)}`)),
        ),
      )
      .then((rs) => rs.filter((r) => r.assets.length > 0))
      .catch(() => undefined),
  ]);
  const levels = levelsFor(a, health?.indicators ?? [], rules.items);
  const metricName = (m: string) => metricLabel(ctx, a.type, m);
  const unitOf = (m: string) => catalog[a.type as DeviceType]?.metrics.find((x) => x.name === m)?.unit ?? '';

  // Trends: mean, min and max per interval, read in parallel.
  const r = ranges[range];
  const to = Math.ceil((ctx.now + 1) / r.everyMs) * r.everyMs;
  const from = to - r.span;
  const metrics = chartedMetrics(a.type as DeviceType, latest, health);
  const series = await Promise.all(
    metrics.map(async (metric) => {
      const read = (fn: string) =>
        api
          .get<Buckets>(`/api/assets/${enc(a.id)}/telemetry?metric=${enc(metric)}&from=${from}&to=${to}&every=${r.every}&fn=${fn}`)
          .then((b) => b.buckets)
          .catch(() => [] as Buckets['buckets']);
      const [mean, min, max] = await Promise.all([read('mean'), read('min'), read('max')]);
      return { metric, mean, min, max };
    }),
  );
  const rangeText = ap.ranges[range]!;
  const charts = series.map((s, i) => {
    const unit = unitOf(s.metric);
    const lines: ChartLine[] = (levels.get(s.metric) ?? []).map((l) => ({ value: l.value, kind: l.kind, label: levelText(ctx, l) }));
    const title = ap.chartTitle(metricName(s.metric), rangeText, unit);
    const half = r.everyMs / 2;
    const lo = new Map(s.min.map((b) => [b.ts, b.value]));
    const hi = new Map(s.max.map((b) => [b.ts, b.value]));
    const chart = lineChart({
      id: `chart-${i}`,
      title,
      from,
      to,
      zone: tz,
      points: s.mean.map((b) => ({ t: b.ts + half, v: b.value })),
      band: s.mean.map((b) => ({ t: b.ts + half, lo: lo.get(b.ts) ?? null, hi: hi.get(b.ts) ?? null })),
      lines,
      describe: (st) =>
        ap.chartSummary(rangeText, formatValue(st.min), formatValue(st.max), formatValue(st.last), unit) +
        (lines.length ? ap.chartLines(lines.map((l) => l.label).join(', ')) : ''),
    });
    return html`<figure class="chart" data-metric="${s.metric}">
      <figcaption>${title}</figcaption>
      ${
        chart
          ? html`${chart.svg}
              <p class="chart-summary small" aria-hidden="true">
                ${ap.chartSummary(rangeText, formatValue(chart.stats.min), formatValue(chart.stats.max), formatValue(chart.stats.last), unit)}
              </p>`
          : html`<p class="muted">${ap.noTrend}</p>`
      }
    </figure>`;
  });

  const connection = a.status.connection;
  const facts = html`<dl class="facts">
    <dt>${ctx.m.asset}</dt>
    <dd>${a.id}</dd>
    <dt>${ap.type}</dt>
    <dd>${ctx.m.assetTypes[a.type] ?? a.type}</dd>
    <dt>${ctx.m.site}</dt>
    <dd>${a.site}</dd>
    <dt>${ctx.m.place}</dt>
    <dd>${a.location || '—'}</dd>
    <dt>${ap.criticality}</dt>
    <dd>${ap.criticalityOf(a.criticality)}</dd>
    <dt>${ap.connection}</dt>
    <dd>
      <span class="badge conn-${connection}">${ap.connections[connection] ?? connection}</span>
      ${a.status.lastSeen !== null ? html` <span class="muted">${ap.lastSeen(when(a.status.lastSeen, tz, ctx.now))}</span>` : ''}
    </dd>
    <dt>${ap.maintenance}</dt>
    <dd>
      ${a.maintenance && a.maintenance.until > ctx.now ? ap.maintenanceUntil(when(a.maintenance.until, tz, ctx.now), a.maintenance.by) : ap.maintenanceOff}
    </dd>
  </dl>`;

  const live =
    latest && Object.keys(latest.metrics).length ? liveValues(ctx, a, latest, levels, metricName, tz) : html`<p class="muted">${ctx.m.noReadings}</p>`;

  const body = html`<p class="crumbs"><a href="/sites">← ${ctx.m.status}</a></p>
    <h1>${a.name || a.id}</h1>
    <p class="badges">
      <span class="badge">${ctx.m.assetTypes[a.type] ?? a.type}</span>
      <span class="badge conn-${connection}">${ap.connections[connection] ?? connection}</span>
      ${a.maintenance && a.maintenance.until > ctx.now ? html`<span class="badge warn">${ctx.m.inMaintenance}</span>` : ''}
    </p>
    ${facts}
    <p><a class="button-link secondary" href="/assets/${enc(a.id)}/label">${ap.printLabel}</a></p>
    <div class="asset-cols">
      <section aria-labelledby="live">
        <h2 id="live">${ap.liveValues}</h2>
        ${live}
      </section>
      <section aria-labelledby="health">
        <h2 id="health">${ap.health}</h2>
        ${health ? healthSection(ctx, health, tz, metricName) : html`<p class="muted">${ap.healthUnavailable}</p>`}
      </section>
    </div>
    <section aria-labelledby="trends">
      <h2 id="trends">${ap.trends}</h2>
      <nav class="seg" aria-label="${ap.rangeLabel}">
        ${(Object.keys(ranges) as RangeKey[]).map(
          (k) => html`<a href="/assets/${enc(a.id)}?range=${k}#trends" ${k === range ? html` aria-current="page"` : ''}>${ap.ranges[k]}</a>`,
        )}
      </nav>
      <p class="muted small">${ap.chartKey} (${tz}).</p>
      ${metrics.length ? html`<div class="charts">${charts}</div>` : html`<p class="muted">${ctx.m.noReadings}</p>`}
    </section>
    <div class="asset-cols">
      <section aria-labelledby="pm">
        <h2 id="pm">${ap.pm}</h2>
        ${pmSection(ctx, plans, tz)}
      </section>
      <section aria-labelledby="orders">
        <h2 id="orders">${ap.orders}</h2>
        ${ordersSection(ctx, orders, tz)}
      </section>
    </div>`;
  return page(ctx, a.name || a.id, body, { active: 'status' });
}

function liveValues(ctx: PageContext, a: Asset, latest: Latest, levels: Map<string, Level[]>, metricName: (m: string) => string, tz: string): Html {
  const ap = ctx.m.assetPage;
  const order = catalog[a.type as DeviceType]?.metrics.map((m) => m.name) ?? [];
  const names = Object.keys(latest.metrics).sort((x, y) => (order.indexOf(x) + 1 || 99) - (order.indexOf(y) + 1 || 99));
  return html`<dl class="readings live">
    ${names.map((m) => {
      const v = latest.metrics[m]!;
      const lv = levels.get(m) ?? [];
      const verdict = typeof v.value === 'number' ? judge(v.value, lv) : null;
      const shown = typeof v.value === 'boolean' ? (v.value ? ap.yes : ap.no) : formatValue(v.value);
      return html`<dt>${metricName(m)}</dt>
        <dd data-metric="${m}">
          <strong class="${verdict === 'limit' ? 'late' : verdict === 'warning' ? 'soon' : ''}"
            >${shown}${v.unit ? html` <span class="unit">${v.unit}</span>` : ''}</strong
          >
          ${verdict ? html` <span class="badge ${verdict === 'limit' ? 'warn' : ''}">${verdict === 'limit' ? ap.beyondLimit : ap.aboveWarning}</span>` : ''}
          <span class="muted small"> · ${when(v.ts, tz, ctx.now)}</span>
          ${
            lv.length
              ? html`<br /><span class="muted small"
                    >${[...lv]
                      .reverse()
                      .map((l) => levelText(ctx, l))
                      .join(' · ')}</span
                  >`
              : ''
          }
        </dd>`;
    })}
  </dl>`;
}

function healthSection(ctx: PageContext, h: Health, tz: string, metricName: (m: string) => string): Html {
  const ap = ctx.m.assetPage;
  const rt = reportText[ctx.lang];
  return html`<dl class="facts">
      <dt>${ap.healthIndex}</dt>
      <dd><strong class="score">${ap.healthOf(h.score)}</strong></dd>
      <dt>${ap.risk}</dt>
      <dd>${ap.riskOf(h.risk, h.maxRisk)}</dd>
      <dt>${ap.action}</dt>
      <dd>
        <strong class="${actionClass[h.action] ?? ''}">${h.action === 'none' ? ap.noAction : rt.actions[h.action]}</strong>
        ${h.openRepair ? html` · <a href="/orders/${enc(h.openRepair.id)}">${h.openRepair.id}</a>` : ''}
      </dd>
      <dt>${ap.why}</dt>
      <dd>${explain(h, ctx.lang, tz)}</dd>
    </dl>
    ${
      h.indicators.length
        ? html`<h3>${ap.indicators}</h3>
            <ul class="indicators">
              ${h.indicators.map((x) => {
                const a = x.assessment;
                const c = a.crossing;
                const detail = [
                  a.level !== null ? ap.levelNow(formatValue(a.level), x.unit) : null,
                  a.baseline ? ap.healthyLevel(formatValue(a.baseline.level)) : null,
                  a.onset !== null && a.state !== 'normal' ? ap.degradingSince(date(a.onset, tz)) : null,
                ].filter(Boolean);
                return html`<li class="indicator state-${a.state}" data-metric="${x.metric}">
                  <span class="ind-name">${metricName(x.metric)}</span>
                  <span class="badge ind-${a.state}">${ap.indicatorStates[a.state] ?? a.state}</span>
                  ${detail.length ? html`<span class="small">${detail.join(' · ')}</span>` : ''}
                  ${
                    a.level === null
                      ? html`<p class="muted small">${ctx.m.noReadings}</p>`
                      : c
                        ? html`<p class="crossing">
                            ${ap.crossing(
                              `${formatValue(x.limit)} ${x.unit}`,
                              date(c.likely, tz),
                              date(c.low, tz),
                              c.high === null || !Number.isFinite(c.high) ? null : date(c.high, tz),
                              String(Math.round(((c.likely - h.at) / 86_400_000) * 10) / 10),
                            )}
                          </p>`
                        : html`<p class="muted small">${ap.noCrossing}</p>`
                  }
                  ${Number(a.why.hours) > 0 ? html`<p class="muted small">${ap.estimatedFrom(Number(a.why.hours), when(h.at, tz, ctx.now))}</p>` : ''}
                </li>`;
              })}
            </ul>`
        : ''
    }`;
}

function pmSection(ctx: PageContext, plans: PlanReport[] | undefined, tz: string): Html {
  const ap = ctx.m.assetPage;
  if (!plans || plans.length === 0) return html`<p class="muted">${ap.noPlans}</p>`;
  const sorted = [...plans].sort((x, y) => (x.assets[0]!.nextDue?.dueAt ?? Infinity) - (y.assets[0]!.nextDue?.dueAt ?? Infinity));
  return html`<ul class="plain pm-plans">
    ${sorted.map((p) => {
      const row = p.assets[0]!;
      const pending = row.history.filter((o) => o.status === 'overdue' || o.status === 'open').sort((x, y) => x.dueAt - y.dueAt);
      return html`<li>
        <strong>${p.title}</strong>
        ${pending.map(
          (o) =>
            html`<br /><span class="${o.status === 'overdue' ? 'late' : ''}"
                >${o.status === 'overdue' ? ap.overdueVisit(date(o.dueAt, tz)) : ap.openVisit(date(o.dueAt, tz))}${o.tier ? ` · ${o.tier}` : ''}${
                  o.workOrderId ? html` · <a href="/orders/${enc(o.workOrderId)}">${o.workOrderId}</a>` : ''
                }</span
              >`,
        )}
        <br /><span
          >${ap.nextDue}${row.nextDue ? html`<strong>${date(row.nextDue.dueAt, tz)}</strong>${row.nextDue.tier ? ` · ${row.nextDue.tier}` : ''}` : ap.noNextDue}</span
        >
        <br /><span class="muted small"
          >${ap.lastDone}${row.lastDone !== null ? date(row.lastDone, tz) : ap.never} ·
          ${ap.onTime(row.compliance.onTime, row.compliance.due, row.compliance.onTimePct)}</span
        >
      </li>`;
    })}
  </ul>`;
}

function ordersSection(ctx: PageContext, orders: { items: WorkOrder[]; total: number } | undefined, tz: string): Html {
  const ap = ctx.m.assetPage;
  if (!orders || orders.items.length === 0) return html`<p class="muted">${ap.noOrders}</p>`;
  const items = [...orders.items].sort((x, y) => y.createdAt - x.createdAt);
  return html`${orders.total > items.length ? html`<p class="muted small">${ap.ordersShown(items.length, orders.total)}</p>` : ''}
    <ul class="plain order-list">
      ${items.map(
        (o) =>
          html`<li>
            <a href="/orders/${enc(o.id)}">${o.id}</a> ${priorityBadge(ctx, o.priority)} ${stateBadge(ctx, o.state)} <br /><span>${o.title}</span>
            <span class="muted small">· ${when(o.createdAt, tz, ctx.now)} · ${ctx.m.sources[o.source] ?? o.source}</span>
          </li>`,
      )}
    </ul>`;
}
