import type { DigestItem } from './digest.ts';
import type { Alarm } from '../alarms/alarm.ts';
import type { WorkOrder } from '../work-orders/work-order.ts';
import type { NotificationMessage } from './message.ts';

export type Language = 'en' | 'zh';

/** Where a message's link leads: the console page of the order, the alarm list, the report. */
export interface Links {
  order(id: string): string;
  alarms(): string;
  report(id: string): string;
}

type Escalation = { level: 'approaching' | 'breached'; clock: string };

const clockName: Record<Language, Record<string, string>> = {
  en: { acknowledge: 'acknowledgement', onSite: 'arrival on site', resolve: 'resolution' },
  zh: { acknowledge: '响应', onSite: '到场', resolve: '完成' },
};

const where = (o: Pick<WorkOrder, 'site' | 'assetId' | 'location'>) => [o.site, o.assetId, o.location].filter(Boolean).join(' / ');

/** The lines every order message carries: what, where, how urgent, by when. */
function orderLines(lang: Language, o: WorkOrder, timeZone: string): string[] {
  const due = o.sla.clocks.resolve?.due;
  const at = (t: number) => new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(t);
  return lang === 'zh'
    ? [`${o.id} · ${o.priority} · ${o.title}`, `位置：${where(o) || '—'}`, ...(due ? [`完成期限：${at(due)}`] : [])]
    : [`${o.id} · ${o.priority} · ${o.title}`, `Where: ${where(o) || '—'}`, ...(due ? [`Resolve by: ${at(due)}`] : [])];
}

/** The messages FMS sends, in English and Chinese: short enough for an SMS's first line and a robot's card. */
export const texts = {
  assigned(lang: Language, o: WorkOrder, tz: string, links: Links): NotificationMessage {
    const title = lang === 'zh' ? `新工单派给您：${o.priority} ${o.title}` : `Work order for you: ${o.priority} ${o.title}`;
    const ask = lang === 'zh' ? '请在控制台确认接单。' : 'Please acknowledge it in the console.';
    return { language: lang, title, text: [...orderLines(lang, o, tz), '', ask].join('\n'), link: links.order(o.id), urgent: o.priority === 'P1' };
  },
  urgent(lang: Language, o: WorkOrder, tz: string, links: Links, assignee?: string): NotificationMessage {
    const who = assignee ?? o.assignee ?? (lang === 'zh' ? '未派单' : 'nobody yet');
    const title = lang === 'zh' ? `${o.priority} 紧急工单：${o.title}` : `${o.priority} order opened: ${o.title}`;
    const line = lang === 'zh' ? `处理人：${who}` : `Assigned to: ${who}`;
    return { language: lang, title, text: [...orderLines(lang, o, tz), line].join('\n'), link: links.order(o.id), urgent: o.priority === 'P1' };
  },
  escalated(lang: Language, o: WorkOrder, tz: string, e: Escalation, links: Links): NotificationMessage {
    const clock = clockName[lang][e.clock] ?? e.clock;
    const title =
      lang === 'zh'
        ? `${e.level === 'breached' ? '已超时' : '即将超时'}（${clock}）：${o.id} ${o.title}`
        : `${e.level === 'breached' ? 'Overdue' : 'Due soon'} (${clock}): ${o.id} ${o.title}`;
    return { language: lang, title, text: orderLines(lang, o, tz).join('\n'), link: links.order(o.id), urgent: o.priority === 'P1' || e.level === 'breached' };
  },
  unacknowledged(lang: Language, o: WorkOrder, tz: string, minutes: number, links: Links, assignee?: string): NotificationMessage {
    const who = assignee ?? o.assignee ?? (lang === 'zh' ? '无人' : 'nobody');
    const title = lang === 'zh' ? `${o.priority} 工单 ${minutes} 分钟无人确认：${o.title}` : `${o.priority} not acknowledged for ${minutes} min: ${o.title}`;
    const line = lang === 'zh' ? `已派给：${who}。请立即跟进。` : `Assigned to: ${who}. Please act now.`;
    return { language: lang, title, text: [...orderLines(lang, o, tz), line].join('\n'), link: links.order(o.id), urgent: true };
  },
  rework(lang: Language, o: WorkOrder, tz: string, links: Links): NotificationMessage {
    const title = lang === 'zh' ? `验收未通过，工单退回：${o.id} ${o.title}` : `Check failed, back to work: ${o.id} ${o.title}`;
    const line = lang === 'zh' ? '传感器或报修人确认故障仍在。' : 'The sensors or the requester found the fault still there.';
    return { language: lang, title, text: [...orderLines(lang, o, tz), line].join('\n'), link: links.order(o.id), urgent: o.priority === 'P1' };
  },
  criticalAlarm(lang: Language, a: Alarm, links: Links): NotificationMessage {
    const title = lang === 'zh' ? `严重告警：${a.assetId} · ${a.ruleId}` : `Critical alarm: ${a.assetId} · ${a.ruleId}`;
    const text =
      lang === 'zh'
        ? [`${a.site} / ${a.assetId}`, `${a.message}`, `数值：${a.value ?? '—'}`].join('\n')
        : [`${a.site} / ${a.assetId}`, `${a.message}`, `Value: ${a.value ?? '—'}`].join('\n');
    return { language: lang, title, text, link: links.alarms(), urgent: true };
  },
  report(
    lang: Language,
    r: { id: string; kind: string; site: string | null; title: string },
    links: Links,
    pdf?: { filename: string; path: string },
  ): NotificationMessage {
    const kind = lang === 'zh' ? ({ weekly: '周报', monthly: '月报' }[r.kind] ?? '报告') : `${r.kind} report`;
    const title =
      lang === 'zh' ? `${kind}：${r.site ?? '全部站点'} · ${r.title}` : `${kind[0]!.toUpperCase()}${kind.slice(1)}: ${r.site ?? 'all sites'} · ${r.title}`;
    const text =
      lang === 'zh' ? '预测性维护与服务质量报告已生成，PDF 见附件。' : 'The predictive-maintenance and service-quality report is ready; the PDF is attached.';
    return {
      language: lang,
      title,
      text,
      link: links.report(r.id),
      ...(pdf ? { attachments: [{ filename: pdf.filename, path: pdf.path, contentType: 'application/pdf' }] } : {}),
    };
  },
  /** What waited for one person over their rate, in one message: the newest titles (at most 30), and how many in all. */
  digest(lang: Language, items: readonly DigestItem[], count: number, link: string, urgent: boolean): NotificationMessage {
    const more = count - items.length;
    const title = lang === 'zh' ? `FMS：${count} 条通知` : `FMS: ${count} notifications`;
    const lines = items.map((i) => `- ${i.title}${i.link ? `\n  ${i.link}` : ''}`);
    if (more > 0) lines.unshift(lang === 'zh' ? `（另有 ${more} 条较早的通知，见控制台）` : `(and ${more} earlier ones, in the console)`);
    const intro = lang === 'zh' ? '短时间内通知较多，合并为一条：' : 'Many notifications came at once; here they are together:';
    return { language: lang, title, text: [intro, '', ...lines].join('\n'), link, urgent };
  },
};
