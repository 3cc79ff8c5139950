import type { ChecklistStep } from '../shared/vocabulary.ts';
import { formatDuration } from '../shared/duration.ts';
import { dueEscalations, isBreached, markEscalated, meet, nextEscalationAt, pause, unmeet, type DueEscalation, type OrderSla } from './sla.ts';
import type { ActionInput, ActionName, StepResultInput } from './work-order-actions.ts';
import {
  isOpen,
  pausingHoldReasons,
  workOrderStates,
  type AcceptanceCheck,
  type ChecklistResult,
  type WorkOrder,
  type WorkOrderEvent,
  type WorkOrderState,
} from './work-order.ts';

/**
 * The work-order process as pure functions: who may do what from which state, and what each action
 * changes. Nothing here reads a clock, a database or the network; the service feeds it and stores
 * what it returns.
 */

export const roles = ['technician', 'supervisor', 'manager', 'requester', 'system'] as const;
export type Role = (typeof roles)[number];
export interface Actor {
  id: string;
  role: Role;
}

interface ActionRule {
  from: readonly WorkOrderState[];
  roles: readonly Role[];
  /** A technician may do it only on an order assigned to them. */
  assigneeOnly?: boolean;
}

const everyState = workOrderStates;
const people: Role[] = ['technician', 'supervisor', 'manager', 'requester'];

/** The permission and transition table (docs/work-orders.md prints it). */
export const actionRules: Record<ActionName, ActionRule> = {
  assign: { from: ['new', 'assigned', 'acknowledged', 'in_progress'], roles: ['supervisor', 'manager', 'system'] },
  acknowledge: { from: ['assigned'], roles: ['technician', 'supervisor'], assigneeOnly: true },
  start: { from: ['assigned', 'acknowledged'], roles: ['technician', 'supervisor'], assigneeOnly: true },
  hold: { from: ['assigned', 'acknowledged', 'in_progress'], roles: ['technician', 'supervisor', 'manager'], assigneeOnly: true },
  resume: { from: ['on_hold'], roles: ['technician', 'supervisor', 'manager', 'system'], assigneeOnly: true },
  record: { from: ['in_progress'], roles: ['technician', 'supervisor'], assigneeOnly: true },
  resolve: { from: ['in_progress'], roles: ['technician', 'supervisor'], assigneeOnly: true },
  verify: { from: ['resolved'], roles: ['requester', 'supervisor', 'manager', 'system'] },
  reject: { from: ['resolved', 'verified'], roles: ['requester', 'supervisor', 'manager', 'system'] },
  close: { from: ['verified'], roles: ['supervisor', 'manager', 'system'] },
  cancel: { from: ['new', 'assigned', 'acknowledged', 'in_progress', 'on_hold'], roles: ['supervisor', 'manager', 'requester'] },
  reopen: { from: ['closed'], roles: ['supervisor', 'manager', 'system'] },
  comment: { from: everyState, roles: [...people, 'system'] },
  rate: { from: ['verified', 'closed'], roles: ['requester', 'supervisor', 'manager'] },
  attach: { from: everyState.filter((s) => s !== 'cancelled'), roles: people },
};

/** Where an action leads from a state (the same state for actions that only record something). */
function targetOf(action: ActionName, order: WorkOrder): WorkOrderState {
  switch (action) {
    case 'assign':
      return 'assigned';
    case 'acknowledge':
      return 'acknowledged';
    case 'start':
      return 'in_progress';
    case 'hold':
      return 'on_hold';
    case 'resume':
      return order.hold?.from ?? 'assigned';
    case 'resolve':
      return 'resolved';
    case 'reject':
      return 'in_progress';
    case 'close':
      return 'closed';
    case 'cancel':
      return 'cancelled';
    case 'reopen':
      return order.assignee ? 'assigned' : 'new';
    default:
      return order.state;
  }
}

