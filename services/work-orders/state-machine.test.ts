import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startClocks } from './sla.ts';
import { actionRules, roles, decide, escalate, ProcessError, reopenForRepeat, reworkForFault, type Actor, type DecideContext } from './state-machine.ts';
import type { ActionInput, ActionName } from './work-order-actions.ts';
import { newOrder, workOrderStates, type WorkOrder, type WorkOrderState } from './work-order.ts';

const T0 = Date.UTC(2026, 10, 24, 1, 0, 0);
const MIN = 60_000;
const supervisor: Actor = { id: 'zhang-min', role: 'supervisor' };
const liWei: Actor = { id: 'li-wei', role: 'technician' };
const chenJie: Actor = { id: 'chen-jie', role: 'technician' };
const requester: Actor = { id: 'requester', role: 'requester' };
const settings = { sensorWindowMs: 30 * MIN, closeAfterMs: 3 * 24 * 60 * MIN, followUpVisitMs: 48 * 60 * MIN };
const P2 = { acknowledge: 15 * MIN, onSite: 120 * MIN, resolve: 24 * 60 * MIN };

const ctx = (now = T0 + MIN): DecideContext => ({
  now,
  settings,
  isTechnician: (id) => id === 'li-wei' || id === 'chen-jie' || id === 'zhao-lei',
  // Zhao Lei's team serves Lakeview only.
  servesSite: (id, site) => id !== 'zhao-lei' || site === 'lakeview',
  attachmentIds: new Set(['photo-1']),
  restartClocks: (_o, at) => startClocks(at, P2, { kind: 'always' }, 0.75, null),
  resumeClocks: (o, at) => ({
    ...o.sla,
    pausedSince: null,
    clocks: Object.fromEntries(Object.entries(o.sla.clocks).map(([k, c]) => [k, { ...c, due: c.due + (at - o.sla.pausedSince!) }])),
  }),
});

function order(state: WorkOrderState, patch: Partial<WorkOrder> = {}): WorkOrder {
  const fresh = newOrder(
    {
      source: 'request',
      channel: 'hotline',
      category: 'repair',
      priority: 'P2',
      title: 'Pump noisy',
      description: '',
      assetId: 'p1',
      assetType: 'pump',
      site: 'riverside',
      location: null,
      requester: { name: 'Mrs Zhou', phone: '138' },
      ruleId: null,
      alarmId: null,
      faultKey: null,
      parentId: null,
      pmPlanId: null,
      pmKey: null,
      dueAt: null,
      checklist: [],
      createdAt: T0,
    },
    { ...startClocks(T0, P2, { kind: 'always' }, 0.75, null), pausedSince: state === 'on_hold' ? T0 : null },
    { required: ['qc'], passed: [], sensorWindowMs: 30 * MIN, sensorCheckAt: null },
  );
  const done = (...states: WorkOrderState[]) => (states.includes(state) ? T0 : null);
  return {
    ...fresh,
    id: 'WO-2026-000001',
    version: 3,
    state,
    assignee: state === 'new' ? null : 'li-wei',
    hold: state === 'on_hold' ? { reason: 'waiting_parts', from: 'in_progress', since: T0, pausesSla: true } : null,
    resolvedAt: done('resolved', 'verified', 'closed'),
    verifiedAt: done('verified', 'closed'),
    closedAt: done('closed', 'cancelled'),
    ...patch,
  };
}

/** A valid request for each action, as a supervisor would send it. */
const inputs: Record<ActionName, ActionInput> = {
  assign: { action: 'assign', by: 'zhang-min', assignee: 'chen-jie', reason: 'Li Wei is on leave' },
  acknowledge: { action: 'acknowledge', by: 'zhang-min' },
  start: { action: 'start', by: 'zhang-min' },
  hold: { action: 'hold', by: 'zhang-min', reason: 'waiting_parts' },
  resume: { action: 'resume', by: 'zhang-min' },
  record: { action: 'record', by: 'zhang-min', results: [] },
  resolve: { action: 'resolve', by: 'zhang-min', note: 'replaced the bearing', results: [] },
  verify: { action: 'verify', by: 'zhang-min', check: 'qc' },
  reject: { action: 'reject', by: 'zhang-min', note: 'still noisy' },
  close: { action: 'close', by: 'zhang-min' },
  cancel: { action: 'cancel', by: 'zhang-min', note: 'duplicate of WO-2026-000002' },
  reopen: { action: 'reopen', by: 'zhang-min', note: 'the owner called again' },
  comment: { action: 'comment', by: 'zhang-min', note: 'owner prefers mornings' },
  rate: { action: 'rate', by: 'zhang-min', score: 4 },
  attach: { action: 'attach', by: 'zhang-min', filename: 'a.jpg', data: 'AA==' },
};

