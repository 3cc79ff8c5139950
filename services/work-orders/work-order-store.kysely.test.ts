import { afterEach, beforeEach, expect, it } from 'vitest';
import { isUniqueViolation, type OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import { newOrder, type WorkOrderDraft } from './work-order.ts';
import { createKyselyWorkOrderStore } from './work-order-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const fault = (assetId: string, ruleId = 'pump.vibration-critical'): WorkOrderDraft =>
  newOrder(
    {
      source: 'alarm',
      channel: 'sensor',
      category: 'repair',
      priority: 'P2',
      title: 'Pump vibration critical',
      description: '',
      assetId,
      assetType: 'pump',
      site: 'riverside',
      location: null,
      requester: null,
      ruleId,
      alarmId: 1,
      faultKey: `${assetId}/${ruleId}`,
      parentId: null,
      pmPlanId: null,
      pmKey: null,
      dueAt: null,
      checklist: [{ step: 'Check the bearing temperature', type: 'measurement', unit: '°C', max: 80 }],
      createdAt: T0,
    },
    { calendar: 'always', clocks: {}, pausedSince: null },
    { required: ['sensor'], passed: [], sensorWindowMs: 1_800_000, sensorCheckAt: null },
  );
const ev = { at: T0, actor: 'system', note: null, data: {} };
/** A quota no test here reaches. */
const roomy = { count: 1000, totalBytes: 1e12 };

eachDatabase('work-order store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('numbers orders per year: WO-2026-000001, then WO-2027-000001', async () => {
    const store = createKyselyWorkOrderStore(database.db);
    const first = (await store.openOrAttach({ ...fault('p1'), createdAt: T0 }, 2026, ev)).order;
    expect(first.id).toBe('WO-2026-000001');
    expect((await store.get(first.id))!.order.checklist).toEqual([{ step: 'Check the bearing temperature', type: 'measurement', unit: '°C', max: 80 }]);
    expect((await store.openOrAttach({ ...fault('p2'), createdAt: T0 }, 2026, ev)).order.id).toBe('WO-2026-000002');
    expect((await store.openOrAttach({ ...fault('p3'), createdAt: T0 }, 2027, ev)).order.id).toBe('WO-2027-000001');
  });

  it('concurrent calls for one fault open one order and count every occurrence', async () => {
    const store = createKyselyWorkOrderStore(database.db);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.openOrAttach({ ...fault('p1'), createdAt: T0 }, 2026, ev)));
    expect(results.filter((r) => r.opened)).toHaveLength(1);
    const { items } = await store.list({ limit: 10, offset: 0 });
    expect(items).toHaveLength(1);
    expect(items[0]!.occurrences).toBe(20);
  });

  it('the database refuses a second open order for the same fault', async () => {
    const store = createKyselyWorkOrderStore(database.db);
    await store.openOrAttach({ ...fault('p1'), createdAt: T0 }, 2026, ev);
    const row = {
      checklist: '[]',
      process: '{}',
      id: 'WO-2026-999999',
      seq: 999999,
      source: 'alarm',
      channel: 'sensor',
      category: 'repair',
      priority: 'P2',
      title: 't',
      description: '',
      asset_id: 'p1',
      site: 'riverside',
      rule_id: 'pump.vibration-critical',
      fault_key: 'p1/pump.vibration-critical',
      alarm_id: null,
      state: 'new',
      occurrences: 1,
      created_at: T0,
      updated_at: T0,
      version: 1,
    };
    await expect(database.db.insertInto('work_orders').values(row).execute()).rejects.toSatisfy(isUniqueViolation);
  });

  it('filters by state, asset, priority and source, newest first, with a total for paging', async () => {
    const store = createKyselyWorkOrderStore(database.db);
    for (let i = 0; i < 5; i++) await store.openOrAttach({ ...fault(`p${i}`), createdAt: T0 + i }, 2026, ev);
    await store.openOrAttach({ ...{ ...fault('e1', 'elevator.entrapment'), priority: 'P1' }, createdAt: T0 + 10 }, 2026, ev);
    const page = await store.list({ priority: 'P2', limit: 2, offset: 1 });
    expect(page.total).toBe(5);
    expect(page.items.map((o) => o.assetId)).toEqual(['p3', 'p2']);
    expect((await store.list({ assetId: 'e1', limit: 10, offset: 0 })).items[0]!.priority).toBe('P1');
    expect((await store.list({ state: ['closed'], limit: 10, offset: 0 })).total).toBe(0);
    expect(await store.countOpen()).toEqual(
      expect.arrayContaining([
        { site: 'riverside', priority: 'P1', breached: false, n: 1 },
        { site: 'riverside', priority: 'P2', breached: false, n: 5 },
      ]),
    );
  });

  it('stores a change only over the version it was read at (optimistic concurrency)', async () => {
    const store = createKyselyWorkOrderStore(database.db);
    const { order } = await store.openOrAttach(fault('p1'), 2026, ev);
    const first = await store.update({ ...order, state: 'assigned', assignee: 'li-wei' }, [
      { at: T0, type: 'assignment', from: 'new', to: 'assigned', actor: 'zhang-min', note: null, data: {} },
    ]);
    expect(first?.version).toBe(2);
    const stale = await store.update({ ...order, state: 'cancelled' }, [
      { at: T0, type: 'transition', from: 'new', to: 'cancelled', actor: 'wang-fang', note: 'dup', data: {} },
    ]);
    expect(stale).toBeUndefined();
    const stored = (await store.get(order.id))!;
    expect(stored.order).toMatchObject({ state: 'assigned', assignee: 'li-wei', version: 2 });
    expect(stored.history.map((e) => e.type)).toEqual(['opened', 'assignment']);
  });

  it('records an attachment once, with one history event, when the same file is sent twice at once', async () => {
    const store = createKyselyWorkOrderStore(database.db);
    const { order } = await store.openOrAttach(fault('p1'), 2026, ev);
    const sha256 = 'ab'.repeat(32);
    const attachment = {
      id: 'a1b2c3d4e5f60718',
      workOrderId: order.id,
      filename: 'valve.png',
      contentType: 'image/png',
      size: 108,
      sha256,
      by: 'li-wei',
      at: T0,
    };
    const event = { at: T0, type: 'attachment' as const, action: 'attach', from: order.state, to: order.state, actor: 'li-wei', note: null, data: { sha256 } };
    const added = await Promise.all([1, 2, 3].map(() => store.addAttachment({ ...attachment, path: `${order.id}/${sha256}.png` }, event, roomy)));
    expect(added.map((a) => a.outcome).sort()).toEqual(['added', 'exists', 'exists']);
    expect(await store.addAttachment({ ...attachment, filename: 'again.png', path: `${order.id}/${sha256}.png` }, event, roomy)).toEqual({ outcome: 'exists' });
    const stored = (await store.get(order.id))!;
    expect(stored.attachments).toEqual([attachment]);
    expect(stored.history.map((e) => e.type)).toEqual(['opened', 'attachment']);
    expect(await store.getAttachment(order.id, attachment.id)).toEqual({ ...attachment, path: `${order.id}/${sha256}.png` });
  });

  it('holds an order to its attachment quota, in count and in bytes, however many arrive at once', async () => {
    const store = createKyselyWorkOrderStore(database.db);
    const { order } = await store.openOrAttach(fault('p1'), 2026, ev);
    const file = (i: number, size: number) => {
      const sha256 = i.toString(16).padStart(64, '0');
      const attachment = { id: sha256.slice(-16), workOrderId: order.id, filename: `${i}.png`, contentType: 'image/png', size, sha256, by: 'li-wei', at: T0 };
      const event = {
        at: T0,
        type: 'attachment' as const,
        action: 'attach',
        from: order.state,
        to: order.state,
        actor: 'li-wei',
        note: null,
        data: { sha256 },
      };
      return [{ ...attachment, path: `${order.id}/${sha256}.png` }, event] as const;
    };
    const quota = { count: 3, totalBytes: 1000 };
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => store.addAttachment(...file(i + 1, 100), quota)));
    expect(outcomes.filter((o) => o.outcome === 'added')).toHaveLength(3);
    expect(outcomes.filter((o) => o.outcome === 'full')).toHaveLength(7);
    expect(await store.addAttachment(...file(99, 100), quota)).toEqual({ outcome: 'full', count: 3, bytes: 300 });
    // Bytes: 300 held, 701 more would be 1001.
    expect(await store.addAttachment(...file(98, 701), { count: 10, totalBytes: 1000 })).toEqual({ outcome: 'full', count: 3, bytes: 300 });
    expect(await store.addAttachment(...file(98, 700), { count: 10, totalBytes: 1000 })).toEqual({ outcome: 'added' });
    const stored = (await store.get(order.id))!;
    expect(stored.attachments).toHaveLength(4);
    expect(stored.history.filter((e) => e.type === 'attachment')).toHaveLength(4);
  });

  it('finds what is due by wake time, and the open load per technician, of every site or of some', async () => {
    const store = createKyselyWorkOrderStore(database.db);
    const a = (await store.openOrAttach({ ...fault('p1'), wakeAt: T0 + 1000 }, 2026, ev)).order;
    await store.openOrAttach({ ...fault('p2'), wakeAt: T0 + 5000 }, 2026, ev);
    await store.update({ ...a, state: 'assigned', assignee: 'li-wei' }, []);
    expect((await store.due(T0 + 2000, 10)).map((o) => o.assetId)).toEqual(['p1']);
    expect(await store.openLoad()).toEqual(new Map([['li-wei', 1]]));
    // On some sites only (a key limited to them sees the load there).
    expect(await store.openLoad(undefined, ['riverside'])).toEqual(new Map([['li-wei', 1]]));
    expect(await store.openLoad(undefined, ['lakeview'])).toEqual(new Map());
  });
});
