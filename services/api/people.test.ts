import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms, waitFor } from '../testing/harness.ts';

const ADMIN = 'admin-key-for-the-directory-tests-0123456789';
const estate = {
  sites: [{ id: 'riverside' }, { id: 'lakeview' }],
  assets: ['01', '02', '03', '04', '05'].map((n) => ({ id: `rs-pump-${n}`, type: 'pump', site: 'riverside' })),
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump'] },
    { id: 'zhao-lei', name: 'Zhao Lei', skills: ['pump'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
    { id: 'wang-fang', name: 'Wang Fang', role: 'manager' },
  ],
  teams: [
    { id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei'], supervisor: 'zhang-min', manager: 'wang-fang' },
    { id: 'lakeview-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei'], supervisor: 'zhang-min' },
  ],
};

describe('people and teams over HTTP, kept in the database', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-directory-'));
  let fms: Fms;
  const start = async () => (fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN, FMS_DATA_DIR: dir }));
  /** A real HTTP request to the running FMS. */
  const call = async (method: string, url: string, key = ADMIN, body?: unknown) => {
    const res = await fetch(`${fms.httpUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const issue = async (body: object) => (await call('POST', '/api/keys', ADMIN, body)).json.token as string;
  /** A pump trips: its alarm opens a work order, dispatched at once. */
  async function trip(asset: string): Promise<{ id: string; assignee: string | null; state: string }> {
    const device = await mqtt.connectAsync(fms.mqttUrl, { clientId: asset });
    try {
      await device.publishAsync(`fms/riverside/pump/${asset}/event`, JSON.stringify({ type: 'trip' }), { qos: 1 });
    } finally {
      await device.endAsync();
    }
    // Opened, then dispatched: wait for both.
    return waitFor(
      async () => {
        const order = (await call('GET', `/api/work-orders?assetId=${asset}`)).json.items[0];
        return order?.state === 'assigned' && order;
      },
      10_000,
      `the order of ${asset}, dispatched`,
    );
  }

  beforeAll(start);
  afterAll(async () => {
    await fms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the next alarm’s order to a technician added to the team over the API; disabled, the next goes to someone else', async () => {
    expect((await trip('rs-pump-01')).assignee).toBe('li-wei');
    expect((await trip('rs-pump-02')).assignee).toBe('li-wei');

    const created = await call('POST', '/api/people', ADMIN, {
      id: 'sun-yu',
      name: 'Sun Yu',
      skills: ['pump', 'electrical'],
      phone: '13700000003',
      onDuty: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], hours: '00:00-24:00' }],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'sun-yu', role: 'technician', enabled: true, origin: 'api', updatedBy: 'FMS_ADMIN_KEY (key bootstrap)' });
    const team = await call('PATCH', '/api/teams/riverside-eng', ADMIN, { members: ['li-wei', 'sun-yu'] });
    expect(team.status).toBe(200);
    expect(team.json).toMatchObject({ members: ['li-wei', 'sun-yu'], origin: 'api' });
    const third = await trip('rs-pump-03');
    expect(third.assignee).toBe('sun-yu'); // the least loaded: none against Li Wei's two

    const disabled = await call('POST', '/api/people/sun-yu/disable', ADMIN, { note: 'on leave until March' });
    expect(disabled.status).toBe(200);
    // Their open order stays theirs, listed for a supervisor to re-assign.
    expect(disabled.json).toMatchObject({ enabled: false, orders: [expect.objectContaining({ id: third.id, assignee: 'sun-yu' })] });
    expect((await trip('rs-pump-04')).assignee).toBe('li-wei'); // three orders, but the only one enabled
    const reassign = await call('POST', `/api/work-orders/${third.id}/actions`, ADMIN, { action: 'assign', by: 'zhang-min', assignee: 'sun-yu', reason: 'x' });
    expect(reassign.json.error.code).toBe('FMS_ERR_PERSON_DISABLED');
    expect(
      (await call('POST', `/api/work-orders/${third.id}/actions`, ADMIN, { action: 'assign', by: 'zhang-min', assignee: 'li-wei', reason: 'Sun Yu on leave' }))
        .status,
    ).toBe(200);

    expect((await call('POST', '/api/people/sun-yu/enable', ADMIN)).json).toMatchObject({ enabled: true, orders: [] });
    expect((await trip('rs-pump-05')).assignee).toBe('sun-yu');
    const people = (await call('GET', '/api/people')).json.items;
    expect(people.find((p: any) => p.id === 'sun-yu')).toMatchObject({ teams: ['riverside-eng'], openOrders: 1, enabled: true });
  });

  it('refuses bad input with the error that says what to fix, and changes nothing', async () => {
    const before = [(await call('GET', '/api/people')).json, (await call('GET', '/api/teams')).json];
    const refused = async (method: string, url: string, body: unknown) => {
      const res = await call(method, url, ADMIN, body);
      return [res.status, res.json.error.code, res.json.error.message];
    };
    expect(await refused('PATCH', '/api/teams/riverside-eng', { members: ['li-wei', 'ghost'] })).toEqual([
      400,
      'FMS_ERR_DIRECTORY_INVALID',
      'team riverside-eng, members: "ghost" is not listed under people',
    ]);
    expect(await refused('POST', '/api/teams', { id: 'tower', name: 'Tower', sites: ['riverside'], supervisor: 'li-wei' })).toEqual([
      400,
      'FMS_ERR_DIRECTORY_INVALID',
      'team tower, supervisor: "li-wei" is a technician; expected a supervisor or manager',
    ]);
    expect(await refused('POST', '/api/people', { id: 'li-wei', name: 'Li Wei again' })).toEqual([
      409,
      'FMS_ERR_PERSON_EXISTS',
      'person "li-wei" is already listed; change them with PATCH /api/people/li-wei',
    ]);
    expect(await refused('POST', '/api/teams', { id: 'riverside-eng', name: 'Again' })).toEqual([
      409,
      'FMS_ERR_TEAM_EXISTS',
      'team "riverside-eng" exists; change it with PATCH /api/teams/riverside-eng',
    ]);
    expect(await refused('PATCH', '/api/people/li-wei', { onDuty: [{ days: ['mon'], hours: '25:00-08:00' }] })).toEqual([
      400,
      'FMS_ERR_API_BAD_REQUEST',
      'body.onDuty.0.hours: expected hours such as 08:00-20:00 or 20:00-08:00',
    ]);
    expect((await refused('PATCH', '/api/people/li-wei', { role: 'boss' }))[2]).toBe('body.role: expected one of technician, supervisor, manager');
    expect((await refused('PATCH', '/api/people/li-wei', { id: 'li-wei-2' }))[1]).toBe('FMS_ERR_API_BAD_REQUEST'); // ids do not change
    expect((await refused('PATCH', '/api/people/li-wei', {}))[2]).toBe(
      'body: expected at least one of name, role, skills, phone, email, onDuty, language, notify, quietHours',
    );
    expect((await refused('POST', '/api/people', { id: 'x', name: 'X', onDuty: [{ days: ['monday'], hours: '08:00-20:00' }] }))[2]).toMatch(
      /^body\.onDuty\.0\.days\.0: expected weekdays among mon, tue/,
    );
    expect(await refused('POST', '/api/people/zhang-min/disable', {})).toEqual([
      400,
      'FMS_ERR_DIRECTORY_INVALID',
      'team riverside-eng, supervisor: "zhang-min" is disabled; expected a supervisor who takes escalations; team lakeview-eng, supervisor: "zhang-min" is disabled; expected a supervisor who takes escalations',
    ]);
    expect((await refused('PATCH', '/api/people/ghost', { name: 'Ghost' }))[1]).toBe('FMS_ERR_PERSON_NOT_FOUND');
    expect((await refused('PATCH', '/api/teams/ghost', { name: 'Ghost' }))[1]).toBe('FMS_ERR_TEAM_NOT_FOUND');
    expect([(await call('GET', '/api/people')).json, (await call('GET', '/api/teams')).json]).toEqual(before);
  });

  it('lets only admins change the directory; a key limited to Riverside changes Riverside’s teams and people only', async () => {
    for (const role of ['manager', 'supervisor', 'viewer'] as const) {
      const key = await issue({ name: `${role} tester`, role });
      const res = await call('PATCH', '/api/people/li-wei', key, { phone: '110' });
      expect([res.status, res.json.error.code]).toEqual([403, 'FMS_ERR_API_FORBIDDEN']);
    }
    const tech = await issue({ name: 'Li Wei’s phone', role: 'technician', personId: 'li-wei' });
    expect((await call('POST', '/api/people/li-wei/disable', tech, {})).status).toBe(403);
    expect((await call('GET', '/api/people/li-wei')).json.phone).toBeUndefined();

    const riverside = await issue({ name: 'Riverside admin', role: 'admin', sites: ['riverside'] });
    expect((await call('PATCH', '/api/teams/riverside-eng', riverside, { name: 'Riverside engineering (B1)' })).status).toBe(200);
    expect((await call('PATCH', '/api/people/li-wei', riverside, { phone: '13800000001' })).status).toBe(200);
    expect((await call('POST', '/api/people', riverside, { id: 'qian-hao', name: 'Qian Hao', skills: ['pump'] })).status).toBe(201);
    expect(
      (await call('POST', '/api/teams', riverside, { id: 'rs-night', name: 'Riverside nights', sites: ['riverside'], members: ['qian-hao'] })).status,
    ).toBe(201);
    const refusals = [
      await call('PATCH', '/api/teams/lakeview-eng', riverside, { name: 'Mine now' }),
      await call('PATCH', '/api/teams/riverside-eng', riverside, { sites: ['riverside', 'lakeview'] }),
      await call('POST', '/api/teams', riverside, { id: 'everywhere', name: 'Everywhere' }), // no sites: every site
      await call('PATCH', '/api/people/zhao-lei', riverside, { phone: '1' }), // Lakeview's
      await call('POST', '/api/people/zhang-min/disable', riverside, {}), // supervises Lakeview too
    ];
    expect(refusals.map((r) => [r.status, r.json.error.message.split(':')[0]])).toEqual(
      Array(5)
        .fill([403, 'this key is limited to the site riverside, not lakeview'])
        .map((x, i) => (i === 2 ? [403, 'this key is limited to the site riverside'] : x)),
    );
    expect((await call('GET', '/api/teams/lakeview-eng')).json.name).toBe('Lakeview engineering');
  });

  it('records every change in the audit log with who made it and what changed', async () => {
    const audit = (await call('GET', '/api/audit?action=person.&limit=100')).json.items.concat(
      (await call('GET', '/api/audit?action=team.&limit=100')).json.items,
    );
    const line = (action: string, target: string) => audit.filter((r: any) => r.action === action && r.target === target);
    expect(line('person.created', 'person sun-yu')).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/^key:/), actorRole: 'admin', outcome: 'ok', detail: 'Sun Yu, technician' }),
    ]);
    expect(line('team.updated', 'team riverside-eng').map((r: any) => [r.actorName, r.detail])).toEqual([
      ['Riverside admin', 'name: "Riverside engineering" → "Riverside engineering (B1)"'],
      [expect.any(String), 'members: +sun-yu'],
    ]);
    expect(line('person.disabled', 'person sun-yu')[0].detail).toBe('on leave until March');
    expect(line('person.enabled', 'person sun-yu')).toHaveLength(1);
    expect(line('person.updated', 'person li-wei')[0]).toMatchObject({ actorName: 'Riverside admin', detail: 'phone: (none) → "13800000001"' });
    // What the estate file recorded at the first start, by FMS itself.
    expect(line('team.created', 'team lakeview-eng')).toEqual([
      expect.objectContaining({ actor: 'system', actorName: 'FMS_CONFIG file', detail: 'from the FMS_CONFIG file' }),
    ]);
  });

  it('keeps every change across a restart, with the estate file unchanged', async () => {
    const before = [(await call('GET', '/api/people')).json.items, (await call('GET', '/api/teams')).json.items];
    await fms.stop();
    await start();
    const after = [(await call('GET', '/api/people')).json.items, (await call('GET', '/api/teams')).json.items];
    expect(after).toEqual(before);
    expect(after[1].find((t: any) => t.id === 'riverside-eng')).toMatchObject({ members: ['li-wei', 'sun-yu'], name: 'Riverside engineering (B1)' });
    // Dispatch reads the same: both teams serve Riverside, and the night team's Qian Hao has no order yet.
    const order = await call('POST', '/api/work-orders', ADMIN, {
      source: 'inspection',
      channel: 'inspection',
      category: 'repair',
      title: 'Gland leaking',
      assetId: 'rs-pump-01',
      by: 'zhang-min',
    });
    expect(order.json.assignee).toBe('qian-hao');
  });
});
