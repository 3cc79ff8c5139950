import { DateTime } from 'luxon';
import type { IndicatorCondition } from '../condition/condition-service.ts';
import type { Action, Deduction, Recommendation } from '../condition/health.ts';
import { WATCH_CHANGE } from '../prediction/assess.ts';

/**
 * What a report says, in each language: every word of the document comes from here, worded from the
 * figures (never a figure in one place and another wording of it elsewhere).
 */

export type Language = 'en' | 'zh';
export const languages: readonly Language[] = ['en', 'zh'];

export const date = (t: number, tz: string) => DateTime.fromMillis(t, { zone: tz }).toISODate()!;
export const num = (x: number) => (Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2));
const round1 = (x: number) => Math.round(x * 10) / 10;

export const metricNames: Record<string, { en: string; zh: string; unit: string }> = {
  vibration_mms: { en: 'vibration', zh: '振动', unit: 'mm/s' },
  motor_temp_c: { en: 'motor temperature', zh: '电机温度', unit: '°C' },
  leveling_error_mm: { en: 'levelling error', zh: '平层误差', unit: 'mm' },
};

/** Asset types as a reader names them; a type FMS does not know keeps its own name. */
const typeNames: Record<string, { en: string; zh: string }> = {
  pump: { en: 'pump', zh: '水泵' },
  elevator: { en: 'elevator', zh: '电梯' },
  gate: { en: 'gate', zh: '门禁' },
};
export const typeName = (type: string, language: Language) => typeNames[type]?.[language] ?? type;

