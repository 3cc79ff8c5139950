import { DateTime } from 'luxon';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Deduction, Recommendation } from './health.ts';
import type { AssetHealth, Report } from './report.ts';
import type { Point, TrendEstimate } from './trend.ts';

/**
 * A report laid out once as a list of blocks — headings, paragraphs, lists, tables, charts — in one
 * language. The HTML page and the PDF are two renderings of the same document, so they say the same.
 */

export type Language = 'en' | 'zh';
export const languages: readonly Language[] = ['en', 'zh'];

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

const metricNames: Record<string, { en: string; zh: string; unit: string }> = {
  vibration_mms: { en: 'vibration', zh: '振动', unit: 'mm/s' },
  motor_temp_c: { en: 'motor temperature', zh: '电机温度', unit: '°C' },
  leveling_error_mm: { en: 'levelling error', zh: '平层误差', unit: 'mm' },
};

const text = {
  en: {
    title: 'Maintenance report',
    estate: 'all sites',
    period: (from: string, to: string, tz: string) => `${from} to ${to} (${tz})`,
    generated: (at: string) => `generated ${at}`,
    brief: 'In brief',
    attention: (n: number, replace: number, repair: number, inspect: number) =>
      n === 0
        ? 'No asset needs attention.'
        : `${n} asset${n === 1 ? ' needs' : 's need'} attention: ${[replace && `${replace} to replace`, repair && `${repair} repair${repair === 1 ? '' : 's'} to schedule`, inspect && `${inspect} to inspect`].filter(Boolean).join(', ')}.`,
    first: (asset: string, action: string, why: string) => `First: ${asset} — ${action.toLowerCase()}, because ${why}.`,
    slaBrief: (pct: number | null, n: number, breached: string) =>
      pct === null ? 'No work orders were opened in the period.' : `${pct} % of the ${n} work orders opened met their SLA${breached}.`,
    slaWorst: (p: string, pct: number) => ` (weakest: ${p} at ${pct} %)`,
    pmBrief: (on: number, due: number, pct: number | null) =>
      due === 0 ? 'No preventive visit was due.' : `${on} of ${due} preventive visits done on time (${pct} %).`,
    backlogBrief: (open: number, old: number) =>
      `${open} work order${open === 1 ? '' : 's'} open at the end of the period${old ? `, ${old} of them older than 30 days` : ''}.`,
    satisfactionBrief: (mean: number | null, n: number, low: number) =>
      n === 0 ? 'No ratings in the period.' : `Residents rated ${n} order${n === 1 ? '' : 's'}: ${mean} / 5 on average, ${low} rated 2 or less.`,
    act: 'Act on these first',
    asset: 'Asset',
    type: 'Type',
    site: 'Site',
    health: 'Health',
    risk: 'Risk',
    action: 'Recommended action',
    why: 'Why',
    crossing: 'Limit reached (likely, range)',
    noRisk: 'No asset needs attention.',
    trends: 'Degradation trends',
    trendNote: 'Daily maximum since the last repair; dotted: the projection; red: the limit; orange: the range in which it will likely be crossed.',
    allAssets: 'Health of the assets',
    allAssetsNote: (shown: number, total: number) =>
      shown < total ? `The ${shown} lowest of ${total}; every asset is in health.csv.` : `All ${total} assets, lowest first.`,
    drivers: 'What lowered it',
    reliability: 'Reliability',
    group: 'Group',
    failures: 'Failures',
    mtbf: 'MTBF (h)',
    mttr: 'MTTR (h)',
    availability: 'Availability (%)',
    mtta: 'Time to acknowledge (min)',
    sla: 'SLA compliance by priority',
    priority: 'Priority',
    orders: 'Orders',
    met: 'Met',
    compliance: 'Compliance (%)',
    pm: 'Preventive maintenance',
    pmLine: (on: number, due: number, pct: number | null) => `${on} of ${due} visits due in the period done on time${pct === null ? '' : ` (${pct} %)`}.`,
    backlog: 'Backlog and ageing',
    age: 'Age',
    ages: ['under 1 day', '1–7 days', '7–30 days', 'over 30 days'],
    oldest: (d: number | null) => (d === null ? 'Nothing open.' : `The oldest open order is ${d} days old.`),
    badActors: 'Bad actors',
    badActorsNone: 'No failures in the period.',
    cumulative: 'Cumulative (%)',
    repeats: 'Repeats',
    chronic: 'Chronic (≥ 3 in 2 years)',
    satisfaction: 'Satisfaction',
    score: 'Score',
    ratings: 'Ratings',
    precision: 'Rule precision',
    precisionNote: 'Orders a rule opened that needed real work, against those closed as no fault.',
    rule: 'Rule',
    realWork: 'Real work',
    noFault: 'No fault',
    none: 'None in the period.',
    method: 'How every figure is computed: docs/reports.md.',
    actions: { replace: 'Replace', schedule_repair: 'Schedule a repair', inspect: 'Inspect', none: '—' },
    yes: 'yes',
    metric: (m: string) => (metricNames[m] ? `${metricNames[m].en} (${metricNames[m].unit})` : m),
    deduction(d: Deduction): string {
      const f = d.facts;
      switch (d.input) {
        case 'condition':
          return `${this.metric(String(f.metric))} runs at ${f.level}, ${f.pct} % of its limit ${f.limit}`;
        case 'trend':
          return `${this.metric(String(f.metric))} reaches ${f.limit} in about ${f.days} days`;
        case 'alarms':
          return `${f.count} alarm${f.count === 1 ? '' : 's'} in the period`;
        case 'open_repairs':
          return `${f.count} repair${f.count === 1 ? '' : 's'} open`;
        case 'age':
          return `${f.years} of ${f.expected} expected years in service`;
        case 'overdue_pm':
          return `${f.count} preventive visit${f.count === 1 ? '' : 's'} overdue`;
      }
    },
    reason(r: Recommendation['reason'], f: Recommendation['facts'], deduction: string): string {
      if (r === 'past_life') return `it is past its expected life with health ${f.score}`;
      if (r === 'at_limit') return `its ${this.metric(String(f.metric))} is at the limit of ${f.limit}`;
      if (r === 'healthy') return `health ${f.score}`;
      return deduction;
    },
    trend(e: TrendEstimate, limit: number, tz: string): string {
      if (e.status === 'beyond_limit') return `Already beyond the limit of ${limit}.`;
      if (e.status === 'no_trend') return 'No rising trend: the readings are flat within their noise.';
      if (e.status === 'insufficient_data') return `Only ${e.points} days of readings since the last repair: not enough to see a trend.`;
      const c = e.crossing!;
      return `Rising ${e.model === 'exponential' ? 'faster and faster' : 'steadily'} by ${num(e.slopePerDay!)} a day: reaches ${limit} around ${date(c.likely, tz)} (${Math.round(e.confidence * 100)} % range ${date(c.earliest, tz)} – ${date(c.latest, tz)}). Estimated on ${date(e.estimatedAt, tz)} from ${e.points} daily readings.`;
    },
  },
  zh: {
    title: '维保报告',
    estate: '全部项目',
    period: (from: string, to: string, tz: string) => `${from} 至 ${to}（${tz}）`,
    generated: (at: string) => `生成于 ${at}`,
    brief: '摘要',
    attention: (n: number, replace: number, repair: number, inspect: number) =>
      n === 0
        ? '没有需要关注的设备。'
        : `${n} 台设备需要关注：${[replace && `${replace} 台建议更换`, repair && `${repair} 台需安排维修`, inspect && `${inspect} 台需检查`].filter(Boolean).join('，')}。`,
    first: (asset: string, action: string, why: string) => `首先：${asset}——${action}，原因：${why}。`,
    slaBrief: (pct: number | null, n: number, breached: string) =>
      pct === null ? '本期没有新工单。' : `本期新开 ${n} 张工单，${pct}% 在时限内完成${breached}。`,
    slaWorst: (p: string, pct: number) => `（最低：${p}，${pct}%）`,
    pmBrief: (on: number, due: number, pct: number | null) =>
      due === 0 ? '本期没有到期的预防性维护。' : `${due} 次到期的预防性维护中 ${on} 次按时完成（${pct}%）。`,
    backlogBrief: (open: number, old: number) => `期末未完成工单 ${open} 张${old ? `，其中 ${old} 张超过 30 天` : ''}。`,
    satisfactionBrief: (mean: number | null, n: number, low: number) =>
      n === 0 ? '本期没有评价。' : `住户评价 ${n} 张工单，平均 ${mean} / 5 分，${low} 张 2 分及以下。`,
    act: '优先处理',
    asset: '设备',
    type: '类型',
    site: '项目',
    health: '健康指数',
    risk: '风险',
    action: '建议措施',
    why: '原因',
    crossing: '预计达到限值（可能日期，范围）',
    noRisk: '没有需要关注的设备。',
    trends: '劣化趋势',
    trendNote: '上次维修以来的每日最大值；虚线：预测；红线：限值；橙色：预计达到限值的时间范围。',
    allAssets: '设备健康状况',
    allAssetsNote: (shown: number, total: number) =>
      shown < total ? `共 ${total} 台，列出最低的 ${shown} 台；全部设备见 health.csv。` : `全部 ${total} 台设备，由低到高。`,
    drivers: '扣分原因',
    reliability: '可靠性',
    group: '分组',
    failures: '故障次数',
    mtbf: '平均故障间隔（小时）',
    mttr: '平均修复时间（小时）',
    availability: '可用率（%）',
    mtta: '平均响应时间（分钟）',
    sla: '按优先级的时限达标率',
    priority: '优先级',
    orders: '工单数',
    met: '达标',
    compliance: '达标率（%）',
    pm: '预防性维护',
    pmLine: (on: number, due: number, pct: number | null) => `本期到期 ${due} 次，按时完成 ${on} 次${pct === null ? '' : `（${pct}%）`}。`,
    backlog: '积压与工单时长',
    age: '时长',
    ages: ['不到 1 天', '1–7 天', '7–30 天', '超过 30 天'],
    oldest: (d: number | null) => (d === null ? '没有未完成的工单。' : `最早的未完成工单已开 ${d} 天。`),
    badActors: '故障多发设备',
    badActorsNone: '本期没有故障。',
    cumulative: '累计（%）',
    repeats: '重复故障',
    chronic: '慢性（2 年内 ≥ 3 次）',
    satisfaction: '满意度',
    score: '评分',
    ratings: '评价数',
    precision: '规则准确率',
    precisionNote: '规则开出的工单中，需要实际维修的与判定为无故障的。',
    rule: '规则',
    realWork: '实际维修',
    noFault: '无故障',
    none: '本期没有。',
    method: '各项指标的计算方法见 docs/reports.md。',
    actions: { replace: '更换', schedule_repair: '安排维修', inspect: '检查', none: '—' },
    yes: '是',
    metric: (m: string) => (metricNames[m] ? `${metricNames[m].zh}（${metricNames[m].unit}）` : m),
    deduction(d: Deduction): string {
      const f = d.facts;
      switch (d.input) {
        case 'condition':
          return `${this.metric(String(f.metric))}为 ${f.level}，达到限值 ${f.limit} 的 ${f.pct}%`;
        case 'trend':
          return `${this.metric(String(f.metric))}约 ${f.days} 天后达到 ${f.limit}`;
        case 'alarms':
          return `本期告警 ${f.count} 次`;
        case 'open_repairs':
          return `${f.count} 张维修工单未完成`;
        case 'age':
          return `已使用 ${f.years} 年，预期寿命 ${f.expected} 年`;
        case 'overdue_pm':
          return `${f.count} 次预防性维护逾期`;
      }
    },
    reason(r: Recommendation['reason'], f: Recommendation['facts'], deduction: string): string {
      if (r === 'past_life') return `已超过预期寿命，健康指数 ${f.score}`;
      if (r === 'at_limit') return `${this.metric(String(f.metric))}已达到限值 ${f.limit}`;
      if (r === 'healthy') return `健康指数 ${f.score}`;
      return deduction;
    },
    trend(e: TrendEstimate, limit: number, tz: string): string {
      if (e.status === 'beyond_limit') return `已超过限值 ${limit}。`;
      if (e.status === 'no_trend') return '没有上升趋势：读数在噪声范围内平稳。';
      if (e.status === 'insufficient_data') return `上次维修以来只有 ${e.points} 天的读数，不足以判断趋势。`;
      const c = e.crossing!;
      return `${e.model === 'exponential' ? '加速' : '匀速'}上升，每天 ${num(e.slopePerDay!)}：预计 ${date(c.likely, tz)} 前后达到 ${limit}（${Math.round(e.confidence * 100)}% 范围 ${date(c.earliest, tz)} – ${date(c.latest, tz)}）。估算于 ${date(e.estimatedAt, tz)}，依据 ${e.points} 天的读数。`;
    },
  },
};

