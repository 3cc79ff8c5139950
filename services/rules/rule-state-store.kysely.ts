import type { Db } from '../db/database.ts';
import type { SavedRuleState } from './rule-engine.ts';

/** Where the rule engine's pending timers and counts are kept between starts. */
export function createKyselyRuleStateStore(db: Db) {
  return {
    /** What was saved, for the assets `which` picks (all by default). */
    async load(which: (assetId: string) => boolean = () => true): Promise<SavedRuleState[]> {
      const rows = await db.selectFrom('rule_states').selectAll().execute();
      return rows.filter((r) => which(r.asset_id)).map((r) => ({ assetId: r.asset_id, ruleId: r.rule_id, state: JSON.parse(r.state) }));
    },
    /**
     * Replaces what was saved for the assets `which` picks (all by default) with the engine's current
     * state of them: instances sharing the database each save only the assets they evaluate.
     */
    async save(states: readonly SavedRuleState[], at: number, which: (assetId: string) => boolean = () => true): Promise<void> {
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
export type RuleStateStore = ReturnType<typeof createKyselyRuleStateStore>;
