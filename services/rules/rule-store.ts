/** A rule as stored: its latest definition, version and where it came from. */
export interface RuleRecord {
  id: string;
  version: number;
  origin: 'default' | 'config' | 'api';
  /** The rule in its JSON form (durations in milliseconds). */
  definition: unknown;
  deleted: boolean;
  updatedAt: number;
}

export interface RuleVersion {
  ruleId: string;
  version: number;
  origin: RuleRecord['origin'];
  change: 'created' | 'updated' | 'deleted';
  definition: unknown | null;
  changedAt: number;
  changedBy: string;
}

/** The rule store port: rules in force and every version they had. */
export interface RuleStore {
  all(): Promise<RuleRecord[]>;
  /** Stores a new version of a rule and its history entry, in one transaction. */
  save(record: RuleRecord, change: RuleVersion['change'], changedBy: string): Promise<void>;
  /** Every version of one rule, oldest first. */
  history(id: string): Promise<RuleVersion[]>;
}
