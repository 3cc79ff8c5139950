import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Asset } from '../assets/asset.ts';
import { createKyselyAlarmStore } from '../alarms/alarm-store.kysely.ts';
import type { AlarmStore } from '../alarms/alarm-store.ts';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import { ruleSchema, type Rule } from '../rules/rule-schema.ts';
import { FmsError } from '../shared/errors.ts';
import { createTestWorkOrderService, workOrderEstate } from '../testing/work-orders.ts';
import { estateFileSchema } from '../config/estate-file.ts';
import { createDirectory } from './people.ts';

const T0 = Date.UTC(2026, 10, 24, 1, 0, 0); // Tuesday 09:00 in Shanghai
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

const pump = (id: string): Asset => ({
  id,
  type: 'pump',
  site: 'riverside',
  name: id,
  location: 'Plant room B1',
  criticality: 4,
  tags: [],
  installedAt: null,
  origin: 'config',
  createdAt: T0,
  updatedAt: T0,
  maintenance: null,
});
const vibration: Rule = ruleSchema.parse({
  id: 'pump.vibration-critical',
  assetType: 'pump',
  failureMode: 'pump.vibration',
  metric: 'vibration_mms',
  when: { op: '>', value: 7.1 },
  severity: 'critical',
  workOrder: { priority: 'P2', title: 'Pump vibration critical', verifyFor: '20m' },
});

const entrapment: Rule = ruleSchema.parse({
  id: 'elevator.entrapment',
  assetType: 'elevator',
  on: 'entrapment',
  clear: { after: '30m' },
  severity: 'critical',
  safety: true,
  workOrder: { priority: 'P2', title: 'Passenger trapped' },
});