/** CONTRACT.md's transitions, written out independently of the implementation's table. */
const expected: Record<ActionName, Partial<Record<WorkOrderState, WorkOrderState>>> = {
  assign: { new: 'assigned', assigned: 'assigned', acknowledged: 'assigned', in_progress: 'assigned' },
  acknowledge: { assigned: 'acknowledged' },
  start: { assigned: 'in_progress', acknowledged: 'in_progress' },
  hold: { assigned: 'on_hold', acknowledged: 'on_hold', in_progress: 'on_hold' },
  resume: { on_hold: 'in_progress' },
  record: { in_progress: 'in_progress' },
  resolve: { in_progress: 'resolved' },
  verify: { resolved: 'verified' },
  reject: { resolved: 'in_progress', verified: 'in_progress' },
  close: { verified: 'closed' },
  cancel: { new: 'cancelled', assigned: 'cancelled', acknowledged: 'cancelled', in_progress: 'cancelled', on_hold: 'cancelled' },
  reopen: { closed: 'assigned' },
  comment: Object.fromEntries(workOrderStates.map((s) => [s, s])),
  rate: { verified: 'verified', closed: 'closed' },
  attach: Object.fromEntries(workOrderStates.filter((s) => s !== 'cancelled').map((s) => [s, s])),
};

