import type { Selectable } from 'kysely';
import { isUniqueViolation, type Db } from '../db/database.ts';
import type { ReportsTable } from '../db/schema.ts';
import type { ArchivedReport, ReportStore, ReportSummary } from './report-store.ts';

/** The report store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyReportStore(db: Db): ReportStore {
  return {
    async add(r) {
      const row = {
        id: r.id,
        site: r.site,
        period_from: r.from,
        period_to: r.to,
        language: r.language,
        kind: r.kind,
        created_at: r.createdAt,
        summary: JSON.stringify(r.summary),
        schedule_key: r.scheduleKey,
      };
      try {
        await db.insertInto('reports').values(row).execute();
        return { report: fromRow(row), created: true };
      } catch (err) {
        // The unique index on the schedule key: another run registered this scheduled report first.
        if (r.scheduleKey === null || !isUniqueViolation(err)) throw err;
        const first = await db.selectFrom('reports').selectAll().where('schedule_key', '=', r.scheduleKey).executeTakeFirst();
        if (!first) throw err;
        return { report: fromRow(first), created: false };
      }
    },

    async get(id) {
      const row = await db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async findScheduled(key) {
      const row = await db.selectFrom('reports').selectAll().where('schedule_key', '=', key).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async list(filter) {
      let q = db.selectFrom('reports').selectAll();
      if (filter.site) q = q.where('site', '=', filter.site);
      if (filter.kind) q = q.where('kind', '=', filter.kind);
      const rows = await q.orderBy('created_at', 'desc').limit(filter.limit).execute();
      return rows.map(fromRow);
    },
  };
}

function fromRow(r: Selectable<ReportsTable>): ArchivedReport {
  return {
    id: r.id,
    site: r.site,
    from: Number(r.period_from),
    to: Number(r.period_to),
    language: r.language,
    kind: r.kind,
    scheduled: r.schedule_key !== null,
    createdAt: Number(r.created_at),
    summary: JSON.parse(r.summary) as ReportSummary,
  };
}