const DAY = 86_400_000;
const num = (x: number) => (Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2));
const date = (t: number, tz: string) => DateTime.fromMillis(t, { zone: tz }).toISODate()!;
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

/** Why an asset is where it is, in the document's language. */
export function explain(h: AssetHealth, lang: Language): string {
  const t = text[lang];
  const input = h.reason === 'crossing_soon' ? 'trend' : h.reason;
  const top = h.deductions.find((d) => d.input === input) ?? h.deductions[0];
  return t.reason(h.reason, h.reasonFacts, top ? t.deduction(top) : '');
}

/** Lays the report out in one language. `series` holds the daily indicator readings the trend charts draw. */
export async function reportDocument(r: Report, series: Map<string, Point[]>, lang: Language): Promise<ReportDocument> {
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
  const count = (a: string) => needing.filter((h) => h.action === a).length;
  const withOrders = r.sla.filter((s) => s.orders > 0);
  const orders = withOrders.reduce((s, x) => s + x.orders, 0);
  const met = withOrders.reduce((s, x) => s + x.met, 0);
  const worst = [...withOrders].sort((a, b) => a.compliancePct! - b.compliancePct!)[0];
  const brief = [t.attention(needing.length, count('replace'), count('schedule_repair'), count('inspect'))];
  const first = r.risks.find((h) => h.action !== 'none');
  if (first) brief.push(t.first(`${first.name} (${first.assetId})`, t.actions[first.action], explain(first, lang)));
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
        data: { values: acting.map((h) => ({ asset: h.assetId, risk: h.risk, action: t.actions[h.action] })) },
        mark: 'bar',
        encoding: {
          y: { field: 'asset', type: 'nominal', sort: '-x', title: null },
          x: { field: 'risk', type: 'quantitative', title: t.risk },
          color: {
            field: 'action',
            type: 'nominal',
            title: t.action,
            scale: { domain: [t.actions.replace, t.actions.schedule_repair, t.actions.inspect], range: ['#b2182b', '#ef8a62', '#fddbc7'] },
          },
        },
      }),
    );
    table(
      [t.asset, t.health, t.risk, t.action, t.why, t.crossing],
      acting.map((h) => {
        const c = h.trends.find((x) => x.estimate.crossing)?.estimate.crossing;
        return [
          `${h.assetId} (${h.type}, ${h.site})`,
          h.score,
          h.risk,
          t.actions[h.action],
          explain(h, lang),
          c ? `${date(c.likely, tz)} (${date(c.earliest, tz)} – ${date(c.latest, tz)})` : '—',
        ];
      }),
    );
  }

  const trending = r.risks.flatMap((h) => h.trends.filter((x) => x.estimate.status === 'trend').map((x) => ({ h, x }))).slice(0, 3);
  if (trending.length) {
    h2(t.trends);
    p(t.trendNote, true);
    for (const { h, x } of trending) {
      const points = series.get(`${h.assetId}/${x.metric}`) ?? [];
      const c = x.estimate.crossing!;
      const shown = points.filter((pt) => x.estimate.from === null || pt.t >= x.estimate.from);
      const last = shown[shown.length - 1];
      // The axis runs to the likely crossing and a little past it; a far-off end of the range is cut at the edge.
      const end = Math.max(c.likely + 7 * DAY, Math.min(c.latest, c.likely + (c.likely - r.to)));
      const x0 = shown[0]?.t ?? r.from;
      const time = { field: 't', type: 'temporal' as const, title: null, scale: { domain: [x0, end] }, axis: { format: '%Y-%m-%d', tickCount: 5 } };
      blocks.push({ kind: 'heading', level: 3, text: `${h.assetId} · ${t.metric(x.metric)}` });
      p(t.trend(x.estimate, x.limit, tz));
      blocks.push(
        await chart(`${h.assetId} ${x.metric}`, {
          width: 460,
          height: 150,
          layer: [
            {
              data: { values: [{ t: Math.max(c.earliest, x0), t2: Math.min(c.latest, end) }] },
              mark: { type: 'rect', color: 'orange', opacity: 0.3, clip: true },
              encoding: { x2: { field: 't2' } },
            },
            {
              data: { values: shown.map((pt) => ({ t: pt.t, v: pt.value })) },
              mark: { type: 'line' },
              encoding: { y: { field: 'v', type: 'quantitative', title: t.metric(x.metric) } },
            },
            {
              data: {
                values: last
                  ? [
                      { t: last.t, v: last.value },
                      { t: c.likely, v: x.limit },
                    ]
                  : [],
              },
              mark: { type: 'line', strokeDash: [2, 2], color: '#555' },
              encoding: { y: { field: 'v', type: 'quantitative' } },
            },
            {
              data: { values: [{ limit: x.limit }] },
              mark: { type: 'rule', color: 'red', strokeDash: [4, 3] },
              encoding: { x: null, y: { field: 'limit', type: 'quantitative' } },
            },
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
    lowest.map((h) => [h.assetId, h.type, h.site, h.score, h.deductions.map((d) => `${t.deduction(d)} (−${d.points})`).join('; ') || '—']),
  );

  h2(t.reliability);
  table(
    [t.group, t.failures, t.mtbf, t.mttr, t.availability, t.mtta],
    [...r.reliabilityByType, ...r.reliabilityBySite].map((x) => [x.group, x.failures, x.mtbfHours, x.mttrHours, x.availabilityPct, x.mttaMinutes]),
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
      top.map((b) => [b.assetId, b.failures, b.cumulativePct, b.repeats, b.chronic ? t.yes : '']),
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
