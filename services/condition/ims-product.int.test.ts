import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importHistory } from '../../simulators/history.ts';
import { DATASETS, EVERY_HOURS } from '../prediction/evaluate/cli.ts';
import { loadImsTest } from '../prediction/evaluate/ims-data.ts';
import { prepareTest, replayTest } from '../prediction/evaluate/ims-replay.ts';
import { DEFAULT_PRIOR } from '../prediction/fleet-prior.ts';
import type { Fms } from '../runtime/fms.ts';
import { startTestFms } from '../testing/harness.ts';

const H = 3_600_000;

/**
 * The real bearing that failed (IMS test 3, bearing 3, outer race), replayed through a running FMS as a
 * pump's vibration: its readings imported over the API into the embedded store, assessed by the
 * condition service from the store's hourly figures. At the report time from which the evaluation
 * (`npm run evaluate`, default prior: what a new install has) flags it for good, FMS says the same —
 * the same recommendation and the same crossing — and the condition check opens its predictive order.
 */
describe('the IMS bearing that failed, through the product', () => {
  let fms: Fms;
  const test = prepareTest(loadImsTest(DATASETS, 'test3'));
  const bearing = test.bearings.find((b) => b.bearing === 3)!;
  const channel = bearing.channels[0]!;
  const replay = replayTest({ ...test, bearings: [bearing] }, { everyHours: EVERY_HOURS, prior: DEFAULT_PRIOR })[0]!;
  const flagged = (r: (typeof replay.reports)[number]) => r.recommendation === 'schedule_repair' || r.recommendation === 'repair_now';
  // The first report time from which the failing bearing stays flagged to its end.
  const first = replay.reports.findIndex((_, i) => replay.reports.slice(i).every(flagged));
  const report = replay.reports[first]!;
  // The replay's report time becomes the current hour: readings keep their place within their hours.
  const shift = Math.floor(Date.now() / H) * H - report.at;

  beforeAll(async () => {
    fms = await startTestFms({
      sites: [{ id: 'rig', timeZone: 'UTC' }],
      assets: [{ id: 'ims-3-3', type: 'pump', site: 'rig', name: 'IMS test 3, bearing 3', location: 'test rig', criticality: 4 }],
    });
    const readings = channel.readings.filter((r) => r.t < report.at).map((r) => ({ ts: r.t + shift, vibration_mms: r.v }));
    await importHistory(fms.httpUrl, 'ims-3-3', readings);
  }, 60_000);
  afterAll(() => fms?.stop());

  it('is flagged more than a day before its end of life, as the evaluation measured', () => {
    expect((test.end - report.at) / H).toBeGreaterThanOrEqual(24);
  });

  it('says what the evaluation says, from the store’s own hourly figures', async () => {
    const health = (await (await fetch(`${fms.httpUrl}/api/assets/ims-3-3/health`)).json()) as any;
    const a = health.indicators.find((x: any) => x.metric === 'vibration_mms').assessment;
    const expected = report.assessments[0]!;
    expect(a.recommendation).toBe(expected.recommendation);
    expect(['schedule_repair', 'repair_now']).toContain(health.action);
    expect(a.state).toBe(expected.state);
    expect(a.level).toBeCloseTo(expected.level!, 2);
    expect(a.onset).toBe(expected.onset === null ? null : expected.onset + shift);
    // …and when it will likely cross 7.1 mm/s, with its range (to the second: the same hours, the same model).
    expect(expected.crossing).not.toBeNull();
    expect(a.crossing.likely).toBeCloseTo(expected.crossing!.likely + shift, -4);
    expect(a.crossing.low).toBeCloseTo(expected.crossing!.low + shift, -4);
    expect(a.crossing.high).toBeCloseTo(expected.crossing!.high + shift, -4);
  });

  it('opens its predictive work order when the limit is likely reached within the window', async () => {
    expect(await fms.conditionWatch.check()).toMatchObject({ opened: 1 });
    const orders = ((await (await fetch(`${fms.httpUrl}/api/work-orders?source=predictive`)).json()) as any).items;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      assetId: 'ims-3-3',
      faultKey: 'ims-3-3/pump.vibration',
      title: expect.stringMatching(/^Predicted: IMS test 3, bearing 3 vibration reaches 7.1 mm\/s/),
    });
    // Opened, on the hour it was assessed at, more than a day before the bearing's end of life.
    expect(Math.floor(orders[0].createdAt / H) * H).toBeLessThanOrEqual(test.end + shift - 24 * H);
  });
});
