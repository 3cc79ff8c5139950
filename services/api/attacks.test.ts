import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms } from '../testing/harness.ts';

/**
 * The HTTP attacks of the second security round (#13), each reproduced against a real FMS (its API on
 * a socket, in the test's process) as an intruder made them.
 */
const ADMIN = 'admin-key-for-the-api-attack-tests-0123456';
const estate = {
  sites: [{ id: 'riverside' }, { id: 'lakeview' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'lakeview-pump-01', type: 'pump', site: 'lakeview' },
    { id: 'rs-elevator-01', type: 'elevator', site: 'riverside' },
    { id: 'lv-elevator-01', type: 'elevator', site: 'lakeview' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump'] },
    { id: 'zhao-lei', name: 'Zhao Lei', skills: ['pump'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [
    { id: 'rs-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei'], supervisor: 'zhang-min' },
    { id: 'lv-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei'], supervisor: 'zhang-min' },
  ],
};

describe('attacks on the HTTP API (FMS_API_AUTH=keys)', () => {
  let fms: Fms;
  const call = (method: string, url: string, key?: string, payload?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fms.httpUrl}${url}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(payload !== undefined ? { body: typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}),
    }).then((res) => ({ status: res.status, json: () => res.json() as Promise<any> }));
  const issue = async (body: object) => (await (await call('POST', '/api/keys', ADMIN, body)).json()) as { id: string; token: string };

  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN, FMS_HTTP_RATE_LIMIT: '0' });
  });
  afterAll(() => fms?.stop());

  const intake = (assetId: string, extra: object = {}) => ({
    channel: 'hotline',
    category: 'repair',
    title: 'Noise',
    assetId,
    requester: { name: 'Front desk', phone: '1' },
    by: 'requester',
    ...extra,
  });

  it('decides a new order’s site by its asset, not by what the body says: a Riverside key cannot open one at Lakeview', async () => {
    const riverside = await issue({ name: 'Riverside desk', role: 'integration', sites: ['riverside'] });
    const res = await call('POST', '/api/work-orders', riverside.token, intake('lakeview-pump-01', { site: 'riverside' }));
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/limited to the site riverside, not lakeview/);
    // Its own site's asset is fine; and an asset at another site than the body names is refused for everyone.
    expect((await call('POST', '/api/work-orders', riverside.token, intake('rs-pump-01'))).status).toBe(201);
    const lying = await call('POST', '/api/work-orders', ADMIN, intake('lakeview-pump-01', { site: 'riverside' }));
    expect(lying.status).toBe(400);
    expect((await lying.json()).error.message).toMatch(/asset "lakeview-pump-01" is at site "lakeview", not "riverside"/);
    // A follow-up of another site's order is refused too.
    const lakeviewOrder = await (await call('POST', '/api/work-orders', ADMIN, intake('lakeview-pump-01'))).json();
    const followUp = await call('POST', '/api/work-orders', riverside.token, { ...intake('rs-pump-01'), parentId: lakeviewOrder.id });
    expect(followUp.status).toBe(403);
  });

  it("lets an integration key register orders for the requester only, never in a staff member's name", async () => {
    const app = await issue({ name: 'resident app', role: 'integration' });
    const asStaff = await call('POST', '/api/work-orders', app.token, intake('rs-pump-01', { by: 'zhang-min' }));
    expect(asStaff.status).toBe(403);
    expect((await asStaff.json()).error.message).toMatch(/registers orders for the requester/);
    expect((await call('POST', '/api/work-orders', app.token, intake('rs-pump-01'))).status).toBe(201);
  });

  it("shows a site-limited key a PM plan's assets and orders on its sites only", async () => {
    const riverside = await issue({ name: 'Riverside supervisor', role: 'supervisor', personId: 'zhang-min', sites: ['riverside'] });
    const plan = await (await call('GET', '/api/pm-plans/elevator.maintenance', riverside.token)).json();
    expect(plan.assets.map((a: { assetId: string }) => a.assetId)).toEqual(['rs-elevator-01']);
    const all = await (await call('GET', '/api/pm-plans/elevator.maintenance', ADMIN)).json();
    expect(all.assets.map((a: { assetId: string }) => a.assetId).sort()).toEqual(['lv-elevator-01', 'rs-elevator-01']);
  });

  it('keeps ending maintenance mode to whoever started it, and records who started and ended it', async () => {
    const li = await issue({ name: 'Li Wei', role: 'technician', personId: 'li-wei' });
    const zhao = await issue({ name: 'Zhao Lei', role: 'technician', personId: 'zhao-lei' });
    expect((await call('POST', '/api/assets/rs-pump-01/maintenance', li.token, { by: 'li-wei', minutes: 30 })).status).toBe(200);
    const other = await call('DELETE', '/api/assets/rs-pump-01/maintenance', zhao.token);
    expect(other.status).toBe(403);
    expect((await other.json()).error.message).toMatch(/may end only maintenance mode they started; this one is li-wei's/);
    expect((await call('DELETE', '/api/assets/rs-pump-01/maintenance', li.token)).status).toBe(200);
    const audit = (await (await call('GET', '/api/audit?action=asset.&limit=100', ADMIN)).json()).items as {
      action: string;
      actorName: string;
      detail: string;
    }[];
    expect(audit.map((r) => [r.action, r.actorName])).toEqual(
      expect.arrayContaining([
        ['asset.maintenance_started', 'Li Wei'],
        ['asset.maintenance_ended', 'Li Wei'],
      ]),
    );
  });

  it('answers a body nested 100,000 levels deep with a clear 400, on every route that takes one', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const order = await (await call('POST', '/api/work-orders', ADMIN, intake('rs-pump-01'))).json();
    for (const [method, url] of [
      ['POST', '/api/rules'],
      ['POST', '/api/pm-plans'],
      ['POST', `/api/work-orders/${order.id}/actions`],
    ] as const) {
      const res = await call(method, url, ADMIN, `{"action":"reject","by":"zhang-min","note":"x","evidence":{"a":${deep}}}`);
      expect(res.status, url).toBe(400);
      expect((await res.json()).error).toEqual({ code: 'FMS_ERR_API_BAD_REQUEST', message: 'the JSON body is nested deeper than 64 levels' });
    }
    // A reasonable body still works.
    expect((await call('POST', `/api/work-orders/${order.id}/actions`, ADMIN, { action: 'comment', by: 'zhang-min', note: 'ok' })).status).toBe(200);
  });

  it('does not take `constructor` or `__proto__` for a report file', async () => {
    const report = await (await call('POST', '/api/reports', ADMIN, { site: 'riverside', from: '2026-11-01T00:00:00Z', to: '2026-11-08T00:00:00Z' })).json();
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await call('GET', `/api/reports/${report.id}/${name}`, ADMIN);
      expect(res.status, name).toBe(404);
      expect((await res.json()).error.message).toMatch(/has no file .*expected one of report.html/);
    }
  });

  it('coalesces a scan of 300 paths by one anonymous caller into a record or two, with a sample of what it tried', async () => {
    await Promise.all(Array.from({ length: 300 }, (_, i) => call('GET', `/api/assets/scan-${i}`)));
    const items = (await (await call('GET', '/api/audit?action=api.login&outcome=failed&limit=1000', ADMIN)).json()).items as {
      target: string;
      count: number;
    }[];
    const scan = items.filter((r) => /\/api\/assets\/scan-/.test(r.target));
    expect(scan.length).toBeLessThanOrEqual(2);
    // The rest of the series comes with its count when the window closes (1 minute): here, only the first is written yet.
    expect(scan[0]!.target).toMatch(/^GET \/api\/assets\/scan-\d+$/);
  });
});
