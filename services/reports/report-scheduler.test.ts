import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import { createKyselyAlarmStore } from '../alarms/alarm-store.kysely.ts';
import { createKyselyPmStore } from '../pm/pm-store.kysely.ts';
import { createKyselyWorkOrderStore } from '../work-orders/work-order-store.kysely.ts';
import { createReportScheduler, lastPeriod, type ReportTarget } from './report-scheduler.ts';
import { createConditionService } from '../condition/condition-service.ts';
import { reportFonts } from './font-runs.ts';
import { createReportService } from './report-service.ts';
import { createKyselyReportStore } from './report-store.kysely.ts';
import { reportsConfigSchema } from './reports-config.ts';

const log = pino({ level: 'silent' });
const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

describe('report periods', () => {
  it('a week is Monday to Monday at local midnight, a month the 1st to the 1st', () => {
    // Tuesday 24 November 2026, 09:00 in Shanghai.
    const now = at('2026-11-24T09:00', 'Asia/Shanghai');
    expect(lastPeriod('weekly', now, 'Asia/Shanghai')).toEqual({ from: at('2026-11-16T00:00', 'Asia/Shanghai'), to: at('2026-11-23T00:00', 'Asia/Shanghai') });
    expect(lastPeriod('monthly', now, 'Asia/Shanghai')).toEqual({ from: at('2026-10-01T00:00', 'Asia/Shanghai'), to: at('2026-11-01T00:00', 'Asia/Shanghai') });
    // Early Monday in Shanghai is still Sunday in UTC: each site's week ends at its own midnight.
    const monday = at('2026-11-23T03:00', 'Asia/Shanghai');
    expect(lastPeriod('weekly', monday, 'Asia/Shanghai').to).toBe(at('2026-11-23T00:00', 'Asia/Shanghai'));
    expect(lastPeriod('weekly', monday, 'UTC').to).toBe(at('2026-11-16T00:00', 'UTC'));
  });

  it('a week across the end of daylight saving time lasts 169 hours', () => {
    const p = lastPeriod('weekly', at('2026-11-03T12:00', 'America/New_York'), 'America/New_York');
    expect(p).toEqual({ from: at('2026-10-26T00:00', 'America/New_York'), to: at('2026-11-02T00:00', 'America/New_York') });
    expect((p.to - p.from) / 3_600_000).toBe(169);
  });
});

