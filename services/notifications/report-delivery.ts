import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type { ReadyReport } from '../reports/report-scheduler.ts';
import type { ReportService } from '../reports/report-service.ts';
import type { ReportsConfig } from '../reports/reports-config.ts';
import type { Directory } from '../work-orders/people.ts';
import type { Notifier } from './notifier.ts';
import type { Language } from './texts.ts';

export interface Subscriber {
  address: string;
  language: Language;
}

/**
 * Whom a scheduled report goes to: the configured subscribers whose sites include it (people by their
 * email, in their language), and, unless turned off, the managers of the teams serving its site (every
 * manager for the estate's report). Once each, by address.
 */
export function subscribersOf(
  site: string | null,
  fallback: Language,
  config: Pick<ReportsConfig, 'subscribers' | 'toManagers'>,
  dir: Directory,
  languageOf: (personId: string) => Language | undefined,
): Subscriber[] {
  const out = new Map<string, Subscriber>();
  const person = (id: string, language?: Language) => {
    const p = dir.people.get(id);
    if (p?.enabled && p.email && !out.has(p.email)) out.set(p.email, { address: p.email, language: languageOf(id) ?? p.language ?? language ?? fallback });
  };
  for (const s of config.subscribers) {
    if (s.sites && (site === null || !s.sites.includes(site))) continue;
    if (s.person) person(s.person, s.language);
    else if (s.email && !out.has(s.email)) out.set(s.email, { address: s.email, language: s.language ?? fallback });
  }
  if (config.toManagers) {
    const teams = site === null ? dir.teams : dir.teams.filter((t) => t.sites.length === 0 || t.sites.includes(site));
    for (const t of teams) if (t.manager) person(t.manager);
    if (site === null) for (const p of dir.people.values()) if (p.role === 'manager') person(p.id);
  }
  return [...out.values()];
}

/**
 * Emails each scheduled report to its subscribers, the PDF attached and a link to the HTML, each in
 * their language: a subscriber who reads another language than the site's gets the same report made in
 * theirs (archived beside it, once per language).
 */
export function deliverReports(d: {
  reports: Pick<ReportService, 'generate' | 'pdfPath'>;
  config: Pick<ReportsConfig, 'subscribers' | 'toManagers'>;
  directory: () => Directory;
  languageOf: (personId: string) => Language | undefined;
  notifier: Pick<Notifier, 'tellReport'>;
  can: () => boolean;
  log: Logger;
}) {
  return async (ready: ReadyReport): Promise<void> => {
    if (!d.can()) return;
    const subscribers = subscribersOf(ready.site, ready.language, d.config, d.directory(), d.languageOf);
    const byLanguage = new Map<Language, Subscriber[]>();
    for (const s of subscribers) byLanguage.set(s.language, [...(byLanguage.get(s.language) ?? []), s]);
    const day = (t: number) => DateTime.fromMillis(t, { zone: ready.timeZone }).toISODate();
    const title = `${day(ready.from)} – ${day(ready.to - 1)}`;
    for (const [language, list] of byLanguage) {
      const id =
        language === ready.language
          ? ready.id
          : (
              await d.reports.generate({
                site: ready.site ?? undefined,
                from: ready.from,
                to: ready.to,
                language,
                kind: ready.kind,
                scheduleKey: `${ready.scheduleKey}|${language}`,
              })
            ).id;
      const pdf = await d.reports.pdfPath(id);
      const attach = pdf ? { filename: `fms-${ready.kind}-${ready.site ?? 'estate'}-${day(ready.to - 1)}.pdf`, path: pdf } : undefined;
      await d.notifier.tellReport(
        { id, kind: ready.kind, site: ready.site, title },
        list.map((s) => ({ ...s, ...(attach ? { pdf: attach } : {}) })),
      );
      d.log.info({ reportId: id, language, subscribers: list.length }, 'report sent to its subscribers');
    }
  };
}
