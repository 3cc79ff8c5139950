/** Where a person or team comes from: the FMS_CONFIG file (which keeps deciding it), or the API (which has taken it over). */
export type DirectoryOrigin = 'config' | 'api';

/** A person as stored. */
export interface PersonRecord {
  id: string;
  origin: DirectoryOrigin;
  /** The person in the estate file's format (people.ts `personSchema`). */
  definition: unknown;
  /** False: disabled (no new orders; history and open orders kept). */
  enabled: boolean;
  /** 1 when created; each change adds one. */
  version: number;
  updatedAt: number;
  /** Who changed it last: a key's name and id, or the FMS_CONFIG file. */
  updatedBy: string;
}

/** A team as stored. */
export interface TeamRecord {
  id: string;
  origin: DirectoryOrigin;
  /** The team in the estate file's format (people.ts `teamSchema`). */
  definition: unknown;
  version: number;
  updatedAt: number;
  updatedBy: string;
}

/**
 * The directory store port: people and teams, each written only over the version it was read at, so
 * that two instances changing the same person at once cannot lose either change unnoticed.
 */
export interface DirectoryStore {
  people(): Promise<PersonRecord[]>;
  teams(): Promise<TeamRecord[]>;
  /** Stores a person at `record.version`: inserted when it is 1, else over version − 1; false when someone else got there first. */
  savePerson(record: PersonRecord): Promise<boolean>;
  /** Stores a team as `savePerson` stores a person. */
  saveTeam(record: TeamRecord): Promise<boolean>;
  /** Removes a team still at `version` (one the FMS_CONFIG file no longer has); false when it changed meanwhile. */
  removeTeam(id: string, version: number): Promise<boolean>;
}
