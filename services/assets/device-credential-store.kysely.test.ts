import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import { createKyselyDeviceCredentialStore } from './device-credential-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const first = { salt: 'c2FsdC0x', hash: 'aGFzaC0x' };
const second = { salt: 'c2FsdC0y', hash: 'aGFzaC0y' };

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
});
