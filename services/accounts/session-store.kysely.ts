import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AttemptCounter, SessionStore } from './session-store.ts';

/** The session store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselySessionStore(db: Db): SessionStore {
  return {
    async add(s) {
      await db
        .insertInto('sessions')
        .values({ hash: s.hash, user_name: s.user, created_at: s.createdAt, last_seen_at: s.lastSeenAt, address: s.address, via: s.via })
        .execute();
    },

    async get(hash) {
      const r = await db.selectFrom('sessions').selectAll().where('hash', '=', hash).executeTakeFirst();
      return r
        ? {
            hash: r.hash,
            user: r.user_name,
            createdAt: Number(r.created_at),
            lastSeenAt: Number(r.last_seen_at),
            address: r.address,
            via: r.via as 'password' | 'link',
          }
        : undefined;
    },

    async touch(hash, at) {
      await db.updateTable('sessions').set({ last_seen_at: at }).where('hash', '=', hash).where('last_seen_at', '<', at).execute();
    },

    async setVia(hash, via) {
      await db.updateTable('sessions').set({ via }).where('hash', '=', hash).execute();
    },

    async remove(hash) {
      const r = await db.deleteFrom('sessions').where('hash', '=', hash).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async removeOf(user, keep) {
      let q = db.deleteFrom('sessions').where('user_name', '=', user);
      if (keep !== undefined) q = q.where('hash', '!=', keep);
      return Number((await q.executeTakeFirst()).numDeletedRows);
    },

    async prune(createdBefore, seenBefore) {
      const r = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('created_at', '<', createdBefore), eb('last_seen_at', '<', seenBefore)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async attempts(keys) {
      const found = new Map<string, AttemptCounter>();
      if (keys.length === 0) return found;
      for (const r of await db
        .selectFrom('sign_in_attempts')
        .selectAll()
        .where('key', 'in', [...keys])
        .execute())
        found.set(r.key, {
          failures: Number(r.failures),
          lastFailureAt: Number(r.last_failure_at),
          lastSuccessAt: r.last_success_at === null ? null : Number(r.last_success_at),
        });
      return found;
    },

    async fail(keys, at, forgetBefore) {
      // Counted in SQL, so that several instances (or requests at once) add up rather than overwrite.
      for (const key of keys)
        await db
          .insertInto('sign_in_attempts')
          .values({ key, failures: 1, last_failure_at: at, last_success_at: null })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({
              failures: sql<number>`CASE WHEN sign_in_attempts.last_failure_at < ${forgetBefore} THEN 1 ELSE sign_in_attempts.failures + 1 END`,
              // The latest failure stays the latest, whichever request finishes last.
              last_failure_at: sql<number>`CASE WHEN sign_in_attempts.last_failure_at > ${at} THEN sign_in_attempts.last_failure_at ELSE ${at} END`,
            }),
          )
          .execute();
    },

    async succeed(key, at) {
      await db
        .insertInto('sign_in_attempts')
        .values({ key, failures: 0, last_failure_at: 0, last_success_at: at })
        .onConflict((oc) => oc.column('key').doUpdateSet({ failures: 0, last_success_at: at }))
        .execute();
    },

    async pruneAttempts(before, successBefore) {
      const r = await db
        .deleteFrom('sign_in_attempts')
        .where('last_failure_at', '<', before)
        .where((eb) => eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<', successBefore)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
