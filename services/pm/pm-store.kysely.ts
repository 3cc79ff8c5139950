import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { OccurrenceRecord, PmStore } from './pm-store.ts';

/** The preventive-maintenance store on SQL through kysely (SQLite now; the same queries serve PostgreSQL). */
export function createKyselyPmStore(db: Db): PmStore {
  return {
    async track(planId, assetId, at) {
      await db
        .insertInto('pm_tracking')
        .values({ plan_id: planId, asset_id: assetId, since: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
      const row = await db.selectFrom('pm_tracking').select('since').where('plan_id', '=', planId).where('asset_id', '=', assetId).executeTakeFirstOrThrow();
      return Number(row.since);
    },

    async state(planId, assetId) {
      const last = await db
        .selectFrom('pm_occurrences')
        .select(['key', 'due_at', 'seq'])
        .where('plan_id', '=', planId)
        .where('asset_id', '=', assetId)
        .orderBy('due_at', 'desc')
        .orderBy('seq', 'desc')
        .executeTakeFirst();
      const counted = await db
        .selectFrom('pm_occurrences')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('plan_id', '=', planId)
        .where('asset_id', '=', assetId)
        .where('combined_into', 'is', null)
        .executeTakeFirstOrThrow();
      const done = await db
        .selectFrom('work_orders')
        .select((eb) => eb.fn.max('resolved_at').as('t'))
        .where('pm_plan', '=', planId)
        .where('asset_id', '=', assetId)
        .executeTakeFirst();
      const repair = await db
        .selectFrom('work_orders')
        .select((eb) => eb.fn.max('resolved_at').as('t'))
        .where('asset_id', '=', assetId)
        .where('category', '=', 'repair')
        .where('source', 'in', ['alarm', 'request', 'inspection', 'predictive'])
        .executeTakeFirst();
      return {
        last: last ? { key: last.key, dueAt: Number(last.due_at), seq: last.seq } : null,
        generated: Number(counted.n),
        lastDone: done?.t == null ? null : Number(done.t),
        lastRepair: repair?.t == null ? null : Number(repair.t),
      };
    },

    async claim(o, folded, at) {
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('pm_occurrences')
          .values({
            plan_id: o.planId,
            asset_id: o.assetId,
            key: o.key,
            seq: o.seq,
            due_at: o.dueAt,
            tier: o.tier,
            work_order_id: null,
            combined_into: null,
            created_at: at,
          })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
        for (const f of folded) {
          await trx
            .insertInto('pm_occurrences')
            .values({
              plan_id: o.planId,
              asset_id: o.assetId,
              key: f.key,
              seq: f.seq,
              due_at: f.dueAt,
              tier: null,
              work_order_id: null,
              combined_into: o.key,
              created_at: at,
            })
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        return true;
      });
    },

    async unopened(limit) {
      const rows = await db
        .selectFrom('pm_occurrences')
        .selectAll()
        .where('work_order_id', 'is', null)
        .where('combined_into', 'is', null)
        .orderBy('due_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ planId: r.plan_id, assetId: r.asset_id, key: r.key, seq: r.seq, dueAt: Number(r.due_at), tier: r.tier }));
    },

    async linkOrder(planId, assetId, key, workOrderId) {
      await db
        .updateTable('pm_occurrences')
        .set({ work_order_id: workOrderId })
        .where('plan_id', '=', planId)
        .where('asset_id', '=', assetId)
        .where('key', '=', key)
        .execute();
    },

    async dueBetween(from, to, assetId) {
      let q = db
        .selectFrom('pm_occurrences as o')
        .leftJoin('work_orders as w', 'w.id', 'o.work_order_id')
        .select(['o.plan_id', 'o.asset_id', 'o.key', 'o.seq', 'o.due_at', 'o.tier', 'o.work_order_id', 'o.combined_into', 'w.state', 'w.resolved_at'])
        .where('o.due_at', '>=', from)
        .where('o.due_at', '<', to);
      if (assetId !== undefined) q = q.where('o.asset_id', '=', assetId);
      const rows = await q.execute();
      return rows.map(occurrenceFromRow);
    },

    async visitsBetween(from, to) {
      const rows = await db
        .selectFrom('pm_occurrences as o')
        .leftJoin('work_orders as w', 'w.id', 'o.work_order_id')
        .select(['o.plan_id', 'o.asset_id', 'o.key', 'o.seq', 'o.due_at', 'o.tier', 'o.work_order_id', 'o.combined_into', 'w.state', 'w.resolved_at'])
        .where((eb) =>
          eb.or([eb.and([eb('o.due_at', '>=', from), eb('o.due_at', '<', to)]), eb.and([eb('w.resolved_at', '>=', from), eb('w.resolved_at', '<', to)])]),
        )
        .execute();
      return rows.map(occurrenceFromRow);
    },

    async history(planId, assetId, limit = 1000) {
      let q = db
        .selectFrom('pm_occurrences as o')
        .leftJoin('work_orders as w', 'w.id', 'o.work_order_id')
        .select(['o.plan_id', 'o.asset_id', 'o.key', 'o.seq', 'o.due_at', 'o.tier', 'o.work_order_id', 'o.combined_into', 'w.state', 'w.resolved_at'])
        .where('o.plan_id', '=', planId);
      if (assetId) q = q.where('o.asset_id', '=', assetId);
      const rows = await q
        .orderBy('o.due_at', 'desc')
        .orderBy(sql`o.seq`, 'desc')
        .limit(limit)
        .execute();
      return rows.map(occurrenceFromRow);
    },

    async plans() {
      const rows = await db.selectFrom('pm_plans').selectAll().execute();
      return rows.map((r) => ({
        id: r.id,
        origin: 'api' as const,
        definition: r.definition === null ? null : JSON.parse(r.definition),
        deleted: r.deleted === 1,
        updatedAt: Number(r.updated_at),
      }));
    },

    async savePlan(r) {
      const row = {
        id: r.id,
        origin: r.origin,
        definition: r.definition === null ? null : JSON.stringify(r.definition),
        deleted: r.deleted ? 1 : 0,
        updated_at: r.updatedAt,
      };
      await db
        .insertInto('pm_plans')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ origin: row.origin, definition: row.definition, deleted: row.deleted, updated_at: row.updated_at }))
        .execute();
    },
  };
}

function occurrenceFromRow(r: {
  plan_id: string;
  asset_id: string;
  key: string;
  seq: number;
  due_at: number;
  tier: string | null;
  work_order_id: string | null;
  combined_into: string | null;
  state: string | null;
  resolved_at: number | null;
}): OccurrenceRecord {
  return {
    planId: r.plan_id,
    assetId: r.asset_id,
    key: r.key,
    seq: r.seq,
    dueAt: Number(r.due_at),
    tier: r.tier,
    workOrderId: r.work_order_id,
    combinedInto: r.combined_into,
    state: r.state ?? null,
    doneAt: r.resolved_at == null ? null : Number(r.resolved_at),
  };
}
