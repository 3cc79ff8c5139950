import type { Db } from '../db/database.ts';
import type { DeviceCredentialStore } from './device-credential-store.ts';

/** The device credential store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyDeviceCredentialStore(db: Db): DeviceCredentialStore {
  return {
    async issue(assetId, secret, at) {
      await db
        .insertInto('device_credentials')
        .values({ asset_id: assetId, scheme: secret.scheme, salt: secret.salt, hash: secret.hash, issued_at: at, revoked_at: null })
        .onConflict((oc) => oc.column('asset_id').doUpdateSet({ scheme: secret.scheme, salt: secret.salt, hash: secret.hash, issued_at: at, revoked_at: null }))
        .execute();
    },

    async rehash(assetId, fromHash, to) {
      // One conditional statement: a rotation or a revocation, by this instance or another, cannot be undone by it.
      const r = await db
        .updateTable('device_credentials')
        .set({ scheme: to.scheme, salt: to.salt, hash: to.hash })
        .where('asset_id', '=', assetId)
        .where('hash', '=', fromHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async revoke(assetId, at) {
      const r = await db
        .updateTable('device_credentials')
        .set({ revoked_at: at })
        .where('asset_id', '=', assetId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) return true;
      // No secret to revoke: a record of its own, so that the device's certificate no longer signs it in.
      // Empty salt and hash stand for "no secret" (the columns are NOT NULL).
      const inserted = await db
        .insertInto('device_credentials')
        .values({ asset_id: assetId, scheme: 'hmac-sha256', salt: '', hash: '', issued_at: at, revoked_at: at })
        .onConflict((oc) => oc.column('asset_id').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async get(assetId) {
      const row = await db.selectFrom('device_credentials').selectAll().where('asset_id', '=', assetId).executeTakeFirst();
      if (!row) return undefined;
      return {
        assetId: row.asset_id,
        secret: row.hash === '' ? null : { scheme: row.scheme === 'scrypt' ? 'scrypt' : 'hmac-sha256', salt: row.salt, hash: row.hash },
        issuedAt: Number(row.issued_at),
        revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
      };
    },
  };
}
