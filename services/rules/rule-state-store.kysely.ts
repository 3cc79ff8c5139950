import type { Db } from '../db/database.ts';
import type { RuleState } from './rule-engine.ts';
import type { RuleStateStore } from './rule-state-store.ts';

/** The rule state store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyRuleStateStore(db: Db): RuleStateStore {
  return {
    async load(which = () => true) {
      const rows = await db.selectFrom('rule_states').selectAll().execute();
      return rows.filter((r) => which(r.asset_id)).map((r) => ({ assetId: r.asset_id, ruleId: r.rule_id, state: JSON.parse(r.state) as RuleState }));
    },

    async save(states, at, which = () => true) {
      await db.transaction().execute(async (trx) => {
        const mine = (await trx.selectFrom('rule_states').select('asset_id').distinct().execute()).map((r) => r.asset_id).filter(which);
        for (let i = 0; i < mine.length; i += 500)
          await trx
            .deleteFrom('rule_states')
            .where('asset_id', 'in', mine.slice(i, i + 500))
            .execute();
        states = states.filter((s) => which(s.assetId));
        for (let i = 0; i < states.length; i += 200) {
          const chunk = states.slice(i, i + 200).map((s) => ({ asset_id: s.assetId, rule_id: s.ruleId, state: JSON.stringify(s.state), saved_at: at }));
          await trx.insertInto('rule_states').values(chunk).execute();
        }
      });
    },
  };
}
