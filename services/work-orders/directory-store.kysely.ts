import type { Db } from '../db/database.ts';
import type { DirectoryOrigin, DirectoryStore } from './directory-store.ts';

/** The directory store on SQL through kysely. */
export function createKyselyDirectoryStore(db: Db): DirectoryStore {
  return {
    async people() {
      const rows = await db.selectFrom('people').selectAll().orderBy('id').execute();
      return rows.map((r) => ({
        id: r.id,
        origin: r.origin as DirectoryOrigin,
        definition: JSON.parse(r.definition),
        enabled: r.enabled === 1,
        version: r.version,
        updatedAt: Number(r.updated_at),
        updatedBy: r.updated_by,
      }));
    },

    async teams() {
      const rows = await db.selectFrom('teams').selectAll().orderBy('id').execute();
      return rows.map((r) => ({
        id: r.id,
        origin: r.origin as DirectoryOrigin,
        definition: JSON.parse(r.definition),
        version: r.version,
        updatedAt: Number(r.updated_at),
        updatedBy: r.updated_by,
      }));
    },

    async savePerson(p) {
      const values = {
        origin: p.origin,
        definition: JSON.stringify(p.definition),
        enabled: p.enabled ? 1 : 0,
        version: p.version,
        updated_at: p.updatedAt,
        updated_by: p.updatedBy,
      };
      if (p.version === 1) {
        const r = await db
          .insertInto('people')
          .values({ id: p.id, ...values })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
      }
      const r = await db
        .updateTable('people')
        .set(values)
        .where('id', '=', p.id)
        .where('version', '=', p.version - 1)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async saveTeam(t) {
      const values = { origin: t.origin, definition: JSON.stringify(t.definition), version: t.version, updated_at: t.updatedAt, updated_by: t.updatedBy };
      if (t.version === 1) {
        const r = await db
          .insertInto('teams')
          .values({ id: t.id, ...values })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
      }
      const r = await db
        .updateTable('teams')
        .set(values)
        .where('id', '=', t.id)
        .where('version', '=', t.version - 1)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async removeTeam(id, version) {
      const r = await db.deleteFrom('teams').where('id', '=', id).where('version', '=', version).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
  };
}
