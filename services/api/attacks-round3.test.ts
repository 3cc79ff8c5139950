import { randomBytes } from 'node:crypto';
import os from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms, waitFor } from '../testing/harness.ts';

/**
 * The HTTP attacks of the third security round, each reproduced against a real FMS as the intruder
 * made them: its API on a socket (fetch), and devices tripping over MQTT (mqtt.js) for the alarms.
 */
const ADMIN = 'admin-key-for-the-third-round-api-tests-01';
const estate = {
  sites: [{ id: 'riverside' }, { id: 'lakeview' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-02', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-03', type: 'pump', site: 'riverside' },
    { id: 'rs-pump-04', type: 'pump', site: 'riverside' },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump'] },
    { id: 'chen-jie', name: 'Chen Jie', skills: ['pump'] },
    { id: 'zhao-lei', name: 'Zhao Lei', skills: ['pump'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
    { id: 'wu-fang', name: 'Wu Fang', role: 'supervisor' },
  ],
  teams: [
    { id: 'rs-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei', 'chen-jie'], supervisor: 'zhang-min' },
    { id: 'lv-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei'], supervisor: 'wu-fang' },
  ],
};
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A file FMS takes for a PNG (by its signature), of about `size` bytes, different each time. */
const png = (size = 64) => Buffer.concat([PNG, randomBytes(size)]).toString('base64');

