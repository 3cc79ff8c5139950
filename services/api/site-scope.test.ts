import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms, waitFor } from '../testing/harness.ts';

const ADMIN = 'admin-key-for-the-site-scope-tests-0123456';
const estate = {
  sites: [{ id: 'riverside' }, { id: 'lakeview' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei' },
    { id: 'zhao-lei', name: 'Zhao Lei' },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [
    { id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei'], supervisor: 'zhang-min' },
    { id: 'lakeview-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei'], supervisor: 'zhang-min' },
  ],
  dispatch: { auto: false },
};

describe('API keys limited to sites', () => {
  let fms: Fms;
  let riverside: string;
  let both: string;
  const clients: MqttClient[] = [];
  const call = (method: string, url: string, key: string, payload?: object) =>
    fms.api.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const issue = async (body: object) => (await call('POST', '/api/keys', ADMIN, body)).json();
  const device = async (asset: string) => {
    const { secret } = (await call('POST', `/api/assets/${asset}/credentials`, ADMIN)).json();
    const c = await mqtt.connectAsync(fms.mqttUrl, { clientId: asset, username: asset, password: secret, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_MQTT_AUTH: 'devices', FMS_ADMIN_KEY: ADMIN });
    riverside = (await issue({ name: 'Riverside supervisor', role: 'supervisor', personId: 'zhang-min', sites: ['riverside'] })).token;
    both = (await issue({ name: 'Regional manager', role: 'manager', sites: ['riverside', 'lakeview'] })).token;
    // Each pump trips: an alarm and a work order per site; and each sends something bad.
    for (const [asset, site] of [
      ['rs-pump-01', 'riverside'],
      ['lv-pump-01', 'lakeview'],
    ] as const) {
      const d = await device(asset);
      await d.publishAsync(`fms/${site}/pump/${asset}/event`, JSON.stringify({ type: 'trip' }), { qos: 1 });
      await d.publishAsync(`fms/${site}/pump/${asset}/telemetry`, JSON.stringify({ vibration_mms: 'high' }), { qos: 1 });
    }
    await waitFor(async () => (await call('GET', '/api/work-orders', ADMIN)).json().total === 2, 10_000, 'an order per site');
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await fms?.stop();
  });

  it('lists only the key’s site, and refuses another site’s assets, alarms, orders and reports', async () => {
    const sites = async (url: string) => ((await call('GET', url, riverside)).json().items as { site: string }[]).map((x) => x.site);
    expect(await sites('/api/assets')).toEqual(['riverside']);
    expect(await sites('/api/alarms')).toEqual(['riverside']);
    expect(await sites('/api/work-orders')).toEqual(['riverside']);
    expect((await call('GET', '/api/assets?site=lakeview', riverside)).statusCode).toBe(403);
    expect((await call('GET', '/api/work-orders?site=lakeview', riverside)).json().error.message).toBe(
      'this key is limited to the site riverside, not lakeview',
    );

    const lakeviewOrder = (await call('GET', '/api/work-orders?site=lakeview', ADMIN)).json().items[0];
    const lakeviewAlarm = (await call('GET', '/api/alarms?site=lakeview', ADMIN)).json().items[0];
    for (const url of ['/api/assets/lv-pump-01', '/api/assets/lv-pump-01/latest', `/api/work-orders/${lakeviewOrder.id}`, `/api/alarms/${lakeviewAlarm.id}`]) {
      expect((await call('GET', url, riverside)).statusCode, url).toBe(403);
    }
    expect(
      (await call('POST', `/api/work-orders/${lakeviewOrder.id}/actions`, riverside, { action: 'assign', by: 'zhang-min', assignee: 'zhao-lei' })).statusCode,
    ).toBe(403);
    // A person's open orders: another site's are left out.
    expect(
      (await call('POST', `/api/work-orders/${lakeviewOrder.id}/actions`, ADMIN, { action: 'assign', by: 'zhang-min', assignee: 'zhao-lei' })).statusCode,
    ).toBe(200);
    expect((await call('GET', '/api/people/zhao-lei', ADMIN)).json().orders).toHaveLength(1);
    // Another site's technician is not shown to the key at all (third round: people of its sites' teams only).
    expect((await call('GET', '/api/people/zhao-lei', riverside)).statusCode).toBe(404);
    expect((await call('POST', `/api/alarms/${lakeviewAlarm.id}/ack`, riverside, { by: 'zhang-min' })).statusCode).toBe(403);
    const intake = { source: 'inspection', channel: 'inspection', category: 'repair', title: 'Leak', by: 'zhang-min' };
    expect((await call('POST', '/api/work-orders', riverside, { ...intake, assetId: 'lv-pump-01' })).statusCode).toBe(403);
    expect((await call('POST', '/api/work-orders', riverside, { ...intake, assetId: 'rs-pump-01' })).statusCode).toBe(201);
    // Its own site's order: fine.
    const own = (await call('GET', '/api/work-orders', riverside)).json().items[0];
    expect((await call('POST', `/api/work-orders/${own.id}/actions`, riverside, { action: 'assign', by: 'zhang-min', assignee: 'li-wei' })).statusCode).toBe(
      200,
    );

    expect((await call('POST', '/api/reports', riverside, {})).json().error.message).toContain('concerns the whole estate');
    expect((await call('POST', '/api/reports', riverside, { site: 'lakeview' })).statusCode).toBe(403);
    const report = (await call('POST', '/api/reports', riverside, { site: 'riverside' })).json();
    const estateReport = (await call('POST', '/api/reports', ADMIN, {})).json();
    expect((await call('GET', `/api/reports/${report.id}/report.json`, riverside)).statusCode).toBe(200);
    expect((await call('GET', `/api/reports/${estateReport.id}/report.json`, riverside)).statusCode).toBe(403);
    expect((await call('GET', '/api/reports', riverside)).json().items.map((r: { id: string }) => r.id)).toEqual([report.id]);

    // Rejected messages: its site's only.
    const rejected = (await call('GET', '/api/ingest/rejected', riverside)).json().items as { topic: string }[];
    expect(rejected.map((r) => r.topic)).toEqual(['fms/riverside/pump/rs-pump-01/telemetry']);
  });

  it('keeps the whole estate’s business (keys, audit, rules, PM plans) to keys for the whole estate', async () => {
    const siteAdmin = (await issue({ name: 'Riverside admin', role: 'admin', sites: ['riverside'] })).token;
    for (const [method, url, body] of [
      ['GET', '/api/keys'],
      ['POST', '/api/keys', { name: 'escalation', role: 'admin' }],
      ['GET', '/api/audit'],
      ['DELETE', '/api/rules/pump.trip'],
      ['DELETE', '/api/pm-plans/pump.maintenance'],
    ] as const) {
      const res = await call(method, url, siteAdmin, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.message).toContain('concerns the whole estate');
    }
    // Its own site's assets it administers.
    expect((await call('POST', '/api/assets', siteAdmin, { id: 'rs-gate-09', type: 'gate', site: 'riverside' })).statusCode).toBe(201);
    expect((await call('POST', '/api/assets', siteAdmin, { id: 'lv-gate-09', type: 'gate', site: 'lakeview' })).statusCode).toBe(403);
    expect((await call('PATCH', '/api/assets/rs-gate-09', siteAdmin, { site: 'lakeview' })).statusCode).toBe(403);
    expect((await call('POST', '/api/keys', ADMIN, { name: 'x', role: 'viewer', sites: ['nowhere'] })).json().error.message).toContain('no site "nowhere"');
  });

  it('makes a key for several sites say which one a list is for', async () => {
    const res = await call('GET', '/api/work-orders', both);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('this key sees the sites riverside, lakeview: say which with site=');
    expect((await call('GET', '/api/work-orders?site=lakeview', both)).json().items.map((o: { site: string }) => o.site)).toEqual(['lakeview']);
  });

  it('keeps a site-limited service client on the broker to its sites', async () => {
    const key = (await issue({ name: 'Riverside BMS', role: 'integration', sites: ['riverside'] })).token;
    const bms = await mqtt.connectAsync(fms.mqttUrl, { clientId: `key:${key.slice(4, 16)}.rs-bms`, username: 'rs-bms', password: key, reconnectPeriod: 0 });
    clients.push(bms);
    await bms.subscribeAsync('fms/riverside/alarms/#', { qos: 1 });
    for (const filter of ['fms/+/alarms/#', 'fms/lakeview/alarms/#', 'fms/+/pump/+/telemetry'])
      await expect(bms.subscribeAsync(filter, { qos: 0 }), filter).rejects.toThrow(/Subscribe error/);
  });
});