eachDatabase('scheduled reports', (open) => {
  let database: OpenedDatabase;
  let folder: string;
  let now = 0;
  const targets: ReportTarget[] = [
    { site: 'riverside', timeZone: 'Asia/Shanghai', language: 'zh' },
    { site: 'harbour', timeZone: 'America/New_York', language: 'en' },
  ];
  const assets = [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside', name: 'Pump 1', criticality: 4, installedAt: null },
    { id: 'hb-gate-01', type: 'gate', site: 'harbour', name: 'Gate 1', criticality: 3, installedAt: null },
  ];

  beforeEach(async () => {
    database = await open();
    folder = mkdtempSync(path.join(os.tmpdir(), 'fms-scheduled-reports-'));
    return async () => {
      await database.close();
      rmSync(folder, { recursive: true, force: true });
    };
  });

  function scheduler(config: unknown = {}) {
    const reports = createReportService({
      store: createKyselyReportStore(database.db),
      assets: { list: (f) => assets.filter((a) => !f?.site || a.site === f.site) as never },
      workOrders: createKyselyWorkOrderStore(database.db),
      alarms: createKyselyAlarmStore(database.db),
      pm: createKyselyPmStore(database.db),
      conditions: createConditionService({ telemetry: { summarize: async () => [] }, repairs: async () => [] }),
      folder,
      siteTimeZone: (site) => targets.find((t) => t.site === site)?.timeZone ?? 'UTC',
      fonts: reportFonts([]),
      log,
      now: () => now,
    });
    return { reports, scheduler: createReportScheduler({ reports, config: reportsConfigSchema.parse(config), targets: () => targets, log, now: () => now }) };
  }

  it('runs each site’s jobs at 06:00 local time: Monday for the week, the 1st for the month', async () => {
    const { scheduler: s } = scheduler();
    s.start();
    try {
      const next = Object.fromEntries(s.next().map((j) => [j.name, j.at!.getTime()]));
      expect(Object.keys(next).sort()).toEqual(['monthly-report-harbour', 'monthly-report-riverside', 'weekly-report-harbour', 'weekly-report-riverside']);
      const local = (name: string, zone: string, format: string) => DateTime.fromMillis(next[name]!, { zone }).toFormat(format);
      expect(local('weekly-report-riverside', 'Asia/Shanghai', 'EEE HH:mm')).toBe('Mon 06:00');
      expect(local('weekly-report-harbour', 'America/New_York', 'EEE HH:mm')).toBe('Mon 06:00');
      expect(local('monthly-report-riverside', 'Asia/Shanghai', 'd HH:mm')).toBe('1 06:00');
      expect(local('monthly-report-harbour', 'America/New_York', 'd HH:mm')).toBe('1 06:00');
      for (const t of Object.values(next)) expect(t - Date.now()).toBeGreaterThan(0);
      expect(next['weekly-report-riverside']! - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    } finally {
      await s.stop();
    }
  });

  it('makes a period’s report once, whoever asks and however often', async () => {
    const { reports, scheduler: s } = scheduler();
    now = at('2026-11-23T06:00', 'Asia/Shanghai');
    const [a, b] = await Promise.all([s.run('weekly', targets[0]!), s.run('weekly', targets[0]!)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await s.run('weekly', targets[0]!)).toBeUndefined();
    const list = await reports.list({ kind: 'weekly' });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      site: 'riverside',
      language: 'zh',
      from: at('2026-11-16T00:00', 'Asia/Shanghai'),
      to: at('2026-11-23T00:00', 'Asia/Shanghai'),
    });
    // The loser of the race left no folder behind.
    expect(readdirSync(folder)).toEqual([list[0]!.id]);
    const html = (await reports.file(list[0]!.id, 'report.html')).body.toString();
    expect(html).toContain('2026-11-16 至 2026-11-22（Asia/Shanghai）');
  });

  it('makes the report missed while FMS was down at the next start, but none on a new install', async () => {
    const { reports, scheduler: s } = scheduler({ schedule: ['weekly'] });
    now = at('2026-11-24T09:00', 'Asia/Shanghai');
    expect(await s.catchUp()).toEqual([]);
    // A report someone asked for (the demo's "weekly" one) is not the schedule's.
    await reports.generate({ site: 'riverside', from: now - 7 * 86_400_000, to: now, language: 'en', kind: 'weekly' });
    expect(await s.catchUp()).toEqual([]);

    // A week's report made two weeks ago, then FMS was down last Monday.
    now = at('2026-11-16T06:00', 'Asia/Shanghai');
    await s.run('weekly', targets[0]!);
    now = at('2026-11-24T09:00', 'Asia/Shanghai');
    const made = await s.catchUp();
    expect(made).toHaveLength(1);
    expect((await reports.list({ site: 'riverside', kind: 'weekly' })).filter((r) => r.scheduled).map((r) => r.to)).toEqual([
      at('2026-11-23T00:00', 'Asia/Shanghai'),
      at('2026-11-16T00:00', 'Asia/Shanghai'),
    ]);
    // The harbour site never had one: it waits for its first Monday.
    expect(await reports.list({ site: 'harbour' })).toEqual([]);
    expect(await s.catchUp()).toEqual([]);
  });

  it('does not catch up before the report’s time on the day', async () => {
    const { reports, scheduler: s } = scheduler({ schedule: ['weekly'], at: '06:00' });
    now = at('2026-11-16T06:00', 'Asia/Shanghai');
    await s.run('weekly', targets[0]!);
    now = at('2026-11-23T05:00', 'Asia/Shanghai');
    expect(await s.catchUp()).toEqual([]);
    now = at('2026-11-23T06:01', 'Asia/Shanghai');
    expect(await s.catchUp()).toHaveLength(1);
    expect(await reports.list({ kind: 'weekly' })).toHaveLength(2);
  });
});
