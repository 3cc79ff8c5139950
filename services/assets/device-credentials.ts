import { createHash, createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { DeviceCredentialStore, StoredSecret } from './device-credential-store.ts';

/** Hashed against when there is nothing to compare with. */
const DUMMY_SALT = randomBytes(16);
const scrypt = promisify(scryptCallback) as (secret: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

/** What FMS stored before HMAC-SHA-256 (~10 ms a check here): such records are still checked, then upgraded. */
const SCRYPT = { N: 2 ** 13, r: 8, p: 1 };
const KEY_LENGTH = 32;
/** 192 random bits: a fast hash is as safe as a slow one for them (docs/security.md, "Device secrets at rest"). */
const SECRET_BYTES = 24;

const hmac = (salt: Buffer, secret: string) => createHmac('sha256', salt).update(secret).digest();

/** A new secret's record: HMAC-SHA-256 keyed by a fresh random salt. */
function hashed(secret: string): StoredSecret {
  const salt = randomBytes(16);
  return { scheme: 'hmac-sha256', salt: salt.toString('base64'), hash: hmac(salt, secret).toString('base64') };
}

/** The secret hashed as `scheme` with this salt, to compare with a stored hash. */
async function hashAs(scheme: StoredSecret['scheme'], salt: Buffer, secret: string): Promise<Buffer> {
  return scheme === 'scrypt' ? scrypt(secret, salt, KEY_LENGTH, SCRYPT) : hmac(salt, secret);
}

export interface CredentialInfo {
  assetId: string;
  issuedAt: number;
  revokedAt: number | null;
}

/**
 * Per-device MQTT credentials: user name = asset id, a random secret shown once when issued, stored
 * only as a salted hash (HMAC-SHA-256; a record still in scrypt, from before, is upgraded when its
 * device next signs in). Issuing again rotates (the old secret stops working at once); revoking ends
 * it. `onChanged` lets the broker disconnect clients that used it.
 */
export function createDeviceCredentials(store: DeviceCredentialStore, now: () => number) {
  /**
   * asset → SHA-256 of its current secret: set when it is issued or first verified (a reconnect, or a
   * sign-in during a backoff, costs a hash compare and no store lookup), gone when it is rotated or revoked.
   */
  const verified = new Map<string, Buffer>();
  /**
   * asset → how many times its secret changed in this process. A check that began before a change
   * neither caches nor accepts what it read: a sign-in whose check overlaps a revocation cannot bring
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
      const secret = randomBytes(SECRET_BYTES).toString('base64url');
      const issuedAt = now();
      changing(assetId);
      await store.issue(assetId, hashed(secret), issuedAt);
      changing(assetId);
      // Known good from now on: the device's first sign-in needs no store lookup and passes a sign-in backoff.
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
      const stored = record?.secret && record.revokedAt === null ? record.secret : undefined;
      // An unknown asset, or one without a usable secret, costs the same hash as a real one: the time
      // of an answer must not tell which asset ids exist.
      const hash = await hashAs(stored?.scheme ?? 'hmac-sha256', stored ? Buffer.from(stored.salt, 'base64') : DUMMY_SALT, secret);
      const ok = !!stored && timingSafeEqual(hash, Buffer.from(stored.hash, 'base64'));
      // Rotated or revoked while this check ran: what it read is no longer the asset's secret.
      if (generation(assetId) !== began) return false;
      if (!ok) return false;
      if (stored.scheme === 'scrypt') {
        // Rehash on verify: the next check of this secret, after a restart too, costs an HMAC. Only
        // if the record still holds what was checked (rehash is conditional): a rotation or a
        // revocation meanwhile, in any instance, stays. A failed write leaves the scrypt record, which
        // still works and is upgraded next time.
        await store.rehash(assetId, stored.hash, hashed(secret)).catch(() => false);
        if (generation(assetId) !== began) return false;
      }
      verified.set(assetId, digest);
      return true;
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
