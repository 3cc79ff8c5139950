import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import { createRuleEngine, type RuleTarget } from '../rules/rule-engine.ts';
import { loadDefaultRules } from '../rules/rule-loader.ts';
import { ruleSchema } from '../rules/rule-schema.ts';
import { createMetrics } from '../shared/metrics.ts';
import { createTestWorkOrderService, workOrderEstate } from '../testing/work-orders.ts';
import type { AlarmPoint } from '../telemetry/telemetry-store.ts';
import { createAlarmService } from './alarm-service.ts';
import { createKyselyAlarmStore } from './alarm-store.kysely.ts';
import { announceAlarms } from './alarm-announcer.ts';
import { feedBackToRules } from './rule-feedback.ts';
import { linkAlarmsToOrders } from '../work-orders/alarm-link.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const elevator: RuleTarget = { id: 'e1', type: 'elevator', site: 'riverside', tags: [] };
const pump: RuleTarget = { id: 'p1', type: 'pump', site: 'riverside', tags: [] };

eachDatabase('alarms and the work orders they open', (open) => {
  let database: OpenedDatabase;
  let published: { topic: string; payload: unknown }[];
  let alarmPoints: AlarmPoint[];
  let now: number;

  let maintenanceUntil = 0;
  async function setup() {
    const log = pino({ level: 'silent' });
    const metrics = createMetrics();
    const bus = { publish: async (topic: string, payload: string) => void published.push({ topic, payload: JSON.parse(payload) }) };
    const store = createKyselyAlarmStore(database.db);
    const engine = createRuleEngine(loadDefaultRules());
    const ruleById = (id: string) => engine.rules().find((r) => r.id === id);
    const { service: workOrders } = createTestWorkOrderService({
      db: database.db,
      now: () => now,
      metrics,
      published: published as never,
      estate: { ...workOrderEstate, dispatch: { auto: false } },
      faultAlarms: (assetId, fault, since) => store.ofFault(assetId, fault, since),
      ruleById,
    });
    const alarms = createAlarmService({
      store,
      log,
      metrics,
      now: () => now,
      maintenance: { inMaintenance: (_asset, at) => at < maintenanceUntil },
    });
    announceAlarms(alarms, { telemetry: { writeAlarm: (a) => void alarmPoints.push(a) }, bus, log });
    linkAlarmsToOrders({ alarms, workOrders, ruleById, metrics, now: () => now, log });
    feedBackToRules(alarms, engine);
    return { alarms, workOrders, engine, metrics };
  }

  beforeEach(async () => {
    database = await open();
    published = [];
    alarmPoints = [];
    now = T0;
    maintenanceUntil = 0;
  });
  afterEach(() => database.close());

  it('an entrapment opens one P1 work order with a readable id, linked to its alarm', async () => {
    const { alarms, workOrders, engine } = await setup();
    alarms.handle(engine.onEvent(elevator, T0, 'entrapment'), T0);
    await alarms.drain();
    const { items } = await workOrders.list({ limit: 10, offset: 0 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: 'WO-2026-000001',
      priority: 'P1',
      source: 'alarm',
      channel: 'sensor',
      state: 'new',
      assetId: 'e1',
      ruleId: 'elevator.entrapment',
      occurrences: 1,
    });
    const { items: alarmList } = await alarms.list({ limit: 10, offset: 0 });
    expect(alarmList[0]).toMatchObject({ state: 'active', severity: 'critical', workOrderId: 'WO-2026-000001' });
  });

  it('a second fault on the same elevator attaches to the open work order instead of opening another', async () => {
    const { alarms, workOrders, engine } = await setup();
    alarms.handle(engine.onEvent(elevator, T0, 'entrapment'), T0);
    alarms.handle(engine.onEvent(elevator, T0 + 5000, 'entrapment'), T0 + 5000);
    await alarms.drain();
    const { items, total } = await workOrders.list({ limit: 10, offset: 0 });
    expect(total).toBe(1);
    expect(items[0]!.occurrences).toBe(2);
    const detail = await workOrders.get(items[0]!.id);
    expect(detail!.history.map((h) => h.type)).toEqual(['opened', 'occurrence']);
  });

  it('a fault that comes back after its alarm cleared attaches to the order still open', async () => {
    const { alarms, workOrders, engine } = await setup();
    alarms.handle(engine.onEvent(elevator, T0, 'entrapment'), T0);
    await alarms.drain();
    alarms.handle(engine.tick(T0 + 31 * 60_000), T0 + 31 * 60_000);
    await alarms.drain();
    expect((await alarms.list({ state: ['cleared'], limit: 10, offset: 0 })).total).toBe(1);
    alarms.handle(engine.onEvent(elevator, T0 + 40 * 60_000, 'entrapment'), T0 + 40 * 60_000);
    await alarms.drain();
    expect((await alarms.list({ limit: 10, offset: 0 })).total).toBe(2);
    const { items, total } = await workOrders.list({ limit: 10, offset: 0 });
    expect(total).toBe(1);
    expect(items[0]!.occurrences).toBe(2);
  });

  it('a burst of the same fault from many places at once still opens exactly one order', async () => {
    const { alarms, workOrders, engine } = await setup();
    for (let i = 0; i < 50; i++) alarms.handle(engine.onEvent(elevator, T0 + i, 'entrapment'), T0 + i);
    await alarms.drain();
    const { items, total } = await workOrders.list({ limit: 10, offset: 0 });
    expect(total).toBe(1);
    expect(items[0]!.occurrences).toBe(50);
  });

  it('different assets and different rules get their own orders', async () => {
    const { alarms, workOrders, engine } = await setup();
    alarms.handle(engine.onEvent(elevator, T0, 'entrapment'), T0);
    alarms.handle(engine.onEvent({ ...elevator, id: 'e2' }, T0, 'entrapment'), T0);
    alarms.handle(engine.onEvent(elevator, T0, 'alarm_button'), T0);
    await alarms.drain();
    const { items } = await workOrders.list({ limit: 10, offset: 0 });
    expect(items.map((o) => o.id).sort()).toEqual(['WO-2026-000001', 'WO-2026-000002', 'WO-2026-000003']);
  });

  it('an alarm without a work-order block raises an alarm only', async () => {
    const { alarms, workOrders, engine } = await setup();
    alarms.handle(engine.onEvent(elevator, T0, 'door_fault'), T0);
    await alarms.drain();
    expect((await alarms.list({ limit: 10, offset: 0 })).total).toBe(1);
    expect((await workOrders.list({ limit: 10, offset: 0 })).total).toBe(0);
  });

  it('publishes alarm and work-order changes for integrations and records alarms for Grafana', async () => {
    const { alarms, engine } = await setup();
    alarms.handle(engine.onEvent(elevator, T0, 'entrapment'), T0);
    await alarms.drain();
    expect(published.map((p) => p.topic)).toEqual(['fms/riverside/alarms/e1', 'fms/riverside/work-orders/WO-2026-000001']);
    expect(published[0]!.payload).toMatchObject({ change: 'raised', alarm: { ruleId: 'elevator.entrapment' } });
    expect(alarmPoints).toEqual([{ site: 'riverside', asset: 'e1', rule: 'elevator.entrapment', severity: 'critical', ts: T0, state: 'active', value: null }]);
  });

  it('clears a threshold alarm and keeps its work order open for the technician', async () => {
    const { alarms, workOrders, engine } = await setup();
    for (let i = 0; i <= 6; i++) alarms.handle(engine.onReading(pump, T0 + i * 10_000, { vibration_mms: 8 }), T0);
    for (let i = 0; i <= 31; i++) alarms.handle(engine.onReading(pump, T0 + 70_000 + i * 10_000, { vibration_mms: 3 }), T0);
    await alarms.drain();
    const [alarm] = (await alarms.list({ limit: 1, offset: 0 })).items;
    expect(alarm).toMatchObject({ state: 'cleared', ruleId: 'pump.vibration-critical', value: 8, clearedAt: T0 + 70_000 + 300_000 });
    expect((await workOrders.list({ state: ['new'], limit: 10, offset: 0 })).total).toBe(1);
  });

  it('after a restart, open alarms are restored and not raised again', async () => {
    const first = await setup();
    first.alarms.handle(first.engine.onEvent(elevator, T0, 'entrapment'), T0);
    await first.alarms.drain();
    const second = await setup();
    expect(await second.alarms.restore(second.engine)).toBe(1);
    second.alarms.handle(second.engine.onEvent(elevator, T0 + 1000, 'entrapment'), T0 + 1000);
    await second.alarms.drain();
    const { items, total } = await second.alarms.list({ limit: 10, offset: 0 });
    expect(total).toBe(1);
    expect(items[0]!.occurrences).toBe(2);
  });

  it('keeps every transition of every alarm of an asset, oldest first', async () => {
    const { alarms, engine } = await setup();
    alarms.handle(engine.onEvent(elevator, T0, 'entrapment'), T0);
    alarms.handle(engine.onEvent(elevator, T0 + 1000, 'entrapment'), T0 + 1000);
    await alarms.drain();
    now = T0 + 2000;
    await alarms.acknowledge(1, 'li.wei', 'on my way');
    alarms.handle(engine.tick(T0 + 31 * 60_000), T0 + 31 * 60_000);
    await alarms.drain();
    const history = await alarms.history({ assetId: 'e1', limit: 100 });
    expect(history.map((h) => [h.type, h.from, h.to, h.actor])).toEqual([
      ['raised', null, 'active', 'system'],
      ['repeat', 'active', 'active', 'system'],
      ['acknowledged', 'active', 'acknowledged', 'li.wei'],
      ['cleared', 'acknowledged', 'cleared', 'system'],
    ]);
    expect(await alarms.history({ assetId: 'p1', limit: 100 })).toEqual([]);
  });

  it('holds a flapping alarm as one alarm and clears it once the condition has stayed away', async () => {
    const { alarms, workOrders } = await setup();
    const hot = ruleSchema.parse({
      id: 'pump.hot',
      assetType: 'pump',
      metric: 'motor_temp_c',
      when: { op: '>=', value: 90 },
      severity: 'major',
      workOrder: { priority: 'P3', title: 'Pump hot' },
    });
    const engine = createRuleEngine([hot]);
    // Hovering around the limit: 90, 89, 90, 89… every minute for 10 minutes.
    for (let i = 0; i < 10; i++) alarms.handle(engine.onReading(pump, T0 + i * 60_000, { motor_temp_c: i % 2 === 0 ? 90 : 89 }), T0 + i * 60_000);
    await alarms.drain();
    // Three short alarms, then the fourth raise within 30 minutes makes it flapping: from then on it
    // stays one alarm, whatever the value does, and the work order counts every raise.
    const { items, total } = await alarms.list({ limit: 10, offset: 0 });
    expect(total).toBe(4);
    expect(items.map((a) => a.state)).toEqual(['active', 'cleared', 'cleared', 'cleared']);
    expect(items[0]).toMatchObject({ flapping: true, occurrences: 2, clearPendingSince: T0 + 9 * 60_000 });
    expect((await workOrders.list({ limit: 10, offset: 0 })).items).toMatchObject([{ occurrences: 5 }]);
    expect(published.filter((p) => p.topic.includes('/alarms/')).map((p) => (p.payload as { change: string }).change)).toEqual([
      'raised',
      'cleared',
      'raised',
      'cleared',
      'raised',
      'cleared',
      'raised',
      'flapping',
    ]);

    await alarms.tick(T0 + 9 * 60_000 + 29 * 60_000, [hot]);
    expect((await alarms.list({ state: ['active'], limit: 10, offset: 0 })).total).toBe(1);
    await alarms.tick(T0 + 9 * 60_000 + 30 * 60_000, [hot]);
    await alarms.drain();
    expect((await alarms.list({ state: ['cleared'], limit: 10, offset: 0 })).items[0]).toMatchObject({ flapping: true, clearedAt: T0 + 39 * 60_000 });
    expect((await alarms.history({ alarmId: items[0]!.id, limit: 100 })).map((h) => h.type)).toEqual(['raised', 'flapping', 'repeat', 'cleared']);
  });

  it('holds back non-safety alarms while a technician is on site, never safety ones, and raises them after', async () => {
    const { alarms, engine, metrics } = await setup();
    maintenanceUntil = T0 + 30 * 60_000;
    alarms.handle(engine.onEvent(elevator, T0, 'door_fault'), T0);
    alarms.handle(engine.onEvent(elevator, T0, 'entrapment'), T0);
    await alarms.drain();
    expect((await alarms.list({ limit: 10, offset: 0 })).items.map((a) => a.ruleId)).toEqual(['elevator.entrapment']);
    expect(await metrics.registry.getSingleMetricAsString('fms_alarms_suppressed_total')).toMatch(/rule="elevator.door-fault"} 1/);
    now = T0 + 31 * 60_000; // the technician has left
    alarms.handle(engine.onEvent(elevator, now, 'door_fault'), now);
    await alarms.drain();
    expect((await alarms.list({ limit: 10, offset: 0 })).items.map((a) => a.ruleId).sort()).toEqual(['elevator.door-fault', 'elevator.entrapment']);
  });

  it('escalates the warning in place when the critical rule of the same failure mode fires, and clears when both have', async () => {
    const { alarms, workOrders, engine } = await setup();
    const series = [...Array(31).fill(5), ...Array(8).fill(8), ...Array(31).fill(5), ...Array(31).fill(3)];
    series.forEach((v, i) => alarms.handle(engine.onReading(pump, T0 + i * 10_000, { vibration_mms: v }), T0 + i * 10_000));
    await alarms.drain();
    const { items, total } = await alarms.list({ limit: 10, offset: 0 });
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({
      fault: 'pump.vibration',
      ruleId: 'pump.vibration-critical',
      severity: 'critical',
      state: 'cleared',
      clearedAt: T0 + 1000_000,
    });
    expect((await alarms.history({ alarmId: items[0]!.id, limit: 10 })).map((h) => [h.type, h.at])).toEqual([
      ['raised', T0 + 300_000],
      ['escalated', T0 + 370_000],
      ['cleared', T0 + 1000_000],
    ]);
    expect((await workOrders.list({ limit: 10, offset: 0 })).items).toMatchObject([{ ruleId: 'pump.vibration-critical', priority: 'P2', occurrences: 1 }]);
    expect(published.filter((p) => p.topic.includes('/alarms/')).map((p) => (p.payload as { change: string }).change)).toEqual([
      'raised',
      'escalated',
      'cleared',
    ]);
  });

  it('records who acknowledged an alarm', async () => {
    const { alarms, engine } = await setup();
    alarms.handle(engine.onEvent(elevator, T0, 'entrapment'), T0);
    await alarms.drain();
    now = T0 + 60_000;
    const acked = await alarms.acknowledge(1, 'li.wei', 'on my way');
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'li.wei', ackNote: 'on my way', acknowledgedAt: T0 + 60_000 });
  });

  describe('an alarm follows its work order', () => {
    async function entrapmentOrder() {
      const ctx = await setup();
      ctx.alarms.handle(ctx.engine.onEvent(elevator, T0, 'entrapment'), T0);
      await ctx.alarms.drain();
      const order = (await ctx.workOrders.list({ limit: 1, offset: 0 })).items[0]!;
      await ctx.workOrders.act(order.id, { action: 'assign', by: 'zhang-min', assignee: 'li-wei' });
      return { ...ctx, order };
    }

    it("acknowledging the order acknowledges its alarm, in the technician's name", async () => {
      const { alarms, workOrders, order } = await entrapmentOrder();
      now += 60_000;
      await workOrders.act(order.id, { action: 'acknowledge', by: 'li-wei', note: 'on my way' });
      expect(await alarms.get(1)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'li-wei', acknowledgedAt: T0 + 60_000 });
      expect((await alarms.history({ alarmId: 1, limit: 10 })).map((e) => [e.type, e.actor, e.note])).toContainEqual([
        'acknowledged',
        'li-wei',
        `acknowledged with work order ${order.id}`,
      ]);
    });

    it('a verified entrapment order resolves its alarm, and the next entrapment raises a new one on the same order', async () => {
      const { alarms, workOrders, engine, order } = await entrapmentOrder();
      await workOrders.act(order.id, { action: 'start', by: 'li-wei' });
      now += 5 * 60_000;
      await workOrders.act(order.id, { action: 'resolve', by: 'li-wei', note: 'passenger released, door operator reset' });
      now += 31 * 60_000;
      await workOrders.sweep(); // the sensors agree: no new entrapment for the verification window
      await workOrders.act(order.id, { action: 'verify', by: 'zhang-min', check: 'qc', note: 'second inspection passed' });
      await alarms.drain();
      expect((await workOrders.get(order.id))!.order.state).toBe('verified');
      // The passenger is out: the critical alarm does not stay red for another half hour.
      expect(await alarms.get(1)).toMatchObject({ state: 'cleared', clearedAt: now });
      expect((await alarms.history({ alarmId: 1, limit: 10 })).at(-1)).toMatchObject({
        type: 'cleared',
        actor: 'zhang-min',
        note: `resolved: work order ${order.id} verified`,
      });
      expect((await alarms.list({ state: ['active', 'acknowledged'], limit: 10, offset: 0 })).total).toBe(0);
      expect(published.filter((p) => p.topic.includes('/alarms/')).map((p) => (p.payload as { change: string }).change)).toEqual(['raised', 'cleared']);

      now += 60_000;
      alarms.handle(engine.onEvent(elevator, now, 'entrapment'), now);
      await alarms.drain();
      expect(await alarms.get(2)).toMatchObject({ state: 'active', workOrderId: order.id });
      expect((await workOrders.get(order.id))!.order).toMatchObject({ state: 'in_progress', reworkCount: 1 });
    });

    it('a cancelled order acknowledges its condition alarm, which clears only when its condition does', async () => {
      const { alarms, workOrders, engine } = await setup();
      const hot = (at: number, v: number) => engine.onReading(pump, at, { vibration_mms: v });
      alarms.handle(hot(T0, 8), T0);
      alarms.handle(hot(T0 + 61_000, 8), T0 + 61_000);
      await alarms.drain();
      const order = (await workOrders.list({ limit: 1, offset: 0 })).items[0]!;
      expect(order).toMatchObject({ source: 'alarm', priority: 'P2' });
      await workOrders.act(order.id, { action: 'cancel', by: 'zhang-min', note: 'sensor mounted loose, fixed by the round' });
      const alarm = (await alarms.list({ limit: 1, offset: 0 })).items[0]!;
      expect(alarm).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'zhang-min', ackNote: `work order ${order.id} cancelled` });
    });
  });
});
