import { DateTime } from 'luxon';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPumpModel } from '../../simulators/models/pump.ts';
import type { Asset } from '../assets/asset.ts';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import { createMetrics } from '../shared/metrics.ts';
import { createSqliteTelemetryStore } from '../telemetry/telemetry-store.sqlite.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import { createTestWorkOrderService } from '../testing/work-orders.ts';
import { pmPlanSchema, type PmPlan, type PmPlanInput } from './pm-plan.ts';
import { createPmPlanService, loadPlanTemplates } from './pm-plan-service.ts';
import { dueOccurrences } from './pm-schedule.ts';
import { createPmScheduler } from './pm-scheduler.ts';
import { createKyselyPmStore } from './pm-store.kysely.ts';

const DAY = 86_400_000;
const TZ = 'Asia/Shanghai';
const T0 = DateTime.fromISO('2026-01-01T10:00', { zone: TZ }).toMillis();
const asset = (id: string, type: Asset['type'], tags: string[] = []): Asset => ({
  id,
  type,
  site: 'riverside',
  name: id,
  location: 'B1',
  criticality: 3,
  tags,
  installedAt: null,
  origin: 'config',
  createdAt: 0,
  updatedAt: 0,
  maintenance: null,
});
const noTelemetry: Pick<TelemetryStore, 'aggregate'> = { aggregate: async () => [] };
const localDate = (ms: number, zone = TZ) => DateTime.fromMillis(ms, { zone }).toISODate();

