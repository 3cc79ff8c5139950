import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AuditStore } from './audit-store.ts';

/** The audit store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyAuditStore(db: Db): AuditStore {
  return {
    async append(r) {
      await db
        .insertInto('audit_log')
        .values({
          at: r.at,
          action: r.action,
          outcome: r.outcome,
          actor: r.actor,
          actor_name: r.actorName,
          actor_role: r.actorRole,
          address: r.address,
          target: r.target,
          detail: r.detail,
          count: r.count,
        })
        .execute();
    },

    async list(q) {
      let query = db.selectFrom('audit_log');
      if (q.from !== undefined) query = query.where('at', '>=', q.from);
      if (q.to !== undefined) query = query.where('at', '<', q.to);
      // A prefix (`work_order.`): LIKE with its own wildcards escaped, the same in SQLite and PostgreSQL.
      if (q.action)
        query = q.action.endsWith('.')
          ? query.where(sql<boolean>`action LIKE ${q.action.replace(/[%_!]/g, '!$&') + '%'} ESCAPE '!'`)
          : query.where('action', '=', q.action);
      if (q.actor) query = query.where('actor', '=', q.actor);
      if (q.outcome) query = query.where('outcome', '=', q.outcome);
      const [rows, total] = await Promise.all([
        query.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
        query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        items: rows.map((r) => ({
          id: Number(r.id),
          at: Number(r.at),
          action: r.action,
          outcome: r.outcome,
          actor: r.actor,
          actorName: r.actor_name,
          actorRole: r.actor_role,
          address: r.address,
          target: r.target,
          detail: r.detail,
          count: Number(r.count),
        })),
        total: Number(total.n),
      };
    },

    async prune(before) {
      const r = await db.deleteFrom('audit_log').where('at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