/** The actions allowed from the order's state (for anyone), as listed in a 409. */
export function allowedActions(order: Pick<WorkOrder, 'state'>): ActionName[] {
  return (Object.keys(actionRules) as ActionName[]).filter((a) => actionRules[a].from.includes(order.state));
}

/** `site`: the person may not work at the order's site (no team of theirs serves it). */
export type ProcessErrorKind = 'transition' | 'forbidden' | 'invalid' | 'site';
export class ProcessError extends Error {
  constructor(
    readonly kind: ProcessErrorKind,
    message: string,
    readonly allowed: ActionName[] = [],
  ) {
    super(message);
    this.name = 'ProcessError';
  }
}

/** What acceptance and closing need, from the FMS_CONFIG `acceptance` block. */
export interface ProcessSettings {
  /** Default sensor window; a rule may set its own (`workOrder.verifyFor`). */
  sensorWindowMs: number;
  /** Verified orders close by themselves after this long (time for feedback). */
  closeAfterMs: number;
  /** A verified complaint gets a follow-up visit due within this long. */
  followUpVisitMs: number;
}

/** Things the service does after storing the change. */
export type Effect =
  | { kind: 'maintenance'; on: boolean }
  | { kind: 'follow-up'; title: string; description: string; category: string; dueInMs: number | null }
  | { kind: 'notify'; level: DueEscalation['level']; clock: DueEscalation['clock']; recipients: string[] }
  | { kind: 'rectification' };

export interface Decision {
  order: WorkOrder;
  events: WorkOrderEvent[];
  effects: Effect[];
}

export interface DecideContext {
  now: number;
  settings: ProcessSettings;
  /** Whether a person id is a technician who can be assigned. */
  isTechnician(id: string): boolean;
  /** Whether the technician is in a team that serves this site (true for everyone when no teams are configured). */
  servesSite(id: string, site: string | null): boolean;
  /** Attachment ids of the order (photo steps refer to them). */
  attachmentIds: ReadonlySet<string>;
  /** Fresh SLA clocks from `at` (a reopened order is a new job with its own time limits). */
  restartClocks(order: WorkOrder, at: number): OrderSla;
  /** The business calendar the order's clocks count in, to shift them after a pause. */
  resumeClocks(order: WorkOrder, at: number): OrderSla;
}

/**
 * Applies one action to an order: checks who may do it, from which state and with which fields,
 * and returns the changed order, the events to store and the effects to carry out.
 */
