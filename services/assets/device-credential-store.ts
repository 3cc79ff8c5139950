/** An asset's MQTT credentials as stored: the secret's salted scrypt hash, never the secret. */
export interface DeviceCredentialRecord {
  assetId: string;
  /** base64 salt and scrypt hash of the secret; null for a record that only revokes (a device that signs in by certificate). */
  secret: { salt: string; hash: string } | null;
  issuedAt: number;
  revokedAt: number | null;
}

/** The device credential store port: one record per asset. */
export interface DeviceCredentialStore {
  /** Stores an asset's new secret, replacing the one it had and lifting a revocation (rotation). */
  issue(assetId: string, secret: { salt: string; hash: string }, at: number): Promise<void>;
  /** Revokes an asset's credentials; an asset without any gets a revoked record. False when they were revoked already. */
  revoke(assetId: string, at: number): Promise<boolean>;
  /** An asset's record, revoked or not; undefined when it never had one. */
  get(assetId: string): Promise<DeviceCredentialRecord | undefined>;
}