export const text = {
  en: {
    title: 'Maintenance report',
    estate: 'all sites',
    period: (from: string, to: string, tz: string) => `${from} to ${to} (${tz})`,
    generated: (at: string) => `generated ${at}`,
    brief: 'In brief',
    attention: (n: number, c: Record<Action, number>) =>
      n === 0
        ? 'No asset needs attention.'
        : `${n} asset${n === 1 ? ' needs' : 's need'} attention: ${[
            c.replace && `${c.replace} to replace`,
            c.repair_now && `${c.repair_now} to repair now`,
            c.schedule_repair && `${c.schedule_repair} repair${c.schedule_repair === 1 ? '' : 's'} to schedule`,
            c.repair_under_way && `${c.repair_under_way} with a repair under way`,
            c.inspect && `${c.inspect} to inspect`,
            c.watch && `${c.watch} to watch`,
          ]
            .filter(Boolean)
            .join(', ')}.`,
    first: (asset: string, action: string, why: string) => `First: ${asset} — ${action.toLowerCase()}, because ${why}.`,
    slaBrief: (pct: number | null, n: number, breached: string) =>
      pct === null ? 'No work orders were opened in the period.' : `${pct} % of the ${n} work orders opened met their SLA${breached}.`,
    slaWorst: (p: string, pct: number) => ` (weakest: ${p} at ${pct} %)`,
    pmBrief: (on: number, due: number, pct: number | null) =>
      due === 0 ? 'No preventive visit was due or done in the period.' : `${on} of ${due} preventive visits of the period done on time (${pct} %).`,
    backlogBrief: (open: number, old: number) =>
      `${open} work order${open === 1 ? '' : 's'} open at the end of the period${old ? `, ${old} of them older than 30 days` : ''}.`,
    satisfactionBrief: (mean: number | null, n: number, low: number) =>
      n === 0 ? 'No ratings in the period.' : `Residents rated ${n} order${n === 1 ? '' : 's'}: ${mean} / 5 on average, ${low} rated 2 or less.`,
    act: 'Act on these first',
    asset: 'Asset',
    type: 'Type',
    site: 'Site',
    health: 'Health',
    risk: 'Risk (of 500)',
    riskNote: 'Risk = health points lost × criticality (1 to 5): from 0 (as new, or nothing depends on it) to 500 (worn out and life-safety critical).',
    action: 'Recommended action',
    why: 'Why',
    crossing: 'Limit likely reached (80 % range)',
    noRisk: 'No asset needs attention.',
    trends: 'Degradation trends',
    trendNote:
      'Hourly mean of the indicator; grey: its healthy level; red: the limit, orange dashes: the warning level; orange band: the range (80 %) in which the limit will likely be reached, the mark its likely date.',
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
    pmLine: (on: number, due: number, pct: number | null) =>
      `${on} of ${due} visits of the period (due in it, or done in it) done by their due date${pct === null ? '' : ` (${pct} %)`}.`,
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
    actions: {
      replace: 'Replace',
      repair_now: 'Repair now',
      schedule_repair: 'Schedule a repair',
      repair_under_way: 'Repair under way',
      inspect: 'Inspect',
      watch: 'Watch',
      none: '—',
    } satisfies Record<Action, string>,
    states: {
      new: 'waiting for dispatch',
      assigned: 'assigned',
      acknowledged: 'acknowledged',
      in_progress: 'in progress',
      on_hold: 'on hold',
      resolved: 'resolved, in acceptance',
    } as Record<string, string>,
    yes: 'yes',
    metric: (m: string) => (metricNames[m] ? `${metricNames[m].en} (${metricNames[m].unit})` : m),
    range: (low: number | string, high: number | string) => (high === 'open' ? `${low} days or later` : `${low}–${high} days`),
    deduction(d: Deduction, tz: string): string {
      const f = d.facts;
      switch (d.input) {
        case 'condition':
          return f.state === 'beyond_limit'
            ? `${this.metric(String(f.metric))} is beyond its limit: ${f.level}, ${f.pct} % of ${f.limit}`
            : `${this.metric(String(f.metric))} runs at ${f.level}, ${f.pct} % of its limit ${f.limit}`;
        case 'trend':
          return f.days === 'unknown'
            ? `${this.metric(String(f.metric))} has been degrading since ${date(Number(f.since), tz)}`
            : `${this.metric(String(f.metric))} likely reaches ${f.limit} in ${f.days} days (${this.range(f.low!, f.high!)})`;
        case 'alarms': {
          const kinds = [f.critical && `${f.critical} critical`, f.major && `${f.major} major`, f.warning && `${f.warning} warning`].filter(Boolean).join(', ');
          return `${f.count} alarm${f.count === 1 ? '' : 's'} in the period${kinds ? ` (${kinds})` : ''}, open ${f.hours} h in all`;
        }
        case 'open_repairs':
          return `${f.count} repair${f.count === 1 ? '' : 's'} open`;
        case 'age':
          return `${f.years} of ${f.expected} expected years in service`;
        case 'overdue_pm':
          return `${f.count} preventive visit${f.count === 1 ? '' : 's'} overdue`;
      }
    },
    reason(r: Recommendation['reason'], f: Recommendation['facts'], deduction: string): string {
      const m = () => this.metric(String(f.metric));
      switch (r) {
        case 'past_life':
          return `it is past its expected life (${f.years} years) with health ${f.score}`;
        case 'beyond_limit':
          return `${m()} is beyond its limit: ${f.level}, ${Math.round((100 * Number(f.level)) / Number(f.limit))} % of ${f.limit}`;
        case 'at_limit':
          return `${m()} runs at ${f.level}, past its warning level, near its limit of ${f.limit}`;
        case 'crossing_soon':
          return `${m()} likely reaches ${f.limit} in ${f.days} days (${this.range(f.low!, f.high!)})`;
        case 'open_order':
          return `${f.order} is ${this.states[String(f.state)] ?? f.state}${f.because ? `: ${this.reason(f.because as Recommendation['reason'], f, deduction)}` : ''}`;
        case 'degrading':
          return `${m()} has left its healthy level (${f.level}, limit ${f.limit}); no date for the limit yet`;
        case 'healthy':
          return `health ${f.score}`;
        default:
          return deduction;
      }
    },
    trend(x: IndicatorCondition, tz: string): string {
      const a = x.assessment;
      const now = a.level === null ? '' : `${num(a.level)} ${x.unit} now`;
      const healthy = a.baseline ? ` against a healthy ${num(a.baseline.level)}` : '';
      // A rise smaller than the healthy level's own spread is not called degradation.
      const slight = a.onset !== null && !a.crossing && a.state !== 'beyond_limit' && a.change < WATCH_CHANGE;
      const since = a.onset === null ? '' : slight ? `A small shift since ${date(a.onset, tz)}: ` : `Degrading since ${date(a.onset, tz)}: `;
      const c = a.crossing;
      const when = slight
        ? '; within the spread of its healthy level'
        : c
          ? `; likely reaches ${x.limit} on ${date(c.likely, tz)} (80 % range ${date(c.low, tz)} – ${Number.isFinite(c.high) ? date(c.high, tz) : 'later'}), in about ${round1(a.rulHours!.likely / 24)} days`
          : a.state === 'beyond_limit'
            ? `; beyond its limit of ${x.limit}`
            : '; no date for the limit yet: its rise is not yet sure';
      const basis = ` Estimated ${date(Number(a.why.asOf), tz)} from ${a.why.hours} hours of readings${Number(a.why.priorFailures) > 0 ? `, and ${a.why.priorFailures} past failures of this kind` : ''}.`;
      return `${since}${now}${healthy}${when}.${basis}`;
    },
  },
  zh: {
    title: '维保报告',
    estate: '全部项目',
    period: (from: string, to: string, tz: string) => `${from} 至 ${to}（${tz}）`,
    generated: (at: string) => `生成于 ${at}`,
    brief: '摘要',
    attention: (n: number, c: Record<Action, number>) =>
      n === 0
        ? '没有需要关注的设备。'
        : `${n} 台设备需要关注：${[
            c.replace && `${c.replace} 台建议更换`,
            c.repair_now && `${c.repair_now} 台需立即维修`,
            c.schedule_repair && `${c.schedule_repair} 台需安排维修`,
            c.repair_under_way && `${c.repair_under_way} 台维修进行中`,
            c.inspect && `${c.inspect} 台需检查`,
            c.watch && `${c.watch} 台需关注`,
          ]
            .filter(Boolean)
            .join('，')}。`,
    first: (asset: string, action: string, why: string) => `首先：${asset}——${action}，原因：${why}。`,
    slaBrief: (pct: number | null, n: number, breached: string) =>
      pct === null ? '本期没有新工单。' : `本期新开 ${n} 张工单，${pct}% 在时限内完成${breached}。`,
    slaWorst: (p: string, pct: number) => `（最低：${p}，${pct}%）`,
    pmBrief: (on: number, due: number, pct: number | null) =>
      due === 0 ? '本期没有到期或完成的预防性维护。' : `本期预防性维护 ${due} 次，${on} 次按时完成（${pct}%）。`,
    backlogBrief: (open: number, old: number) => `期末未完成工单 ${open} 张${old ? `，其中 ${old} 张超过 30 天` : ''}。`,
    satisfactionBrief: (mean: number | null, n: number, low: number) =>
      n === 0 ? '本期没有评价。' : `住户评价 ${n} 张工单，平均 ${mean} / 5 分，${low} 张 2 分及以下。`,
    act: '优先处理',
    asset: '设备',
    type: '类型',
    site: '项目',
    health: '健康指数',
    risk: '风险（满分 500）',
    riskNote: '风险 = 健康指数损失分 × 重要程度（1–5）：从 0（如新，或无关紧要）到 500（严重劣化且关系生命安全）。',
    action: '建议措施',
    why: '原因',
    crossing: '预计达到限值（80% 范围）',
    noRisk: '没有需要关注的设备。',
    trends: '劣化趋势',
    trendNote: '指标每小时平均值；灰线：健康水平；红线：限值，橙色虚线：预警值；橙色区间：预计达到限值的时间范围（80%），标记为最可能的日期。',
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
    pmLine: (on: number, due: number, pct: number | null) =>
      `本期预防性维护 ${due} 次（本期到期或本期完成），按时完成 ${on} 次${pct === null ? '' : `（${pct}%）`}。`,
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
    actions: {
      replace: '更换',
      repair_now: '立即维修',
      schedule_repair: '安排维修',
      repair_under_way: '维修进行中',
      inspect: '检查',
      watch: '关注',
      none: '—',
    } satisfies Record<Action, string>,
    states: { new: '待派单', assigned: '已派单', acknowledged: '已接单', in_progress: '维修中', on_hold: '暂停', resolved: '已完成，待验收' } as Record<
      string,
      string
    >,
    yes: '是',
    metric: (m: string) => (metricNames[m] ? `${metricNames[m].zh}（${metricNames[m].unit}）` : m),
    range: (low: number | string, high: number | string) => (high === 'open' ? `${low} 天或更晚` : `${low}–${high} 天`),
    deduction(d: Deduction, tz: string): string {
      const f = d.facts;
      switch (d.input) {
        case 'condition':
          return f.state === 'beyond_limit'
            ? `${this.metric(String(f.metric))}已超过限值：${f.level}，为限值 ${f.limit} 的 ${f.pct}%`
            : `${this.metric(String(f.metric))}为 ${f.level}，达到限值 ${f.limit} 的 ${f.pct}%`;
        case 'trend':
          return f.days === 'unknown'
            ? `${this.metric(String(f.metric))}自 ${date(Number(f.since), tz)} 起劣化`
            : `${this.metric(String(f.metric))}预计 ${f.days} 天后达到 ${f.limit}（${this.range(f.low!, f.high!)}）`;
        case 'alarms': {
          const kinds = [f.critical && `严重 ${f.critical}`, f.major && `重要 ${f.major}`, f.warning && `警告 ${f.warning}`].filter(Boolean).join('，');
          return `本期告警 ${f.count} 次${kinds ? `（${kinds}）` : ''}，共持续 ${f.hours} 小时`;
        }
        case 'open_repairs':
          return `${f.count} 张维修工单未完成`;
        case 'age':
          return `已使用 ${f.years} 年，预期寿命 ${f.expected} 年`;
        case 'overdue_pm':
          return `${f.count} 次预防性维护逾期`;
      }
    },
    reason(r: Recommendation['reason'], f: Recommendation['facts'], deduction: string): string {
      const m = () => this.metric(String(f.metric));
      switch (r) {
        case 'past_life':
          return `已超过预期寿命（${f.years} 年），健康指数 ${f.score}`;
        case 'beyond_limit':
          return `${m()}已超过限值：${f.level}，为限值 ${f.limit} 的 ${Math.round((100 * Number(f.level)) / Number(f.limit))}%`;
        case 'at_limit':
          return `${m()}为 ${f.level}，已超过预警值，接近限值 ${f.limit}`;
        case 'crossing_soon':
          return `${m()}预计 ${f.days} 天后达到 ${f.limit}（${this.range(f.low!, f.high!)}）`;
        case 'open_order':
          return `${f.order}${this.states[String(f.state)] ?? f.state}${f.because ? `：${this.reason(f.because as Recommendation['reason'], f, deduction)}` : ''}`;
        case 'degrading':
          return `${m()}已偏离健康水平（${f.level}，限值 ${f.limit}），尚无法预计达到限值的日期`;
        case 'healthy':
          return `健康指数 ${f.score}`;
        default:
          return deduction;
      }
    },
    trend(x: IndicatorCondition, tz: string): string {
      const a = x.assessment;
      const now = a.level === null ? '' : `当前 ${num(a.level)} ${x.unit}`;
      const healthy = a.baseline ? `，健康水平 ${num(a.baseline.level)}` : '';
      const slight = a.onset !== null && !a.crossing && a.state !== 'beyond_limit' && a.change < WATCH_CHANGE;
      const since = a.onset === null ? '' : slight ? `自 ${date(a.onset, tz)} 起略有变化：` : `自 ${date(a.onset, tz)} 起劣化：`;
      const c = a.crossing;
      const when = slight
        ? '；仍在健康水平的正常波动范围内'
        : c
          ? `；预计 ${date(c.likely, tz)} 前后达到 ${x.limit}（80% 范围 ${date(c.low, tz)} – ${Number.isFinite(c.high) ? date(c.high, tz) : '更晚'}），约 ${round1(a.rulHours!.likely / 24)} 天后`
          : a.state === 'beyond_limit'
            ? `；已超过限值 ${x.limit}`
            : '；上升趋势尚不确定，暂无法预计达到限值的日期';
      const basis = `估算于 ${date(Number(a.why.asOf), tz)}，依据 ${a.why.hours} 小时的读数${Number(a.why.priorFailures) > 0 ? `及 ${a.why.priorFailures} 次同类故障` : ''}。`;
      return `${since}${now}${healthy}${when}。${basis}`;
    },
  },
};