export function decide(order: WorkOrder, input: ActionInput, actor: Actor, ctx: DecideContext): Decision {
  const rule = actionRules[input.action];
  if (!rule.from.includes(order.state)) {
    const allowed = allowedActions(order);
    throw new ProcessError('transition', `cannot ${input.action} a work order that is ${order.state}; allowed now: ${allowed.join(', ')}`, allowed);
  }
  if (!rule.roles.includes(actor.role)) {
    throw new ProcessError('forbidden', `a ${actor.role} cannot ${input.action} a work order (allowed: ${rule.roles.join(', ')})`);
  }
  if (rule.assigneeOnly && actor.role === 'technician' && order.assignee !== actor.id) {
    throw new ProcessError('forbidden', `${actor.id} cannot ${input.action} ${order.id}: it is assigned to ${order.assignee ?? 'nobody'}`);
  }
  if (actor.role === 'requester' && !order.requester) throw new ProcessError('forbidden', `${order.id} has no requester`);

  const { now } = ctx;
  const to = targetOf(input.action, order);
  const events: WorkOrderEvent[] = [];
  const effects: Effect[] = [];
  const note = 'note' in input ? (input.note ?? null) : null;
  let next: WorkOrder = { ...order, updatedAt: now };
  const transition = (data: Record<string, unknown> = {}, type: WorkOrderEvent['type'] = 'transition', eventNote = note) =>
    events.push({ at: now, type, action: input.action, from: order.state, to: next.state, actor: actor.id, note: eventNote, data });

  switch (input.action) {
    case 'assign': {
      if (!ctx.isTechnician(input.assignee)) throw new ProcessError('invalid', `"${input.assignee}" is not a technician listed under people`);
      // The teams say who works where: nobody sends a technician to a site no team of theirs serves.
      if (!ctx.servesSite(input.assignee, order.site))
        throw new ProcessError(
          'site',
          `${input.assignee} is in no team that serves ${order.site}, the site of ${order.id}; assign someone of a team that does`,
        );
      if (order.assignee === input.assignee && order.state === 'assigned')
        throw new ProcessError('invalid', `${order.id} is already assigned to ${input.assignee}`);
      const reason = input.reason ?? input.note;
      if (order.assignee && !reason) throw new ProcessError('invalid', `re-assigning ${order.id} from ${order.assignee} needs a reason`);
      next = { ...next, state: to, assignee: input.assignee, team: null };
      if (order.state === 'in_progress') effects.push({ kind: 'maintenance', on: false });
      transition({ assignee: input.assignee, previous: order.assignee }, 'assignment', reason ?? null);
      break;
    }
    case 'acknowledge':
      next = { ...next, state: to, acknowledgedAt: now, sla: meet(order.sla, 'acknowledge', now) };
      transition();
      break;
    case 'start':
      next = {
        ...next,
        state: to,
        acknowledgedAt: order.acknowledgedAt ?? now,
        startedAt: order.startedAt ?? now,
        sla: meet(meet(order.sla, 'acknowledge', now), 'onSite', now),
      };
      effects.push({ kind: 'maintenance', on: true });
      transition();
      break;
    case 'hold': {
      const pausesSla = pausingHoldReasons.includes(input.reason);
      next = {
        ...next,
        state: to,
        hold: { reason: input.reason, from: order.state, since: now, pausesSla },
        sla: pausesSla ? pause(order.sla, now) : order.sla,
      };
      if (order.state === 'in_progress') effects.push({ kind: 'maintenance', on: false });
      transition({ reason: input.reason, slaPaused: pausesSla });
      break;
    }
    case 'resume': {
      const held = order.hold!;
      next = { ...next, state: to, hold: null, sla: held.pausesSla ? ctx.resumeClocks(order, now) : order.sla };
      if (to === 'in_progress') effects.push({ kind: 'maintenance', on: true });
      transition({ reason: held.reason, heldFor: formatDuration(now - held.since) });
      break;
    }
    case 'record': {
      next = { ...next, checklistResults: applyResults(order, input.results, actor.id, now, ctx.attachmentIds) };
      transition({ steps: input.results.map((r) => r.step) }, 'checklist');
      break;
    }
    case 'resolve': {
      const results = applyResults(order, input.results, actor.id, now, ctx.attachmentIds);
      const missing = order.checklist
        .map((step, i) => (isComplete(step, results[i] ?? null) ? null : `${i}: ${step.step}`))
        .filter((x): x is string => x !== null);
      if (missing.length > 0) throw new ProcessError('invalid', `cannot resolve ${order.id}: checklist steps not done: ${missing.join('; ')}`);
      const sensorCheckAt = order.acceptance.required.includes('sensor') ? now + order.acceptance.sensorWindowMs : null;
      next = {
        ...next,
        state: to,
        resolvedAt: now,
        checklistResults: results,
        sla: meet(order.sla, 'resolve', now),
        acceptance: { ...order.acceptance, passed: [], sensorCheckAt },
      };
      effects.push({ kind: 'maintenance', on: false });
      input.results.forEach((r) => {
        const step = order.checklist[r.step]!;
        if (r.followUp && results[r.step]?.failed) {
          effects.push({
            kind: 'follow-up',
            title: `Follow-up: ${step.step}`.slice(0, 200),
            description: `Step ${r.step} of ${order.id} failed${r.note ? `: ${r.note}` : ''}`,
            category: 'repair',
            dueInMs: null,
          });
        }
      });
      transition({ sensorCheckAt, failedSteps: results.flatMap((r, i) => (r?.failed ? [i] : [])) });
      if (order.acceptance.required.length === 0) {
        const before = next.state;
        next = { ...next, state: 'verified', verifiedAt: now };
        events.push({
          at: now,
          type: 'acceptance',
          action: 'resolve',
          from: before,
          to: 'verified',
          actor: 'system',
          note: 'no acceptance required for this order',
          data: {},
        });
      }
      break;
    }
    case 'verify': {
      const outstanding = order.acceptance.required.filter((c) => !order.acceptance.passed.some((p) => p.check === c));
      const check: AcceptanceCheck | undefined =
        input.check ??
        (actor.role === 'system' ? 'sensor' : actor.role === 'requester' ? 'requester' : (outstanding.find((c) => c !== 'sensor') ?? outstanding[0]));
      if (!check || !outstanding.includes(check)) {
        throw new ProcessError(
          'invalid',
          `${check ? `the ${check} check is not outstanding for ${order.id}` : `nothing to verify on ${order.id}`}; outstanding: ${outstanding.join(', ') || 'none'}`,
        );
      }
      if (check === 'requester' && actor.role !== 'requester' && actor.role !== 'supervisor' && actor.role !== 'manager')
        throw new ProcessError('forbidden', 'only the requester (or a supervisor recording their confirmation) confirms for the requester');
      if (check === 'qc' && actor.role !== 'supervisor' && actor.role !== 'manager')
        throw new ProcessError('forbidden', 'the QC second inspection is done by a supervisor or manager');
      if (check === 'sensor' && actor.role !== 'system' && !input.note) throw new ProcessError('invalid', 'waiving the sensor check needs a note saying why');
      if (check === 'sensor' && actor.role === 'requester') throw new ProcessError('forbidden', "the sensor check is not the requester's");
      const passed = [...order.acceptance.passed, { check, by: actor.id, at: now, note }];
      const done = order.acceptance.required.every((c) => passed.some((p) => p.check === c));
      next = {
        ...next,
        acceptance: { ...order.acceptance, passed, sensorCheckAt: check === 'sensor' ? null : order.acceptance.sensorCheckAt },
        ...(done ? { state: 'verified' as const, verifiedAt: now } : {}),
      };
      transition(
        { check, waived: check === 'sensor' && actor.role !== 'system', outstanding: outstanding.filter((c) => c !== check) },
        done ? 'transition' : 'acceptance',
      );
      break;
    }
    case 'reject': {
      next = rework(next, order);
      transition({ evidence: input.evidence ?? null, rework: next.reworkCount }, 'rework');
      break;
    }
    case 'close':
      next = { ...next, state: to, closedAt: now };
      transition();
      break;
    case 'cancel':
      next = { ...next, state: to, closedAt: now, hold: null };
      if (order.state === 'in_progress') effects.push({ kind: 'maintenance', on: false });
      transition();
      break;
    case 'reopen':
      next = restart(next, order, to, ctx, now);
      next.reworkCount += 1;
      transition({ rework: next.reworkCount }, 'reopened');
      break;
    case 'comment':
      transition({}, 'comment');
      break;
    case 'rate': {
      if (order.rating) throw new ProcessError('invalid', `${order.id} was already rated ${order.rating.score} by ${order.rating.by}`);
      const rating = { score: input.score, comment: input.comment ?? null, by: actor.id, at: now };
      next = { ...next, rating };
      transition({ score: input.score }, 'rating', input.comment ?? null);
      if (input.score <= 2) {
        // An unhappy requester starts rectification: the order goes back to work (DOMAIN.md step 7).
        const before = next.state;
        next = { ...restart(next, order, order.assignee ? 'assigned' : 'new', ctx, now), reworkCount: order.reworkCount + 1 };
        events.push({
          at: now,
          type: 'reopened',
          action: 'rate',
          from: before,
          to: next.state,
          actor: actor.id,
          note: `rated ${input.score}: rectification`,
          data: { rework: next.reworkCount, score: input.score },
        });
        effects.push({ kind: 'rectification' });
      }
      break;
    }
    case 'attach':
      // The service stores the file and records the attachment event; nothing changes in the process.
      break;
  }
  if (order.state !== 'verified' && next.state === 'verified' && order.category === 'complaint') {
    // DOMAIN.md: a follow-up visit (回访) happens within 48 h of completing a complaint.
    effects.push({
      kind: 'follow-up',
      title: `Follow-up visit: ${order.title}`.slice(0, 200),
      description: `Visit the requester of ${order.id} and ask whether the matter is settled.`,
      category: 'inspection',
      dueInMs: ctx.settings.followUpVisitMs,
    });
  }
  next = { ...next, breached: next.breached || isBreached(next.sla, now) };
  next.wakeAt = wakeAt(next, ctx.settings);
  return { order: next, events, effects };
}

