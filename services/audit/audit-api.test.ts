import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms } from '../testing/harness.ts';

const ADMIN = 'admin-key-for-the-audit-tests-0123456789';
const estate = {
  sites: [{ id: 'riverside' }],
  assets: [{ id: 'rs-pump-01', type: 'pump', site: 'riverside' }],
  people: [
    { id: 'li-wei', name: 'Li Wei' },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [{ id: 'eng', name: 'Engineering', members: ['li-wei'], supervisor: 'zhang-min' }],
  dispatch: { auto: false },
};

describe('the audit log over the API (GET /api/audit)', () => {
  let fms: Fms;
  const call = (method: string, url: string, key?: string, payload?: object, ip = '127.0.0.1') =>
    fms.api.inject({
      method: method as 'GET',
      url,
      remoteAddress: ip,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      ...(payload ? { payload } : {}),
    });
  type Record = {
    action: string;
    outcome: string;
    actor: string;
    actorName: string | null;
    actorRole: string | null;
    address: string;
    target: string;
    detail: string | null;
    count: number;
  };
  const audit = async (query = '') => (await call('GET', `/api/audit?limit=1000${query}`, ADMIN)).json().items as Record[];

  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN });
  });
  afterAll(() => fms?.stop());

  it('records keys issued and revoked, sign-ins, refusals, rule changes and acceptance — who, when, from where', async () => {
    const supervisor = (await call('POST', '/api/keys', ADMIN, { name: 'Zhang Min’s tablet', role: 'supervisor', personId: 'zhang-min' }, '10.1.2.3')).json();
    const viewer = (await call('POST', '/api/keys', ADMIN, { name: 'lobby screen', role: 'viewer' })).json();
    expect((await call('DELETE', `/api/keys/${viewer.id}`, ADMIN, undefined, '10.1.2.3')).statusCode).toBe(204);

    // Sign-ins: recorded once an hour per key and address, not per request.
    for (let i = 0; i < 5; i++) expect((await call('GET', '/api/assets', supervisor.token, undefined, '192.0.2.10')).statusCode).toBe(200);
    expect((await call('GET', '/api/assets', 'fms_000000000000_' + 'x'.repeat(32), undefined, '198.51.100.7')).statusCode).toBe(401);
    expect((await call('GET', '/api/assets', viewer.token, undefined, '198.51.100.8')).statusCode).toBe(401);
    expect((await call('POST', '/api/rules', supervisor.token, {}, '192.0.2.10')).statusCode).toBe(403);

    const rule = { id: 'pump.pressure-low', assetType: 'pump', metric: 'pressure_out_bar', when: { op: '<', value: 1 }, for: '30s', severity: 'major' };
    expect((await call('POST', '/api/rules', ADMIN, rule)).statusCode).toBe(201);
    expect((await call('PUT', '/api/rules/pump.pressure-low', ADMIN, { ...rule, severity: 'critical' })).statusCode).toBe(200);

    const order = (
      await call(
        'POST',
        '/api/work-orders',
        supervisor.token,
        { source: 'inspection', channel: 'inspection', category: 'repair', title: 'Valve stuck', assetId: 'rs-pump-01', by: 'zhang-min' },
        '192.0.2.10',
      )
    ).json();
    expect(
      (
        await call(
          'POST',
          `/api/work-orders/${order.id}/actions`,
          supervisor.token,
          { action: 'cancel', by: 'zhang-min', note: 'duplicate of an open order' },
          '192.0.2.10',
        )
      ).statusCode,
    ).toBe(200);

    const records = await audit();
    const one = (action: string, outcome = 'ok') => records.filter((r) => r.action === action && r.outcome === outcome);
    expect(one('key.issued').map((r) => [r.actorName, r.actorRole, r.target])).toEqual(
      expect.arrayContaining([
        ['FMS_ADMIN_KEY', 'admin', `key ${supervisor.id}`],
        ['FMS_ADMIN_KEY', 'admin', `key ${viewer.id}`],
      ]),
    );
    expect(one('key.issued').find((r) => r.target === `key ${supervisor.id}`)).toMatchObject({
      address: '10.1.2.3',
      detail: '"Zhang Min’s tablet", supervisor for zhang-min',
    });
    expect(one('key.revoked')).toEqual([expect.objectContaining({ target: `key ${viewer.id}`, address: '10.1.2.3' })]);
    expect(one('api.login').filter((r) => r.actor === `key:${supervisor.id}`)).toEqual([expect.objectContaining({ address: '192.0.2.10', count: 1 })]);
    // The key list says when each key was last used (never, for the revoked viewer's).
    const listed = (await call('GET', '/api/keys', ADMIN)).json().items as { id: string; lastUsedAt: number | null }[];
    expect(listed.find((k) => k.id === supervisor.id)!.lastUsedAt).toEqual(expect.any(Number));
    expect(listed.find((k) => k.id === viewer.id)!.lastUsedAt).toBeNull();
    expect(one('api.login', 'failed').map((r) => [r.address, r.detail])).toEqual(
      expect.arrayContaining([
        ['198.51.100.7', 'API key refused: unknown key'],
        ['198.51.100.8', 'API key refused: the key was revoked'],
      ]),
    );
    expect(one('access.denied', 'denied')).toEqual([
      expect.objectContaining({ actor: `key:${supervisor.id}`, actorRole: 'supervisor', target: 'POST /api/rules', address: '192.0.2.10' }),
    ]);
    expect(one('rule.created').map((r) => r.target)).toEqual(['rule pump.pressure-low']);
    expect(one('rule.updated')).toEqual([expect.objectContaining({ target: 'rule pump.pressure-low', detail: 'version 2', actorName: 'FMS_ADMIN_KEY' })]);
    expect(one('work_order.cancelled')).toEqual([
      expect.objectContaining({ target: `work order ${order.id}`, actorName: 'Zhang Min’s tablet', detail: 'by zhang-min: duplicate of an open order' }),
    ]);
    // The rule's own history names the key too.
    const history = (await call('GET', '/api/rules/pump.pressure-low/history', ADMIN)).json().items as { version: number; changedBy: string }[];
    expect(history.map((v) => v.changedBy)).toEqual(['FMS_ADMIN_KEY (key bootstrap)', 'FMS_ADMIN_KEY (key bootstrap)']);
  });

  it('is for admins only, and filters by action and actor', async () => {
    const manager = (await call('POST', '/api/keys', ADMIN, { name: 'estate manager', role: 'manager' })).json();
    expect((await call('GET', '/api/audit', manager.token)).statusCode).toBe(403);
    const denied = await audit(`&action=access.&actor=key:${manager.id}`);
    expect(denied).toEqual([expect.objectContaining({ action: 'access.denied', target: 'GET /api/audit' })]);
    expect((await call('GET', '/api/audit?action=DROP TABLE', ADMIN)).statusCode).toBe(400);
  });
});

describe('client addresses behind a reverse proxy (FMS_HTTP_TRUST_PROXY)', () => {
  let fms: Fms;
  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN, FMS_HTTP_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' });
  });
  afterAll(() => fms?.stop());

  it('takes the client address from X-Forwarded-For when the request comes from a trusted proxy, and only then', async () => {
    const bad = 'fms_000000000000_' + 'x'.repeat(32);
    const from = (remoteAddress: string) =>
      fms.api.inject({ method: 'GET', url: '/api/assets', remoteAddress, headers: { authorization: `Bearer ${bad}`, 'x-forwarded-for': '203.0.113.50' } });
    expect((await from('10.1.1.1')).statusCode).toBe(401);
    expect((await from('198.51.100.1')).statusCode).toBe(401);
    const records = (
      await fms.api.inject({ method: 'GET', url: '/api/audit?action=api.login&outcome=failed', headers: { authorization: `Bearer ${ADMIN}` } })
    ).json().items as { address: string }[];
    expect(records.map((r) => r.address).sort()).toEqual(['198.51.100.1', '203.0.113.50']);
  });
});
