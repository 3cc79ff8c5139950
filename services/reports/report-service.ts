import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Asset } from '../assets/asset.ts';
import { FmsError } from '../shared/errors.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderStore } from '../work-orders/work-order-store.ts';
import type { PmStore } from '../pm/pm-store.ts';
import type { OrderFacts } from './kpis.ts';
import { renderHtml } from './render-html.ts';
import { renderPdf } from './render-pdf.ts';
import type { ReportFonts } from './font-runs.ts';
import { reportDocument, type Language } from './report-document.ts';
import { buildReport, indicatorsByType, reportCsv, type Report } from './report.ts';
import type { ArchivedReport, ReportKind, ReportStore, ReportSummary } from './report-store.ts';
import type { Point } from './trend.ts';

export type { ArchivedReport, ReportKind, ReportSummary } from './report-store.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Telemetry queries in flight at once while a report gathers its trends. */
const TELEMETRY_CONCURRENCY = 4;
/** Trends look this far back before the period's end. */
const TREND_WINDOW = 90 * DAY;

export interface ReportServiceDeps {
  /** The register of archived reports. */
  store: ReportStore;
  assets: { list(filter?: { site?: string }): Asset[] };
  workOrders: Pick<WorkOrderStore, 'list'>;
  alarms: { countRaised(from: number, to: number): Promise<Map<string, number>> };
  pm: Pick<PmStore, 'dueBetween'>;
  telemetry: Pick<TelemetryStore, 'aggregate'>;
  /** Where reports are archived. */
  folder: string;
  /** Dates of a site's report are in its time zone; the estate's in `timeZone`. */
  siteTimeZone: (site: string | null) => string;
  /** The PDF's fonts (FMS_REPORT_FONT, then the system's, then Helvetica); without a CJK one, Chinese PDFs are refused. */
  fonts: ReportFonts;
  /** Sites of the estate file (a site without assets yet still has a report). */
  knownSite?: (site: string) => boolean;
  log: Logger;
  now: () => number;
}

export interface ReportRequest {
  site?: string | undefined;
  from: number;
  to: number;
  language: Language;
  kind?: ReportKind;
  onProgress?: (done: number, total: number) => void;
}

/** Files of an archived report and how they are served. */
export const reportFiles: Record<string, string> = {
  'report.html': 'text/html; charset=utf-8',
  'report.pdf': 'application/pdf',
  'report.json': 'application/json; charset=utf-8',
  'health.csv': 'text/csv; charset=utf-8',
  'reliability.csv': 'text/csv; charset=utf-8',
  'sla.csv': 'text/csv; charset=utf-8',
  'bad-actors.csv': 'text/csv; charset=utf-8',
  'rule-precision.csv': 'text/csv; charset=utf-8',
};