describe('attacks on the HTTP API, third round (FMS_API_AUTH=keys)', () => {
  let fms: Fms;
  const clients: MqttClient[] = [];
  const call = (method: string, url: string, key?: string, payload?: unknown) =>
    fetch(`${fms.httpUrl}${url}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
  const issue = async (body: object) => (await call('POST', '/api/keys', ADMIN, body)).body as { id: string; token: string };
  const audit = async (action: string) =>
    (await call('GET', `/api/audit?action=${action}&limit=1000`, ADMIN)).body.items as { target: string; detail: string; actorName: string; outcome: string }[];
  const intake = (assetId: string, extra: object = {}) => ({
    channel: 'hotline',
    category: 'repair',
    title: 'Noise',
    assetId,
    requester: { name: 'Front desk', phone: '1' },
    by: 'requester',
    ...extra,
  });
  const act = (id: string, key: string, action: object) => call('POST', `/api/work-orders/${id}/actions`, key, action);
  /** An order on the asset registered at the hotline, assigned to `assignee` by the supervisor. */
  const orderFor = async (assetId: string, assignee: string) => {
    const order = (await call('POST', '/api/work-orders', ADMIN, intake(assetId))).body;
    if (order.assignee !== assignee) expect((await act(order.id, ADMIN, { action: 'assign', by: 'zhang-min', assignee, reason: 'test' })).status).toBe(200);
    return order.id as string;
  };

  beforeAll(async () => {
    fms = await startTestFms(estate, {
      FMS_API_AUTH: 'keys',
      FMS_ADMIN_KEY: ADMIN,
      FMS_HTTP_RATE_LIMIT: '0',
      FMS_ATTACHMENT_MAX_MB: '1',
      FMS_ATTACHMENTS_PER_ORDER: '3',
      FMS_ATTACHMENTS_MB_PER_ORDER: '1',
    });
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await fms?.stop();
  });

  describe('finding 8: an integration’s key', () => {
    it('acts for the requester only on orders it registered, not on the hotline’s or another app’s', async () => {
      const app = await issue({ name: 'resident app', role: 'integration', sites: ['riverside'] });
      const other = await issue({ name: 'another app', role: 'integration' });
      const own = (await call('POST', '/api/work-orders', app.token, intake('rs-pump-01'))).body;
      const hotline = (await call('POST', '/api/work-orders', ADMIN, intake('rs-pump-01', { title: 'Leak' }))).body;
      for (const action of [
        { action: 'cancel', by: 'requester', note: 'not needed' },
        { action: 'comment', by: 'requester', note: 'hello' },
      ]) {
        const refused = await act(hotline.id, app.token, action);
        expect(refused.status, action.action).toBe(403);
        expect(refused.body.error.message).toMatch(/acts for the requester only on orders it registered/);
      }
      expect((await act(own.id, other.token, { action: 'cancel', by: 'requester', note: 'x' })).status).toBe(403);
      expect((await call('GET', `/api/work-orders/${hotline.id}`, ADMIN)).body.state).not.toBe('cancelled');
      // Its own order it may still act on for the requester.
      const cancelled = await act(own.id, app.token, { action: 'cancel', by: 'requester', note: 'resolved itself' });
      expect([cancelled.status, cancelled.body.state]).toEqual([200, 'cancelled']);
    });

    it('cannot confirm the repair of an order it did not register', async () => {
      const app = await issue({ name: 'resident app 2', role: 'integration' });
      const id = await orderFor('rs-pump-02', 'chen-jie');
      expect((await act(id, ADMIN, { action: 'start', by: 'chen-jie' })).status).toBe(200);
      expect((await act(id, ADMIN, { action: 'resolve', by: 'chen-jie', note: 'bearing replaced' })).status).toBe(200);
      const confirm = await act(id, app.token, { action: 'verify', by: 'requester', note: 'works' });
      expect(confirm.status).toBe(403);
      const order = (await call('GET', `/api/work-orders/${id}`, ADMIN)).body;
      expect(order.acceptance.passed).not.toContain('requester');
      expect(order.history.filter((e: { action: string }) => e.action === 'verify')).toEqual([]);
    });
  });

  it('finding 8: holds an order to FMS_ATTACHMENTS_PER_ORDER attachments and FMS_ATTACHMENTS_MB_PER_ORDER bytes', async () => {
    const order = (await call('POST', '/api/work-orders', ADMIN, intake('rs-pump-02'))).body;
    const attach = (data: string) => act(order.id, ADMIN, { action: 'attach', by: 'zhang-min', filename: 'p.png', data });
    const first = png();
    expect((await attach(first)).status).toBe(200);
    // Sent at once, as the intruder did: the quota holds all the same.
    const burst = await Promise.all(Array.from({ length: 6 }, () => attach(png())));
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 409, 409, 409, 409]);
    const refused = burst.find((r) => r.status === 409)!;
    expect(refused.body.error).toEqual({
      code: 'FMS_ERR_ATTACHMENT_QUOTA',
      message: `${order.id} has 3 attachments, the most one order may hold (FMS_ATTACHMENTS_PER_ORDER)`,
    });
    // The same file again is the one already there: no error, nothing added.
    expect((await attach(first)).status).toBe(200);
    expect((await call('GET', `/api/work-orders/${order.id}`, ADMIN)).body.attachments).toHaveLength(3);

    const big = (await call('POST', '/api/work-orders', ADMIN, intake('rs-pump-02', { title: 'Photos' }))).body;
    const attachBig = () => act(big.id, ADMIN, { action: 'attach', by: 'zhang-min', filename: 'b.png', data: png(600 * 1024) });
    expect((await attachBig()).status).toBe(200);
    const over = await attachBig();
    expect(over.status).toBe(409);
    expect(over.body.error.message).toMatch(/more than the 1048576 one order may \(FMS_ATTACHMENTS_MB_PER_ORDER\)/);
  });

  describe('finding 9: a technician taking over maintenance', () => {
    it('cannot start over, nor end, the maintenance mode a supervisor started', async () => {
      const zhang = await issue({ name: 'Zhang Min', role: 'supervisor', personId: 'zhang-min' });
      const li = await issue({ name: 'Li Wei', role: 'technician', personId: 'li-wei' });
      expect((await call('POST', '/api/assets/rs-pump-03/maintenance', zhang.token, { by: 'zhang-min', minutes: 600 })).status).toBe(200);
      // The intruder's two steps: make it theirs for a minute, then end it.
      const takeOver = await call('POST', '/api/assets/rs-pump-03/maintenance', li.token, { by: 'li-wei', minutes: 1 });
      expect(takeOver.status).toBe(403);
      expect(takeOver.body.error.message).toMatch(/^li-wei may take over only maintenance mode they started; this one is zhang-min's, until /);
      expect((await call('DELETE', '/api/assets/rs-pump-03/maintenance', li.token)).status).toBe(403);
      expect((await call('GET', '/api/assets/rs-pump-03', ADMIN)).body.maintenance).toMatchObject({ by: 'zhang-min' });
      expect((await audit('access.denied')).map((r) => r.target)).toContain('POST /api/assets/rs-pump-03/maintenance');
      // Their own maintenance mode they start and end as before.
      expect((await call('DELETE', '/api/assets/rs-pump-03/maintenance', zhang.token)).status).toBe(200);
      expect((await call('POST', '/api/assets/rs-pump-03/maintenance', li.token, { by: 'li-wei', minutes: 30 })).status).toBe(200);
      expect((await call('POST', '/api/assets/rs-pump-03/maintenance', li.token, { by: 'li-wei', minutes: 60 })).status).toBe(200);
      expect((await call('DELETE', '/api/assets/rs-pump-03/maintenance', li.token)).status).toBe(200);
    });

    it('does not take over a supervisor’s maintenance mode by starting an order of theirs on the asset, nor end it by resolving', async () => {
      const zhang = await issue({ name: 'Zhang Min (2)', role: 'supervisor', personId: 'zhang-min' });
      const li = await issue({ name: 'Li Wei (2)', role: 'technician', personId: 'li-wei' });
      const id = await orderFor('rs-pump-04', 'li-wei');
      expect((await call('POST', '/api/assets/rs-pump-04/maintenance', zhang.token, { by: 'zhang-min', minutes: 600 })).status).toBe(200);
      const before = (await call('GET', '/api/assets/rs-pump-04', ADMIN)).body.maintenance;
      expect((await act(id, li.token, { action: 'start', by: 'li-wei' })).status).toBe(200);
      expect((await call('GET', '/api/assets/rs-pump-04', ADMIN)).body.maintenance).toEqual(before);
      expect((await act(id, li.token, { action: 'resolve', by: 'li-wei', note: 'done' })).status).toBe(200);
      expect((await call('GET', '/api/assets/rs-pump-04', ADMIN)).body.maintenance).toEqual(before);
      // Without anyone else's, the order's start puts the asset in maintenance and its end ends it.
      expect((await call('DELETE', '/api/assets/rs-pump-04/maintenance', zhang.token)).status).toBe(200);
      const next = await orderFor('rs-pump-04', 'li-wei');
      expect((await act(next, li.token, { action: 'start', by: 'li-wei' })).status).toBe(200);
      expect((await call('GET', '/api/assets/rs-pump-04', ADMIN)).body.maintenance).toMatchObject({ by: next });
      expect((await act(next, li.token, { action: 'resolve', by: 'li-wei', note: 'done' })).status).toBe(200);
      expect((await call('GET', '/api/assets/rs-pump-04', ADMIN)).body.maintenance).toBeNull();
    });

    it('cannot assign themselves a teammate’s order nor work it: only its assignee acts as technician', async () => {
      const li = await issue({ name: 'Li Wei (3)', role: 'technician', personId: 'li-wei' });
      const id = await orderFor('rs-pump-01', 'chen-jie');
      for (const action of [
        { action: 'assign', by: 'li-wei', assignee: 'li-wei', reason: 'mine now' },
        { action: 'acknowledge', by: 'li-wei' },
        { action: 'start', by: 'li-wei' },
        { action: 'hold', by: 'li-wei', reason: 'waiting_parts' },
      ]) {
        const refused = await act(id, li.token, action);
        expect([refused.status, refused.body.error.code], action.action).toEqual([403, 'FMS_ERR_WORK_ORDER_FORBIDDEN']);
      }
      // In someone else's name, or the requester's, neither.
      expect((await act(id, li.token, { action: 'assign', by: 'zhang-min', assignee: 'li-wei', reason: 'x' })).status).toBe(403);
      expect((await act(id, li.token, { action: 'cancel', by: 'requester', note: 'x' })).status).toBe(403);
      expect((await call('GET', `/api/work-orders/${id}`, ADMIN)).body).toMatchObject({ assignee: 'chen-jie', state: 'assigned' });
    });
  });

  it('finding 11: refuses to assign an order to a technician of no team serving its site', async () => {
    const lakeview = (await call('POST', '/api/work-orders', ADMIN, intake('lv-pump-01'))).body;
    const refused = await act(lakeview.id, ADMIN, { action: 'assign', by: 'wu-fang', assignee: 'li-wei', reason: 'test cross-site' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'FMS_ERR_WORK_ORDER_ASSIGNEE_SITE',
      message: `li-wei is in no team that serves lakeview, the site of ${lakeview.id}; assign someone of a team that does`,
    });
    // It stays with the Lakeview technician dispatch chose.
    expect((await call('GET', `/api/work-orders/${lakeview.id}`, ADMIN)).body).toMatchObject({ assignee: 'zhao-lei', state: 'assigned' });
  });

  describe('finding 12: acknowledging alarms', () => {
    /** A pump trips (a safety alarm nobody holds back) and the alarm it raised. */
    const tripped = async (assetId: string, site = 'riverside') => {
      const device = await mqtt.connectAsync(fms.mqttUrl, { clientId: assetId, reconnectPeriod: 0 });
      clients.push(device);
      await device.publishAsync(`fms/${site}/pump/${assetId}/event`, JSON.stringify({ type: 'trip' }), { qos: 1 });
      return waitFor(
        async () => (await call('GET', `/api/alarms?assetId=${assetId}&state=active`, ADMIN)).body.items[0] as { id: number } | undefined,
        10_000,
        `an alarm of ${assetId}`,
      );
    };

    it('acknowledges as the key’s identity, never as whoever `by` names, and records each acknowledgement in the audit log', async () => {
      const supervisorsTablet = await issue({ name: 'Riverside control room', role: 'supervisor' });
      const li = await issue({ name: 'Li Wei (4)', role: 'technician', personId: 'li-wei' });
      const first = await tripped('rs-pump-01');
      // The intruder's ack in a technician's name with a key of nobody in particular.
      const forged = await call('POST', `/api/alarms/${first.id}/ack`, supervisorsTablet.token, { by: 'li-wei', note: 'seen' });
      expect(forged.status).toBe(403);
      expect(forged.body.error.message).toMatch(
        /this key belongs to no person: it acknowledges as itself \("Riverside control room \(key \w+\)"\), not as "li-wei"/,
      );
      const asItself = await call('POST', `/api/alarms/${first.id}/ack`, supervisorsTablet.token, { note: 'seen' });
      expect([asItself.status, asItself.body.acknowledgedBy]).toEqual([200, `Riverside control room (key ${supervisorsTablet.id})`]);

      // A person's key acknowledges as its person, `by` or not.
      const second = await tripped('rs-pump-02');
      expect((await call('POST', `/api/alarms/${second.id}/ack`, li.token, { by: 'zhang-min' })).status).toBe(403);
      const byLi = await call('POST', `/api/alarms/${second.id}/ack`, li.token, { note: 'on my way' });
      expect([byLi.status, byLi.body.acknowledgedBy]).toEqual([200, 'li-wei']);

      // An admin's key of no person names someone listed under people.
      const third = await tripped('lv-pump-01', 'lakeview');
      const nobody = await call('POST', `/api/alarms/${third.id}/ack`, ADMIN, { by: 'somebody' });
      expect([nobody.status, nobody.body.error.code]).toEqual([400, 'FMS_ERR_PERSON_UNKNOWN']);
      const forZhao = await call('POST', `/api/alarms/${third.id}/ack`, ADMIN, { by: 'zhao-lei', note: 'phoned in' });
      expect([forZhao.status, forZhao.body.acknowledgedBy]).toEqual([200, 'zhao-lei']);

      const records = await audit('alarm.acknowledged');
      expect(records.map((r) => [r.target, r.actorName, r.detail])).toEqual(
        expect.arrayContaining([
          [`alarm ${first.id}`, 'Riverside control room', `by Riverside control room (key ${supervisorsTablet.id}): seen`],
          [`alarm ${second.id}`, 'Li Wei (4)', 'by li-wei: on my way'],
          [`alarm ${third.id}`, 'FMS_ADMIN_KEY', 'by zhao-lei: phoned in'],
        ]),
      );
    });
  });

  describe('finding 14: a key bound to a person of another role', () => {
    it('is not issued', async () => {
      const techAsSupervisor = await call('POST', '/api/keys', ADMIN, { name: 'tech as sup', role: 'technician', personId: 'zhang-min' });
      expect(techAsSupervisor.status).toBe(400);
      expect(techAsSupervisor.body.error.message).toBe('role: zhang-min is a supervisor; a key acting as them has the role "supervisor", not "technician"');
      expect((await call('POST', '/api/keys', ADMIN, { name: 'sup as tech', role: 'supervisor', personId: 'li-wei' })).status).toBe(400);
      expect((await call('POST', '/api/keys', ADMIN, { name: 'app as tech', role: 'integration', personId: 'li-wei' })).status).toBe(400);
      expect((await call('POST', '/api/keys', ADMIN, { name: 'Li Wei (5)', role: 'technician', personId: 'li-wei' })).status).toBe(201);
    });

    it('issued before FMS checked this, is refused on every route', async () => {
      // As a key stored by an earlier version: the store takes it as it is.
      const techAsSupervisor = await fms.apiKeys.issue({ name: 'tech as sup (old)', role: 'technician', personId: 'zhang-min', expiresAt: null, sites: null });
      const supAsTech = await fms.apiKeys.issue({ name: 'sup as tech (old)', role: 'supervisor', personId: 'li-wei', expiresAt: null, sites: null });
      const zhang = await issue({ name: 'Zhang Min (3)', role: 'supervisor', personId: 'zhang-min' });
      expect((await call('POST', '/api/assets/rs-pump-03/maintenance', zhang.token, { by: 'zhang-min', minutes: 600 })).status).toBe(200);
      // The technician holding the supervisor's key would end Zhang Min's maintenance mode as her.
      const ended = await call('DELETE', '/api/assets/rs-pump-03/maintenance', techAsSupervisor.token);
      expect(ended.status).toBe(403);
      expect(ended.body.error.message).toBe(
        'this key has the role "technician" but acts for zhang-min, a supervisor: a key acting as a person has their role; issue a new key',
      );
      // And Li Wei with a supervisor's key would read reports and end anyone's maintenance mode.
      expect((await call('DELETE', '/api/assets/rs-pump-03/maintenance', supAsTech.token)).status).toBe(403);
      expect((await call('GET', '/api/reports', supAsTech.token)).status).toBe(403);
      expect((await call('GET', '/api/assets/rs-pump-03', ADMIN)).body.maintenance).toMatchObject({ by: 'zhang-min' });
      expect((await call('DELETE', '/api/assets/rs-pump-03/maintenance', zhang.token)).status).toBe(200);
    });
  });

  describe('finding 16: what is shown beyond a key’s reach', () => {
    it('shows a site-limited key the people and teams of its sites only', async () => {
      const riverside = await issue({ name: 'Riverside viewer', role: 'viewer', sites: ['riverside'] });
      const people = (await call('GET', '/api/people', riverside.token)).body.items as { id: string; teams: string[] }[];
      expect(people.map((p) => p.id).sort()).toEqual(['chen-jie', 'li-wei', 'zhang-min']);
      expect(new Set(people.flatMap((p) => p.teams))).toEqual(new Set(['rs-eng']));
      expect(((await call('GET', '/api/teams', riverside.token)).body.items as { id: string }[]).map((t) => t.id)).toEqual(['rs-eng']);
      expect((await call('GET', '/api/people/zhao-lei', riverside.token)).status).toBe(404);
      expect((await call('GET', '/api/teams/lv-eng', riverside.token)).status).toBe(404);
      // A key of the whole estate sees everyone.
      expect((await call('GET', '/api/people', ADMIN)).body.items).toHaveLength(5);
      expect((await call('GET', '/api/teams', ADMIN)).body.items).toHaveLength(2);
    });

    it('tells only an admin’s key where FMS runs (host name and process id) in /api/health', async () => {
      const admin = await call('GET', '/api/health', ADMIN);
      const instance = admin.body.cluster.instance as string;
      expect(instance).toBe(
        `${os
          .hostname()
          .replace(/[^A-Za-z0-9_.-]/g, '-')
          .slice(0, 40)}-${process.pid}`,
      );
      const anonymous = await fetch(`${fms.httpUrl}/api/health`).then((r) => r.text());
      expect(anonymous).not.toContain(instance);
      expect(JSON.parse(anonymous).cluster).not.toHaveProperty('instance');
      const viewer = await issue({ name: 'wall display', role: 'viewer' });
      expect((await call('GET', '/api/health', viewer.token)).body.cluster).not.toHaveProperty('instance');
      // A wrong key on a public route is only no key.
      expect((await call('GET', '/api/health', 'fms_000000000000_wrong')).status).toBe(200);
    });
  });
});
