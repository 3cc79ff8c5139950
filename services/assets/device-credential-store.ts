/**
 * How a stored secret was hashed: `hmac-sha256` (HMAC-SHA-256 keyed by the record's salt: what FMS
 * issues, microseconds to check) or `scrypt` (N = 2^13, ~10 ms: what FMS issued before; upgraded to
 * `hmac-sha256` on the device's next sign-in). docs/security.md says why a fast hash is as safe here.
 */
export type SecretScheme = 'hmac-sha256' | 'scrypt';

/** A secret as stored: its salt and hash (base64), never the secret itself. */
export interface StoredSecret {
  scheme: SecretScheme;
  salt: string;
  hash: string;
}

/** An asset's MQTT credentials as stored: the secret's salted hash, never the secret. */
export interface DeviceCredentialRecord {
  assetId: string;
  /** The secret's salted hash; null for a record that only revokes (a device that signs in by certificate). */
  secret: StoredSecret | null;
  issuedAt: number;
  revokedAt: number | null;
}

/** The device credential store port: one record per asset. */
export interface DeviceCredentialStore {
  /** Stores an asset's new secret, replacing the one it had and lifting a revocation (rotation). */
  issue(assetId: string, secret: StoredSecret, at: number): Promise<void>;
  /**
   * Replaces the stored hash of the asset's current secret by another hash of the same secret, only if
   * the record still holds `fromHash` and is not revoked (a rotation or revocation meanwhile wins);
   * whether it did.
   */
  rehash(assetId: string, fromHash: string, to: StoredSecret): Promise<boolean>;
  /** Revokes an asset's credentials; an asset without any gets a revoked record. False when they were revoked already. */
  revoke(assetId: string, at: number): Promise<boolean>;
  /** An asset's record, revoked or not; undefined when it never had one. */
  get(assetId: string): Promise<DeviceCredentialRecord | undefined>;
}