/** Sensor check failed or someone rejected the work: back to in_progress, counted as rework. */
function rework(next: WorkOrder, order: WorkOrder): WorkOrder {
  return {
    ...next,
    state: 'in_progress',
    reworkCount: order.reworkCount + 1,
    resolvedAt: null,
    verifiedAt: null,
    sla: unmeet(order.sla, 'resolve'),
    acceptance: { ...order.acceptance, passed: [], sensorCheckAt: null },
  };
}

/** A closed or verified order goes back to the start of the loop, with fresh clocks. */
function restart(next: WorkOrder, order: WorkOrder, to: WorkOrderState, ctx: DecideContext, at: number): WorkOrder {
  return {
    ...next,
    state: to,
    sla: ctx.restartClocks(order, at),
    acknowledgedAt: null,
    startedAt: null,
    resolvedAt: null,
    verifiedAt: null,
    closedAt: null,
    rating: null,
    hold: null,
    checklistResults: order.checklist.map(() => null),
    acceptance: { ...order.acceptance, passed: [], sensorCheckAt: null },
  };
}

/** The fault came back after the order closed (within the repeat window): the same order reopens. */
export function reopenForRepeat(order: WorkOrder, at: number, evidence: Record<string, unknown>, ctx: DecideContext): Decision {
  const to: WorkOrderState = order.assignee ? 'assigned' : 'new';
  let next: WorkOrder = { ...restart({ ...order, updatedAt: at }, order, to, ctx, at), repeatCount: order.repeatCount + 1, occurrences: order.occurrences + 1 };
  next = { ...next, wakeAt: wakeAt(next, ctx.settings) };
  return {
    order: next,
    events: [
      {
        at,
        type: 'reopened',
        action: 'repeat-fault',
        from: order.state,
        to,
        actor: 'system',
        note: `the same fault came back ${formatDuration(at - (order.closedAt ?? at))} after closing`,
        data: { repeat: next.repeatCount, ...evidence },
      },
    ],
    effects: [],
  };
}

