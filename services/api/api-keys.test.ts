import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/database.ts';
import { createKyselyApiKeyStore } from './api-key-store.kysely.ts';
import { createApiKeys } from './api-keys.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const DAY = 86_400_000;
const ADMIN = 'bootstrap-admin-key-0123456789abcdef';

describe('API keys', () => {
  let database: OpenedDatabase;
  let now: number;
  beforeEach(async () => {
    database = await openDatabase(':memory:');
    now = T0;
  });
  afterEach(() => database.close());
  const keys = () => createApiKeys(createKyselyApiKeyStore(database.db), () => now, ADMIN);

  it('signs in with the token shown once, and with nothing else', async () => {
    const k = keys();
    const { key, token } = await k.issue({ name: 'Li Wei', role: 'technician', personId: 'li-wei', sites: ['riverside', 'riverside', 'harbour'] });
    expect(token).toMatch(/^fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    expect(key).toMatchObject({ personId: 'li-wei', sites: ['riverside', 'harbour'], createdAt: T0, revokedAt: null });
    expect(await k.verify(token)).toEqual({ key });
    // The same id with another secret, a key never issued, and something else altogether.
    expect(await k.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toEqual({ refused: 'unknown key' });
    expect(await k.verify(`fms_000000000000_${'A'.repeat(32)}`)).toEqual({ refused: 'unknown key' });
    expect(await k.verify('password')).toEqual({ refused: 'not an FMS API key' });
    // Only its hash is stored.
    expect(JSON.stringify(await database.db.selectFrom('api_keys').selectAll().execute())).not.toContain(token.slice('fms_0123456789ab_'.length));
  });

  it('refuses a revoked key from then on, telling the listeners once', async () => {
    const k = keys();
    const told: string[] = [];
    k.onRevoked((id) => told.push(id));
    const { key, token } = await k.issue({ name: 'SCADA bridge', role: 'integration' });
    expect(await k.revoke(key.id)).toBe(true);
    expect(await k.revoke(key.id)).toBe(false);
    expect(told).toEqual([key.id]);
    expect(await k.verify(token)).toEqual({ refused: 'the key was revoked' });
    expect((await k.list())[0]!.revokedAt).toBe(T0);
  });

  it('refuses a key from the moment it expires', async () => {
    const k = keys();
    const { token } = await k.issue({ name: 'contractor', role: 'viewer', expiresAt: T0 + 30 * DAY });
    now = T0 + 30 * DAY - 1;
    expect(await k.verify(token)).toHaveProperty('key');
    now = T0 + 30 * DAY;
    expect(await k.verify(token)).toEqual({ refused: 'the key has expired' });
  });

  it('shows when a key was last used; the bootstrap key is never stored', async () => {
    const k = keys();
    const { key } = await k.issue({ name: 'Li Wei', role: 'technician' });
    await k.touch(key.id, T0 + DAY);
    await k.touch('bootstrap', T0 + DAY);
    expect((await k.list()).map((x) => [x.id, x.lastUsedAt])).toEqual([[key.id, T0 + DAY]]);
    expect(await k.verify(ADMIN)).toMatchObject({ key: { id: 'bootstrap', role: 'admin' } });
  });

  it('knows whether an admin key exists besides the bootstrap one', async () => {
    const k = keys();
    expect(await k.hasAdmin()).toBe(false);
    const { key } = await k.issue({ name: 'Ops admin', role: 'admin' });
    expect(await k.hasAdmin()).toBe(true);
    await k.revoke(key.id);
    expect(await k.hasAdmin()).toBe(false);
  });
});
