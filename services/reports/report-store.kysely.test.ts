import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { NewArchivedReport, ReportSummary } from './report-store.ts';
import { createKyselyReportStore } from './report-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);
const WEEK = 7 * 86_400_000;

const summary: ReportSummary = {
  assets: 12,
  topRisks: [{ assetId: 'rs-pump-03', risk: 0.82, action: 'replace the bearing' }],
  sla: [{ priority: 'P2', orders: 4, met: 3, compliancePct: 75 }],
  files: ['report.html', 'report.json'],
  pdfError: 'no font with Chinese glyphs',
  tookMs: 840,
};
const report = (id: string, over: Partial<NewArchivedReport> = {}): NewArchivedReport => ({
  id,
  site: 'riverside',
  from: T0 - WEEK,
  to: T0,
  language: 'zh',
  kind: 'on_demand',
  createdAt: T0,
  summary,
  scheduleKey: null,
  ...over,
});

eachDatabase('report store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('registers a report and gives it back by id with its summary; the estate’s report has no site', async () => {
    const store = createKyselyReportStore(database.db);
    const added = await store.add(report('RPT-1'));
    const expected = { id: 'RPT-1', site: 'riverside', from: T0 - WEEK, to: T0, language: 'zh', kind: 'on_demand', scheduled: false, createdAt: T0, summary };
    expect(added).toEqual({ report: expected, created: true });
    expect(await store.get('RPT-1')).toEqual(expected);
    await store.add(report('RPT-2', { site: null }));
    expect((await store.get('RPT-2'))!.site).toBeNull();
    expect(await store.get('RPT-3')).toBeUndefined();
  });

  it('makes a scheduled report once per schedule key even when several register it at once', async () => {
    const store = createKyselyReportStore(database.db);
    const key = `weekly:riverside:${T0}`;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => store.add(report(`RPT-W${i}`, { kind: 'weekly', scheduleKey: key, createdAt: T0 + i }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)!.report;
    // Every loser is told which report was made.
    expect(results.map((r) => r.report.id)).toEqual(Array(5).fill(winner.id));
    expect(winner.scheduled).toBe(true);
    expect(await store.findScheduled(key)).toEqual(winner);
    expect(await store.findScheduled(`weekly:harbour:${T0}`)).toBeUndefined();
    expect(await store.list({ limit: 10 })).toHaveLength(1);
  });

  it('registers every on-demand report, however many ask for the same period', async () => {
    const store = createKyselyReportStore(database.db);
    await Promise.all([store.add(report('RPT-1')), store.add(report('RPT-2')), store.add(report('RPT-3'))]);
    expect(await store.list({ limit: 10 })).toHaveLength(3);
  });

  it('refuses a second report with an id already taken rather than hiding the first', async () => {
    const store = createKyselyReportStore(database.db);
    await store.add(report('RPT-1'));
    await expect(store.add(report('RPT-1', { site: 'harbour' }))).rejects.toThrow();
    expect((await store.get('RPT-1'))!.site).toBe('riverside');
  });

  it('lists newest first, by site and kind, at most the limit', async () => {
    const store = createKyselyReportStore(database.db);
    await store.add(report('RPT-1', { site: 'riverside', kind: 'weekly', createdAt: T0 }));
    await store.add(report('RPT-2', { site: 'harbour', kind: 'weekly', createdAt: T0 + 1 }));
    await store.add(report('RPT-3', { site: null, kind: 'monthly', createdAt: T0 + 2 }));
    await store.add(report('RPT-4', { site: 'riverside', kind: 'on_demand', createdAt: T0 + 3 }));
    const ids = async (f: Parameters<typeof store.list>[0]) => (await store.list(f)).map((r) => r.id);
    expect(await ids({ limit: 10 })).toEqual(['RPT-4', 'RPT-3', 'RPT-2', 'RPT-1']);
    expect(await ids({ site: 'riverside', limit: 10 })).toEqual(['RPT-4', 'RPT-1']);
    expect(await ids({ kind: 'weekly', limit: 10 })).toEqual(['RPT-2', 'RPT-1']);
    expect(await ids({ site: 'riverside', kind: 'weekly', limit: 10 })).toEqual(['RPT-1']);
    expect(await ids({ limit: 2 })).toEqual(['RPT-4', 'RPT-3']);
  });
});
