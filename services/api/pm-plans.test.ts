import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { DateTime } from 'luxon';
import { startTestFms, waitFor } from '../testing/harness.ts';

// A weekly gate check last done six days ago: its next visit is due tomorrow and opens at start (lead time 2 days).
const sixDaysAgo = DateTime.now().setZone('Asia/Shanghai').minus({ days: 6 }).toISODate()!;

describe('PM plans over HTTP', () => {
  let fms: Fms;
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    fms.api.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });

  beforeAll(async () => {
    fms = await startTestFms({
      sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai' }],
      assets: [
        { id: 'rs-elevator-01', type: 'elevator', site: 'riverside' },
        { id: 'rs-gate-01', type: 'gate', site: 'riverside' },
      ],
      pmPlans: [{ id: 'gate.weekly', title: 'Gate weekly check', assetType: 'gate', trigger: { every: '7d' }, start: sixDaysAgo, leadTime: '2d' }],
    });
  });
  afterAll(() => fms?.stop());

  it('lists the shipped templates and the estate file plans', async () => {
    const { items } = (await inject('GET', '/api/pm-plans')).json();
    expect(items.find((p: any) => p.id === 'elevator.maintenance')).toMatchObject({ origin: 'template', tiers: expect.any(Array) });
    expect(items.find((p: any) => p.id === 'gate.weekly')).toMatchObject({ origin: 'config' });
  });

  it('shows a plan with the next due, the last done and compliance per asset', async () => {
    const res = (await inject('GET', '/api/pm-plans/elevator.maintenance')).json();
    expect(res.assets).toEqual([
      expect.objectContaining({
        assetId: 'rs-elevator-01',
        lastDone: null,
        nextDue: expect.objectContaining({ tier: 'half-monthly', dueAt: expect.any(Number) }),
        compliance: { due: 0, onTime: 0, onTimePct: null, withinTolerancePct: null },
        history: [],
      }),
    ]);
    const days = (res.assets[0].nextDue.dueAt - res.assets[0].trackedSince) / 86_400_000;
    expect(days).toBeGreaterThan(14);
    expect(days).toBeLessThanOrEqual(16);
  });

  it('narrows a plan to one site or one asset when asked', async () => {
    const of = async (query: string) => (await inject('GET', `/api/pm-plans/elevator.maintenance?${query}`)).json().assets.map((a: any) => a.assetId);
    expect(await of('assetId=rs-elevator-01')).toEqual(['rs-elevator-01']);
    expect(await of('assetId=rs-gate-01')).toEqual([]);
    expect(await of('site=riverside')).toEqual(['rs-elevator-01']);
    expect(await of('site=harbour')).toEqual([]);
  });

  it('creates, replaces and deletes plans, with clear errors', async () => {
    const bad = await inject('POST', '/api/pm-plans', {
      id: 'pump.x',
      title: 'x',
      assetType: 'pump',
      trigger: { usage: { metric: 'vibration_mms', every: 5 } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'FMS_ERR_PM_PLAN_INVALID',
      message: expect.stringMatching(/trigger\.usage\.metric: "vibration_mms" is not a pump counter/),
    });
    const plan = { id: 'gate.passages-50k', title: 'Gate service', assetType: 'gate', trigger: { usage: { metric: 'passages', every: 50000 } } };
    expect((await inject('POST', '/api/pm-plans', plan)).statusCode).toBe(201);
    expect((await inject('POST', '/api/pm-plans', plan)).json().error.code).toBe('FMS_ERR_PM_PLAN_EXISTS');
    const replaced = await inject('PUT', '/api/pm-plans/elevator.maintenance', { title: 'Lift maintenance', assetType: 'elevator', trigger: { every: '14d' } });
    expect(replaced.json()).toMatchObject({ id: 'elevator.maintenance', origin: 'api', title: 'Lift maintenance' });
    expect((await inject('DELETE', '/api/pm-plans/gate.passages-50k')).statusCode).toBe(204);
    expect((await inject('GET', '/api/pm-plans/gate.passages-50k')).json().error.code).toBe('FMS_ERR_PM_PLAN_NOT_FOUND');
  });

  it('opens the PM order of an occurrence that falls due, once', async () => {
    const orders = async () => (await inject('GET', '/api/work-orders?source=pm')).json();
    const opened = await waitFor(async () => (await orders()).items[0], 5000, 'the PM order');
    const tomorrow = DateTime.now().setZone('Asia/Shanghai').plus({ days: 1 }).toISODate();
    expect(opened).toMatchObject({
      pmPlanId: 'gate.weekly',
      pmKey: `gate.weekly/rs-gate-01/${tomorrow}`,
      channel: 'schedule',
      priority: 'P4',
      title: 'Gate weekly check',
    });
    const report = (await inject('GET', '/api/pm-plans/gate.weekly')).json();
    expect(report.assets[0].history).toEqual([expect.objectContaining({ key: tomorrow, workOrderId: opened.id, status: 'open' })]);
    expect(report.assets[0].nextDue.key).toBe(DateTime.now().setZone('Asia/Shanghai').plus({ days: 8 }).toISODate());
    expect((await orders()).total).toBe(1);
  });
});
