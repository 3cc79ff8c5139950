import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { ApiKeysTable } from '../db/schema.ts';
import type { ApiKey, ApiKeyStore } from './api-key-store.ts';
import type { Role } from './access.ts';

/** The API key store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyApiKeyStore(db: Db): ApiKeyStore {
  return {
    async add(key) {
      await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          name: key.name,
          role: key.role,
          person_id: key.personId,
          hash: key.hash,
          created_at: key.createdAt,
          expires_at: key.expiresAt,
          revoked_at: key.revokedAt,
          sites: key.sites === null ? null : JSON.stringify(key.sites),
          last_used_at: key.lastUsedAt,
        })
        .execute();
    },

    async get(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? { ...fromRow(row), hash: row.hash } : undefined;
    },

    async list() {
      return (await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').execute()).map(fromRow);
    },

    async revoke(id, at) {
      const r = await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async touch(id, at) {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async hasAdmin() {
      return !!(await db.selectFrom('api_keys').select('id').where('role', '=', 'admin').where('revoked_at', 'is', null).executeTakeFirst());
    },
  };
}

function fromRow(r: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    personId: r.person_id,
    createdAt: Number(r.created_at),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    sites: r.sites === null ? null : (JSON.parse(r.sites) as string[]),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}
