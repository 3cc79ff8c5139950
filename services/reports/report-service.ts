import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Asset } from '../assets/asset.ts';
import { FmsError } from '../shared/errors.ts';
import type { AlarmStore } from '../alarms/alarm-store.ts';
import { CONDITION_WINDOW, type AssetCondition, type ConditionService } from '../condition/condition-service.ts';
import { alarmInputs, isOverdue, OVERDUE_WINDOW } from '../condition/asset-health.ts';
import type { AlarmInput } from '../condition/health.ts';
import type { HourBucket } from '../prediction/types.ts';
import type { WorkOrderStore } from '../work-orders/work-order-store.ts';
import type { PmStore } from '../pm/pm-store.ts';
import { renderHtml } from './render-html.ts';
import { renderPdf } from './render-pdf.ts';
import type { ReportFonts } from './font-runs.ts';
import { reportDocument, type Language } from './report-document.ts';
import { buildReport, reportCsv, type Report, type ReportOrder } from './report.ts';
import type { ArchivedReport, ReportKind, ReportStore, ReportSummary } from './report-store.ts';

export type { ArchivedReport, ReportKind, ReportSummary } from './report-store.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Assets assessed at once while a report gathers their condition (InfluxDB answers queries in parallel). */
const TELEMETRY_CONCURRENCY = 4;

export interface ReportServiceDeps {
  /** The register of archived reports. */
  store: ReportStore;
  assets: { list(filter?: { site?: string }): Asset[] };
  workOrders: Pick<WorkOrderStore, 'list'>;
  alarms: Pick<AlarmStore, 'openBetween'>;
  pm: Pick<PmStore, 'dueBetween' | 'visitsBetween'>;
  /** Each asset's indicators, assessed (services/condition). */
  conditions: Pick<ConditionService, 'assess' | 'hours'>;
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

/**
 * Reports are made one at a time: each takes a second or two of CPU on the event loop that also
 * carries ingest and alarms, so several at once would stall the estate (and each yields to the
 * event loop between assets and between rendering steps). This many are in hand at once (one being
 * made, the others waiting their turn); beyond them a request is refused (FMS_ERR_REPORT_BUSY, 429)
 * rather than queued without end. The scheduled reports (one per target and period) always queue.
 */
export const REPORT_QUEUE = 4;

/** Lets the event loop run what is waiting (I/O, timers) before the next stretch of a report's work. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Gathers a report's data from the stores, computes it, renders it and archives it. */
export function createReportService(deps: ReportServiceDeps) {
  mkdirSync(deps.folder, { recursive: true });
  let turn: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  /** Runs `make` after the reports before it; refuses a request when REPORT_QUEUE already wait (scheduled reports always wait their turn). */
  function inTurn<T>(make: () => Promise<T>, scheduled: boolean): Promise<T> {
    if (waiting >= REPORT_QUEUE && !scheduled)
      throw new FmsError('FMS_ERR_REPORT_BUSY', `${waiting} reports are waiting to be made, one at a time: ask again in a minute`);
    waiting++;
    const run = turn.then(
      () => make(),
      () => make(),
    );
    turn = run.then(
      () => (waiting--, undefined),
      () => (waiting--, undefined),
    );
    return run;
  }

  async function gather(req: ReportRequest) {
    const assets = deps.assets.list(req.site ? { site: req.site } : {});
    const ids = new Set(assets.map((a) => a.id));
    const orders: ReportOrder[] = (
      await deps.workOrders.list({ ...(req.site ? { site: req.site } : {}), from: req.to - 730 * DAY, to: req.to, limit: 1_000_000, offset: 0 })
    ).items;
    // Each asset's condition as of the period's end: only readings before `to` count.
    const conditions = new Map<string, AssetCondition>();
    let done = 0;
    let next = 0;
    const worker = async () => {
      while (next < assets.length) {
        const a = assets[next++]!;
        const repairs = orders
          .filter((o) => o.assetId === a.id && o.category === 'repair' && o.resolvedAt !== null && o.resolvedAt <= req.to)
          .map((o) => o.resolvedAt!);
        conditions.set(a.id, await deps.conditions.assess(a, req.to, { repairs }));
        // The embedded stores answer synchronously: let ingest, alarms and other requests in between assets.
        await breathe();
        if (++done % 50 === 0 && done < assets.length) req.onProgress?.(done, assets.length);
      }
    };
    await Promise.all(Array.from({ length: TELEMETRY_CONCURRENCY }, worker));
    req.onProgress?.(assets.length, assets.length);
    // The period's visits: due in it, or done in it (a visit done ahead of its date counts when it was done).
    const pm = (await deps.pm.visitsBetween(req.from, req.to)).filter((o) => ids.has(o.assetId) && !o.combinedInto);
    // Overdue at the period's end: due before it and not done (nor folded into a later visit).
    const overduePm = new Map<string, number>();
    for (const o of await deps.pm.dueBetween(req.to - OVERDUE_WINDOW, req.to)) {
      if (ids.has(o.assetId) && isOverdue(o)) overduePm.set(o.assetId, (overduePm.get(o.assetId) ?? 0) + 1);
    }
    // Alarms by severity and by how long they were open within the period.
    const alarms = new Map<string, AlarmInput[]>();
    for (const a of await deps.alarms.openBetween(req.from, req.to)) {
      if (ids.has(a.assetId)) alarms.set(a.assetId, [...(alarms.get(a.assetId) ?? []), ...alarmInputs([a], req.from, req.to)]);
    }
    return {
      site: req.site ?? null,
      timeZone: deps.siteTimeZone(req.site ?? null),
      period: { from: req.from, to: req.to },
      generatedAt: deps.now(),
      assets: assets.map((a) => ({
        id: a.id,
        type: a.type,
        site: a.site,
        name: a.name,
        location: a.location,
        criticality: a.criticality,
        installedAt: a.installedAt,
      })),
      orders,
      pm: pm.map((o) => ({ dueAt: o.dueAt, doneAt: o.doneAt, status: o.state ?? 'open' })),
      conditions,
      alarms,
      overduePm,
    };
  }

  /** The hourly figures of the indicators the report's trend charts draw (its riskiest assets'). */
  async function chartSeries(report: Report): Promise<Map<string, HourBucket[]>> {
    const series = new Map<string, HourBucket[]>();
    const charted = report.risks
      .flatMap((h) => h.indicators.filter((x) => x.assessment.onset !== null || x.assessment.crossing !== null).map((x) => ({ h, x })))
      .slice(0, 3);
    for (const { h, x } of charted) {
      series.set(
        `${h.assetId}/${x.metric}`,
        await deps.conditions.hours({ id: h.assetId, type: h.type }, x, Math.floor((report.to - CONDITION_WINDOW) / HOUR) * HOUR, report.to),
      );
    }
    return series;
  }

  async function make(req: ReportRequest & { scheduleKey?: string }): Promise<{ id: string; report: Report; summary: ReportSummary; existing?: boolean }> {
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
    await breathe();
    const doc = await reportDocument(report, await chartSeries(report), req.language);
    await breathe();
    writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report, null, 2));
    writeFileSync(path.join(dir, 'report.html'), renderHtml(doc));
    await breathe();
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
      return inTurn(() => make(req), req.scheduleKey !== undefined);
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

    /** Where an archived report's PDF lies (to attach it to an email), or undefined when it has none. */
    async pdfPath(id: string): Promise<string | undefined> {
      const archived = await deps.store.get(id);
      if (!archived || archived.summary.pdfError) return undefined;
      const file = path.join(deps.folder, archived.id, 'report.pdf');
      return existsSync(file) ? file : undefined;
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