/** Gathers a report's data from the stores, computes it, renders it and archives it. */
export function createReportService(deps: ReportServiceDeps) {
  mkdirSync(deps.folder, { recursive: true });

  async function gather(req: ReportRequest) {
    const assets = deps.assets.list(req.site ? { site: req.site } : {});
    const ids = new Set(assets.map((a) => a.id));
    const orders: OrderFacts[] = (
      await deps.workOrders.list({ ...(req.site ? { site: req.site } : {}), from: req.to - 730 * DAY, to: req.to, limit: 1_000_000, offset: 0 })
    ).items;
    const series = new Map<string, Point[]>();
    // From a whole hour: the embedded store then reads its hourly rollups (docs/telemetry-storage.md).
    const since = Math.floor((req.to - TREND_WINDOW) / HOUR) * HOUR;
    // A few assets at a time: InfluxDB answers queries in parallel (the embedded store reads one by one anyway).
    let done = 0;
    let next = 0;
    const worker = async () => {
      while (next < assets.length) {
        const a = assets[next++]!;
        for (const { metric } of indicatorsByType[a.type] ?? []) {
          const buckets = await deps.telemetry.aggregate({ asset: a.id, measurement: a.type, metric, from: since, to: req.to, every: DAY, fn: 'max' });
          const points = buckets.filter((b) => b.value !== null).map((b) => ({ t: b.ts + DAY / 2, value: b.value! }));
          if (points.length) series.set(`${a.id}/${metric}`, points);
        }
        if (++done % 50 === 0 && done < assets.length) req.onProgress?.(done, assets.length);
      }
    };
    await Promise.all(Array.from({ length: TELEMETRY_CONCURRENCY }, worker));
    req.onProgress?.(assets.length, assets.length);
    const pm = (await deps.pm.dueBetween(req.from, req.to)).filter((o) => ids.has(o.assetId) && !o.combinedInto);
    // Overdue at the period's end: due within the trend window and not done (nor folded into a later visit).
    const overduePm = new Map<string, number>();
    for (const o of await deps.pm.dueBetween(req.to - TREND_WINDOW, req.to)) {
      if (ids.has(o.assetId) && !o.combinedInto && o.doneAt === null) overduePm.set(o.assetId, (overduePm.get(o.assetId) ?? 0) + 1);
    }
    return {
      site: req.site ?? null,
      timeZone: deps.siteTimeZone(req.site ?? null),
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
    /**
     * Computes a report, renders it (HTML, PDF, JSON, CSV) and archives it. A scheduled report
     * (`scheduleKey`) is made once: when another run archived the same one first, that one is returned.
     */
    async generate(req: ReportRequest & { scheduleKey?: string }): Promise<{ id: string; report: Report; summary: ReportSummary; existing?: boolean }> {
      if (!(req.to > req.from)) throw new FmsError('FMS_ERR_API_BAD_REQUEST', 'the report period must end after it starts');
      if (req.site && deps.assets.list({ site: req.site }).length === 0 && !deps.knownSite?.(req.site))
        throw new FmsError('FMS_ERR_API_BAD_REQUEST', `no site "${req.site}": expected the id of a site with assets`);
      const started = Date.now();
      const data = await gather(req);
      const report = buildReport(data);
      const id = `RPT-${new Date(req.to).toISOString().slice(0, 10).replace(/-/g, '')}-${req.site ?? 'all'}-${Date.now().toString(36)}${Math.floor(
        Math.random() * 1296,
      )
        .toString(36)
        .padStart(2, '0')}`;
      const dir = path.join(deps.folder, id);
      mkdirSync(dir, { recursive: true });
      const doc = await reportDocument(report, data.series, req.language);
      writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report, null, 2));
      writeFileSync(path.join(dir, 'report.html'), renderHtml(doc));
      const files = ['report.html', 'report.json'];
      let pdfError: string | undefined;
      try {
        writeFileSync(path.join(dir, 'report.pdf'), (await renderPdf(doc, deps.fonts)).pdf);
        files.push('report.pdf');
      } catch (err) {
        // The other formats are still worth having; the listing says why the PDF is missing.
        pdfError = (err as Error).message;
        deps.log.warn({ reportId: id, err: pdfError }, 'report generated without its PDF');
      }
      for (const [name, text] of Object.entries(reportCsv(report))) {
        writeFileSync(path.join(dir, name), text);
        files.push(name);
      }
      const summary: ReportSummary = {
        assets: report.assets,
        topRisks: report.risks.slice(0, 3).map((r) => ({ assetId: r.assetId, risk: r.risk, action: r.action })),
        sla: report.sla,
        files,
        ...(pdfError ? { pdfError } : {}),
        tookMs: Date.now() - started,
      };
      let added: Awaited<ReturnType<ReportStore['add']>>;
      try {
        added = await deps.store.add({
          id,
          site: req.site ?? null,
          from: req.from,
          to: req.to,
          language: req.language,
          kind: req.kind ?? 'on_demand',
          createdAt: deps.now(),
          summary,
          scheduleKey: req.scheduleKey ?? null,
        });
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      if (!added.created) {
        // Another run made this scheduled report first: theirs is the one.
        rmSync(dir, { recursive: true, force: true });
        return { id: added.report.id, report, summary: added.report.summary, existing: true };
      }
      deps.log.info({ reportId: id, site: req.site, kind: req.kind ?? 'on_demand', assets: report.assets, ms: summary.tookMs }, 'report generated');
      return { id, report, summary };
    },

    async list(filter: { site?: string; kind?: ReportKind; limit?: number } = {}): Promise<ArchivedReport[]> {
      return deps.store.list({ ...filter, limit: filter.limit ?? 100 });
    },

    /** The site a report is about (null: the whole estate), or undefined when there is no such report. */
    async siteOf(id: string): Promise<string | null | undefined> {
      return (await deps.store.get(id))?.site;
    },

    /** Whether the scheduled report with this key was made. */
    async scheduled(key: string): Promise<boolean> {
      return (await deps.store.findScheduled(key)) !== undefined;
    },

    /** An archived report's file (see `reportFiles`). */
    async file(id: string, name: string): Promise<{ body: Buffer; contentType: string }> {
      const archived = await deps.store.get(id);
      if (!archived) throw new FmsError('FMS_ERR_REPORT_NOT_FOUND', `no report "${id}"`);
      // Own names only: `constructor` or `__proto__` are not files of a report.
      const contentType = Object.hasOwn(reportFiles, name) ? reportFiles[name] : undefined;
      if (!contentType)
        throw new FmsError('FMS_ERR_REPORT_NOT_FOUND', `report ${id} has no file "${name}": expected one of ${Object.keys(reportFiles).join(', ')}`);
      const summary = archived.summary;
      if (name === 'report.pdf' && summary.pdfError) throw new FmsError('FMS_ERR_REPORT_FONT', `report ${id} has no PDF: ${summary.pdfError}`);
      try {
        // The name is one of `reportFiles` and the id a row of the register: no path comes from the request.
        return { body: readFileSync(path.join(deps.folder, archived.id, name)), contentType };
      } catch {
        throw new FmsError('FMS_ERR_REPORT_NOT_FOUND', `report ${id} has no file "${name}" (its archive folder is missing)`);
      }
    },
  };
}
export type ReportService = ReturnType<typeof createReportService>;
