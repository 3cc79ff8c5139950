import type { Report } from './report.ts';

export type ReportKind = 'on_demand' | 'weekly' | 'monthly';

export interface ReportSummary {
  assets: number;
  topRisks: { assetId: string; risk: number; action: string }[];
  sla: Report['sla'];
  files: string[];
  /** Why the PDF is missing, when it is. */
  pdfError?: string;
  /** Milliseconds from request to archive. */
  tookMs: number;
}

export interface ArchivedReport {
  id: string;
  site: string | null;
  from: number;
  to: number;
  language: string;
  kind: string;
  /** Made by the schedule (once per kind, site and period) rather than on demand. */
  scheduled: boolean;
  createdAt: number;
  summary: ReportSummary;
}

/** A report to register: `scheduleKey` (`weekly:riverside:<period end>`) for one the schedule makes, null on demand. */
export type NewArchivedReport = Omit<ArchivedReport, 'scheduled'> & { scheduleKey: string | null };

/** The report store port: the register of archived reports (their files are in the data folder). */
export interface ReportStore {
  /**
   * Registers a report. A scheduled report is registered once per schedule key: when the key is
   * taken already (another instance made it first), the report registered first is returned instead.
   */
  add(report: NewArchivedReport): Promise<{ report: ArchivedReport; created: boolean }>;
  /** A report by its id; undefined when there is none. */
  get(id: string): Promise<ArchivedReport | undefined>;
  /** The report made for a schedule key, if it was made. */
  findScheduled(scheduleKey: string): Promise<ArchivedReport | undefined>;
  /** Archived reports, newest first, at most `limit`: of one site (not the estate's) and of one kind when asked. */
  list(filter: { site?: string; kind?: ReportKind; limit: number }): Promise<ArchivedReport[]>;
}