/** The fault came back while the order waited for acceptance: back to work with the evidence. */
export function reworkForFault(order: WorkOrder, at: number, note: string, evidence: Record<string, unknown>, settings: ProcessSettings): Decision {
  let next = rework({ ...order, updatedAt: at }, order);
  next = { ...next, breached: next.breached || isBreached(next.sla, at) };
  next.wakeAt = wakeAt(next, settings);
  return {
    order: next,
    events: [
      { at, type: 'rework', action: 'sensor-check', from: order.state, to: 'in_progress', actor: 'system', note, data: { evidence, rework: next.reworkCount } },
    ],
    effects: [],
  };
}

/** Escalations that fell due: recorded on the order, and who to tell. */
export function escalate(
  order: WorkOrder,
  now: number,
  recipientsOf: (level: DueEscalation['level']) => string[],
  settings: ProcessSettings,
): Decision | undefined {
  if (!isOpen(order.state)) return undefined;
  const due = dueEscalations(order.sla, now);
  if (due.length === 0) return undefined;
  let sla = order.sla;
  const events: WorkOrderEvent[] = [];
  const effects: Effect[] = [];
  for (const e of due) {
    sla = markEscalated(sla, e);
    const c = order.sla.clocks[e.clock]!;
    const recipients = recipientsOf(e.level);
    const what = e.level === 'breached' ? `${e.clock} deadline passed` : `${e.clock} deadline approaching`;
    events.push({
      at: now,
      type: 'escalation',
      from: order.state,
      to: order.state,
      actor: 'system',
      note: `${what} (due ${new Date(c.due).toISOString()}); told ${recipients.join(', ') || 'nobody: no supervisor or manager configured'}`,
      data: { clock: e.clock, level: e.level, due: c.due, recipients },
    });
    effects.push({ kind: 'notify', level: e.level, clock: e.clock, recipients });
  }
  let next: WorkOrder = { ...order, sla, updatedAt: now };
  next = { ...next, breached: next.breached || isBreached(sla, now) };
  next.wakeAt = wakeAt(next, settings);
  return { order: next, events, effects };
}

