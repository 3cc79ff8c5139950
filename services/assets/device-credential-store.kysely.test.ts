import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import { createKyselyDeviceCredentialStore } from './device-credential-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const first = { scheme: 'hmac-sha256', salt: 'c2FsdC0x', hash: 'aGFzaC0x' } as const;
const second = { scheme: 'hmac-sha256', salt: 'c2FsdC0y', hash: 'aGFzaC0y' } as const;
const upgraded = { scheme: 'hmac-sha256', salt: 'c2FsdC0z', hash: 'aGFzaC0z' } as const;

eachDatabase('device credential store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('keeps the secret an asset was issued, and nothing for an asset never issued one', async () => {
    const store = createKyselyDeviceCredentialStore(database.db);
    await store.issue('rs-pump-01', first, T0);
    expect(await store.get('rs-pump-01')).toEqual({ assetId: 'rs-pump-01', secret: first, issuedAt: T0, revokedAt: null });
    expect(await store.get('rs-pump-02')).toBeUndefined();
  });

  it('rotating replaces the old secret', async () => {
    const store = createKyselyDeviceCredentialStore(database.db);
    await store.issue('rs-pump-01', first, T0);
    await store.issue('rs-pump-01', second, T0 + 1000);
    expect(await store.get('rs-pump-01')).toEqual({ assetId: 'rs-pump-01', secret: second, issuedAt: T0 + 1000, revokedAt: null });
  });

  it('a revoked secret stays revoked until a new one is issued', async () => {
    const store = createKyselyDeviceCredentialStore(database.db);
    await store.issue('rs-pump-01', first, T0);
    expect(await store.revoke('rs-pump-01', T0 + 1000)).toBe(true);
    expect(await store.revoke('rs-pump-01', T0 + 2000)).toBe(false);
    expect((await store.get('rs-pump-01'))!.revokedAt).toBe(T0 + 1000);
    await store.issue('rs-pump-01', second, T0 + 3000);
    expect(await store.get('rs-pump-01')).toEqual({ assetId: 'rs-pump-01', secret: second, issuedAt: T0 + 3000, revokedAt: null });
  });

  it('revoking an asset that signs in by certificate only leaves a revoked record without a secret', async () => {
    const store = createKyselyDeviceCredentialStore(database.db);
    expect(await store.revoke('rs-lift-01', T0)).toBe(true);
    expect(await store.get('rs-lift-01')).toEqual({ assetId: 'rs-lift-01', secret: null, issuedAt: T0, revokedAt: T0 });
    expect(await store.revoke('rs-lift-01', T0 + 1000)).toBe(false);
    // Issuing a secret later gives it one, and lifts the revocation.
    await store.issue('rs-lift-01', first, T0 + 2000);
    expect(await store.get('rs-lift-01')).toEqual({ assetId: 'rs-lift-01', secret: first, issuedAt: T0 + 2000, revokedAt: null });
  });

  it('revokes once when two revoke at the same moment', async () => {
    const store = createKyselyDeviceCredentialStore(database.db);
    const results = await Promise.all([store.revoke('rs-lift-01', T0), store.revoke('rs-lift-01', T0)]);
    expect(results.sort()).toEqual([false, true]);
    expect((await store.get('rs-lift-01'))!.revokedAt).toBe(T0);
  });

  it('a secret stored before migration 0020 reads as scrypt, and a rehash replaces it only while it is still the current one', async () => {
    const store = createKyselyDeviceCredentialStore(database.db);
    // What FMS wrote before the scheme column existed: the column's default says scrypt.
    await database.db
      .insertInto('device_credentials')
      .values({ asset_id: 'rs-pump-01', salt: 'b2xk', hash: 'b2xkLWhhc2g=', issued_at: T0, revoked_at: null } as never)
      .execute();
    expect((await store.get('rs-pump-01'))!.secret).toEqual({ scheme: 'scrypt', salt: 'b2xk', hash: 'b2xkLWhhc2g=' });
    expect(await store.rehash('rs-pump-01', 'b2xkLWhhc2g=', upgraded)).toBe(true);
    expect(await store.get('rs-pump-01')).toEqual({ assetId: 'rs-pump-01', secret: upgraded, issuedAt: T0, revokedAt: null });

    // Rotated meanwhile: the rehash of the old secret changes nothing.
    await store.issue('rs-pump-02', first, T0);
    await store.issue('rs-pump-02', second, T0 + 1000);
    expect(await store.rehash('rs-pump-02', first.hash, upgraded)).toBe(false);
    expect((await store.get('rs-pump-02'))!.secret).toEqual(second);

    // Revoked meanwhile: it stays revoked.
    await store.issue('rs-pump-03', first, T0);
    await store.revoke('rs-pump-03', T0 + 1000);
    expect(await store.rehash('rs-pump-03', first.hash, upgraded)).toBe(false);
    expect(await store.get('rs-pump-03')).toEqual({ assetId: 'rs-pump-03', secret: first, issuedAt: T0, revokedAt: T0 + 1000 });
  });
});
