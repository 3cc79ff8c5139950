import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { StoredAccount } from './account-store.ts';
import { createKyselyAccountStore } from './account-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const MIN = 60_000;

const account = (user: string, over: Partial<StoredAccount> = {}): StoredAccount => ({
  user,
  name: `Person ${user}`,
  role: 'technician',
  personId: user,
  phone: null,
  sites: null,
  language: null,
  createdAt: T0,
  disabledAt: null,
  passwordSetAt: T0,
  lastSignInAt: null,
  passwordHash: 'scrypt$N=32768,r=8,p=3$c2FsdA==$aGFzaA==',
  ...over,
});

eachDatabase('account store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('gives back an account as it was created, found by user name or phone; lists it without its hash', async () => {
    const store = createKyselyAccountStore(database.db);
    const chen = account('chen-jie', { phone: '+8613900000001', sites: ['riverside'], language: 'zh' });
    await store.add(chen);
    expect(await store.get('chen-jie')).toEqual(chen);
    expect(await store.byPhone('+8613900000001')).toEqual(chen);
    expect(await store.get('li-wei')).toBeUndefined();
    const [listed] = await store.list();
    expect(listed).not.toHaveProperty('passwordHash');
    expect(listed).toMatchObject({ user: 'chen-jie', sites: ['riverside'], language: 'zh' });
  });

  it('refuses a second account with the same user name, phone or person', async () => {
    const store = createKyselyAccountStore(database.db);
    await store.add(account('chen-jie', { phone: '+8613900000001' }));
    await expect(store.add(account('chen-jie', { personId: 'other' }))).rejects.toThrow();
    await expect(store.add(account('cj2', { personId: 'other', phone: '+8613900000001' }))).rejects.toThrow();
    await expect(store.add(account('cj3', { personId: 'chen-jie' }))).rejects.toThrow();
    // Admins without a person, and people without a phone, are many.
    await store.add(account('admin', { personId: null, role: 'admin' }));
    await store.add(account('root', { personId: null, role: 'admin' }));
    expect((await store.list()).map((a) => a.user)).toEqual(['admin', 'chen-jie', 'root']);
  });

  it('disables, enables, sets and clears the password', async () => {
    const store = createKyselyAccountStore(database.db);
    await store.add(account('li-wei'));
    expect(await store.setDisabled('li-wei', T0 + MIN)).toBe(true);
    expect((await store.get('li-wei'))!.disabledAt).toBe(T0 + MIN);
    await store.setDisabled('li-wei', null);
    expect((await store.get('li-wei'))!.disabledAt).toBeNull();
    await store.setPassword('li-wei', null, T0 + 2 * MIN);
    expect(await store.get('li-wei')).toMatchObject({ passwordHash: null, passwordSetAt: null });
    await store.setPassword('li-wei', 'scrypt$new', T0 + 3 * MIN);
    expect(await store.get('li-wei')).toMatchObject({ passwordHash: 'scrypt$new', passwordSetAt: T0 + 3 * MIN });
    expect(await store.setDisabled('ghost', T0)).toBe(false);
  });

  it('lets a sign-in link work once, before it expires, and only the newest of an account', async () => {
    const store = createKyselyAccountStore(database.db);
    await store.add(account('li-wei'));
    await store.addLink({ hash: 'h1', user: 'li-wei', purpose: 'first', createdAt: T0, expiresAt: T0 + 15 * MIN });
    await store.addLink({ hash: 'h2', user: 'li-wei', purpose: 'reset', createdAt: T0 + MIN, expiresAt: T0 + 16 * MIN });
    expect(await store.useLink('h1', T0 + 2 * MIN)).toBeUndefined(); // replaced by h2
    expect(await store.useLink('h2', T0 + 2 * MIN)).toBe('li-wei');
    expect(await store.useLink('h2', T0 + 3 * MIN)).toBeUndefined(); // used
    await store.addLink({ hash: 'h3', user: 'li-wei', purpose: 'reset', createdAt: T0, expiresAt: T0 + 15 * MIN });
    expect(await store.useLink('h3', T0 + 15 * MIN)).toBeUndefined(); // expired
    expect(await store.useLink('nothing', T0)).toBeUndefined();
    expect(await store.pruneLinks(T0 + 20 * MIN)).toBe(2);
  });

  it('uses a link only once when two requests use it at the same time', async () => {
    const store = createKyselyAccountStore(database.db);
    await store.add(account('li-wei'));
    await store.addLink({ hash: 'h1', user: 'li-wei', purpose: 'first', createdAt: T0, expiresAt: T0 + 15 * MIN });
    const used = await Promise.all([1, 2, 3, 4].map(() => store.useLink('h1', T0 + MIN)));
    expect(used.filter(Boolean)).toEqual(['li-wei']);
  });
});