/** The next moment the order needs attention without anyone acting: an escalation, a sensor check, closing. */
export function wakeAt(order: WorkOrder, settings: ProcessSettings): number | null {
  if (!isOpen(order.state)) return null;
  const times = [nextEscalationAt(order.sla)];
  if (order.state === 'resolved') times.push(order.acceptance.sensorCheckAt);
  if (order.state === 'verified' && order.verifiedAt !== null) times.push(order.verifiedAt + settings.closeAfterMs);
  const set = times.filter((t): t is number => t !== null);
  return set.length > 0 ? Math.min(...set) : null;
}

function applyResults(
  order: WorkOrder,
  inputs: readonly StepResultInput[],
  by: string,
  at: number,
  attachments: ReadonlySet<string>,
): (ChecklistResult | null)[] {
  const results = order.checklist.map((_, i) => order.checklistResults[i] ?? null);
  for (const r of inputs) {
    const step = order.checklist[r.step];
    if (!step)
      throw new ProcessError(
        'invalid',
        `step ${r.step} does not exist: ${order.id} has ${order.checklist.length} checklist step${order.checklist.length === 1 ? '' : 's'}`,
      );
    const where = `step ${r.step} (${step.step})`;
    let failed = false;
    if (step.type === 'measurement') {
      if (r.value === undefined) throw new ProcessError('invalid', `${where} is a measurement: expected a value${step.unit ? ` in ${step.unit}` : ''}`);
      failed = (step.min !== undefined && r.value < step.min) || (step.max !== undefined && r.value > step.max);
    } else if (step.type === 'pass_fail') {
      if (r.passed === undefined) throw new ProcessError('invalid', `${where} is pass/fail: expected passed: true or false`);
      failed = !r.passed;
    } else if (step.type === 'photo') {
      if (!r.photo) throw new ProcessError('invalid', `${where} needs a photo: attach it, then give its attachment id as photo`);
      if (!attachments.has(r.photo)) throw new ProcessError('invalid', `${where}: no attachment "${r.photo}" on ${order.id}`);
    }
    results[r.step] = { done: r.done, value: r.value, passed: r.passed, photo: r.photo, note: r.note, failed, by, at };
  }
  return results;
}

function isComplete(step: ChecklistStep, r: ChecklistResult | null): boolean {
  if (!r || !r.done) return false;
  if (step.type === 'measurement') return r.value !== undefined;
  if (step.type === 'pass_fail') return r.passed !== undefined;
  if (step.type === 'photo') return !!r.photo;
  return true;
}
