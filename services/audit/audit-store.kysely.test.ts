import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { AuditRecord } from './audit-store.ts';
import { createKyselyAuditStore } from './audit-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

const rec = (at: number, action: string, over: Partial<AuditRecord> = {}): Omit<AuditRecord, 'id'> => ({
  at,
  action,
  outcome: 'ok',
  actor: 'system',
  actorName: null,
  actorRole: null,
  address: null,
  target: null,
  detail: null,
  count: 1,
  ...over,
});

eachDatabase('audit store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('lists records newest first, and those of the same moment in the order they were appended', async () => {
    const store = createKyselyAuditStore(database.db);
    await store.append(rec(T0, 'api.login'));
    await store.append(rec(T0 + 1000, 'key.issued'));
    await store.append(rec(T0 + 1000, 'key.revoked'));
    await store.append(rec(T0 + 1000, 'access.denied', { outcome: 'denied' }));
    const { items, total } = await store.list({ limit: 10, offset: 0 });
    expect(total).toBe(4);
    expect(items.map((r) => r.action)).toEqual(['access.denied', 'key.revoked', 'key.issued', 'api.login']);
    expect(new Set(items.map((r) => r.id)).size).toBe(4);
  });

  it('keeps every field of a record, and the count of a coalesced flood', async () => {
    const store = createKyselyAuditStore(database.db);
    const flood = rec(T0, 'api.login', {
      outcome: 'failed',
      actor: 'anonymous',
      actorName: 'nobody',
      actorRole: 'viewer',
      address: '203.0.113.9',
      target: 'GET /api/assets',
      detail: 'API key refused: unknown key',
      count: 499,
    });
    await store.append(flood);
    expect((await store.list({ limit: 10, offset: 0 })).items).toEqual([{ ...flood, id: expect.any(Number) }]);
  });

  it('filters by time, action or action prefix, actor and outcome, counting all matches while paging', async () => {
    const store = createKyselyAuditStore(database.db);
    await store.append(rec(T0, 'work_order.verified', { actor: 'key:aaaaaaaaaaaa' }));
    await store.append(rec(T0 + 1, 'workXorder.other'));
    await store.append(rec(T0 + 2, 'work_order.closed', { actor: 'key:aaaaaaaaaaaa' }));
    await store.append(rec(T0 + 3, 'key.issued', { actor: 'key:bbbbbbbbbbbb' }));
    await store.append(rec(T0 + 4, 'access.denied', { actor: 'key:bbbbbbbbbbbb', outcome: 'denied' }));
    await store.append(rec(T0 + 5, '100%.done'));
    const actions = async (q: Parameters<typeof store.list>[0]) => (await store.list(q)).items.map((r) => r.action);

    // `_` and `%` in a prefix are letters, not wildcards.
    expect(await actions({ action: 'work_order.', limit: 10, offset: 0 })).toEqual(['work_order.closed', 'work_order.verified']);
    expect(await actions({ action: '100%.', limit: 10, offset: 0 })).toEqual(['100%.done']);
    expect(await actions({ action: 'key.issued', limit: 10, offset: 0 })).toEqual(['key.issued']);
    // Without the final dot an action is matched whole, never as a prefix.
    expect(await actions({ action: 'key', limit: 10, offset: 0 })).toEqual([]);
    expect(await actions({ actor: 'key:bbbbbbbbbbbb', limit: 10, offset: 0 })).toEqual(['access.denied', 'key.issued']);
    expect(await actions({ outcome: 'denied', limit: 10, offset: 0 })).toEqual(['access.denied']);
    // From inclusive, to exclusive.
    expect(await actions({ from: T0 + 1, to: T0 + 3, limit: 10, offset: 0 })).toEqual(['work_order.closed', 'workXorder.other']);
    const page = await store.list({ actor: 'key:aaaaaaaaaaaa', limit: 1, offset: 1 });
    expect([page.total, page.items.map((r) => r.action)]).toEqual([2, ['work_order.verified']]);
  });

  it('prunes the records older than the retention and keeps the rest', async () => {
    const store = createKyselyAuditStore(database.db);
    for (let i = 0; i < 10; i++) await store.append(rec(T0 + i * 1000, 'rule.updated', { target: `rule r${i}` }));
    expect(await store.prune(T0 + 5000)).toBe(5);
    expect((await store.list({ limit: 100, offset: 0 })).items.map((r) => r.target)).toEqual(['rule r9', 'rule r8', 'rule r7', 'rule r6', 'rule r5']);
    expect(await store.prune(T0 + 5000)).toBe(0);
  });
});
