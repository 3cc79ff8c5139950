import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { StoredSession } from './session-store.ts';
import { createKyselySessionStore } from './session-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const session = (hash: string, over: Partial<StoredSession> = {}): StoredSession => ({
  hash,
  user: 'li-wei',
  createdAt: T0,
  lastSeenAt: T0,
  address: '10.0.0.5',
  via: 'password',
  ...over,
});

eachDatabase('session store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('keeps a session, notes its use, and ends it', async () => {
    const store = createKyselySessionStore(database.db);
    await store.add(session('s1', { via: 'link' }));
    expect(await store.get('s1')).toEqual(session('s1', { via: 'link' }));
    await store.touch('s1', T0 + 5 * MIN);
    await store.touch('s1', T0 + 2 * MIN); // an older request finishing late does not move it back
    await store.setVia('s1', 'password');
    expect(await store.get('s1')).toMatchObject({ lastSeenAt: T0 + 5 * MIN, via: 'password' });
    expect(await store.remove('s1')).toBe(true);
    expect(await store.remove('s1')).toBe(false);
    expect(await store.get('s1')).toBeUndefined();
  });

  it("ends an account's sessions but the one it keeps, and prunes the expired ones", async () => {
    const store = createKyselySessionStore(database.db);
    await store.add(session('a'));
    await store.add(session('b'));
    await store.add(session('c', { user: 'chen-jie' }));
    expect(await store.removeOf('li-wei', 'a')).toBe(1);
    expect(await store.get('a')).toBeDefined();
    expect(await store.get('b')).toBeUndefined();
    await store.add(session('old', { createdAt: T0 - 13 * HOUR, lastSeenAt: T0 }));
    await store.add(session('idle', { lastSeenAt: T0 - 3 * HOUR }));
    expect(await store.prune(T0 - 12 * HOUR, T0 - 2 * HOUR)).toBe(2);
    expect(await store.get('c')).toBeDefined();
  });

  it('counts failures in SQL, from one again after a quiet day, and clears only the key that succeeded', async () => {
    const store = createKyselySessionStore(database.db);
    const keys = ['pair|li-wei|10.0.0.5', 'user|li-wei', 'address|10.0.0.5'];
    // Requests at once, as several instances would send them: none is lost.
    await Promise.all([1, 2, 3].map((i) => store.fail(keys, T0 + i, T0 - 24 * HOUR)));
    let counters = await store.attempts(keys);
    expect(keys.map((k) => counters.get(k)!.failures)).toEqual([3, 3, 3]);
    await store.succeed(keys[0]!, T0 + MIN);
    counters = await store.attempts(keys);
    expect(counters.get(keys[0]!)).toEqual({ failures: 0, lastFailureAt: T0 + 3, lastSuccessAt: T0 + MIN });
    expect(counters.get(keys[1]!)!.failures).toBe(3);
    // A day later the count starts again.
    await store.fail([keys[1]!], T0 + 25 * HOUR, T0 + HOUR);
    expect((await store.attempts([keys[1]!])).get(keys[1]!)!.failures).toBe(1);
    expect((await store.attempts(['never'])).size).toBe(0);
  });

  it('forgets old counters, but keeps an address that signed in lately', async () => {
    const store = createKyselySessionStore(database.db);
    await store.fail(['address|a', 'pair|li-wei|a'], T0, 0);
    await store.succeed('pair|li-wei|a', T0 + MIN);
    expect(await store.pruneAttempts(T0 + 25 * HOUR, T0 - 30 * 24 * HOUR)).toBe(1);
    expect([...(await store.attempts(['address|a', 'pair|li-wei|a'])).keys()]).toEqual(['pair|li-wei|a']);
  });
});
