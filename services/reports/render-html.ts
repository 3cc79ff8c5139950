import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Report } from './report.ts';
import type { Point } from './trend.ts';

export type Language = 'en' | 'zh';

const text = {
  en: {
    title: 'Maintenance report',
    estate: 'all sites',
    period: 'Period',
    generated: 'Generated',
    act: 'Act on these first',
    asset: 'Asset',
    health: 'Health',
    risk: 'Risk',
    action: 'Recommended action',
    why: 'Why',
    crossing: 'Limit reached',
    noRisk: 'No asset needs attention.',
    trends: 'Degradation trends',
    reliability: 'Reliability by asset type',
    group: 'Group',
    failures: 'Failures',
    mtbf: 'MTBF (h)',
    mttr: 'MTTR (h)',
    availability: 'Availability (%)',
    mtta: 'Time to acknowledge (min)',
    sla: 'SLA compliance by priority',
    priority: 'Priority',
    orders: 'Orders',
    compliance: 'Compliance (%)',
    pm: 'Preventive maintenance on time',
    backlog: 'Backlog at the end of the period',
    badActors: 'Bad actors',
    repeats: 'Repeats',
    chronic: 'Chronic (≥ 3 in 2 years)',
    satisfaction: 'Satisfaction',
    precision: 'Rule precision',
    rule: 'Rule',
    realWork: 'Real work',
    noFault: 'No fault',
    actions: { replace: 'Replace', schedule_repair: 'Schedule a repair', inspect: 'Inspect', none: '—' },
    yes: 'yes',
    days: 'days',
  },
  zh: {
    title: '维保报告',
    estate: '全部项目',
    period: '统计周期',
    generated: '生成时间',
    act: '优先处理',
    asset: '设备',
    health: '健康指数',
    risk: '风险',
    action: '建议措施',
    why: '原因',
    crossing: '预计达到限值',
    noRisk: '没有需要关注的设备。',
    trends: '劣化趋势',
    reliability: '按设备类型的可靠性',
    group: '分组',
    failures: '故障次数',
    mtbf: '平均故障间隔 (小时)',
    mttr: '平均修复时间 (小时)',
    availability: '可用率 (%)',
    mtta: '平均响应时间 (分钟)',
    sla: '按优先级的时限达标率',
    priority: '优先级',
    orders: '工单数',
    compliance: '达标率 (%)',
    pm: '预防性维护按时完成',
    backlog: '期末积压工单',
    badActors: '故障多发设备',
    repeats: '重复故障',
    chronic: '慢性 (2年内≥3次)',
    satisfaction: '满意度',
    precision: '规则准确率',
    rule: '规则',
    realWork: '实际维修',
    noFault: '无故障',
    actions: { replace: '更换', schedule_repair: '安排维修', inspect: '检查', none: '—' },
    yes: '是',
    days: '天',
  },
} as const;

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** A vega-lite chart rendered to SVG on the server: the page needs no JavaScript. */
export async function svgChart(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

function table(headers: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/**
 * The report as one self-contained HTML page: charts are inline SVG, styles inline, no script. The
 * same page is what the PDF is made from.
 */
export async function renderHtml(r: Report, series: Map<string, Point[]>, lang: Language = 'en'): Promise<string> {
  const t = text[lang];
  const sections: string[] = [];

  sections.push(`<h2>${t.act}</h2>`);
  if (r.risks.length === 0) sections.push(`<p>${t.noRisk}</p>`);
  else {
    sections.push(
      await svgChart({
        width: 560,
        height: 22 * r.risks.length,
        data: { values: r.risks.map((h) => ({ asset: h.assetId, risk: h.risk, action: t.actions[h.action] })) },
        mark: 'bar',
        encoding: { y: { field: 'asset', type: 'nominal', sort: '-x', title: null }, x: { field: 'risk', type: 'quantitative', title: t.risk }, color: { field: 'action', type: 'nominal', title: t.action } },
      }),
    );
    sections.push(
      table(
        [t.asset, t.health, t.risk, t.action, t.why, t.crossing],
        r.risks.map((h) => {
          const c = h.trends.find((x) => x.estimate.crossing)?.estimate.crossing;
          return [`${h.assetId} (${h.type})`, h.score, h.risk, t.actions[h.action], h.because, c ? `${day(c.likely)} (${day(c.earliest)} – ${day(c.latest)})` : '—'];
        }),
      ),
    );
  }

  const trending = r.risks.flatMap((h) => h.trends.filter((x) => x.estimate.status === 'trend').map((x) => ({ h, x }))).slice(0, 3);
  if (trending.length) {
    sections.push(`<h2>${t.trends}</h2>`);
    for (const { h, x } of trending) {
      const points = series.get(`${h.assetId}/${x.metric}`) ?? [];
      const c = x.estimate.crossing!;
      sections.push(`<h3>${esc(h.assetId)} · ${esc(x.metric)}</h3><p>${esc(x.estimate.summary)}</p>`);
      sections.push(
        await svgChart({
          width: 560,
          height: 180,
          layer: [
            { data: { values: points.map((p) => ({ t: p.t, v: p.value })) }, mark: { type: 'line', point: false }, encoding: { x: { field: 't', type: 'temporal', title: null }, y: { field: 'v', type: 'quantitative', title: x.metric } } },
            { data: { values: [{ limit: x.limit }] }, mark: { type: 'rule', color: 'red', strokeDash: [4, 3] }, encoding: { y: { field: 'limit', type: 'quantitative' } } },
            { data: { values: [{ from: c.earliest, to: c.latest }] }, mark: { type: 'rect', color: 'orange', opacity: 0.25 }, encoding: { x: { field: 'from', type: 'temporal' }, x2: { field: 'to' } } },
          ],
        }),
      );
    }
  }

  sections.push(`<h2>${t.reliability}</h2>`);
  sections.push(table([t.group, t.failures, t.mtbf, t.mttr, t.availability, t.mtta], [...r.reliabilityByType, ...r.reliabilityBySite].map((x) => [x.group, x.failures, x.mtbfHours ?? '—', x.mttrHours ?? '—', x.availabilityPct, x.mttaMinutes ?? '—'])));
  sections.push(`<h2>${t.sla}</h2>`);
  sections.push(
    await svgChart({
      width: 320,
      height: 140,
      data: { values: r.sla.filter((s) => s.compliancePct !== null) },
      mark: 'bar',
      encoding: { x: { field: 'priority', type: 'nominal', title: t.priority }, y: { field: 'compliancePct', type: 'quantitative', title: t.compliance, scale: { domain: [0, 100] } } },
    }),
  );
  sections.push(table([t.priority, t.orders, t.compliance], r.sla.map((s) => [s.priority, s.orders, s.compliancePct ?? '—'])));
  sections.push(`<h2>${t.pm}</h2><p>${r.pm.onTime} / ${r.pm.due}${r.pm.compliancePct !== null ? ` (${r.pm.compliancePct} %)` : ''}</p>`);
  sections.push(`<h2>${t.backlog}</h2><p>${r.backlog.open} · &lt;1 ${t.days}: ${r.backlog.byAge.under1d} · 1–7: ${r.backlog.byAge.d1to7} · 7–30: ${r.backlog.byAge.d7to30} · &gt;30: ${r.backlog.byAge.over30d}</p>`);
  sections.push(`<h2>${t.badActors}</h2>`);
  sections.push(table([t.asset, t.failures, '%', t.repeats, t.chronic], r.badActors.map((b) => [b.assetId, b.failures, b.cumulativePct, b.repeats, b.chronic ? t.yes : ''])));
  sections.push(`<h2>${t.satisfaction}</h2><p>${r.satisfaction.mean ?? '—'} / 5 · ${r.satisfaction.ratings} · ≤2: ${r.satisfaction.low}</p>`);
  sections.push(`<h2>${t.precision}</h2>`);
  sections.push(table([t.rule, t.orders, t.realWork, t.noFault, '%'], r.rulePrecision.map((x) => [x.ruleId, x.orders, x.realWork, x.noFault, x.precisionPct ?? '—'])));

  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${t.title} · ${esc(r.site ?? t.estate)}</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:60em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f3f3f3}h2{border-bottom:2px solid #446;margin-top:2em}</style>
</head><body>
<h1>${t.title} · ${esc(r.site ?? t.estate)}</h1>
<p>${t.period}: ${day(r.from)} – ${day(r.to)} · ${t.generated}: ${new Date(r.generatedAt).toISOString().replace('T', ' ').slice(0, 16)} UTC</p>
${sections.join('\n')}
</body></html>
`;
}
