import type { Db } from '../db/database.ts';
import type { ResidentRequestsTable } from '../db/schema.ts';
import type { ResidentRequest, ResidentStore } from './resident-store.ts';

const requestOf = (r: ResidentRequestsTable): ResidentRequest => ({
  tokenHash: r.token_hash,
  workOrderId: r.work_order_id,
  site: r.site,
  name: r.name,
  phone: r.phone,
  email: r.email,
  language: r.language === 'zh' ? 'zh' : 'en',
  createdAt: Number(r.created_at),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
});

/** Residents' requests on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyResidentStore(db: Db): ResidentStore {
  return {
    async add(r) {
      await db
        .insertInto('resident_requests')
        .values({
          token_hash: r.tokenHash,
          work_order_id: r.workOrderId,
          site: r.site,
          name: r.name,
          phone: r.phone,
          email: r.email,
          language: r.language,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
        })
        .execute();
    },

    async byToken(tokenHash) {
      const r = await db.selectFrom('resident_requests').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r ? requestOf(r) : undefined;
    },

    async byOrder(workOrderId) {
      const rows = await db.selectFrom('resident_requests').selectAll().where('work_order_id', '=', workOrderId).execute();
      return rows.map(requestOf);
    },

    async setExpiry(workOrderId, expiresAt) {
      await db.updateTable('resident_requests').set({ expires_at: expiresAt }).where('work_order_id', '=', workOrderId).execute();
    },

    async purge(now) {
      const r = await db.deleteFrom('resident_requests').where('expires_at', '<', now).executeTakeFirst();
      await db.deleteFrom('resident_codes').where('expires_at', '<', now).execute();
      return Number(r.numDeletedRows);
    },

    async putCode(contactHash, code) {
      const row = { code_hash: code.codeHash, tries: code.tries, expires_at: code.expiresAt };
      await db
        .insertInto('resident_codes')
        .values({ contact_hash: contactHash, ...row })
        .onConflict((oc) => oc.column('contact_hash').doUpdateSet(row))
        .execute();
    },

    async getCode(contactHash) {
      const r = await db.selectFrom('resident_codes').selectAll().where('contact_hash', '=', contactHash).executeTakeFirst();
      return r ? { codeHash: r.code_hash, tries: Number(r.tries), expiresAt: Number(r.expires_at) } : undefined;
    },

    async addTry(contactHash) {
      // One statement: two wrong tries at the same moment both count.
      await db
        .updateTable('resident_codes')
        .set((eb) => ({ tries: eb('tries', '+', 1) }))
        .where('contact_hash', '=', contactHash)
        .execute();
      const r = await db.selectFrom('resident_codes').select('tries').where('contact_hash', '=', contactHash).executeTakeFirst();
      return r ? Number(r.tries) : 0;
    },

    async dropCode(contactHash) {
      await db.deleteFrom('resident_codes').where('contact_hash', '=', contactHash).execute();
    },

    async formSecret(make) {
      // Two instances starting at once both insert; the first one's secret is everyone's.
      await db
        .insertInto('resident_keys')
        .values({ id: 'form', secret: make() })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      const r = await db.selectFrom('resident_keys').select('secret').where('id', '=', 'form').executeTakeFirstOrThrow();
      return r.secret;
    },
  };
}
