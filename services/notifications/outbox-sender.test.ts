import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/database.ts';
import { captureLogger } from '../testing/harness.ts';
import { createOutboxSender, type Channel } from './outbox-sender.ts';
import { createKyselyOutboxStore } from './outbox-store.kysely.ts';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);

/** The sender over a real (in-memory SQLite) outbox, with a channel whose answers the test decides. */
describe('the outbox sender', () => {
  let database: OpenedDatabase;
  const clock = { t: T0 };
  beforeEach(async () => {
    database = await openDatabase(':memory:');
    clock.t = T0;
  });
  afterEach(() => database.close());

  const setup = (channel: Channel, opts: Partial<Parameters<typeof createOutboxSender>[0]> = {}) => {
    const store = createKyselyOutboxStore(database.db);
    const sender = createOutboxSender({
      store,
      channels: { email: channel },
      log: captureLogger().log,
      now: () => clock.t,
      random: () => 0.5,
      baseDelayMs: 1000,
      ...opts,
    });
    const add = (id: string, recipient = 'li-wei', channelName = 'email') =>
      store.enqueue({ id, dedupeKey: id, channel: channelName, recipient, event: 'order.dispatched', subjectId: 'WO-1', payload: { id }, createdAt: clock.t });
    return { store, sender, add };
  };

  it('sends what is due once, and retries a failure with doubling waits until it goes through', async () => {
    const answers = [false, false, true];
    const tried: string[] = [];
    const { store, sender, add } = setup(async (e) => {
      tried.push(`${e.id}@${clock.t - T0}`);
      return answers.shift() ? { ok: true } : { ok: false, error: 'connect ECONNREFUSED', retry: true };
    });
    await add('n1');
    expect(await sender.runOnce()).toMatchObject({ sent: 0, retry: 1, dead: 0 });
    clock.t += 999;
    expect(await sender.runOnce()).toMatchObject({ sent: 0, retry: 0, dead: 0 }); // not due yet: 1 s after the first failure
    clock.t += 1;
    expect(await sender.runOnce()).toMatchObject({ sent: 0, retry: 1, dead: 0 });
    clock.t += 2000; // then 2 s
    expect(await sender.runOnce()).toMatchObject({ sent: 1, retry: 0, dead: 0 });
    clock.t += 60_000;
    expect(await sender.runOnce()).toMatchObject({ sent: 0, retry: 0, dead: 0 });
    expect(tried).toEqual(['n1@0', 'n1@1000', 'n1@3000']);
    expect((await store.list({ limit: 5, offset: 0 })).items[0]).toMatchObject({ state: 'sent', attempts: 3, sentAt: T0 + 3000 });
  });

  it('gives up when retrying cannot help, after the last attempt, and for a channel nobody configured', async () => {
    const { store, sender, add } = setup(
      async (e) => (e.id === 'bounce' ? { ok: false, error: '550 no such mailbox', retry: false } : { ok: false, error: 'timeout', retry: true }),
      {
        maxAttempts: 2,
      },
    );
    await add('bounce');
    await add('down', 'zhang-min');
    await add('robot', 'zhang-min', 'wecom');
    expect(await sender.runOnce()).toMatchObject({ sent: 0, retry: 1, dead: 2 });
    clock.t += 1000;
    expect(await sender.runOnce()).toMatchObject({ sent: 0, retry: 0, dead: 1 });
    const dead = (await store.list({ state: 'dead', limit: 5, offset: 0 })).items.map((e) => [e.id, e.lastError]);
    expect(dead).toEqual(
      expect.arrayContaining([
        ['bounce', '550 no such mailbox'],
        ['down', 'timeout'],
        ['robot', 'no channel "wecom" is configured'],
      ]),
    );
  });

  it('keeps one recipient’s deliveries in order, one at a time', async () => {
    let open = 0;
    let most = 0;
    const order: string[] = [];
    const { sender, add } = setup(async (e) => {
      open++;
      most = Math.max(most, open);
      await new Promise((r) => setTimeout(r, 5));
      order.push(e.id);
      open--;
      return { ok: true };
    });
    for (const id of ['a', 'b', 'c']) await add(id);
    expect(await sender.runOnce()).toMatchObject({ sent: 3, retry: 0, dead: 0 });
    expect(order).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
  });

  it('holds a recipient to its rate: the rest wait for the next minute with no attempt spent, other recipients go on', async () => {
    const sent: string[] = [];
    const { store, sender, add } = setup(
      async (e) => {
        sent.push(`${e.id}@${clock.t - T0}`);
        return { ok: true };
      },
      { perRecipientPerMinute: 2 },
    );
    for (const id of ['a', 'b', 'c', 'd']) await add(id);
    await add('x', 'chen-jie');
    expect(await sender.runOnce()).toMatchObject({ sent: 3, postponed: 2 });
    expect(sent.sort()).toEqual(['a@0', 'b@0', 'x@0']);
    expect(await sender.runOnce()).toMatchObject({ sent: 0, postponed: 0 }); // not yet a minute
    clock.t += 60_000;
    expect(await sender.runOnce()).toMatchObject({ sent: 2 });
    expect(sent.slice(3)).toEqual(['c@60000', 'd@60000']);
    const { items } = await store.list({ limit: 10, offset: 0, state: 'sent' });
    expect(items.find((e) => e.id === 'c')!.attempts).toBe(1); // the wait spent no attempt
  });

  it('cancels a delivery no longer needed when it falls due, and never sends it', async () => {
    const sent: string[] = [];
    const { store, sender, add } = setup(
      async (e) => {
        sent.push(e.id);
        return { ok: true };
      },
      { obsolete: async (e) => (e.id === 'manager-step' ? 'the order was acknowledged' : null) },
    );
    await add('manager-step');
    await add('other');
    expect(await sender.runOnce()).toMatchObject({ sent: 1, cancelled: 1 });
    expect(sent).toEqual(['other']);
    const { items } = await store.list({ limit: 10, offset: 0, state: 'cancelled' });
    expect(items.map((e) => [e.id, e.lastError])).toEqual([['manager-step', 'the order was acknowledged']]);
  });

  it('folds what waits for a recipient over their rate into one digest, sent when their minute has room; what is held for later keeps its time', async () => {
    const sent: { id: string; event: string; payload: unknown }[] = [];
    const { store, sender, add } = setup(
      async (e) => {
        sent.push({ id: e.id, event: e.event, payload: e.payload });
        return { ok: true };
      },
      {
        perRecipientPerMinute: 2,
        fold: (entries) => ({ payload: { ids: entries.flatMap((x) => (x.event === 'digest' ? (x.payload as { ids: string[] }).ids : [x.id])) } }),
      },
    );
    for (const id of ['a', 'b', 'c', 'd', 'e']) await add(id);
    await store.enqueue({
      id: 'later',
      dedupeKey: 'later',
      channel: 'email',
      recipient: 'li-wei',
      event: 'order.unacknowledged',
      subjectId: 'WO-1',
      payload: {},
      createdAt: clock.t,
      notBefore: clock.t + 5 * 60_000,
    });
    expect(await sender.runOnce()).toMatchObject({ sent: 2, folded: 1 });
    expect(sent.map((x) => x.id)).toEqual(['a', 'b']);
    const folded = (await store.list({ state: 'cancelled', limit: 10, offset: 0 })).items;
    expect(folded.map((x) => x.id).sort()).toEqual(['c', 'd', 'e']);
    expect(folded.every((x) => /^folded into digest /.test(x.lastError ?? ''))).toBe(true);
    // Another one in the same minute goes into the digest that waits.
    clock.t += 1000;
    await add('f');
    expect(await sender.runOnce()).toMatchObject({ folded: 1 });
    clock.t += 60_000;
    expect(await sender.runOnce()).toMatchObject({ sent: 1 });
    expect(sent[2]).toMatchObject({ event: 'digest', payload: { ids: ['c', 'd', 'e', 'f'] } });
    expect((await store.list({ state: 'pending', limit: 10, offset: 0 })).items.map((x) => x.id)).toEqual(['later']);
  });
});