describe('work-order state machine', () => {
  it('has a rule for every action in the contract', () => {
    expect(Object.keys(actionRules).sort()).toEqual(Object.keys(expected).sort());
  });

  it('is documented as it is: docs/work-orders.md lists every action with its states and roles', () => {
    const doc = readFileSync(new URL('../../docs/work-orders.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(\w+)` \| ([^|]+) \| [^|]+ \| ([^|]+) \|/gm)].filter((m) => m[1]! in actionRules);
    const documented = Object.fromEntries(
      rows.map(([, action, from, who]) => {
        const states =
          from!.trim() === 'any'
            ? [...workOrderStates]
            : from!.trim() === 'any but cancelled'
              ? workOrderStates.filter((x) => x !== 'cancelled')
              : from!.split(',').map((x) => x.trim());
        const people = who!.trim() === 'anyone' ? [...roles] : who!.split(',').map((x) => x.replace(/\(.*\)/, '').trim());
        return [action, { from: [...states].sort(), roles: [...people].sort() }];
      }),
    );
    const actual = Object.fromEntries(Object.entries(actionRules).map(([a, r]) => [a, { from: [...r.from].sort(), roles: [...r.roles].sort() }]));
    expect(documented).toEqual(actual);
  });

  for (const action of Object.keys(expected) as ActionName[]) {
    for (const state of workOrderStates) {
      const to = expected[action][state];
      if (to) {
        it(`${action} from ${state} leads to ${to}`, () => {
          const d = decide(order(state), inputs[action], supervisor, ctx());
          expect(d.order.state).toBe(to);
          if (action !== 'attach') expect(d.events.length).toBeGreaterThan(0);
          for (const e of d.events) expect(e).toMatchObject({ actor: 'zhang-min', at: T0 + MIN });
        });
      } else {
        it(`${action} from ${state} is refused with the allowed actions listed`, () => {
          let err: unknown;
          try {
            decide(order(state), inputs[action], supervisor, ctx());
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(ProcessError);
          expect((err as ProcessError).kind).toBe('transition');
          const allowed = (Object.keys(expected) as ActionName[]).filter((a) => expected[a][state]).sort();
          expect([...(err as ProcessError).allowed].sort()).toEqual(allowed);
          expect((err as Error).message).toContain(`that is ${state}`);
        });
      }
    }
  }
});

describe('who may act', () => {
  const refuse = (o: WorkOrder, input: ActionInput, actor: Actor) => {
    try {
      decide(o, input, actor, ctx());
    } catch (e) {
      return e as ProcessError;
    }
    throw new Error('expected a refusal');
  };

  it('lets only the assigned technician acknowledge, start and resolve', () => {
    expect(decide(order('assigned'), { action: 'acknowledge', by: 'li-wei' }, liWei, ctx()).order.state).toBe('acknowledged');
    const e = refuse(order('assigned'), { action: 'acknowledge', by: 'chen-jie' }, chenJie);
    expect(e.kind).toBe('forbidden');
    expect(e.message).toBe('chen-jie cannot acknowledge WO-2026-000001: it is assigned to li-wei');
  });

  it('keeps dispatch and QC with supervisors, and confirmation with the requester', () => {
    expect(refuse(order('new'), inputs.assign, liWei).kind).toBe('forbidden');
    expect(refuse(order('resolved'), { action: 'verify', by: 'li-wei', check: 'qc' }, liWei).kind).toBe('forbidden');
    expect(refuse(order('resolved'), { action: 'verify', by: 'requester', check: 'qc' }, requester).kind).toBe('forbidden');
    expect(refuse(order('new'), inputs.assign, requester).kind).toBe('forbidden');
    const both = order('resolved', { acceptance: { required: ['requester', 'qc'], passed: [], sensorWindowMs: 0, sensorCheckAt: null } });
    const confirmed = decide(both, { action: 'verify', by: 'requester' }, requester, ctx());
    expect(confirmed.order.state).toBe('resolved'); // QC still outstanding
    expect(confirmed.events[0]).toMatchObject({ type: 'acceptance', data: { check: 'requester', outstanding: ['qc'] } });
    expect(decide(confirmed.order, { action: 'verify', by: 'zhang-min' }, supervisor, ctx()).order.state).toBe('verified');
  });

  it('needs a reason to re-assign and to cancel, and a known technician', () => {
    expect(refuse(order('assigned'), { action: 'assign', by: 'zhang-min', assignee: 'chen-jie' }, supervisor).message).toMatch(/needs a reason/);
    expect(refuse(order('new'), { action: 'assign', by: 'zhang-min', assignee: 'nobody' }, supervisor).message).toMatch(/not a technician/);
  });

  it("assigns only a technician of a team that serves the order's site", () => {
    const e = refuse(order('new'), { action: 'assign', by: 'zhang-min', assignee: 'zhao-lei' }, supervisor);
    expect([e.kind, e.message]).toEqual([
      'site',
      'zhao-lei is in no team that serves riverside, the site of WO-2026-000001; assign someone of a team that does',
    ]);
    expect(decide(order('new', { site: 'lakeview' }), { action: 'assign', by: 'zhang-min', assignee: 'zhao-lei' }, supervisor, ctx()).order.assignee).toBe(
      'zhao-lei',
    );
  });
});

describe('what actions change', () => {
  it('pauses the SLA while waiting for parts, not while waiting for approval, and resumes where it was', () => {
    const held = decide(order('in_progress'), { action: 'hold', by: 'li-wei', reason: 'waiting_parts' }, liWei, ctx(T0 + 10 * MIN)).order;
    expect(held.sla.pausedSince).toBe(T0 + 10 * MIN);
    expect(held.hold).toMatchObject({ from: 'in_progress', pausesSla: true });
    expect(held.wakeAt).toBeNull();
    const back = decide(held, { action: 'resume', by: 'li-wei' }, liWei, ctx(T0 + 70 * MIN)).order;
    expect(back.state).toBe('in_progress');
    expect(back.sla.clocks.resolve!.due).toBe(T0 + 24 * 60 * MIN + 60 * MIN);
    const approval = decide(order('in_progress'), { action: 'hold', by: 'li-wei', reason: 'waiting_approval' }, liWei, ctx()).order;
    expect(approval.sla.pausedSince).toBeNull();
  });

  it('checks the checklist on resolve: measurements within limits, photos attached, nothing left out', () => {
    const withSteps = order('in_progress', {
      checklist: [
        { step: 'Bearing temperature', type: 'measurement', unit: '°C', max: 80 },
        { step: 'Photo of the new seal', type: 'photo' },
        { step: 'Coupling aligned', type: 'pass_fail' },
      ],
      checklistResults: [null, null, null],
    });
    expect(() => decide(withSteps, { action: 'resolve', by: 'li-wei', note: 'done', results: [{ step: 0, done: true, value: 60 }] }, liWei, ctx())).toThrow(
      /steps not done: 1: Photo of the new seal; 2: Coupling aligned/,
    );
    expect(() => decide(withSteps, { action: 'record', by: 'li-wei', results: [{ step: 1, done: true, photo: 'nope' }] }, liWei, ctx())).toThrow(
      /no attachment "nope"/,
    );
    expect(() => decide(withSteps, { action: 'record', by: 'li-wei', results: [{ step: 0, done: true }] }, liWei, ctx())).toThrow(/expected a value in °C/);
    const d = decide(
      withSteps,
      {
        action: 'resolve',
        by: 'li-wei',
        note: 'done',
        results: [
          { step: 0, done: true, value: 92, followUp: true, note: 'runs hot' },
          { step: 1, done: true, photo: 'photo-1' },
          { step: 2, done: true, passed: true },
        ],
      },
      liWei,
      ctx(),
    );
    expect(d.order.state).toBe('resolved');
    expect(d.order.checklistResults.map((r) => r?.failed)).toEqual([true, false, false]);
    expect(d.effects).toContainEqual(expect.objectContaining({ kind: 'follow-up', title: 'Follow-up: Bearing temperature' }));
  });

  it('starts the sensor window at resolution for alarm orders, and goes straight to verified when nothing is required', () => {
    const started = decide(order('acknowledged'), { action: 'start', by: 'li-wei' }, liWei, ctx(T0 + 10 * MIN)).order;
    const alarmOrder = order('in_progress', {
      sla: started.sla,
      source: 'alarm',
      faultKey: 'p1/pump.vibration',
      requester: null,
      acceptance: { required: ['sensor'], passed: [], sensorWindowMs: 30 * MIN, sensorCheckAt: null },
    });
    const resolved = decide(alarmOrder, { action: 'resolve', by: 'li-wei', note: 'bearing replaced', results: [] }, liWei, ctx(T0 + 60 * MIN)).order;
    expect(resolved.acceptance.sensorCheckAt).toBe(T0 + 90 * MIN);
    expect(resolved.wakeAt).toBe(T0 + 90 * MIN);
    const plain = order('in_progress', { acceptance: { required: [], passed: [], sensorWindowMs: 0, sensorCheckAt: null } });
    expect(decide(plain, { action: 'resolve', by: 'li-wei', note: 'ok', results: [] }, liWei, ctx()).order.state).toBe('verified');
  });

  it('sends work back when the fault returns, counting rework and re-opening the resolve clock', () => {
    const resolved = order('resolved', {
      sla: { ...order('resolved').sla, clocks: { resolve: { start: T0, due: T0 + 60 * MIN, warnAt: T0 + 45 * MIN, metAt: T0 + 30 * MIN, escalated: [] } } },
    });
    const d = reworkForFault(resolved, T0 + 40 * MIN, 'fault back', { alarmId: 7 }, settings);
    expect(d.order).toMatchObject({ state: 'in_progress', reworkCount: 1, resolvedAt: null });
    expect(d.order.sla.clocks.resolve!.metAt).toBeNull();
    expect(d.events[0]).toMatchObject({ type: 'rework', from: 'resolved', to: 'in_progress', data: { evidence: { alarmId: 7 } } });
  });

  it('reopens an order rated 2 or less for rectification, with fresh clocks', () => {
    const d = decide(order('closed'), { action: 'rate', by: 'requester', score: 2, comment: 'still leaking' }, requester, ctx(T0 + 100 * MIN));
    expect(d.order).toMatchObject({ state: 'assigned', reworkCount: 1, closedAt: null });
    expect(d.order.sla.clocks.acknowledge!.start).toBe(T0 + 100 * MIN);
    expect(d.events.map((e) => e.type)).toEqual(['rating', 'reopened']);
    const happy = decide(order('verified'), { action: 'rate', by: 'requester', score: 5 }, requester, ctx());
    expect(happy.order).toMatchObject({ state: 'verified', rating: { score: 5 } });
    expect(() => decide(happy.order, { action: 'rate', by: 'requester', score: 4 }, requester, ctx())).toThrow(/already rated 5/);
  });

  it('opens a follow-up visit when a complaint is verified', () => {
    const d = decide(order('resolved', { category: 'complaint' }), inputs.verify, supervisor, ctx());
    expect(d.effects).toContainEqual(expect.objectContaining({ kind: 'follow-up', category: 'inspection', dueInMs: 48 * 60 * MIN }));
  });

  it('reopens a closed order for a repeat fault and counts it', () => {
    const d = reopenForRepeat(order('closed'), T0 + 5 * 24 * 60 * MIN, { alarmId: 9 }, ctx());
    expect(d.order).toMatchObject({ state: 'assigned', repeatCount: 1, occurrences: 2 });
    expect(d.events[0]).toMatchObject({ type: 'reopened', action: 'repeat-fault', from: 'closed', to: 'assigned' });
  });

  it('records escalations once: approaching to the supervisor, breached to the manager', () => {
    const o = order('assigned');
    const recipients = (level: string) => (level === 'approaching' ? ['li-wei', 'zhang-min'] : ['zhang-min', 'wang-fang']);
    expect(escalate(o, T0 + 5 * MIN, recipients, settings)).toBeUndefined();
    const warned = escalate(o, T0 + 12 * MIN, recipients, settings)!;
    expect(warned.events).toEqual([
      expect.objectContaining({
        type: 'escalation',
        data: expect.objectContaining({ clock: 'acknowledge', level: 'approaching', recipients: ['li-wei', 'zhang-min'] }),
      }),
    ]);
    expect(escalate(warned.order, T0 + 13 * MIN, recipients, settings)).toBeUndefined();
    const breached = escalate(warned.order, T0 + 16 * MIN, recipients, settings)!;
    expect(breached.order.breached).toBe(true);
    expect(breached.effects).toEqual([{ kind: 'notify', level: 'breached', clock: 'acknowledge', recipients: ['zhang-min', 'wang-fang'] }]);
  });
});
