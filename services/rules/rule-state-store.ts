import type { SavedRuleState } from './rule-engine.ts';

/** The rule state store port: the rule engine's pending timers and counts, kept between starts. */
export interface RuleStateStore {
  /** What was saved, for the assets `which` picks (all by default). */
  load(which?: (assetId: string) => boolean): Promise<SavedRuleState[]>;
  /**
   * Replaces what was saved for the assets `which` picks (all by default) with `states` of them, saved
   * at `at`: instances sharing the database each save only the assets they evaluate.
   */
  save(states: readonly SavedRuleState[], at: number, which?: (assetId: string) => boolean): Promise<void>;
}
