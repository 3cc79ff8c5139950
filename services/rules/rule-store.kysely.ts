import type { Db } from '../db/database.ts';
import type { RuleRecord, RuleStore, RuleVersion } from './rule-store.ts';

/** The rule store on SQL through kysely. */
export function createKyselyRuleStore(db: Db): RuleStore {
  return {
    async all() {
      const rows = await db.selectFrom('rules').selectAll().execute();
      return rows.map((r) => ({
        id: r.id,
        version: r.version,
        origin: r.origin as RuleRecord['origin'],
        definition: JSON.parse(r.definition),
        deleted: r.deleted === 1,
        updatedAt: Number(r.updated_at),
      }));
    },

    async save(record, change, changedBy) {
      const definition = JSON.stringify(record.definition);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('rules')
          .values({ id: record.id, version: record.version, origin: record.origin, definition, deleted: record.deleted ? 1 : 0, updated_at: record.updatedAt })
          .onConflict((oc) =>
            oc
              .column('id')
              .doUpdateSet({ version: record.version, origin: record.origin, definition, deleted: record.deleted ? 1 : 0, updated_at: record.updatedAt }),
          )
          .execute();
        await trx
          .insertInto('rule_versions')
          .values({
            rule_id: record.id,
            version: record.version,
            origin: record.origin,
            change,
            definition: record.deleted ? null : definition,
            changed_at: record.updatedAt,
            changed_by: changedBy,
          })
          .execute();
      });
    },

    async history(id) {
      const rows = await db.selectFrom('rule_versions').selectAll().where('rule_id', '=', id).orderBy('id').execute();
      return rows.map((r) => ({
        ruleId: r.rule_id,
        version: r.version,
        origin: r.origin as RuleVersion['origin'],
        change: r.change as RuleVersion['change'],
        definition: r.definition === null ? null : JSON.parse(r.definition),
        changedAt: Number(r.changed_at),
        changedBy: r.changed_by,
      }));
    },
  };
}
