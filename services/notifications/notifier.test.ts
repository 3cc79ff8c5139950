import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/database.ts';
import { createEvents } from '../shared/events.ts';
import { captureLogger } from '../testing/harness.ts';
import { createDirectory, type Person } from '../work-orders/people.ts';
import type { WorkOrder } from '../work-orders/work-order.ts';
import type { WorkOrderEvents } from '../work-orders/work-order-service.ts';
import type { AlarmEvents } from '../alarms/alarm-service.ts';
import { createNotifier, quietUntil } from './notifier.ts';
import { createKyselyOutboxStore } from './outbox-store.kysely.ts';

const TZ = 'Asia/Shanghai';
/** 23:00 in Shanghai on 1 December 2026. */
const LATE = Date.UTC(2026, 11, 1, 15, 0);

describe('quiet hours', () => {
  it('end at the next end of the window, overnight or not; outside them nothing waits', () => {
    expect(quietUntil(LATE, '22:00-07:00', TZ)).toBe(Date.UTC(2026, 11, 1, 23, 0)); // 07:00 next morning in Shanghai
    expect(quietUntil(LATE, '12:00-14:00', TZ)).toBeNull();
    expect(quietUntil(Date.UTC(2026, 11, 1, 4, 30), '12:00-14:00', TZ)).toBe(Date.UTC(2026, 11, 1, 6, 0));
    expect(quietUntil(LATE, undefined, TZ)).toBeNull();
  });
});

describe('who hears what', () => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await openDatabase(':memory:');
  });
  afterEach(() => database.close());

  const people: Person[] = [
    { id: 'li-wei', name: 'Li Wei', role: 'technician', skills: [], email: 'li@x.example', phone: '1380', quietHours: '22:00-07:00', notify: ['email'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor', skills: [], email: 'zhang@x.example', language: 'en' },
    { id: 'wang-fang', name: 'Wang Fang', role: 'manager', skills: [], email: 'wang@x.example', onDuty: [{ days: ['sat'], hours: '08:00-09:00' }] },
  ];
  const teams = [{ id: 'eng', name: 'Eng', sites: ['riverside'], members: ['li-wei'], supervisor: 'zhang-min', manager: 'wang-fang' }];

  function setup(accountLanguages: Record<string, 'en' | 'zh'> = {}) {
    const store = createKyselyOutboxStore(database.db);
    const workOrders = createEvents<WorkOrderEvents>(() => undefined);
    const alarms = createEvents<AlarmEvents>(() => undefined);
    const notifier = createNotifier({
      store,
      directory: () => createDirectory(people, teams, { auto: true, rules: [] }),
      config: { robots: [], managerAfter: '5m', managerAfterMs: 300_000, perRecipientPerMinute: 20 },
      can: { email: true, sms: true },
      webhooks: [],
      accountLanguage: (id) => accountLanguages[id],
      siteLanguage: () => 'zh',
      timeZoneOf: () => TZ,
      links: { order: (id) => `https://fms.example/orders/${id}`, alarms: () => '', report: () => '' },
      order: async () => undefined,
      log: captureLogger().log,
      now: () => LATE,
    });
    notifier.listen(workOrders, alarms);
    return { store, workOrders };
  }

  const order = (over: Partial<WorkOrder>): WorkOrder =>
    ({
      id: 'WO-2026-000007',
      priority: 'P3',
      title: 'Door closes slowly',
      site: 'riverside',
      assetId: 'rs-gate-01',
      location: null,
      assignee: 'li-wei',
      team: 'eng',
      version: 3,
      state: 'assigned',
      sla: { clocks: {} },
      ...over,
    }) as WorkOrder;

  it('holds email for a person’s quiet hours but not the console, and never holds a P1', async () => {
    const { store, workOrders } = setup();
    await workOrders.emit('changed', { event: 'assigned', order: order({}), extra: {} });
    await workOrders.emit('changed', { event: 'assigned', order: order({ id: 'WO-2026-000008', priority: 'P1' }), extra: {} });
    const rows = (await store.list({ limit: 50, offset: 0 })).items;
    const at = (id: string, channel: string) => rows.find((r) => r.subjectId === id && r.channel === channel)!.nextAttemptAt;
    expect(at('WO-2026-000007', 'inapp')).toBe(LATE);
    expect(at('WO-2026-000007', 'email')).toBe(Date.UTC(2026, 11, 1, 23, 0));
    expect(at('WO-2026-000008', 'email')).toBe(LATE);
    // SMS only for the P1 (louder), though the person chose email only.
    expect(rows.filter((r) => r.channel === 'sms').map((r) => r.subjectId)).toEqual(['WO-2026-000008']);
  });

  it('speaks each person’s language: their account’s first, then their own, then the site’s', async () => {
    const { store, workOrders } = setup({ 'li-wei': 'en' });
    await workOrders.emit('changed', { event: 'assigned', order: order({ priority: 'P2' }), extra: {} });
    const rows = (await store.list({ channel: 'email', limit: 50, offset: 0 })).items;
    const title = (who: string) => (rows.find((r) => r.recipient === `person:${who}`)!.payload as { message: { title: string } }).message.title;
    expect(title('li-wei')).toMatch(/^Work order for you/); // account: en
    expect(title('zhang-min')).toMatch(/^P2 order opened/); // person: en
  });

  it('tells an escalation to those it names, once however often it is announced', async () => {
    const { store, workOrders } = setup();
    const escalation = { level: 'breached', clock: 'resolve', recipients: [{ id: 'zhang-min' }, { id: 'wang-fang' }] };
    await workOrders.emit('changed', { event: 'escalated', order: order({}), extra: { escalation } });
    await workOrders.emit('changed', { event: 'escalated', order: order({}), extra: { escalation } });
    const rows = (await store.list({ event: 'order.escalated', limit: 50, offset: 0 })).items;
    expect(rows.map((r) => `${r.recipient} ${r.channel}`).sort()).toEqual([
      'person:wang-fang email',
      'person:wang-fang inapp',
      'person:zhang-min email',
      'person:zhang-min inapp',
    ]);
  });
});
