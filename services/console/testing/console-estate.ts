import { DateTime } from 'luxon';
import { importHistory, simulatedHistory } from '../../../simulators/history.ts';
import type { Fms } from '../../app.ts';
import { startTestFms } from '../../testing/harness.ts';

const D = 86_400_000;
const MIN = 60_000;
export const ADMIN_KEY = 'admin-key-for-the-console-asset-pages-0123';

/**
 * An estate for the console's asset pages, signed in with API keys: a wearing pump with a month of
 * condition history (its limit crossing predicted), a pump whose flow rose from 10 to 50 m³/h in a
 * straight line over the last day (a chart with a known shape), and a pump on another site.
 */
export const consoleEstate = {
  sites: [
    { id: 'riverside', timeZone: 'Asia/Shanghai' },
    { id: 'harbour', timeZone: 'Asia/Shanghai' },
  ],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside', name: 'Booster pump 1', location: 'Tower A plant room', criticality: 4, installedAt: '2019-05-01' },
    { id: 'rs-pump-02', type: 'pump', site: 'riverside', name: 'Booster pump 2', location: 'Tower B plant room', criticality: 3 },
    { id: 'rs-gate-01', type: 'gate', site: 'riverside', name: 'North gate', location: 'North entrance' },
    { id: 'hb-pump-01', type: 'pump', site: 'harbour', name: 'Harbour fire pump', location: 'B2 pump room', criticality: 5 },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
    { id: 'wang-fang', name: 'Wang Fang', role: 'manager' },
  ],
  teams: [{ id: 'eng', name: 'Engineering', sites: ['riverside', 'harbour'], members: ['li-wei'], supervisor: 'zhang-min', manager: 'wang-fang' }],
  pmPlans: [
    {
      id: 'pump.weekly-check',
      title: 'Pump weekly check',
      assetType: 'pump',
      trigger: { every: '7d' },
      // Last visit six days ago: the next is due tomorrow, and its order opens now (lead time 2 days).
      start: DateTime.now().setZone('Asia/Shanghai').minus({ days: 6 }).toISODate(),
      leadTime: '2d',
      select: { sites: ['riverside'] },
    },
  ],
};

/** The flow ramp's readings: one per 15 minutes over the last day, 10 m³/h rising to 50. */
export function flowRamp(now: number): { ts: number; flow_m3h: number }[] {
  const n = 80;
  const start = now - 20 * 60 * MIN; // 20 h: well inside the last 24 h, whatever the page's bucket boundary
  return Array.from({ length: n }, (_, k) => ({ ts: start + k * 15 * MIN, flow_m3h: 10 + (40 * k) / (n - 1) }));
}

/** FMS with the estate and its readings; `env` adds settings (fixed ports when started by hand). */
export async function startConsoleFms(env: Record<string, string> = {}): Promise<{ fms: Fms; now: number }> {
  const now = Date.now();
  const fms = await startTestFms(consoleEstate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN_KEY, ...env });
  // 30 days of vibration and motor temperature, the bearing of pump 1 wearing for the last 12 days
  // (as services/condition/predictive.int.test.ts builds it).
  for (const [id, wearing] of [
    ['rs-pump-01', true],
    ['hb-pump-01', false],
  ] as const) {
    const readings = simulatedHistory(
      { id, type: 'pump', site: id.startsWith('rs') ? 'riverside' : 'harbour' },
      {
        seed: 2026,
        from: now - 30 * D,
        to: now - MIN,
        stepMs: 10 * MIN,
        metrics: ['vibration_mms', 'motor_temp_c'],
        faults: wearing ? [{ fault: 'bearing_wear', since: now - 12 * D, rampMs: 24 * D }] : [],
      },
    );
    await importHistory(fms.httpUrl, id, readings, ADMIN_KEY);
  }
  // The other readings of pump 1 now, as its controller reports them.
  await importHistory(
    fms.httpUrl,
    'rs-pump-01',
    [{ ts: now - 30_000, flow_m3h: 42.5, pressure_in_bar: 1.2, pressure_out_bar: 5.4, current_a: 18.2, running: true, run_hours: 12034, starts: 5210 }],
    ADMIN_KEY,
  );
  await importHistory(fms.httpUrl, 'rs-pump-02', flowRamp(now), ADMIN_KEY);
  await importHistory(fms.httpUrl, 'rs-gate-01', [{ ts: now - 60_000, battery_pct: 15, supply_v: 23.9, passages: 88120 }], ADMIN_KEY);
  // The prediction opens its order, as the hourly check would.
  await fms.conditionWatch.check();
  return { fms, now };
}