eachDatabase('preventive maintenance', (open) => {
  let database: OpenedDatabase;
  let now: number;

  beforeEach(async () => {
    database = await open();
    now = T0;
  });
  afterEach(() => database.close());

  async function setup(opts: {
    plans?: PmPlanInput[];
    parsedPlans?: PmPlan[];
    templates?: boolean;
    assets: Asset[];
    telemetry?: Pick<TelemetryStore, 'aggregate'>;
    failOpenAfter?: number;
  }) {
    const { service: workOrders, maintenance } = createTestWorkOrderService({ db: database.db, now: () => now, assets: opts.assets });
    const store = createKyselyPmStore(database.db);
    const templates = opts.templates ? loadPlanTemplates() : [];
    const plans = await createPmPlanService({
      store,
      templates,
      filePlans: [...(opts.plans ?? []).map((p) => pmPlanSchema.parse(p)), ...(opts.parsedPlans ?? [])],
      now: () => now,
    });
    let opened = 0;
    const scheduler = createPmScheduler({
      store,
      plans,
      assets: { list: () => opts.assets, get: (id) => opts.assets.find((a) => a.id === id) },
      workOrders: {
        openPlanned: async (intake, at) => {
          if (opts.failOpenAfter !== undefined && opened >= opts.failOpenAfter) throw new Error('instance stopped');
          opened++;
          return workOrders.openPlanned(intake, at);
        },
      },
      telemetry: opts.telemetry ?? noTelemetry,
      siteTimeZone: () => TZ,
      log: pino({ level: 'silent' }),
      metrics: createMetrics(),
      now: () => now,
    });
    return { scheduler, workOrders, plans, maintenance };
  }

  async function pmOrders(workOrders: Awaited<ReturnType<typeof setup>>['workOrders']) {
    return (await workOrders.list({ source: 'pm', limit: 1000, offset: 0 })).items.sort((a, b) => a.dueAt! - b.dueAt!);
  }

  it("opens a year of an elevator's statutory visits: 24, every 15 days, each with its cumulative checklist", async () => {
    const { scheduler, workOrders } = await setup({ templates: true, assets: [asset('e1', 'elevator')] });
    for (; now <= T0 + 365 * DAY; now += DAY / 4) await scheduler.tick(now);
    const orders = await pmOrders(workOrders);
    expect(orders).toHaveLength(24);
    // Due every 15 days from the day FMS began to follow the elevator (1 January).
    expect(orders.map((o) => localDate(o.dueAt!))).toEqual(
      Array.from({ length: 24 }, (_, k) =>
        DateTime.fromISO('2026-01-01', { zone: TZ })
          .plus({ days: 15 * (k + 1) })
          .toISODate(),
      ),
    );
    const tiers = orders.map((o) => /\((.*)\)$/.exec(o.title)![1]);
    expect(tiers.filter((t) => t === 'half-monthly')).toHaveLength(20);
    expect(tiers.map((t, i) => [i + 1, t]).filter(([, t]) => t !== 'half-monthly')).toEqual([
      [6, 'quarterly'],
      [12, 'half-yearly'],
      [18, 'quarterly'],
      [24, 'annual'],
    ]);
    // Cumulative: the quarterly visit has the half-monthly items and its own; the annual one has all.
    const size = (i: number) => orders[i]!.checklist.length;
    expect([size(0), size(5), size(11), size(23)]).toEqual([13, 18, 23, 30]);
    expect(orders[23]!.checklist.slice(0, 13)).toEqual(orders[0]!.checklist);
    // Opened three days ahead (leadTime), P4 preventive, dispatched, due by the end of the due day.
    expect(orders[0]).toMatchObject({
      source: 'pm',
      channel: 'schedule',
      category: 'preventive',
      priority: 'P4',
      pmPlanId: 'elevator.maintenance',
      state: 'assigned',
    });
    const opensAt = DateTime.fromISO('2026-01-13T00:00', { zone: TZ }).toMillis();
    expect(orders[0]!.createdAt - opensAt).toBeGreaterThanOrEqual(0);
    expect(orders[0]!.createdAt - opensAt).toBeLessThan(DAY / 4); // the first tick after it opens
    expect(orders[0]!.sla.clocks.resolve!.due).toBe(DateTime.fromISO('2026-01-16', { zone: TZ }).endOf('day').toMillis());
  });

  it('follows the time zone and daylight saving: a Monday 09:00 plan in New York moves with the clocks', async () => {
    const { scheduler, workOrders } = await setup({
      assets: [asset('g1', 'gate')],
      plans: [{ id: 'gate.weekly', title: 'Gate check', assetType: 'gate', trigger: { cron: '0 9 * * 1' } }],
    });
    // The scheduler's sites are in Shanghai in this suite; the same plan for a site in New York:
    const plan = pmPlanSchema.parse({ id: 'gate.weekly', title: 'Gate check', assetType: 'gate', trigger: { cron: '0 9 * * 1' } });
    const state = { trackedSince: Date.parse('2026-02-27T00:00:00Z'), last: null, generated: 0, lastDone: null, lastRepair: null };
    const due = dueOccurrences({ ...plan, catchUp: 'each' }, 'America/New_York', state, Date.parse('2026-03-20T00:00:00Z'), () => undefined);
    expect(due.map((o) => new Date(o.dueAt).toISOString())).toEqual(['2026-03-02T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-16T13:00:00.000Z']);
    expect(due.map((o) => o.key)).toEqual(['2026-03-02T09:00', '2026-03-09T09:00', '2026-03-16T09:00']);
    // In Shanghai (no DST) the same plan is 01:00 UTC every Monday.
    await scheduler.tick(Date.parse('2026-02-25T00:00:00Z'));
    now = Date.parse('2026-03-03T00:00:00Z');
    await scheduler.tick(now);
    expect((await pmOrders(workOrders)).map((o) => new Date(o.dueAt!).toISOString())).toEqual(['2026-03-02T01:00:00.000Z']);
  });

  it("opens a pump's run-hours service from its counter in the telemetry store, through a counter reset", async () => {
    const telemetry = createSqliteTelemetryStore({ file: ':memory:', log: pino({ level: 'silent' }) });
    try {
      const pump = asset('p1', 'pump');
      const { scheduler, workOrders } = await setup({
        assets: [pump],
        telemetry,
        plans: [{ id: 'pump.service-100h', title: 'Pump service', assetType: 'pump', trigger: { usage: { metric: 'run_hours', every: 100 } } }],
      });
      await scheduler.tick(now); // FMS starts following the pump now
      // A simulated pump for 20 days, a reading every 10 minutes; its controller is replaced on day 8 (counter back to 0).
      const model = createPumpModel(7, now);
      let offset = 0;
      let ran = 0;
      let last: number | undefined;
      for (let t = now + 600_000; t <= now + 20 * DAY; t += 600_000) {
        const reading = model.step(t).telemetry;
        const hours = reading.run_hours as number;
        if (t === now + 8 * DAY) offset = hours;
        ran += last === undefined ? 0 : hours - last;
        last = hours;
        telemetry.write([{ measurement: 'pump', site: 'riverside', asset: 'p1', ts: t, fields: { ...reading, run_hours: hours - offset } }]);
      }
      await telemetry.flush();
      now += 20 * DAY;
      await scheduler.tick(now);
      const orders = await pmOrders(workOrders);
      // One order per 100 run-hours actually run, the reset notwithstanding (combined into one when several are due at once).
      const expected = Math.floor(ran / 100);
      expect(expected).toBeGreaterThanOrEqual(2);
      expect(orders).toHaveLength(1);
      expect(orders[0]!.description).toMatch(new RegExp(`run_hours \\+${expected * 100}`));
      expect(orders[0]!.description).toMatch(new RegExp(`also stands for ${expected - 1} earlier occurrence`));
      await scheduler.tick(now + DAY);
      expect(await pmOrders(workOrders)).toHaveLength(1);
    } finally {
      await telemetry.close();
    }
  });

  it('catches up after downtime: one combined order, or one per missed occurrence', async () => {
    const plans = [
      { id: 'gate.combined', title: 'Combined', assetType: 'gate' as const, trigger: { every: '7d' } },
      { id: 'gate.each', title: 'Each', assetType: 'gate' as const, trigger: { every: '7d' }, catchUp: 'each' as const },
    ];
    const { scheduler, workOrders, plans: service } = await setup({ assets: [asset('g1', 'gate')], plans });
    await scheduler.tick(now);
    now += 30 * DAY; // FMS was down for a month
    await scheduler.tick(now);
    const orders = await pmOrders(workOrders);
    expect(orders.filter((o) => o.pmPlanId === 'gate.each')).toHaveLength(4);
    const combined = orders.filter((o) => o.pmPlanId === 'gate.combined');
    expect(combined).toHaveLength(1);
    expect(combined[0]!.description).toMatch(/also stands for 3 earlier occurrences not opened in time/);
    const report = await scheduler.report(service.get('gate.combined')!, now);
    expect(report.assets[0]!.history.map((h) => h.status)).toEqual(['overdue', 'missed', 'missed', 'missed']);
  });

  it('opens each occurrence once across a restart in the middle of generation', async () => {
    const assets = [asset('e1', 'elevator'), asset('e2', 'elevator'), asset('e3', 'elevator')];
    const plan = { ...loadPlanTemplates().find((p) => p.id === 'elevator.maintenance')!, catchUp: 'each' as const };
    const crashing = await setup({ parsedPlans: [plan], assets, failOpenAfter: 4 });
    await crashing.scheduler.tick(now); // FMS begins to follow the elevators
    now += 100 * DAY; // six visits per elevator are due: one order each
    await crashing.scheduler.tick(now); // claims occurrences, opens four orders, then "stops"
    expect(await pmOrders(crashing.workOrders)).toHaveLength(4);
    const restarted = await setup({ parsedPlans: [plan], assets });
    await restarted.scheduler.tick(now);
    await restarted.scheduler.tick(now);
    const orders = await pmOrders(restarted.workOrders);
    expect(orders).toHaveLength(18);
    expect(new Set(orders.map((o) => o.pmKey)).size).toBe(18);
    expect((await database.db.selectFrom('pm_occurrences').select('key').where('work_order_id', 'is', null).execute()).length).toBe(0);
  });

  it('creates nothing twice when the clock is set back and comes forward again', async () => {
    const { scheduler, workOrders } = await setup({
      assets: [asset('g1', 'gate')],
      plans: [{ id: 'gate.weekly', title: 'Weekly', assetType: 'gate', trigger: { every: '7d' }, catchUp: 'each' }],
    });
    await scheduler.tick(now);
    const later = now + 22 * DAY;
    await scheduler.tick(later);
    expect(await pmOrders(workOrders)).toHaveLength(3);
    await scheduler.tick(later - 10 * DAY); // an NTP correction, a wrong manual setting
    await scheduler.tick(later);
    await scheduler.tick(later + DAY / 2);
    const orders = await pmOrders(workOrders);
    expect(orders.map((o) => localDate(o.dueAt!))).toEqual(['2026-01-08', '2026-01-15', '2026-01-22']);
  });

  it('reports compliance: on time, late, within 10 % of the interval, and the next due', async () => {
    const { scheduler, workOrders, plans } = await setup({
      assets: [asset('g1', 'gate')],
      plans: [{ id: 'gate.monthly', title: 'Gate monthly', assetType: 'gate', trigger: { every: '30d' } }],
    });
    const finish = async (id: string, assignee: string) => {
      await workOrders.act(id, { action: 'start', by: assignee });
      await workOrders.act(id, { action: 'resolve', by: assignee, note: 'done' });
    };
    await scheduler.tick(now);
    now += 30 * DAY;
    await scheduler.tick(now);
    let [order] = await pmOrders(workOrders);
    await finish(order!.id, order!.assignee!); // on the due day: on time
    now += 30 * DAY;
    await scheduler.tick(now);
    order = (await pmOrders(workOrders))[1]!;
    now += 5 * DAY;
    await finish(order.id, order.assignee!); // five days late: late, but within 10 % of 30 days? no (3 days)
    const report = await scheduler.report(plans.get('gate.monthly')!, now);
    const g1 = report.assets[0]!;
    expect(g1.history.map((h) => [h.status, h.withinTolerance])).toEqual([
      ['late', false],
      ['on_time', true],
    ]);
    expect(g1.compliance).toEqual({ due: 2, onTime: 1, onTimePct: 50, withinTolerancePct: 50 });
    expect(localDate(g1.nextDue!.dueAt)).toBe('2026-04-01');
    expect(g1.lastDone).toBe(now);
  });

  it('restarts a floating plan from the last completion, or from a corrective repair when configured', async () => {
    const { scheduler, workOrders } = await setup({
      assets: [asset('p1', 'pump')],
      plans: [{ id: 'pump.floating', title: 'Floating service', assetType: 'pump', trigger: { every: '30d' }, schedule: 'floating', resetOnRepair: true }],
    });
    await scheduler.tick(now);
    now += 20 * DAY;
    const repair = await workOrders.open({
      source: 'inspection',
      channel: 'inspection',
      category: 'repair',
      title: 'Seal replaced',
      assetId: 'p1',
      by: 'li-wei',
    });
    await workOrders.act(repair.id, { action: 'start', by: repair.assignee! });
    await workOrders.act(repair.id, { action: 'resolve', by: repair.assignee!, note: 'new seal' });
    now += 15 * DAY; // 35 days after start, 15 after the repair: nothing yet
    await scheduler.tick(now);
    expect(await pmOrders(workOrders)).toHaveLength(0);
    now += 16 * DAY;
    await scheduler.tick(now);
    const [order] = await pmOrders(workOrders);
    expect(localDate(order!.dueAt!)).toBe(
      DateTime.fromMillis(T0 + 20 * DAY, { zone: TZ })
        .plus({ days: 30 })
        .toISODate(),
    );
  });

  it('puts the asset in maintenance mode while a PM visit is in progress', async () => {
    const { scheduler, workOrders, maintenance } = await setup({
      assets: [asset('g1', 'gate')],
      plans: [{ id: 'gate.weekly', title: 'Weekly', assetType: 'gate', trigger: { every: '7d' } }],
    });
    await scheduler.tick(now);
    now += 7 * DAY;
    await scheduler.tick(now);
    const [order] = await pmOrders(workOrders);
    await workOrders.act(order!.id, { action: 'start', by: order!.assignee! });
    expect(maintenance.get('g1')).toMatchObject({ by: order!.id });
  });
});

