import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { createFleet, type Fleet } from '../../simulators/fleet.ts';
import { getJson, startTestFms, waitFor } from '../testing/harness.ts';

// A site that wants its vibration rule and sensor window in seconds, so the whole loop runs in a test.
const estate = {
  sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside', location: 'Plant room B1' },
    { id: 'rs-elevator-01', type: 'elevator', site: 'riverside', location: 'Tower 3 lobby' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump'], phone: '13800000001' },
    { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
    { id: 'wang-fang', name: 'Wang Fang', role: 'manager' },
  ],
  teams: [
    {
      id: 'riverside-eng',
      name: 'Riverside engineering',
      sites: ['riverside'],
      members: ['li-wei', 'chen-jie'],
      supervisor: 'zhang-min',
      manager: 'wang-fang',
    },
  ],
  rules: [
    {
      id: 'pump.vibration-critical',
      assetType: 'pump',
      metric: 'vibration_mms',
      when: { op: '>', value: 7.1 },
      for: '1s',
      clear: { op: '<', value: 5.5, for: '1s' },
      severity: 'critical',
      workOrder: {
        priority: 'P2',
        title: 'Pump vibration critical',
        verifyFor: '3s',
        checklist: [
          'Listen for bearing noise',
          { step: 'Measure vibration', type: 'measurement', unit: 'mm/s', max: 4.5 },
          { step: 'Photo of the bearing housing', type: 'photo' },
        ],
      },
    },
  ],
};

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

describe('the service loop end to end over HTTP: from a simulated fault to a closed, rated order', () => {
  let fms: Fms;
  let fleet: Fleet;
  const url = (p: string) => `${fms.httpUrl}/api${p}`;
  async function post(p: string, body: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(url(p), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }
  const act = (id: string, body: Record<string, unknown>) => post(`/work-orders/${id}/actions`, body);

  beforeAll(async () => {
    fms = await startTestFms(estate);
    fleet = createFleet({
      brokerUrl: fms.mqttUrl,
      seed: 11,
      intervalMs: 200,
      devices: [
        { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
        { id: 'rs-elevator-01', type: 'elevator', site: 'riverside' },
      ],
    });
    await fleet.start();
  });
  afterAll(async () => {
    await fleet?.stop();
    await fms?.stop();
  });

  it('opens, dispatches, works, verifies by the sensors, rates and closes the order', async () => {
    fleet.inject('rs-pump-01', 'bearing_wear', 0);
    const opened = await waitFor(async () => (await getJson(url('/work-orders?assetId=rs-pump-01'))).items[0], 15_000, 'the work order');
    expect(opened).toMatchObject({
      source: 'alarm',
      channel: 'sensor',
      priority: 'P2',
      state: 'assigned',
      assignee: 'li-wei',
      team: 'riverside-eng',
      location: 'Plant room B1',
    });
    const id: string = opened.id;

    // A second technician cannot take an order that is not theirs.
    const notTheirs = await act(id, { action: 'acknowledge', by: 'chen-jie' });
    expect(notTheirs).toMatchObject({ status: 403, body: { error: { code: 'FMS_ERR_WORK_ORDER_FORBIDDEN' } } });
    expect((await act(id, { action: 'acknowledge', by: 'li-wei', note: 'on my way' })).body.state).toBe('acknowledged');
    expect((await act(id, { action: 'start', by: 'li-wei' })).body.state).toBe('in_progress');
    // Resolving from the wrong state is refused with what is allowed.
    const early = await act(id, { action: 'close', by: 'zhang-min' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'FMS_ERR_WORK_ORDER_TRANSITION', allowed: expect.arrayContaining(['resolve', 'hold', 'record']) });

    // The repair: the simulated bearing is replaced, the vibration falls and the alarm clears.
    fleet.clear('rs-pump-01', 'bearing_wear');
    await waitFor(async () => (await getJson(url('/alarms?assetId=rs-pump-01&state=cleared'))).total === 1, 15_000, 'the alarm to clear');
    const attached = await act(id, { action: 'attach', by: 'li-wei', filename: 'bearing.png', data: PNG.toString('base64') });
    expect(attached.status).toBe(200);
    const detail = await getJson(url(`/work-orders/${id}`));
    const photo = detail.attachments[0];
    expect(photo).toMatchObject({ filename: 'bearing.png', contentType: 'image/png', size: PNG.length });
    const file = await fetch(url(`/work-orders/${id}/attachments/${photo.id}`));
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);
    expect(file.headers.get('cache-control')).toBe('private, no-store');
    // A photo named on a Chinese phone opens as well (its name was refused by Node in the header: 500).
    await act(id, { action: 'attach', by: 'li-wei', filename: '泵房照片 1.png', data: Buffer.concat([PNG, Buffer.from([2])]).toString('base64') });
    const named = (await getJson(url(`/work-orders/${id}`))).attachments.find((a: { filename: string }) => a.filename === '泵房照片 1.png');
    const chinese = await fetch(url(`/work-orders/${id}/attachments/${named.id}`));
    expect(chinese.status).toBe(200);
    expect(chinese.headers.get('content-disposition')).toBe(`inline; filename="____ 1.png"; filename*=UTF-8''${encodeURIComponent('泵房照片 1.png')}`);

    const incomplete = await act(id, { action: 'resolve', by: 'li-wei', note: 'bearing replaced' });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.message).toMatch(/checklist steps not done: 0: Listen for bearing noise; 1: Measure vibration; 2: Photo/);
    const resolved = await act(id, {
      action: 'resolve',
      by: 'li-wei',
      note: 'replaced the drive-end bearing',
      results: [
        { step: 0, done: true },
        { step: 1, done: true, value: 2.3 },
        { step: 2, done: true, photo: photo.id },
      ],
    });
    expect(resolved.body).toMatchObject({ state: 'resolved', acceptance: { required: ['sensor'], sensorCheckAt: expect.any(Number) } });

    // The sensors agree it is fixed: no alarm for the window, readings still coming.
    const verified = await waitFor(
      async () => {
        const o = await getJson(url(`/work-orders/${id}`));
        return o.state === 'verified' && o;
      },
      20_000,
      'sensor verification',
    );
    expect(verified.history.at(-1)).toMatchObject({ action: 'verify', actor: 'system', from: 'resolved', to: 'verified' });

    expect((await act(id, { action: 'rate', by: 'zhang-min', score: 5, comment: 'owner called back: quiet now' })).body.rating).toMatchObject({ score: 5 });
    const closed = await act(id, { action: 'close', by: 'zhang-min', note: 'archived' });
    expect(closed.body).toMatchObject({ state: 'closed', breached: false, reworkCount: 0 });

    const history = (await getJson(url(`/work-orders/${id}`))).history.map((e: any) => e.action ?? e.type);
    expect(history).toEqual(['opened', 'assign', 'acknowledge', 'start', 'attach', 'attach', 'resolve', 'verify', 'rate', 'close']);
  });

  it('takes a request from the front desk through requester confirmation and QC', async () => {
    const created = await post('/work-orders', {
      channel: 'front_desk',
      category: 'complaint',
      title: 'Lift shakes between floors 5 and 6',
      assetId: 'rs-elevator-01',
      requester: { name: 'Mrs Zhou', phone: '13900000000', unit: '3-1702' },
      by: 'zhang-min',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ source: 'request', state: 'assigned', assignee: 'chen-jie', acceptance: { required: ['requester', 'qc'] } });
    const id = created.body.id;
    await act(id, { action: 'start', by: 'chen-jie' });
    await act(id, { action: 'resolve', by: 'chen-jie', note: 'guide shoes adjusted' });
    expect((await act(id, { action: 'verify', by: 'requester' })).body.state).toBe('resolved');
    expect((await act(id, { action: 'verify', by: 'zhang-min', check: 'qc', note: 'rode it twice' })).body.state).toBe('verified');
    // A verified complaint gets its follow-up visit within 48 h.
    const visit = await waitFor(
      async () => (await getJson(url('/work-orders?category=inspection'))).items.find((o: any) => o.parentId === id),
      5000,
      'the follow-up visit',
    );
    expect(visit).toMatchObject({ priority: 'P4', requester: { name: 'Mrs Zhou' } });
    expect(visit.sla.clocks.resolve.due - visit.createdAt).toBe(48 * 3_600_000);
    expect(visit.assignee).toBe('chen-jie');
    // Unhappy: rectification.
    const rated = await act(id, { action: 'rate', by: 'requester', score: 2, comment: 'still shakes' });
    expect(rated.body).toMatchObject({ state: 'assigned', reworkCount: 1 });
  });

  it('answers bad requests with what to fix', async () => {
    const noRequester = await post('/work-orders', { channel: 'hotline', category: 'repair', title: 'Leak', site: 'riverside', by: 'zhang-min' });
    expect(noRequester).toMatchObject({
      status: 400,
      body: { error: { code: 'FMS_ERR_WORK_ORDER_INVALID', message: expect.stringMatching(/needs its requester/) } },
    });
    const badAction = await post('/work-orders/WO-2026-000001/actions', { action: 'teleport', by: 'li-wei' });
    expect(badAction.status).toBe(400);
    expect(badAction.body.error.code).toBe('FMS_ERR_API_BAD_REQUEST');
    const badScore = await post('/work-orders/WO-2026-000001/actions', { action: 'rate', by: 'zhang-min', score: 9 });
    expect(badScore.body.error.message).toMatch(/expected a score from 1 to 5/);
    expect((await getJson(url('/people'))).items.find((p: any) => p.id === 'chen-jie')).toMatchObject({
      role: 'technician',
      openOrders: 2,
      teams: ['riverside-eng'],
    });
    expect((await getJson(url('/teams/riverside-eng'))).supervisor).toBe('zhang-min');
    expect((await getJson(url('/people/nobody'))).error.code).toBe('FMS_ERR_PERSON_NOT_FOUND');
    const metrics = await (await fetch(`${fms.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^fms_work_orders_open\{priority="P3",breached="false"\} [1-9]/m);
    expect(metrics).toMatch(/^fms_work_order_actions_total\{action="resolve"\} [1-9]/m);
  });

  it('describes every work-order route and action in OpenAPI', async () => {
    const doc = await getJson(`${fms.httpUrl}/api/docs/json`);
    for (const p of [
      '/api/work-orders',
      '/api/work-orders/{id}',
      '/api/work-orders/{id}/actions',
      '/api/work-orders/{id}/attachments/{attachmentId}',
      '/api/people',
      '/api/teams/{id}',
    ])
      expect(doc.paths, p).toHaveProperty([p]);
    const body = JSON.stringify(doc.paths['/api/work-orders/{id}/actions'].post.requestBody);
    for (const action of ['assign', 'acknowledge', 'start', 'hold', 'resume', 'resolve', 'verify', 'reject', 'close', 'cancel', 'comment', 'rate', 'attach'])
      expect(body).toContain(`"${action}"`);
  });
});
