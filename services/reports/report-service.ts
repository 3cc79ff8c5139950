import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Asset } from '../assets/asset.ts';
import type { Db } from '../db/database.ts';
import { FmsError } from '../shared/errors.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderStore } from '../work-orders/work-order-store.ts';
import type { PmStore } from '../pm/pm-store.ts';
import type { OrderFacts } from './kpis.ts';
import { renderHtml, type Language } from './render-html.ts';
import { buildReport, indicatorsByType, reportCsv, type Report } from './report.ts';
import type { Point } from './trend.ts';

const DAY = 86_400_000;
/** Trends look this far back before the period's end. */
const TREND_WINDOW = 90 * DAY;

export interface ReportServiceDeps {
  db: Db;
  assets: { list(filter?: { site?: string }): Asset[] };
  workOrders: Pick<WorkOrderStore, 'list'>;
  alarms: { countRaised(from: number, to: number): Promise<Map<string, number>> };
  pm: Pick<PmStore, 'dueBetween'>;
  telemetry: Pick<TelemetryStore, 'aggregate'>;
  /** Where reports are archived. */
  folder: string;
  log: Logger;
  now: () => number;
}

export interface ReportRequest {
  site?: string | undefined;
  from: number;
  to: number;
  language: Language;
  kind?: 'on_demand' | 'weekly' | 'monthly';
  onProgress?: (done: number, total: number) => void;
}

/** Gathers a report's data from the stores, computes it, renders it and archives it. */
export function createReportService(deps: ReportServiceDeps) {
  mkdirSync(deps.folder, { recursive: true });

  async function gather(req: ReportRequest) {
    const assets = deps.assets.list(req.site ? { site: req.site } : {});
    const ids = new Set(assets.map((a) => a.id));
    const orders: OrderFacts[] = (await deps.workOrders.list({ ...(req.site ? { site: req.site } : {}), from: req.to - 730 * DAY, to: req.to, limit: 1_000_000, offset: 0 })).items;
    const series = new Map<string, Point[]>();
    let done = 0;
    for (const a of assets) {
      for (const { metric } of indicatorsByType[a.type] ?? []) {
        const buckets = await deps.telemetry.aggregate({ asset: a.id, measurement: a.type, metric, from: req.to - TREND_WINDOW, to: req.to, every: DAY, fn: 'max' });
        const points = buckets.filter((b) => b.value !== null).map((b) => ({ t: b.ts + DAY / 2, value: b.value! }));
        if (points.length) series.set(`${a.id}/${metric}`, points);
      }
      if (++done % 50 === 0) req.onProgress?.(done, assets.length);
    }
    req.onProgress?.(assets.length, assets.length);
    const pm = (await deps.pm.dueBetween(req.from, req.to)).filter((o) => ids.has(o.assetId) && !o.combinedInto);
    // Overdue at the period's end: due within the trend window and not done (nor folded into a later visit).
    const overduePm = new Map<string, number>();
    for (const o of await deps.pm.dueBetween(req.to - TREND_WINDOW, req.to)) {
      if (ids.has(o.assetId) && !o.combinedInto && o.doneAt === null) overduePm.set(o.assetId, (overduePm.get(o.assetId) ?? 0) + 1);
    }
    return {
      site: req.site ?? null,
      period: { from: req.from, to: req.to },
      generatedAt: deps.now(),
      assets: assets.map((a) => ({ id: a.id, type: a.type, site: a.site, name: a.name, criticality: a.criticality, installedAt: a.installedAt })),
      orders,
      pm: pm.map((o) => ({ dueAt: o.dueAt, doneAt: o.doneAt, status: o.state ?? 'open' })),
      series,
      alarms: await deps.alarms.countRaised(req.from, req.to),
      overduePm,
    };
  }

  return {
    async generate(req: ReportRequest): Promise<{ id: string; report: Report }> {
      if (!(req.to > req.from)) throw new FmsError('FMS_ERR_API_BAD_REQUEST', 'the report period must end after it starts');
      const started = Date.now();
      const data = await gather(req);
      const report = buildReport(data);
      const id = `RPT-${new Date(req.to).toISOString().slice(0, 10).replace(/-/g, '')}-${req.site ?? 'all'}-${Date.now().toString(36)}`;
      const dir = path.join(deps.folder, id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report, null, 2));
      writeFileSync(path.join(dir, 'report.html'), await renderHtml(report, data.series, req.language));
      for (const [name, text] of Object.entries(reportCsv(report))) writeFileSync(path.join(dir, name), text);
      const summary = { assets: report.assets, topRisks: report.risks.slice(0, 3).map((r) => ({ assetId: r.assetId, risk: r.risk, action: r.action })), sla: report.sla };
      await deps.db.insertInto('reports').values({ id, site: req.site ?? null, period_from: req.from, period_to: req.to, language: req.language, kind: req.kind ?? 'on_demand', created_at: deps.now(), summary: JSON.stringify(summary) }).execute();
      deps.log.info({ reportId: id, site: req.site, assets: report.assets, ms: Date.now() - started }, 'report generated');
      return { id, report };
    },

    async list(limit = 100) {
      const rows = await deps.db.selectFrom('reports').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
      return rows.map((r) => ({ id: r.id, site: r.site, from: Number(r.period_from), to: Number(r.period_to), language: r.language, kind: r.kind, createdAt: Number(r.created_at), summary: JSON.parse(r.summary) }));
    },

    /** An archived report's file: `report.json`, `report.html` or a table's CSV. */
    async file(id: string, name: string): Promise<string> {
      const row = await deps.db.selectFrom('reports').select('id').where('id', '=', id).executeTakeFirst();
      if (!row) throw new FmsError('FMS_ERR_REPORT_NOT_FOUND', `no report "${id}"`);
      if (!/^[a-z-]+\.(json|html|csv)$/.test(name)) throw new FmsError('FMS_ERR_REPORT_NOT_FOUND', `report ${id} has no file "${name}"`);
      try {
        return readFileSync(path.join(deps.folder, id, name), 'utf8');
      } catch {
        throw new FmsError('FMS_ERR_REPORT_NOT_FOUND', `report ${id} has no file "${name}"`);
      }
    },
  };
}
export type ReportService = ReturnType<typeof createReportService>;
