import { DateTime } from 'luxon';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Language } from './report-document.ts';
import type { ReportService } from './report-service.ts';
import type { ReportsConfig } from './reports-config.ts';

/**
 * Weekly and monthly reports on a schedule, per site in the site's time zone (node-cron), plus one
 * for the whole estate. Each scheduled report is keyed by kind, site and period: it is made once
 * even when a restart, a catch-up and the cron job meet, and a report missed while FMS was down is
 * made at the next start.
 */

export type ScheduledKind = 'weekly' | 'monthly';

export interface ReportTarget {
  /** null: every site together. */
  site: string | null;
  timeZone: string;
  language: Language;
}

/** The last complete period before `now`: Monday to Monday, or the 1st to the 1st, at local midnight. */
export function lastPeriod(kind: ScheduledKind, now: number, timeZone: string): { from: number; to: number } {
  const local = DateTime.fromMillis(now, { zone: timeZone });
  const end = kind === 'weekly' ? local.startOf('week') : local.startOf('month');
  const start = end.minus(kind === 'weekly' ? { weeks: 1 } : { months: 1 });
  return { from: start.toMillis(), to: end.toMillis() };
}

export const scheduleKey = (kind: ScheduledKind, site: string | null, to: number) => `${kind}:${site ?? '*'}:${to}`;

export interface ReportSchedulerDeps {
  reports: Pick<ReportService, 'generate' | 'list' | 'scheduled'>;
  config: ReportsConfig;
  targets: () => ReportTarget[];
  log: Logger;
  now: () => number;
  /** Whether this instance makes scheduled reports (the leader, with several instances). */
  isLeader?: () => boolean;
}

/** A scheduled report just made (the subscribers' emails go out from it). */
export interface ReadyReport {
  id: string;
  kind: ScheduledKind;
  site: string | null;
  from: number;
  to: number;
  language: Language;
  scheduleKey: string;
  timeZone: string;
}

export function createReportScheduler(deps: ReportSchedulerDeps) {
  const [hour, minute] = deps.config.at.split(':').map(Number) as [number, number];
  const tasks: ScheduledTask[] = [];
  const readyListeners: ((r: ReadyReport) => Promise<void>)[] = [];
  const running = new Set<Promise<unknown>>();

  /** The scheduled time of a period's report: `at` local time on the day the period ends. */
  const dueAt = (to: number, tz: string) => DateTime.fromMillis(to, { zone: tz }).set({ hour, minute }).toMillis();

  async function run(kind: ScheduledKind, target: ReportTarget): Promise<string | undefined> {
    const period = lastPeriod(kind, deps.now(), target.timeZone);
    const key = scheduleKey(kind, target.site, period.to);
    if (await deps.reports.scheduled(key)) return undefined;
    const { id, existing } = await deps.reports.generate({ site: target.site ?? undefined, ...period, language: target.language, kind, scheduleKey: key });
    if (existing) return undefined;
    deps.log.info({ reportId: id, kind, site: target.site ?? 'all' }, `${kind} report ready`);
    const ready: ReadyReport = { id, kind, site: target.site, ...period, language: target.language, scheduleKey: key, timeZone: target.timeZone };
    for (const listener of readyListeners) await listener(ready).catch((err: Error) => deps.log.error({ err, reportId: id }, 'report made but not delivered'));
    return id;
  }

  function track<T>(p: Promise<T>): Promise<T | undefined> {
    const guarded = p.catch((err: Error) => {
      deps.log.error({ err }, 'scheduled report failed');
      return undefined;
    });
    running.add(guarded);
    void guarded.finally(() => running.delete(guarded));
    return guarded;
  }

  return {
    /** Calls `listener` with each scheduled report made from now on (its subscribers are emailed). */
    onReady(listener: (r: ReadyReport) => Promise<void>): void {
      readyListeners.push(listener);
    },
    /** Schedules every target's reports and makes those missed while FMS was down. */
    start(): void {
      for (const kind of deps.config.schedule) {
        for (const target of deps.targets()) {
          const expression = kind === 'weekly' ? `${minute} ${hour} * * 1` : `${minute} ${hour} 1 * *`;
          tasks.push(
            cron.schedule(expression, () => (deps.isLeader?.() ?? true) && track(run(kind, target)), {
              timezone: target.timeZone,
              name: `${kind}-report-${target.site ?? 'all'}`,
              noOverlap: true,
            }),
          );
        }
      }
      void track(this.catchUp());
    },

    /**
     * Makes the last period's report of each target and kind when its time has passed and it is
     * missing — only for targets that already had a scheduled report of that kind (a new install
     * starts with the next period instead of a report on days it did not watch).
     */
    async catchUp(): Promise<string[]> {
      const made: string[] = [];
      if (!(deps.isLeader?.() ?? true)) return made;
      for (const kind of deps.config.schedule) {
        for (const target of deps.targets()) {
          const period = lastPeriod(kind, deps.now(), target.timeZone);
          if (deps.now() < dueAt(period.to, target.timeZone)) continue;
          const before = (await deps.reports.list({ kind, limit: 1000 })).some((r) => r.scheduled && r.site === target.site);
          if (!before) continue;
          const id = await run(kind, target);
          if (id) made.push(id);
        }
      }
      return made;
    },

    /** Runs one target's report now, as its cron job would (tests and the demo use it). */
    run,

    /** When each job runs next. */
    next(): { name: string; at: Date | null }[] {
      return tasks.map((t) => ({ name: t.name ?? t.id, at: t.getNextRun() }));
    },

    async stop(): Promise<void> {
      for (const t of tasks.splice(0)) await t.destroy();
      await Promise.all(running);
    },
  };
}
export type ReportScheduler = ReturnType<typeof createReportScheduler>;