eachDatabase('work-order service', (open) => {
  let database: OpenedDatabase;
  let now: number;
  let alarms: AlarmStore;
  let published: { topic: string; payload: Record<string, unknown> }[];

  function setup(estate: unknown = workOrderEstate, lastSeen?: (id: string) => number | null, attachmentQuota?: { count: number; totalBytes: number }) {
    return createTestWorkOrderService({
      attachmentQuota,
      db: database.db,
      now: () => now,
      estate,
      assets: [pump('p1'), pump('p2')],
      faultAlarms: (assetId, fault, since) => alarms.ofFault(assetId, fault, since),
      ruleById: (id) => [vibration, entrapment].find((r) => r.id === id),
      lastSeen,
      published,
    });
  }

  async function raise(assetId = 'p1', value = 8.2) {
    const { alarm } = await alarms.raise({
      assetId,
      site: 'riverside',
      ruleId: vibration.id,
      fault: 'pump.vibration',
      ruleVersion: 1,
      severity: 'critical',
      message: `vibration_mms ${value} > 7.1`,
      value,
      raisedAt: now,
      receivedAt: now,
    });
    return alarm;
  }

  async function errorOf(p: Promise<unknown>): Promise<FmsError> {
    try {
      await p;
    } catch (err) {
      return err as FmsError;
    }
    throw new Error('expected an error');
  }

  beforeEach(async () => {
    database = await open();
    alarms = createKyselyAlarmStore(database.db);
    now = T0;
    published = [];
  });
  afterEach(() => database.close());

  it('registers a hotline request, dispatches it to the least-loaded technician and tells the requester', async () => {
    const { service } = setup();
    const first = await service.open({
      source: 'request',
      channel: 'hotline',
      category: 'repair',
      title: 'No water on floor 17',
      assetId: 'p1',
      requester: { name: 'Mrs Zhou', phone: '13800000000', unit: '3-1702' },
      by: 'zhang-min',
    });
    expect(first).toMatchObject({
      id: 'WO-2026-000001',
      state: 'assigned',
      assignee: 'li-wei',
      team: 'riverside-eng',
      priority: 'P3',
      site: 'riverside',
      location: 'Plant room B1',
    });
    expect(first.acceptance.required).toEqual(['requester']);
    const second = await service.open({
      source: 'request',
      channel: 'wechat',
      category: 'complaint',
      title: 'Lift noisy at night',
      site: 'riverside',
      requester: { name: 'Mr Sun', wechat: 'sun88' },
      by: 'requester',
    });
    expect(second).toMatchObject({ assignee: 'chen-jie', priority: 'P3' });
    expect(second.acceptance.required).toEqual(['requester', 'qc']);
    expect(second.sla.clocks.acknowledge!.due - second.createdAt).toBe(DAY); // a complaint: 24 h
    const opened = published.find((p) => p.topic === 'fms/riverside/work-orders/WO-2026-000001' && p.payload.event === 'opened');
    expect(opened?.payload.workOrder).toMatchObject({ requester: { name: 'Mrs Zhou' } });
    const history = (await service.get(first.id))!.history;
    expect(history.map((e) => [e.type, e.actor])).toEqual([
      ['opened', 'zhang-min'],
      ['assignment', 'system'],
    ]);
    expect(history[1]!.note).toMatch(/least loaded on duty \(0 open orders\)/);
  });

  it('dispatches only to technicians on duty with the skills the asset needs', async () => {
    const estate = {
      ...workOrderEstate,
      people: [
        { id: 'li-wei', name: 'Li Wei', skills: ['pump'], onDuty: [{ days: ['sat', 'sun'], hours: '08:00-20:00' }] },
        { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator'] },
        { id: 'zhao-lei', name: 'Zhao Lei', skills: ['pump'] },
        ...workOrderEstate.people.slice(2),
      ],
      teams: [{ ...workOrderEstate.teams[0], members: ['li-wei', 'chen-jie', 'zhao-lei'] }],
    };
    const { service } = setup(estate);
    const order = await service.open({ source: 'inspection', channel: 'inspection', category: 'repair', title: 'Gland leaking', assetId: 'p1', by: 'li-wei' });
    expect(order.assignee).toBe('zhao-lei'); // Li Wei is off duty on a Tuesday; Chen Jie does elevators
  });

  it('leaves an order unassigned, with the reason, when nobody can take it', async () => {
    const { service } = setup({
      ...workOrderEstate,
      teams: [{ ...workOrderEstate.teams[0], sites: ['lakeview'] }],
      sites: [{ id: 'riverside' }, { id: 'lakeview' }],
    });
    const order = await service.open({ source: 'inspection', channel: 'inspection', category: 'repair', title: 'Gland leaking', assetId: 'p1', by: 'li-wei' });
    expect(order.state).toBe('new');
    expect((await service.get(order.id))!.history.at(-1)!.note).toMatch(/not dispatched: no team serves this order/);
  });

  it('reads the directory as it is now: a disabled technician gets no new order, acts on none and hears of no escalation', async () => {
    const estate = estateFileSchema.parse(workOrderEstate);
    let directory = createDirectory(estate.people, estate.teams, estate.dispatch);
    const { service } = createTestWorkOrderService({
      db: database.db,
      now: () => now,
      assets: [pump('p1')],
      published,
      directory: () => directory,
    });
    const intake = {
      source: 'inspection',
      channel: 'inspection',
      category: 'repair',
      priority: 'P1',
      title: 'Gland leaking',
      assetId: 'p1',
      by: 'zhang-min',
    } as const;
    const first = await service.open(intake);
    expect(first.assignee).toBe('li-wei');

    // Li Wei is disabled: the next order goes to Chen Jie although Li Wei is as loaded, and Li Wei's own order stays his.
    const disable = (id: string, enabled: boolean) =>
      (directory = createDirectory(
        estate.people.map((p) => ({ ...p, enabled: p.id === id ? enabled : (directory.people.get(p.id)?.enabled ?? true) })),
        estate.teams,
        estate.dispatch,
      ));
    disable('li-wei', false);
    const second = await service.open({ ...intake, title: 'Valve stuck' });
    expect(second.assignee).toBe('chen-jie');
    expect((await service.get(first.id))!.order).toMatchObject({ state: 'assigned', assignee: 'li-wei' });
    expect((await errorOf(service.act(first.id, { action: 'acknowledge', by: 'li-wei' }))).code).toBe('FMS_ERR_PERSON_DISABLED');
    expect((await errorOf(service.act(second.id, { action: 'assign', by: 'zhang-min', assignee: 'li-wei', reason: 'closer' }))).code).toBe(
      'FMS_ERR_PERSON_DISABLED',
    );
    // His order's approaching escalation goes to the supervisor alone.
    now += 4 * MIN;
    await service.sweep();
    const escalation = (await service.get(first.id))!.history.find((e) => e.type === 'escalation');
    expect(escalation?.data.recipients).toEqual(['zhang-min']);

    // With nobody enabled, the order waits with the reason; enabled again, Li Wei takes work.
    disable('chen-jie', false);
    const third = await service.open({ ...intake, title: 'Pressure low' });
    expect(third.state).toBe('new');
    expect((await service.get(third.id))!.history.at(-1)!.note).toBe('not dispatched: riverside-eng has no enabled technician');
    disable('li-wei', true);
    expect((await service.open({ ...intake, title: 'Noise' })).assignee).toBe('li-wei');
  });

  it('verifies a repair by the sensors when the fault stays away for the window', async () => {
    const { service, maintenance } = setup();
    const { order } = (await service.openFromAlarm(await raise(), vibration))!;
    expect(order).toMatchObject({ source: 'alarm', channel: 'sensor', state: 'assigned', assignee: 'li-wei' });
    await service.act(order.id, { action: 'acknowledge', by: 'li-wei' });
    now += 20 * MIN;
    await service.act(order.id, { action: 'start', by: 'li-wei' });
    expect(maintenance.get('p1')).toMatchObject({ by: order.id });
    await alarms.clear('p1', 'pump.vibration', now, 'vibration_mms 3.1');
    now += 40 * MIN;
    const resolved = await service.act(order.id, { action: 'resolve', by: 'li-wei', note: 'replaced the drive-end bearing' });
    expect(resolved.acceptance.sensorCheckAt).toBe(now + 20 * MIN); // the rule's verifyFor
    expect(maintenance.get('p1')).toBeNull();
    now += 19 * MIN;
    await service.sweep();
    expect((await service.get(order.id))!.order.state).toBe('resolved');
    now += 2 * MIN;
    await service.sweep();
    const verified = (await service.get(order.id))!;
    expect(verified.order.state).toBe('verified');
    expect(verified.history.at(-1)).toMatchObject({
      type: 'transition',
      action: 'verify',
      from: 'resolved',
      to: 'verified',
      actor: 'system',
      data: { check: 'sensor' },
    });
  });

  it('sends the repair back to work with the evidence when the fault returns within the window', async () => {
    const { service } = setup();
    const { order } = (await service.openFromAlarm(await raise(), vibration))!;
    await service.act(order.id, { action: 'start', by: 'li-wei' });
    await alarms.clear('p1', 'pump.vibration', now, 'ok');
    await service.act(order.id, { action: 'resolve', by: 'li-wei', note: 'tightened the base bolts' });
    now += 10 * MIN;
    const back = await raise('p1', 9.4);
    const result = (await service.openFromAlarm(back, vibration))!;
    expect(result.opened).toBe(false);
    expect(result.order).toMatchObject({ id: order.id, state: 'in_progress', reworkCount: 1, occurrences: 2 });
    const rework = (await service.get(order.id))!.history.find((e) => e.type === 'rework')!;
    expect(rework).toMatchObject({
      from: 'resolved',
      to: 'in_progress',
      actor: 'system',
      data: { evidence: { alarmId: back.id, value: 9.4, message: 'vibration_mms 9.4 > 7.1' } },
    });
  });

  it('fails the sensor check when the alarm is still active at the end of the window, and waits when the device is silent', async () => {
    let heard: number | null = null;
    const { service } = setup(workOrderEstate, (id) => (id === 'p1' ? heard : now));
    const { order } = (await service.openFromAlarm(await raise(), vibration))!;
    await service.act(order.id, { action: 'start', by: 'li-wei' });
    await alarms.clear('p1', 'pump.vibration', now, 'ok');
    await service.act(order.id, { action: 'resolve', by: 'li-wei', note: 'done' });
    now += 21 * MIN;
    await service.sweep();
    let stored = (await service.get(order.id))!;
    expect(stored.order.state).toBe('resolved');
    expect(stored.history.at(-1)!.note).toBe('sensor check deferred: no data from p1 since the resolution');
    heard = now;
    now += 21 * MIN;
    await service.sweep();
    expect((await service.get(order.id))!.order.state).toBe('verified');

    // p2's alarm never cleared: resolving did not fix it.
    const other = (await service.openFromAlarm(await raise('p2'), vibration))!.order;
    await service.act(other.id, { action: 'start', by: other.assignee! });
    now += MIN;
    await service.act(other.id, { action: 'resolve', by: other.assignee!, note: 'looked fine to me' });
    now += 21 * MIN;
    await service.sweep();
    stored = (await service.get(other.id))!;
    expect(stored.order).toMatchObject({ state: 'in_progress', reworkCount: 1 });
    expect(stored.history.at(-1)!.note).toMatch(/alarm is still active at the end of the verification window/);
  });

  it('judges an event fault by new events only: its alarm may still be open from before the repair', async () => {
    const { service } = setup();
    const trapped = async () =>
      (
        await alarms.raise({
          assetId: 'p2',
          site: 'riverside',
          ruleId: entrapment.id,
          fault: entrapment.id,
          ruleVersion: 1,
          severity: 'critical',
          message: 'entrapment',
          value: null,
          raisedAt: now,
          receivedAt: now,
        })
      ).alarm;
    const { order } = (await service.openFromAlarm(await trapped(), entrapment))!;
    await service.act(order.id, { action: 'start', by: 'li-wei' });
    now += 5 * MIN;
    await service.act(order.id, { action: 'resolve', by: 'li-wei', note: 'passenger released, door operator reset' });
    now += 31 * MIN;
    await service.sweep();
    expect((await service.get(order.id))!.order.state).toBe('verified'); // the alarm is still open, but no new event came

    const second = (await service.openFromAlarm(await trapped(), entrapment))!; // the same order: verified is still open
    expect(second.order).toMatchObject({ id: order.id, state: 'in_progress', reworkCount: 1 });
  });

  it('escalates at 75 % and at the deadline from the database, also after a restart', async () => {
    const first = setup();
    const order = await first.service.open({
      source: 'request',
      channel: 'hotline',
      category: 'repair',
      priority: 'P1',
      title: 'Water outage, tower 3',
      assetId: 'p1',
      requester: { name: 'Front desk', phone: '1' },
      by: 'zhang-min',
    });
    now += 4 * MIN;
    await first.service.sweep();
    let stored = (await first.service.get(order.id))!;
    expect(stored.history.filter((e) => e.type === 'escalation').map((e) => e.data)).toEqual([
      expect.objectContaining({ clock: 'acknowledge', level: 'approaching', recipients: ['li-wei', 'zhang-min'] }),
    ]);
    const told = published.find((p) => p.payload.event === 'escalated');
    expect(told?.payload.escalation).toMatchObject({
      level: 'approaching',
      recipients: [
        { id: 'li-wei', name: 'Li Wei' },
        { id: 'zhang-min', role: 'supervisor' },
      ],
    });

    // A new service instance on the same database: deadlines are data, nothing is lost.
    const second = setup();
    now += 2 * MIN;
    await second.service.sweep();
    await second.service.sweep();
    stored = (await second.service.get(order.id))!;
    expect(stored.history.filter((e) => e.type === 'escalation').map((e) => [e.data.clock, e.data.level, e.data.recipients])).toEqual([
      ['acknowledge', 'approaching', ['li-wei', 'zhang-min']],
      ['acknowledge', 'breached', ['zhang-min', 'wang-fang']],
    ]);
    expect(stored.order.breached).toBe(true);
    const breached = await second.service.list({ breached: true, limit: 10, offset: 0 });
    expect(breached.items.map((o) => o.id)).toEqual([order.id]);
  });

  it("escalates an order nobody could take to the site's supervisor, then its manager", async () => {
    const { service } = setup({
      ...workOrderEstate,
      people: workOrderEstate.people.map((p) => (p.role ? p : { ...p, onDuty: [{ days: ['sun'], hours: '00:00-01:00' }] })),
    });
    const order = await service.open({
      source: 'inspection',
      channel: 'inspection',
      category: 'repair',
      priority: 'P1',
      title: 'Pump seized',
      assetId: 'p1',
      by: 'zhang-min',
    });
    expect(order).toMatchObject({ state: 'new', assignee: null, team: 'riverside-eng' });
    now += 4 * MIN;
    await service.sweep();
    now += 2 * MIN;
    await service.sweep();
    const escalations = (await service.get(order.id))!.history.filter((e) => e.type === 'escalation').map((e) => [e.data.level, e.data.recipients]);
    expect(escalations).toEqual([
      ['approaching', ['zhang-min']],
      ['breached', ['zhang-min', 'wang-fang']],
    ]);
  });

  it('reopens the order when the same fault returns within 30 days of closing, and opens a new one after', async () => {
    const estate = { ...workOrderEstate, workOrders: { closeAfter: '1d' } };
    const { service } = setup(estate);
    const { order } = (await service.openFromAlarm(await raise(), vibration))!;
    await service.act(order.id, { action: 'start', by: 'li-wei' });
    await alarms.clear('p1', 'pump.vibration', now, 'ok');
    await service.act(order.id, { action: 'resolve', by: 'li-wei', note: 'bearing replaced' });
    now += 21 * MIN;
    await service.sweep();
    now += DAY;
    await service.sweep();
    expect((await service.get(order.id))!.order.state).toBe('closed');

    now += 10 * DAY;
    const again = (await service.openFromAlarm(await raise(), vibration))!;
    expect(again).toMatchObject({ opened: false, order: { id: order.id, state: 'assigned', repeatCount: 1 } });
    expect((await service.get(order.id))!.history.at(-1)).toMatchObject({ type: 'reopened', action: 'repeat-fault', from: 'closed', to: 'assigned' });
    await service.act(order.id, { action: 'cancel', by: 'zhang-min', note: 'test' });

    // A different pump's fault is its own order.
    const other = (await service.openFromAlarm(await raise('p2'), vibration))!;
    expect(other.opened).toBe(true);
  });

  it('lets one of two simultaneous actions win; the other is told what is allowed now', async () => {
    const { service } = setup();
    const order = await service.open({ source: 'inspection', channel: 'inspection', category: 'repair', title: 'Valve stiff', assetId: 'p1', by: 'li-wei' });
    const results = await Promise.allSettled([
      service.act(order.id, { action: 'acknowledge', by: 'li-wei' }),
      service.act(order.id, { action: 'acknowledge', by: 'zhang-min' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as FmsError;
    expect(refused.code).toBe('FMS_ERR_WORK_ORDER_TRANSITION');
    expect(refused.details).toEqual({ allowed: expect.arrayContaining(['start', 'hold', 'assign', 'cancel']) });
    const stored = (await service.get(order.id))!;
    expect(stored.history.filter((e) => e.action === 'acknowledge')).toHaveLength(1);

    const stale = await errorOf(service.act(order.id, { action: 'comment', by: 'zhang-min', note: 'x', version: order.version }));
    expect(stale.code).toBe('FMS_ERR_WORK_ORDER_CONFLICT');
    expect(stale.details).toEqual({ version: stored.order.version });
  });

  it('stores photos with their checksum and refuses what is not a photo or a PDF', async () => {
    const { service } = setup();
    const order = await service.open({ source: 'inspection', channel: 'inspection', category: 'repair', title: 'Valve stiff', assetId: 'p1', by: 'li-wei' });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)]);
    await service.act(order.id, { action: 'attach', by: 'li-wei', filename: 'valve.png', data: png.toString('base64') });
    const stored = (await service.get(order.id))!;
    expect(stored.attachments).toEqual([
      expect.objectContaining({ filename: 'valve.png', contentType: 'image/png', size: 108, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    const file = await service.attachment(order.id, stored.attachments[0]!.id);
    expect(file.bytes.equals(png)).toBe(true);
    // The same photo again on this order is the same attachment; on another order it is that order's own.
    await service.act(order.id, { action: 'attach', by: 'li-wei', filename: 'valve.png', data: png.toString('base64') });
    expect((await service.get(order.id))!.attachments).toHaveLength(1);
    // Sent twice at the same moment (a retry over a slow network): one attachment, one history line.
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 9)]);
    await Promise.all([1, 2].map(() => service.act(order.id, { action: 'attach', by: 'li-wei', filename: 'seal.jpg', data: jpeg.toString('base64') })));
    const twice = (await service.get(order.id))!;
    expect(twice.attachments.map((a) => a.filename).sort()).toEqual(['seal.jpg', 'valve.png']);
    expect(twice.history.filter((e) => e.type === 'attachment')).toHaveLength(2);
    const other = await service.open({
      source: 'inspection',
      channel: 'inspection',
      category: 'repair',
      title: 'Valve stiff again',
      assetId: 'p1',
      by: 'li-wei',
    });
    await service.act(other.id, { action: 'attach', by: 'li-wei', filename: 'valve.png', data: png.toString('base64') });
    const otherAttachment = (await service.get(other.id))!.attachments[0]!;
    expect(otherAttachment.id).not.toBe(stored.attachments[0]!.id);
    expect((await service.attachment(other.id, otherAttachment.id)).bytes.equals(png)).toBe(true);
    expect(
      (
        await errorOf(
          service.act(order.id, { action: 'attach', by: 'li-wei', filename: 'photo.jpg', data: Buffer.from('#!/bin/sh\nrm -rf /').toString('base64') }),
        )
      ).code,
    ).toBe('FMS_ERR_ATTACHMENT_TYPE');
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2 * 1024 * 1024)]);
    expect((await errorOf(service.act(order.id, { action: 'attach', by: 'li-wei', filename: 'manual.pdf', data: big.toString('base64') }))).code).toBe(
      'FMS_ERR_ATTACHMENT_TOO_LARGE',
    );
    expect((await errorOf(service.act(order.id, { action: 'comment', by: 'stranger', note: 'hi' }))).code).toBe('FMS_ERR_PERSON_UNKNOWN');
  });

  it('holds an order to its attachment quota when photos arrive at once, and keeps no file of those it refused', async () => {
    const { service, files } = setup(workOrderEstate, undefined, { count: 3, totalBytes: 1024 * 1024 });
    const order = await service.open({ source: 'inspection', channel: 'inspection', category: 'repair', title: 'Valve stiff', assetId: 'p1', by: 'li-wei' });
    const photo = (i: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, i)]).toString('base64');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => service.act(order.id, { action: 'attach', by: 'li-wei', filename: `${i}.jpg`, data: photo(i) })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results.filter((x) => x.status === 'rejected')) expect((r.reason as FmsError).code).toBe('FMS_ERR_ATTACHMENT_QUOTA');
    expect((await service.get(order.id))!.attachments).toHaveLength(3);
    expect(readdirSync(path.join(files.folder, order.id))).toHaveLength(3);
  });
});
