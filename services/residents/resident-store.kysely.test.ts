import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { ResidentRequest } from './resident-store.ts';
import { createKyselyResidentStore } from './resident-store.kysely.ts';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const DAY = 86_400_000;

const request = (tokenHash: string, over: Partial<ResidentRequest> = {}): ResidentRequest => ({
  tokenHash,
  workOrderId: 'WO-2026-000001',
  site: 'riverside',
  name: 'Mrs Zhou',
  phone: '13800000000',
  email: null,
  language: 'zh',
  createdAt: T0,
  expiresAt: null,
  ...over,
});

eachDatabase('resident store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('finds a request by its token hash and keeps it until 30 days after its order closed', async () => {
    const store = createKyselyResidentStore(database.db);
    await store.add(request('h1'));
    await store.add(request('h2', { workOrderId: 'WO-2026-000002', email: 'zhou@example.com', phone: null, language: 'en' }));
    expect(await store.byToken('h1')).toEqual(request('h1'));
    expect(await store.byToken('nope')).toBeUndefined();
    expect((await store.byOrder('WO-2026-000002')).map((r) => r.tokenHash)).toEqual(['h2']);
    // The order closed: its link works 30 more days, then the request (and the contact) is forgotten.
    await store.setExpiry('WO-2026-000001', T0 + 30 * DAY);
    expect((await store.byToken('h1'))?.expiresAt).toBe(T0 + 30 * DAY);
    expect(await store.purge(T0 + 29 * DAY)).toBe(0);
    expect(await store.purge(T0 + 31 * DAY)).toBe(1);
    expect(await store.byToken('h1')).toBeUndefined();
    // An open order's request is never purged.
    expect(await store.byToken('h2')).toMatchObject({ email: 'zhou@example.com', language: 'en', expiresAt: null });
  });

  it('reopening an order takes the expiry away again', async () => {
    const store = createKyselyResidentStore(database.db);
    await store.add(request('h1'));
    await store.setExpiry('WO-2026-000001', T0 + DAY);
    await store.setExpiry('WO-2026-000001', null);
    expect(await store.purge(T0 + 2 * DAY)).toBe(0);
  });

  it('counts the tries of a code, replaces it with a fresh one, and forgets it once used or out of time', async () => {
    const store = createKyselyResidentStore(database.db);
    await store.putCode('c1', { codeHash: 'x', tries: 0, expiresAt: T0 + 600_000 });
    expect(await store.addTry('c1')).toBe(1);
    expect(await store.addTry('c1')).toBe(2);
    await store.putCode('c1', { codeHash: 'y', tries: 0, expiresAt: T0 + 900_000 });
    expect(await store.getCode('c1')).toEqual({ codeHash: 'y', tries: 0, expiresAt: T0 + 900_000 });
    await store.dropCode('c1');
    expect(await store.getCode('c1')).toBeUndefined();
    await store.putCode('c2', { codeHash: 'z', tries: 0, expiresAt: T0 });
    await store.purge(T0 + 1);
    expect(await store.getCode('c2')).toBeUndefined();
  });

  it('makes the form key once and gives every caller the same one', async () => {
    const store = createKyselyResidentStore(database.db);
    const first = await store.formSecret(() => 'secret-a');
    const second = await store.formSecret(() => 'secret-b');
    expect([first, second]).toEqual(['secret-a', 'secret-a']);
  });
});
