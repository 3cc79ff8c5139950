import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { NewOutboxEntry } from './outbox-store.ts';
import { createKyselyOutboxStore } from './outbox-store.kysely.ts';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const MIN = 60_000;

const entry = (id: string, over: Partial<NewOutboxEntry> = {}): NewOutboxEntry => ({
  id,
  dedupeKey: `order.dispatched|WO-1|li-wei|email|${id}`,
  channel: 'email',
  recipient: 'li-wei',
  event: 'order.dispatched',
  subjectId: 'WO-1',
  payload: { subject: 'WO-1 is yours', to: 'li.wei@example.com' },
  createdAt: T0,
  ...over,
});

eachDatabase('outbox store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('keeps one row per delivery however often it is enqueued', async () => {
    const store = createKyselyOutboxStore(database.db);
    expect(await store.enqueue(entry('n1', { dedupeKey: 'same' }))).toBe(true);
    expect(await store.enqueue(entry('n2', { dedupeKey: 'same' }))).toBe(false);
    const { items, total } = await store.list({ limit: 10, offset: 0 });
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({ id: 'n1', state: 'pending', attempts: 0, nextAttemptAt: T0, payload: { subject: 'WO-1 is yours' } });
  });

  it('leases what is due to one sender, takes it again when the lease lapses, and never sends what was sent', async () => {
    const store = createKyselyOutboxStore(database.db);
    await store.enqueue(entry('a'));
    await store.enqueue(entry('b', { createdAt: T0 + 10 * MIN }));
    // At T0 only a is due; a second sender at the same moment finds nothing left to take.
    expect((await store.claim(T0, T0 + MIN, 10)).map((e) => [e.id, e.attempts])).toEqual([['a', 1]]);
    expect(await store.claim(T0, T0 + MIN, 10)).toEqual([]);
    // The sender died with a leased: once its lease lapses another takes it (its second attempt).
    expect((await store.claim(T0 + 2 * MIN, T0 + 3 * MIN, 10)).map((e) => [e.id, e.attempts])).toEqual([['a', 2]]);
    await store.markSent('a', T0 + 2 * MIN);
    expect(await store.claim(T0 + 5 * MIN, T0 + 6 * MIN, 10)).toEqual([]);
    expect(await store.counts()).toEqual({ pending: 1, sending: 0, sent: 1, dead: 0, cancelled: 0 });
  });

  it('tries a failed delivery again when it is due, and gives up when told', async () => {
    const store = createKyselyOutboxStore(database.db);
    await store.enqueue(entry('c'));
    await store.claim(T0, T0 + MIN, 10);
    await store.markFailed('c', 'connect ECONNREFUSED 127.0.0.1:2525', T0 + 5 * MIN);
    expect(await store.claim(T0 + 4 * MIN, T0 + 5 * MIN, 10)).toEqual([]);
    const again = await store.claim(T0 + 5 * MIN, T0 + 6 * MIN, 10);
    expect(again.map((e) => [e.id, e.attempts, e.lastError])).toEqual([['c', 2, 'connect ECONNREFUSED 127.0.0.1:2525']]);
    await store.markFailed('c', '550 no such user', null);
    expect((await store.list({ state: 'dead', limit: 10, offset: 0 })).items.map((e) => e.id)).toEqual(['c']);
    expect(await store.claim(T0 + 60 * MIN, T0 + 61 * MIN, 10)).toEqual([]);
  });

  it('waits until a delivery is due, postpones without spending an attempt, and cancels what is no longer needed', async () => {
    const store = createKyselyOutboxStore(database.db);
    await store.enqueue(entry('later', { notBefore: T0 + 5 * MIN }));
    expect(await store.claim(T0, T0 + MIN, 10)).toEqual([]);
    const [taken] = await store.claim(T0 + 5 * MIN, T0 + 6 * MIN, 10);
    expect(taken!.attempts).toBe(1);
    await store.postpone('later', T0 + 7 * MIN);
    expect(await store.claim(T0 + 6 * MIN, T0 + 7 * MIN, 10)).toEqual([]);
    const [again] = await store.claim(T0 + 7 * MIN, T0 + 8 * MIN, 10);
    expect(again!.attempts).toBe(1);
    await store.cancel('later', 'the order was acknowledged', T0 + 7 * MIN);
    expect((await store.list({ state: 'cancelled', limit: 10, offset: 0 })).items[0]).toMatchObject({ id: 'later', lastError: 'the order was acknowledged' });
  });

  it('counts a person’s unseen in-app notifications until they look', async () => {
    const store = createKyselyOutboxStore(database.db);
    for (const id of ['i1', 'i2']) {
      await store.enqueue(entry(id, { channel: 'inapp', recipient: 'person:li-wei' }));
      await store.claim(T0, T0 + MIN, 10);
      await store.markSent(id, T0);
    }
    await store.enqueue(entry('e1', { recipient: 'person:li-wei' }));
    expect(await store.unread('person:li-wei')).toBe(2);
    expect(await store.markRead('person:li-wei', T0 + MIN)).toBe(2);
    expect(await store.unread('person:li-wei')).toBe(0);
    expect((await store.list({ recipient: 'person:li-wei', channel: 'inapp', limit: 10, offset: 0 })).items[0]!.readAt).toBe(T0 + MIN);
  });
});
