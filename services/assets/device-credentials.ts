import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Db } from '../db/database.ts';

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
export function createDeviceCredentials(db: Db, now: () => number) {
  /** asset → SHA-256 of the secret last verified with scrypt (a reconnect costs a hash, not scrypt). */
  const verified = new Map<string, Buffer>();
  const listeners: ((assetId: string) => void)[] = [];
  const sha = (s: string) => createHash('sha256').update(s).digest();

  return {
    async issue(assetId: string): Promise<{ assetId: string; username: string; secret: string; issuedAt: number }> {
      const secret = randomBytes(24).toString('base64url');
      const salt = randomBytes(16);
      const hash = await scrypt(secret, salt, KEY_LENGTH, SCRYPT);
      const issuedAt = now();
      const row = { asset_id: assetId, salt: salt.toString('base64'), hash: hash.toString('base64'), issued_at: issuedAt, revoked_at: null };
      await db
        .insertInto('device_credentials')
        .values(row)
        .onConflict((oc) => oc.column('asset_id').doUpdateSet({ salt: row.salt, hash: row.hash, issued_at: issuedAt, revoked_at: null }))
        .execute();
      // Rotation: whoever is connected with the old secret goes.
      verified.delete(assetId);
      for (const l of listeners) l(assetId);
      return { assetId, username: assetId, secret, issuedAt };
    },

    /**
     * Revokes the asset's secret and its certificate sign-in (a device with only a certificate gets a
     * revoked record of its own); false when they were revoked already.
     */
    async revoke(assetId: string): Promise<boolean> {
      const t = now();
      const r = await db
        .updateTable('device_credentials')
        .set({ revoked_at: t })
        .where('asset_id', '=', assetId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      let changed = Number(r.numUpdatedRows) > 0;
      if (!changed) {
        const inserted = await db
          .insertInto('device_credentials')
          .values({ asset_id: assetId, salt: '', hash: '', issued_at: t, revoked_at: t })
          .onConflict((oc) => oc.column('asset_id').doNothing())
          .executeTakeFirst();
        changed = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
      }
      verified.delete(assetId);
      for (const l of listeners) l(assetId);
      return changed;
    },

    async info(assetId: string): Promise<CredentialInfo | undefined> {
      const row = await db.selectFrom('device_credentials').select(['asset_id', 'issued_at', 'revoked_at']).where('asset_id', '=', assetId).executeTakeFirst();
      return row ? { assetId: row.asset_id, issuedAt: Number(row.issued_at), revokedAt: row.revoked_at === null ? null : Number(row.revoked_at) } : undefined;
    },

    /** Whether this secret is the asset's current one. */
    async verify(assetId: string, secret: string): Promise<boolean> {
      const digest = sha(secret);
      const known = verified.get(assetId);
      if (known && timingSafeEqual(known, digest)) return true;
      const row = await db.selectFrom('device_credentials').selectAll().where('asset_id', '=', assetId).where('revoked_at', 'is', null).executeTakeFirst();
      if (!row) return false;
      const hash = await scrypt(secret, Buffer.from(row.salt, 'base64'), KEY_LENGTH, SCRYPT);
      const ok = timingSafeEqual(hash, Buffer.from(row.hash, 'base64'));
      if (ok) verified.set(assetId, digest);
      return ok;
    },

    /** Whether the asset's credentials were revoked (a device certificate then no longer signs it in either). */
    async revoked(assetId: string): Promise<boolean> {
      const row = await db.selectFrom('device_credentials').select('revoked_at').where('asset_id', '=', assetId).executeTakeFirst();
      return !!row && row.revoked_at !== null;
    },

    /** Told when an asset's secret changes or ends (the broker disconnects its clients). */
    onChanged(listener: (assetId: string) => void): void {
      listeners.push(listener);
    },
  };
}
export type DeviceCredentials = ReturnType<typeof createDeviceCredentials>;
