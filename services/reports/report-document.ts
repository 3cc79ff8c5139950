import { DateTime } from 'luxon';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Action } from '../condition/health.ts';
import type { HourBucket } from '../prediction/types.ts';
import type { AssetHealth, Report } from './report.ts';
import { date, text, typeName, type Language } from './report-text.ts';

/**
 * A report laid out once as a list of blocks — headings, paragraphs, lists, tables, charts — in one
 * language. The HTML page and the PDF are two renderings of the same document, so they say the same.
 */

export { languages, type Language } from './report-text.ts';

export type Block =
  | { kind: 'heading'; level: 2 | 3; text: string }
  | { kind: 'paragraph'; text: string; muted?: boolean }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; headers: string[]; rows: string[][]; numeric: boolean[] }
  /** An SVG rendered on the server from a vega-lite spec; width and height in CSS pixels. */
  | { kind: 'chart'; svg: string; width: number; height: number; title: string };

export interface ReportDocument {
  language: Language;
  title: string;
  subtitle: string;
  blocks: Block[];
}

/** Rows of the "all assets" table in the document (the CSV has every asset). */
export const HEALTH_TABLE_ROWS = 30;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const cell = (x: number | string | null | undefined) => (x === null || x === undefined ? '—' : String(x));

/** A vega-lite chart rendered to SVG on the server: the page needs no JavaScript. */
export async function svgChart(spec: TopLevelSpec): Promise<string> {
  // vega-lite's warnings (e.g. a given time domain "conflicting" with the data's) go nowhere: the spec is ours.
  const compiled = compile({ config: { font: 'sans-serif', view: { stroke: null } }, ...spec } as TopLevelSpec, { logger: vega.logger(vega.None) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  return view.toSVG();
}

async function chart(title: string, spec: TopLevelSpec & { width: number; height: number }): Promise<Block> {
  const svg = await svgChart(spec);
  const size = /<svg[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"/.exec(svg);
  return { kind: 'chart', svg, width: size ? Number(size[1]) : spec.width, height: size ? Number(size[2]) : spec.height, title };
}

/** Why an asset is where it is, in the document's language: from the recommendation's own figures. */
export function explain(h: AssetHealth, lang: Language, tz: string): string {
  const t = text[lang];
  const input = h.reason === 'crossing_soon' ? 'trend' : h.reason;
  const top = h.deductions.find((d) => d.input === input) ?? h.deductions[0];
  return t.reason(h.reason, h.reasonFacts, top ? t.deduction(top, tz) : '');
}

/** An asset as people know it: its name and where it is, with its id for the register. */
const assetLabel = (h: Pick<AssetHealth, 'name' | 'location' | 'assetId'>) => `${h.name}${h.location ? ` · ${h.location}` : ''} (${h.assetId})`;

/** Lays the report out in one language. `series` holds the hourly figures of the indicators the trend charts draw (`assetId/metric`). */
export async function reportDocument(r: Report, series: Map<string, HourBucket[]>, lang: Language): Promise<ReportDocument> {
  const t = text[lang];
  const tz = r.timeZone;
  const blocks: Block[] = [];
  const h2 = (s: string) => blocks.push({ kind: 'heading', level: 2, text: s });
  const p = (s: string, muted = false) => blocks.push({ kind: 'paragraph', text: s, ...(muted ? { muted } : {}) });
  const table = (headers: string[], rows: (number | string | null)[][]) =>
    blocks.push({
      kind: 'table',
      headers,
      rows: rows.map((row) => row.map(cell)),
      numeric: headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] === null)),
    });

  // In brief: what to do, then how the service did.
  const needing = r.health.filter((h) => h.action !== 'none');
  const counts = Object.fromEntries((Object.keys(t.actions) as Action[]).map((a) => [a, needing.filter((h) => h.action === a).length])) as Record<
    Action,
    number
  >;
  const withOrders = r.sla.filter((s) => s.orders > 0);
  const orders = withOrders.reduce((s, x) => s + x.orders, 0);
  const met = withOrders.reduce((s, x) => s + x.met, 0);
  const worst = [...withOrders].sort((a, b) => a.compliancePct! - b.compliancePct!)[0];
  const brief = [t.attention(needing.length, counts)];
  const first = r.risks.find((h) => h.action !== 'none');
  if (first) brief.push(t.first(assetLabel(first), t.actions[first.action], explain(first, lang, tz)));
  brief.push(
    t.slaBrief(
      orders ? Math.round((1000 * met) / orders) / 10 : null,
      orders,
      worst && worst.compliancePct! < 100 && withOrders.length > 1 ? t.slaWorst(worst.priority, worst.compliancePct!) : '',
    ),
  );
  brief.push(t.pmBrief(r.pm.onTime, r.pm.due, r.pm.compliancePct));
  brief.push(t.backlogBrief(r.backlog.open, r.backlog.byAge.over30d));
  brief.push(t.satisfactionBrief(r.satisfaction.mean, r.satisfaction.ratings, r.satisfaction.low));
  h2(t.brief);
  blocks.push({ kind: 'list', items: brief });

  h2(t.act);
  const acting = r.risks.filter((h) => h.action !== 'none');
  if (acting.length === 0) p(t.noRisk);
  else {
    blocks.push(
      await chart(t.act, {
        width: 460,
        height: 20 * acting.length,
        data: { values: acting.map((h) => ({ asset: h.name, risk: h.risk, action: t.actions[h.action] })) },
        mark: 'bar',
        encoding: {
          y: { field: 'asset', type: 'nominal', sort: '-x', title: null },
          x: { field: 'risk', type: 'quantitative', title: t.risk, scale: { domain: [0, r.maxRisk] } },
          color: {
            field: 'action',
            type: 'nominal',
            title: t.action,
            scale: {
              domain: [t.actions.replace, t.actions.repair_now, t.actions.schedule_repair, t.actions.repair_under_way, t.actions.inspect, t.actions.watch],
              range: ['#67001f', '#b2182b', '#ef8a62', '#999999', '#fddbc7', '#d1e5f0'],
            },
          },
        },
      }),
    );
    p(t.riskNote, true);
    table(
      [t.asset, t.health, t.risk, t.action, t.why, t.crossing],
      acting.map((h) => {
        const c = soonest(h)?.assessment.crossing;
        return [
          assetLabel(h),
          h.score,
          h.risk,
          t.actions[h.action],
          explain(h, lang, tz),
          c ? `${date(c.likely, tz)} (${date(c.low, tz)} – ${Number.isFinite(c.high) ? date(c.high, tz) : '…'})` : '—',
        ];
      }),
    );
  }

  // The trends worth a look: the riskiest assets' indicators that have left their healthy level.
  const trending = r.risks
    .flatMap((h) => h.indicators.filter((x) => x.assessment.onset !== null || x.assessment.crossing !== null).map((x) => ({ h, x })))
    .slice(0, 3);
  if (trending.length) {
    h2(t.trends);
    p(t.trendNote, true);
    for (const { h, x } of trending) {
      const a = x.assessment;
      const hours = (series.get(`${h.assetId}/${x.metric}`) ?? []).filter((b) => b.t + HOUR <= r.to);
      const c = a.crossing;
      // From a week before the onset (or the last month) to past the likely crossing; a far-off end of the range is cut at the edge.
      const x0 = Math.max(hours[0]?.t ?? r.from, (a.onset ?? r.to - 30 * DAY) - 7 * DAY);
      const end = c ? Math.max(c.likely + 3 * DAY, Math.min(Number.isFinite(c.high) ? c.high : c.likely + 14 * DAY, c.likely + 14 * DAY)) : r.to + DAY;
      const shown = hours.filter((b) => b.t >= x0);
      const time = { field: 't', type: 'temporal' as const, title: null, scale: { domain: [x0, end] }, axis: { format: '%m-%d', tickCount: 6 } };
      blocks.push({ kind: 'heading', level: 3, text: `${assetLabel(h)} · ${t.metric(x.metric)}` });
      p(t.trend(x, tz));
      const value = { field: 'v', type: 'quantitative' as const, title: t.metric(x.metric) };
      blocks.push(
        await chart(`${h.assetId} ${x.metric}`, {
          width: 460,
          height: 150,
          layer: [
            ...(c
              ? [
                  {
                    data: { values: [{ t: Math.max(c.low, x0), t2: Math.min(Number.isFinite(c.high) ? c.high : end, end) }] },
                    mark: { type: 'rect', color: 'orange', opacity: 0.3, clip: true },
                    encoding: { x2: { field: 't2' } },
                  },
                  {
                    data: { values: [{ t: c.likely, v: x.limit }] },
                    mark: { type: 'point', shape: 'triangle-down', color: '#b2182b', filled: true, size: 60 },
                    encoding: { y: value },
                  },
                ]
              : []),
            { data: { values: shown.map((b) => ({ t: b.t + HOUR / 2, v: b.mean })) }, mark: { type: 'line', strokeWidth: 1 }, encoding: { y: value } },
            ...(a.baseline ? [{ data: { values: [{ v: a.baseline.level }] }, mark: { type: 'rule', color: '#999' }, encoding: { x: null, y: value } }] : []),
            { data: { values: [{ v: x.warning }] }, mark: { type: 'rule', color: 'orange', strokeDash: [4, 3] }, encoding: { x: null, y: value } },
            { data: { values: [{ v: x.limit }] }, mark: { type: 'rule', color: 'red', strokeDash: [4, 3] }, encoding: { x: null, y: value } },
          ],
          encoding: { x: time },
        } as TopLevelSpec & { width: number; height: number }),
      );
    }
  }

  h2(t.allAssets);
  const lowest = [...r.health].sort((a, b) => a.score - b.score || b.risk - a.risk).slice(0, HEALTH_TABLE_ROWS);
  p(t.allAssetsNote(lowest.length, r.health.length), true);
  table(
    [t.asset, t.type, t.site, t.health, t.drivers],
    lowest.map((h) => [
      assetLabel(h),
      typeName(h.type, lang),
      h.site,
      h.score,
      h.deductions.map((d) => `${t.deduction(d, tz)} (−${d.points})`).join('; ') || '—',
    ]),
  );

  h2(t.reliability);
  table(
    [t.group, t.failures, t.mtbf, t.mttr, t.availability, t.mtta],
    [...r.reliabilityByType.map((x) => ({ ...x, group: typeName(x.group, lang) })), ...r.reliabilityBySite].map((x) => [
      x.group,
      x.failures,
      x.mtbfHours,
      x.mttrHours,
      x.availabilityPct,
      x.mttaMinutes,
    ]),
  );

  h2(t.sla);
  if (withOrders.length) {
    blocks.push(
      await chart(t.sla, {
        width: 260,
        height: 120,
        data: { values: withOrders },
        mark: 'bar',
        encoding: {
          x: { field: 'priority', type: 'nominal', title: t.priority, axis: { labelAngle: 0 } },
          y: { field: 'compliancePct', type: 'quantitative', title: t.compliance, scale: { domain: [0, 100] } },
        },
      }),
    );
  }
  table(
    [t.priority, t.orders, t.met, t.compliance],
    r.sla.map((s) => [s.priority, s.orders, s.met, s.compliancePct]),
  );

  h2(t.pm);
  p(t.pmLine(r.pm.onTime, r.pm.due, r.pm.compliancePct));

  h2(t.backlog);
  const ages = [r.backlog.byAge.under1d, r.backlog.byAge.d1to7, r.backlog.byAge.d7to30, r.backlog.byAge.over30d];
  table(
    [t.age, t.orders],
    ages.map((n, i) => [t.ages[i]!, n]),
  );
  p(t.oldest(r.backlog.oldestDays));

  h2(t.badActors);
  if (r.badActors.length === 0) p(t.badActorsNone);
  else {
    const top = r.badActors.slice(0, 15);
    const byId = new Map(r.health.map((h) => [h.assetId, h]));
    const labelOf = (id: string) => (byId.has(id) ? assetLabel(byId.get(id)!) : id);
    blocks.push(
      await chart(t.badActors, {
        width: 460,
        height: 150,
        data: { values: top.map((b) => ({ asset: b.assetId, failures: b.failures, cumulative: b.cumulativePct })) },
        encoding: { x: { field: 'asset', type: 'nominal', sort: null, title: null, axis: { labelAngle: -40 } } },
        layer: [
          { mark: 'bar', encoding: { y: { field: 'failures', type: 'quantitative', title: t.failures } } },
          {
            mark: { type: 'line', color: '#b2182b', point: true },
            encoding: { y: { field: 'cumulative', type: 'quantitative', title: t.cumulative, scale: { domain: [0, 100] } } },
          },
        ],
        resolve: { scale: { y: 'independent' } },
      }),
    );
    table(
      [t.asset, t.failures, t.cumulative, t.repeats, t.chronic],
      top.map((b) => [labelOf(b.assetId), b.failures, b.cumulativePct, b.repeats, b.chronic ? t.yes : '']),
    );
  }

  h2(t.satisfaction);
  p(t.satisfactionBrief(r.satisfaction.mean, r.satisfaction.ratings, r.satisfaction.low));
  if (r.satisfaction.ratings > 0)
    table(
      [t.score, t.ratings],
      ([5, 4, 3, 2, 1] as const).map((s) => [`${s}`, r.satisfaction.distribution[s]]),
    );

  h2(t.precision);
  p(t.precisionNote, true);
  if (r.rulePrecision.length === 0) p(t.none);
  else
    table(
      [t.rule, t.orders, t.realWork, t.noFault, '%'],
      r.rulePrecision.map((x) => [x.ruleId, x.orders, x.realWork, x.noFault, x.precisionPct]),
    );

  p(t.method, true);

  const end = r.to - 1;
  return {
    language: lang,
    title: `${t.title} · ${r.site ?? t.estate}`,
    subtitle: `${t.period(date(r.from, tz), date(end, tz), tz)} · ${t.generated(DateTime.fromMillis(r.generatedAt, { zone: tz }).toFormat('yyyy-MM-dd HH:mm'))}`,
    blocks,
  };
}

/** The indicator of an asset whose limit is likely reached soonest. */
function soonest(h: AssetHealth) {
  return h.indicators.filter((x) => x.assessment.crossing).sort((a, b) => a.assessment.crossing!.likely - b.assessment.crossing!.likely)[0];
}
