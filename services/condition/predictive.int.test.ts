import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importHistory, simulatedHistory } from '../../simulators/history.ts';
import type { Fms } from '../runtime/fms.ts';
import { startTestFms } from '../testing/harness.ts';

const D = 86_400_000;

/**
 * Predictions that act, through a running FMS: a month of condition readings imported over the API
 * (late data, stored and rolled up), the asset's health on GET /api/assets/{id}/health, and the
 * predictive work order the condition check opens — once, attached to an open repair when there is
 * one, and not again after a person cancelled it.
 */
describe('predictive maintenance through the API', () => {
  let fms: Fms;
  const now = Date.now();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fms.httpUrl}/api${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** 30 days of a pump's vibration and motor temperature, its bearing wearing from 12 days ago when `wearing`. */
  const history = (id: string, wearing: boolean) =>
    simulatedHistory(
      { id, type: 'pump', site: 'riverside' },
      {
        seed: 2026,
        from: now - 30 * D,
        to: now - 60_000,
        stepMs: 10 * 60_000,
        metrics: ['vibration_mms', 'motor_temp_c'],
        faults: wearing ? [{ fault: 'bearing_wear', since: now - 12 * D, rampMs: 24 * D }] : [],
      },
    );

  beforeAll(async () => {
    fms = await startTestFms({
      sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai' }],
      assets: [
        { id: 'rs-pump-01', type: 'pump', site: 'riverside', name: 'Booster pump 1', location: 'Tower A plant room', criticality: 4 },
        { id: 'rs-pump-02', type: 'pump', site: 'riverside', name: 'Booster pump 2', location: 'Tower B plant room', criticality: 4 },
        { id: 'rs-pump-03', type: 'pump', site: 'riverside', name: 'Booster pump 3', location: 'Tower C plant room', criticality: 4 },
      ],
      people: [
        { id: 'li-wei', name: 'Li Wei', skills: ['pump'] },
        { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
      ],
      teams: [{ id: 'eng', name: 'Engineering', sites: ['riverside'], members: ['li-wei'], supervisor: 'zhang-min' }],
    });
    expect(await importHistory(fms.httpUrl, 'rs-pump-01', history('rs-pump-01', true))).toBe(4320);
    await importHistory(fms.httpUrl, 'rs-pump-02', history('rs-pump-02', false));
    await importHistory(fms.httpUrl, 'rs-pump-03', history('rs-pump-03', true));
  }, 60_000);
  afterAll(() => fms?.stop());

  it('shows imported history as hourly figures, like any reading', async () => {
    const { body } = await api('GET', `/assets/rs-pump-01/telemetry?metric=vibration_mms&from=${now - 30 * D}&to=${now}&every=1d&fn=max`);
    expect(body.buckets.filter((b: any) => b.value !== null)).toHaveLength(30);
    // The last days' maxima are the worn bearing's: well above the first days'.
    expect(body.buckets.at(-1).value).toBeGreaterThan(body.buckets[0].value + 1.5);
  });

  it('tells the health of a wearing pump: its level, its onset, and when it likely reaches the limit, as a range', async () => {
    const { status, body } = await api('GET', '/assets/rs-pump-01/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ assetId: 'rs-pump-01', name: 'Booster pump 1', action: 'schedule_repair', reason: 'crossing_soon', maxRisk: 500 });
    const vibration = body.indicators.find((x: any) => x.metric === 'vibration_mms');
    const a = vibration.assessment;
    expect(a.state).toBe('degrading');
    expect(a.level).toBeGreaterThan(3.5);
    expect(a.level).toBeLessThan(4.5);
    expect(a.onset).toBeGreaterThan(now - 14 * D);
    expect(a.crossing.coverage).toBe(0.8);
    expect(a.crossing.low).toBeLessThan(a.crossing.likely);
    expect(a.crossing.likely).toBeLessThan(a.crossing.high);
    // The simulated bearing reaches 7.1 mm/s about 19 days after its wear began: about a week from now.
    // A repair due at the interval's start comes before it, and the likely crossing is days away, not
    // hours or months. Whether the true time falls inside the interval is not asserted on this one
    // history: an 80 % interval misses one time in five (here: depending on the hour the test runs,
    // measured 15 of 78), so coverage is measured over many report times on real run-to-failure
    // recordings (services/prediction/evaluate).
    const real = now + 6.8 * D;
    expect(a.crossing.low).toBeLessThan(real);
    expect(a.crossing.likely).toBeGreaterThan(now + 2 * D);
    expect(a.crossing.likely).toBeLessThan(now + 10 * D);
    const healthy = (await api('GET', '/assets/rs-pump-02/health')).body;
    expect(healthy).toMatchObject({ action: 'none', score: 100 });
    expect(healthy.indicators[0].assessment.crossing).toBeNull();
  });

  it('opens one predictive order per asset and failure mode, due before the earliest likely crossing, with its evidence', async () => {
    // Pump 3 has a repair open already (a technician's inspection found noise): the prediction joins it.
    const inspection = await api('POST', '/work-orders', {
      source: 'inspection',
      channel: 'inspection',
      category: 'repair',
      title: 'Bearing noise on pump 3',
      assetId: 'rs-pump-03',
      by: 'li-wei',
    });
    expect(inspection.status).toBe(201);

    expect(await fms.conditionWatch.check()).toEqual({ assessed: 3, opened: 1, attached: 1 });
    const { body } = await api('GET', '/work-orders?source=predictive');
    expect(body.items).toHaveLength(1);
    const order = body.items[0];
    const health = (await api('GET', '/assets/rs-pump-01/health')).body;
    const crossing = health.indicators.find((x: any) => x.metric === 'vibration_mms').assessment.crossing;
    expect(order).toMatchObject({ assetId: 'rs-pump-01', source: 'predictive', category: 'repair', priority: 'P3', faultKey: 'rs-pump-01/pump.vibration' });
    expect(order.title).toMatch(/^Predicted: Booster pump 1 vibration reaches 7.1 mm\/s in about \d+ days$/);
    expect(order.description).toMatch(/Vibration runs at \d\.\d\d mm\/s \(its healthy level 2\.\d\d mm\/s\); the limit is 7.1 mm\/s/);
    expect(order.description).toMatch(/between .+ and .+ with 80 % confidence/);
    expect(Math.abs(order.dueAt - crossing.low)).toBeLessThan(3_600_000);
    // Dispatched like any order, and checked by the sensors after the repair.
    expect(order.assignee).toBe('li-wei');
    expect(order.acceptance.required).toContain('sensor');
    const detail = (await api('GET', `/work-orders/${order.id}`)).body;
    expect(detail.history[0].data).toMatchObject({ source: 'predictive', failureMode: 'pump.vibration', metric: 'vibration_mms', limit: 7.1 });

    // Pump 3's open inspection carries the prediction instead of a second order.
    const joined = (await api('GET', `/work-orders/${inspection.body.id}`)).body;
    expect(joined.history.find((e: any) => e.action === 'predict')).toMatchObject({ actor: 'system', data: { failureMode: 'pump.vibration' } });

    // The next hour's check changes nothing.
    expect(await fms.conditionWatch.check()).toEqual({ assessed: 3, opened: 0, attached: 0 });
    expect((await api('GET', '/work-orders?source=predictive')).body.items).toHaveLength(1);
    expect((await api('GET', `/work-orders/${inspection.body.id}`)).body.history.filter((e: any) => e.action === 'predict')).toHaveLength(1);
  });

  it('does not open the order again once a supervisor cancelled it', async () => {
    const order = (await api('GET', '/work-orders?source=predictive')).body.items[0];
    const cancelled = await api('POST', `/work-orders/${order.id}/actions`, {
      action: 'cancel',
      by: 'zhang-min',
      note: 'bearing replaced last week, sensor re-mounted',
    });
    expect(cancelled.status).toBe(200);
    expect(await fms.conditionWatch.check()).toMatchObject({ opened: 0 });
    expect((await api('GET', '/work-orders?source=predictive&state=new,assigned,acknowledged,in_progress')).body.items).toHaveLength(0);
  });

  it('refuses an import with a bad reading as a whole, saying which and why, and stores nothing', async () => {
    const before = (await api('GET', `/assets/rs-pump-02/telemetry?metric=vibration_mms&from=${now - 40 * D}&to=${now - 35 * D}&every=1d&fn=count`)).body;
    const bad = await api('POST', '/assets/rs-pump-02/telemetry', {
      readings: [{ ts: now - 36 * D, vibration_mms: 2.1 }, { ts: now - 36 * D + 600_000, vibration_mms: 'loud' }, { vibration_mms: 2.2 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /2 of 3 readings refused, nothing stored: readings\[1\]: .*vibration_mms.*; readings\[2\]: expected an object with its ts/,
    );
    const after = (await api('GET', `/assets/rs-pump-02/telemetry?metric=vibration_mms&from=${now - 40 * D}&to=${now - 35 * D}&every=1d&fn=count`)).body;
    expect(after.buckets).toEqual(before.buckets);
    expect((await api('POST', '/assets/rs-pump-02/telemetry', { readings: [] })).status).toBe(400);
    expect((await api('POST', '/assets/nope/telemetry', { readings: [{ ts: now, vibration_mms: 1 }] })).status).toBe(404);
  });
});
