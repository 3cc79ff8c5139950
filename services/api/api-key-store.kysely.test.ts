import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { StoredApiKey } from './api-key-store.ts';
import { createKyselyApiKeyStore } from './api-key-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const HOUR = 3_600_000;

const key = (id: string, over: Partial<StoredApiKey> = {}): StoredApiKey => ({
  id,
  name: `key ${id}`,
  role: 'technician',
  personId: null,
  hash: id.repeat(64 / id.length),
  createdAt: T0,
  expiresAt: null,
  revokedAt: null,
  sites: null,
  lastUsedAt: null,
  ...over,
});

eachDatabase('API key store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('gives back a key as it was issued: its hash, person, sites and expiry', async () => {
    const store = createKyselyApiKeyStore(database.db);
    const issued = key('aaaaaaaaaaaa', { role: 'supervisor', personId: 'zhang-min', sites: ['riverside', 'harbour'], expiresAt: T0 + 90 * 24 * HOUR });
    await store.add(issued);
    expect(await store.get('aaaaaaaaaaaa')).toEqual(issued);
    expect(await store.get('bbbbbbbbbbbb')).toBeUndefined();
  });

  it('lists every key newest first, revoked ones too, without their hashes', async () => {
    const store = createKyselyApiKeyStore(database.db);
    await store.add(key('aaaaaaaaaaaa', { createdAt: T0 }));
    await store.add(key('cccccccccccc', { createdAt: T0 + 2 * HOUR }));
    await store.add(key('bbbbbbbbbbbb', { createdAt: T0 + HOUR }));
    await store.revoke('cccccccccccc', T0 + 3 * HOUR);
    const listed = await store.list();
    expect(listed.map((k) => [k.id, k.revokedAt])).toEqual([
      ['cccccccccccc', T0 + 3 * HOUR],
      ['bbbbbbbbbbbb', null],
      ['aaaaaaaaaaaa', null],
    ]);
    expect(listed[0]).not.toHaveProperty('hash');
  });

  it('a revoked key stays revoked, from the first revocation on', async () => {
    const store = createKyselyApiKeyStore(database.db);
    await store.add(key('aaaaaaaaaaaa'));
    expect(await store.revoke('aaaaaaaaaaaa', T0 + HOUR)).toBe(true);
    expect(await store.revoke('aaaaaaaaaaaa', T0 + 2 * HOUR)).toBe(false);
    expect((await store.get('aaaaaaaaaaaa'))!.revokedAt).toBe(T0 + HOUR);
    // Using it (a request in flight when it was revoked) does not bring it back.
    await store.touch('aaaaaaaaaaaa', T0 + 3 * HOUR);
    expect((await store.get('aaaaaaaaaaaa'))!.revokedAt).toBe(T0 + HOUR);
    expect(await store.revoke('nonexistent', T0)).toBe(false);
  });

  it('remembers when a key was last used', async () => {
    const store = createKyselyApiKeyStore(database.db);
    await store.add(key('aaaaaaaaaaaa'));
    await store.add(key('bbbbbbbbbbbb'));
    await store.touch('aaaaaaaaaaaa', T0 + HOUR);
    await store.touch('aaaaaaaaaaaa', T0 + 5 * HOUR);
    expect((await store.get('aaaaaaaaaaaa'))!.lastUsedAt).toBe(T0 + 5 * HOUR);
    expect((await store.get('bbbbbbbbbbbb'))!.lastUsedAt).toBeNull();
  });

  it('knows whether an admin key is left once the others are revoked', async () => {
    const store = createKyselyApiKeyStore(database.db);
    expect(await store.hasAdmin()).toBe(false);
    await store.add(key('aaaaaaaaaaaa', { role: 'technician' }));
    expect(await store.hasAdmin()).toBe(false);
    await store.add(key('bbbbbbbbbbbb', { role: 'admin' }));
    expect(await store.hasAdmin()).toBe(true);
    await store.revoke('bbbbbbbbbbbb', T0 + HOUR);
    expect(await store.hasAdmin()).toBe(false);
  });

  it('refuses a second key with the same id rather than replacing the first', async () => {
    const store = createKyselyApiKeyStore(database.db);
    await store.add(key('aaaaaaaaaaaa', { role: 'viewer' }));
    await expect(store.add(key('aaaaaaaaaaaa', { role: 'admin' }))).rejects.toThrow();
    expect((await store.get('aaaaaaaaaaaa'))!.role).toBe('viewer');
  });
});
