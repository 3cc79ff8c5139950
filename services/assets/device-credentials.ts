import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { DeviceCredentialStore } from './device-credential-store.ts';

/** Hashed against when there is nothing to compare with. */
const DUMMY_SALT = randomBytes(16);
const scrypt = promisify(scryptCallback) as (secret: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

/** scrypt cost for device secrets: ~10 ms each here; a verified secret is remembered by its SHA-256 for reconnects. */
const SCRYPT = { N: 2 ** 13, r: 8, p: 1 };
const KEY_LENGTH = 32;

export interface CredentialInfo {
  assetId: string;
  issuedAt: number;
  revokedAt: number | null;
}

/**
 * Per-device MQTT credentials: user name = asset id, a random secret shown once when issued, stored
 * only as a salted scrypt hash. Issuing again rotates (the old secret stops working at once);
 * revoking ends it. `onRevoked` lets the broker disconnect clients that used it.
 */
export function createDeviceCredentials(store: DeviceCredentialStore, now: () => number) {
  /**
   * asset → SHA-256 of its current secret: set when it is issued or first verified with scrypt (a
   * reconnect costs a hash, not scrypt), gone when it is rotated or revoked.
   */
  const verified = new Map<string, Buffer>();
  /**
   * asset → how many times its secret changed in this process. A check that began before a change
   * neither caches nor accepts what it read: a sign-in whose scrypt overlaps a revocation cannot bring
   * the revoked secret back into the cache after the revocation cleared it.
   */
  const generations = new Map<string, number>();
  const generation = (assetId: string) => generations.get(assetId) ?? 0;
  /** The secret is changing: whatever a check in flight read is stale (before the store write and after it). */
  const changing = (assetId: string) => {
    generations.set(assetId, generation(assetId) + 1);
    verified.delete(assetId);
  };
  const listeners: ((assetId: string) => void)[] = [];
  const sha = (s: string) => createHash('sha256').update(s).digest();

  return {
    async issue(assetId: string): Promise<{ assetId: string; username: string; secret: string; issuedAt: number }> {
      const secret = randomBytes(24).toString('base64url');
      const salt = randomBytes(16);
      const hash = await scrypt(secret, salt, KEY_LENGTH, SCRYPT);
      const issuedAt = now();
      changing(assetId);
      await store.issue(assetId, { salt: salt.toString('base64'), hash: hash.toString('base64') }, issuedAt);
      changing(assetId);
      // Known good from now on: the device's first sign-in costs no scrypt and passes a sign-in backoff.
      verified.set(assetId, sha(secret));
      // Rotation: whoever is connected with the old secret goes.
      for (const l of listeners) l(assetId);
      return { assetId, username: assetId, secret, issuedAt };
    },

    /**
     * Revokes the asset's secret and its certificate sign-in (a device with only a certificate gets a
     * revoked record of its own); false when they were revoked already.
     */
    async revoke(assetId: string): Promise<boolean> {
      changing(assetId);
      const changed = await store.revoke(assetId, now());
      changing(assetId);
      for (const l of listeners) l(assetId);
      return changed;
    },

    async info(assetId: string): Promise<CredentialInfo | undefined> {
      const record = await store.get(assetId);
      return record ? { assetId: record.assetId, issuedAt: record.issuedAt, revokedAt: record.revokedAt } : undefined;
    },

    /** Whether this secret is the asset's current one. */
    async verify(assetId: string, secret: string): Promise<boolean> {
      const digest = sha(secret);
      const known = verified.get(assetId);
      if (known && timingSafeEqual(known, digest)) return true;
      const began = generation(assetId);
      const record = await store.get(assetId);
      const usable = !!record?.secret && record.revokedAt === null;
      // An unknown asset, or one without a usable secret, costs the same scrypt as a real one: the time
      // of an answer must not tell which asset ids exist.
      const salt = usable ? Buffer.from(record!.secret!.salt, 'base64') : DUMMY_SALT;
      const hash = await scrypt(secret, salt, KEY_LENGTH, SCRYPT);
      const ok = usable && timingSafeEqual(hash, Buffer.from(record!.secret!.hash, 'base64'));
      // Rotated or revoked while this check ran: what it read is no longer the asset's secret.
      if (generation(assetId) !== began) return false;
      if (ok) verified.set(assetId, digest);
      return ok;
    },

    /**
     * Whether this secret is the one known good for the asset (issued, or verified since): a hash
     * compare, no store and no scrypt, so a sign-in backoff can let the genuine device through.
     */
    knownGood(assetId: string, secret: string): boolean {
      const known = verified.get(assetId);
      return !!known && timingSafeEqual(known, sha(secret));
    },

    /** Whether the asset's credentials were revoked (a device certificate then no longer signs it in either). */
    async revoked(assetId: string): Promise<boolean> {
      const record = await store.get(assetId);
      return !!record && record.revokedAt !== null;
    },

    /** Told when an asset's secret changes or ends (the broker disconnects its clients). */
    onChanged(listener: (assetId: string) => void): void {
      listeners.push(listener);
    },
  };
}
export type DeviceCredentials = ReturnType<typeof createDeviceCredentials>;