describe('PM plan format', () => {
  it('explains what is wrong with a plan', () => {
    const issues = (input: unknown) => pmPlanSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ id: 'x', title: 'x', assetType: 'pump', trigger: { every: 'fortnightly' } })).toEqual([
      'trigger.every: expected an interval such as 15d, 2w, 1mo, 3mo, 6mo or 1y',
    ]);
    expect(issues({ id: 'x', title: 'x', assetType: 'pump', trigger: { usage: { metric: 'flow_m3h', every: 10 } } })).toEqual([
      'trigger.usage.metric: "flow_m3h" is not a pump counter (expected one of run_hours, starts)',
    ]);
    expect(
      issues({
        id: 'x',
        title: 'x',
        assetType: 'elevator',
        trigger: { every: '15d' },
        tiers: [
          { name: 'a', every: 1 },
          { name: 'b', every: 4 },
          { name: 'c', every: 6 },
        ],
      }),
    ).toEqual(['tiers.2.every: expected a multiple of the tier below (4) and larger']);
  });

  it('ships templates for every device type that parse', () => {
    const ids = loadPlanTemplates().map((p) => p.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'elevator.maintenance',
        'pump.daily-round',
        'pump.quarterly-service',
        'pump.cabinet-cleaning',
        'pump.tank-cleaning',
        'pump.run-hours-service',
        'gate.maintenance',
        'gate.passages-service',
      ]),
    );
  });
});
