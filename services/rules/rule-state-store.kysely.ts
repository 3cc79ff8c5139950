import type { Db } from '../db/database.ts';
import type { SavedRuleState } from './rule-engine.ts';

/** Where the rule engine's pending timers and counts are kept between starts. */
export function createKyselyRuleStateStore(db: Db) {
  return {
    async load(): Promise<SavedRuleState[]> {
      const rows = await db.selectFrom('rule_states').selectAll().execute();
      return rows.map((r) => ({ assetId: r.asset_id, ruleId: r.rule_id, state: JSON.parse(r.state) }));
    },
    /** Replaces what was saved with the engine's current state. */
    async save(states: readonly SavedRuleState[], at: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('rule_states').execute();
        for (let i = 0; i < states.length; i += 200) {
          const chunk = states.slice(i, i + 200).map((s) => ({ asset_id: s.assetId, rule_id: s.ruleId, state: JSON.stringify(s.state), saved_at: at }));
          await trx.insertInto('rule_states').values(chunk).execute();
        }
      });
    },
  };
}
