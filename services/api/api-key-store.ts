import type { Role } from './access.ts';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  /** The person it acts for (work-order actions are theirs), or null for an integration. */
  personId: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** The sites it is limited to; null: the whole estate. */
  sites: string[] | null;
  /** When it was last used, to the hour (null: never). */
  lastUsedAt: number | null;
}

/** A key as stored: with the hex SHA-256 of the whole token, never the token itself. */
export interface StoredApiKey extends ApiKey {
  hash: string;
}

/** The API key store port: issued keys, their revocation and last use. */
export interface ApiKeyStore {
  /** Stores a newly issued key. */
  add(key: StoredApiKey): Promise<void>;
  /** A key with its hash, to check a token against; undefined when there is no such key. */
  get(id: string): Promise<StoredApiKey | undefined>;
  /** Every key, revoked and expired ones too, newest first. */
  list(): Promise<ApiKey[]>;
  /** Revokes a key at `at`; false when there is no such key or it was revoked already (it keeps its first revocation time). */
  revoke(id: string, at: number): Promise<boolean>;
  /** Notes when a key was last used. */
  touch(id: string, at: number): Promise<void>;
  /** Whether a key with the admin role exists that is not revoked. */
  hasAdmin(): Promise<boolean>;
}
