import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms } from '../testing/harness.ts';

describe('HTTP API', () => {
  let fms: Fms;
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    fms.api.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });

  beforeAll(async () => {
    fms = await startTestFms();
  });
  afterAll(() => fms?.stop());

  it('reports every part healthy with 200', async () => {
    const res = await inject('GET', '/api/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', broker: { state: 'up' }, telemetryStore: { state: 'up' }, database: { state: 'up' }, spoolDepth: 0 });
  });

  it('registers, reads, changes and removes an asset', async () => {
    const created = await inject('POST', '/api/assets', {
      id: 'lv-pump-09',
      type: 'pump',
      site: 'lakeview',
      location: 'Plant room B2',
      criticality: 5,
      tags: ['fire'],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'lv-pump-09', name: 'lv-pump-09', origin: 'api', status: { connection: 'unknown', lastSeen: null } });
    expect((await inject('GET', '/api/assets?site=lakeview')).json().items.map((a: { id: string }) => a.id)).toEqual(['lv-pump-09']);
    const patched = await inject('PATCH', '/api/assets/lv-pump-09', { location: 'Plant room B3' });
    expect(patched.json()).toMatchObject({ location: 'Plant room B3', criticality: 5 });
    expect((await inject('DELETE', '/api/assets/lv-pump-09')).statusCode).toBe(204);
    expect((await inject('GET', '/api/assets/lv-pump-09')).statusCode).toBe(404);
  });

  it('puts an asset in maintenance mode and takes it out', async () => {
    const on = await inject('POST', '/api/assets/rs-pump-01/maintenance', { by: 'li.wei', minutes: 45 });
    expect(on.json().maintenance).toMatchObject({ by: 'li.wei', until: expect.any(Number) });
    expect((await inject('DELETE', '/api/assets/rs-pump-01/maintenance')).json().maintenance).toBeNull();
  });

  it('answers bad input with 400, a code and a message that says what to fix', async () => {
    const res = await inject('POST', '/api/assets', { id: 'bad id!', type: 'boiler', site: 'riverside' });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('FMS_ERR_API_BAD_REQUEST');
    expect(error.message).toMatch(/body\.id: expected 1-64 of A-Z a-z 0-9 _ -/);
    expect(error.message).toMatch(/body\.type: expected one of pump, elevator, gate/);
  });

  it('answers a duplicate asset with 409', async () => {
    const res = await inject('POST', '/api/assets', { id: 'rs-pump-01', type: 'pump', site: 'riverside' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('FMS_ERR_ASSET_EXISTS');
  });

  it('answers unknown routes and ids with 404 in the same error shape', async () => {
    expect((await inject('GET', '/api/nothing')).json()).toEqual({
      error: { code: 'FMS_ERR_API_NOT_FOUND', message: 'no route GET /api/nothing; the API is described at /api/docs' },
    });
    expect((await inject('GET', '/api/work-orders/WO-2026-999999')).json().error.code).toBe('FMS_ERR_WORK_ORDER_NOT_FOUND');
    expect((await inject('GET', '/api/alarms/999')).statusCode).toBe(404);
    expect((await inject('GET', '/api/rules/no.such')).statusCode).toBe(404);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const res = await fms.api.inject({ method: 'POST', url: '/api/assets', payload: '{"id":', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('FMS_ERR_API_BAD_REQUEST');
  });

  it('checks telemetry queries: metric of the type, time range, bucket count', async () => {
    expect((await inject('GET', '/api/assets/rs-pump-01/telemetry?metric=floor')).json().error).toMatchObject({
      code: 'FMS_ERR_TELEMETRY_BAD_QUERY',
      message: '"floor" is not a pump metric',
    });
    expect(
      (await inject('GET', '/api/assets/rs-pump-01/telemetry?metric=flow_m3h&from=2026-11-24T10:00:00Z&to=2026-11-24T09:00:00Z')).json().error.message,
    ).toBe('from must be before to');
    expect((await inject('GET', '/api/assets/rs-pump-01/telemetry?metric=flow_m3h&from=0&to=1795000000000&every=1s')).json().error.message).toMatch(
      /more than 10000 buckets/,
    );
    expect((await inject('GET', '/api/assets/rs-pump-01/telemetry?metric=flow_m3h&every=soon')).json().error.message).toMatch(/"soon" is not a duration/);
    expect((await inject('GET', '/api/assets/rs-pump-01/telemetry?metric=flow_m3h')).json()).toMatchObject({ metric: 'flow_m3h', fn: 'mean', buckets: [] });
  });

  it('lists the rules in force', async () => {
    const { items } = (await inject('GET', '/api/rules?assetType=elevator')).json();
    expect(items.map((r: { id: string }) => r.id)).toContain('elevator.entrapment');
    expect(items.every((r: { assetType: string }) => r.assetType === 'elevator')).toBe(true);
  });

  it('creates, changes, lists with history and deletes rules', async () => {
    const rule = { id: 'site.hot-pump', assetType: 'pump', metric: 'motor_temp_c', when: { op: '>', value: 80 }, for: '1m', severity: 'major' };
    const created = await fms.api.inject({ method: 'POST', url: '/api/rules', payload: rule, headers: { 'x-fms-actor': 'li.wei' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'site.hot-pump', version: 1, origin: 'api', for: 60_000 });
    expect((await inject('POST', '/api/rules', rule)).statusCode).toBe(409);
    const bad = await inject('POST', '/api/rules', { ...rule, id: 'site.other', metric: 'rpm' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'FMS_ERR_RULE_INVALID', message: expect.stringMatching(/metric: "rpm" is not a pump metric/) });
    const changed = await inject('PUT', '/api/rules/site.hot-pump', { ...rule, id: undefined, when: { op: '>', value: 85 } });
    expect(changed.json()).toMatchObject({ version: 2, when: { value: 85 } });
    expect(
      (await inject('GET', '/api/rules/site.hot-pump/history')).json().items.map((h: { change: string; changedBy: string }) => [h.change, h.changedBy]),
    ).toEqual([
      ['created', 'li.wei'],
      ['updated', 'api'],
    ]);
    expect((await inject('DELETE', '/api/rules/site.hot-pump')).statusCode).toBe(204);
    expect((await inject('GET', '/api/rules/site.hot-pump')).statusCode).toBe(404);
  });

  it('validates list filters', async () => {
    expect((await inject('GET', '/api/work-orders?state=open')).statusCode).toBe(400);
    expect((await inject('GET', '/api/work-orders?state=new,assigned&priority=P1&limit=5')).json()).toEqual({ items: [], total: 0 });
    expect((await inject('GET', '/api/alarms?state=active')).json()).toEqual({ items: [], total: 0 });
    expect((await inject('GET', '/api/assets/rs-pump-01/alarm-history')).json()).toEqual({ assetId: 'rs-pump-01', items: [] });
    expect((await inject('GET', '/api/assets/nobody/alarm-history')).statusCode).toBe(404);
  });

  it('publishes an OpenAPI document with every route', async () => {
    const doc = (await inject('GET', '/api/docs/json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of [
      '/api/health',
      '/api/assets',
      '/api/assets/{id}',
      '/api/assets/{id}/latest',
      '/api/assets/{id}/maintenance',
      '/api/assets/{id}/telemetry',
      '/api/ingest/rejected',
      '/api/rules',
      '/api/rules/{id}',
      '/api/rules/{id}/history',
      '/api/alarms',
      '/api/alarms/{id}/ack',
      '/api/assets/{id}/alarm-history',
      '/api/work-orders',
      '/api/work-orders/{id}',
    ]) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
  });

  it('serves Prometheus metrics', async () => {
    const res = await inject('GET', '/metrics');
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    for (const name of [
      'fms_mqtt_messages_total',
      'fms_ingest_rejected_total',
      'fms_alarms_total',
      'fms_work_orders_opened_total',
      'fms_telemetry_pending_points',
    ])
      expect(res.body).toContain(name);
  });
});
