import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Alarm } from '../alarms/alarm.ts';
import type { Asset } from '../assets/asset.ts';
import { isEventRule, type Rule } from '../rules/rule-schema.ts';
import type { ChecklistStep, Priority } from '../shared/vocabulary.ts';
import { FmsError } from '../shared/errors.ts';
import type { Metrics } from '../shared/metrics.ts';
import { createEvents } from '../shared/events.ts';
import { sniffType, type AttachmentFiles } from './attachment-files.ts';
import { chooseAssignee, eligibleTechnicians, escalationRecipients } from './dispatch.ts';
import type { Directory, Person } from './people.ts';
import type { ProcessConfig } from './process-config.ts';
import { resume, startClocks, type SlaPolicy } from './sla.ts';
import {
  decide,
  escalate,
  ProcessError,
  reopenForRepeat,
  reworkForFault,
  wakeAt,
  type Actor,
  type DecideContext,
  type Decision,
  type Effect,
  type ProcessSettings,
} from './state-machine.ts';
import { actionSchema, type ActionInput, type ActionRequest } from './work-order-actions.ts';
import { formatZodIssues } from '../shared/zod-format.ts';
import type { StoredOrder, WorkOrderFilter, WorkOrderStore } from './work-order-store.ts';
import {
  newOrder,
  openStates,
  type AcceptanceCheck,
  type Requester,
  type WorkOrder,
  type WorkOrderDraft,
  type WorkOrderEvent,
  type WorkOrderIntake,
} from './work-order.ts';

export interface WorkOrderServiceDeps {
  store: WorkOrderStore;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  /** Time zone that decides the year in work-order ids. */
  timeZone: string;
  /** Each site's time zone (business hours, on-duty schedules). */
  siteTimeZone: (site: string | null) => string;
  /** The directory in force now (people, teams, dispatch rules): it changes at run time (directory-service.ts). */
  directory: () => Directory;
  sla: SlaPolicy;
  process: ProcessConfig;
  /** The asset register: intake looks assets up; a technician at work puts the asset in maintenance. */
  assets: {
    get(id: string): Asset | undefined;
    status(id: string): { lastSeen: number | null };
    setMaintenance(id: string, m: { until: number; by: string } | null): Promise<unknown>;
  };
  /** Alarms of an asset's failure mode that are open or were raised since a time (sensor verification). */
  faultAlarms: (assetId: string, fault: string, since: number) => Promise<Alarm[]>;
  /** The rule in force with this id (an event alarm stays open for a while after its last event). */
  ruleById?: (id: string) => Rule | undefined;
  files: AttachmentFiles;
  attachmentMaxBytes: number;
  /** What one order may hold: attachments and their bytes in all (default 50 and 200 MiB). */
  attachmentQuota?: { count: number; totalBytes: number };
}

/** What a person or an integration submits to open an order (POST /api/work-orders). */
export interface Intake {
  source: 'request' | 'inspection' | 'pm';
  channel: WorkOrder['channel'];
  category: WorkOrder['category'];
  priority?: Priority | undefined;
  title: string;
  description?: string | undefined;
  assetId?: string | undefined;
  site?: string | undefined;
  location?: string | undefined;
  requester?: Requester | undefined;
  dueAt?: number | undefined;
  checklist?: ChecklistStep[] | undefined;
  parentId?: string | undefined;
  /** Preventive maintenance: the plan and the occurrence key; a second order for the same key is refused. */
  pm?: { planId: string; key: string; assignee?: string | undefined; team?: string | undefined } | undefined;
  by: string;
  /** The API key that registers it (recorded on its `opened` event: an integration acts only on orders it registered). */
  key?: string | undefined;
}

/** A condition indicator likely to reach its limit soon (services/condition), as the predictive order states it. */
export interface Prediction {
  assetId: string;
  /** The failure mode of the rule that fires at the limit: the order's fault, shared with that rule's alarms. */
  failureMode: string;
  priority: Priority;
  title: string;
  /** The evidence in words (level, limit, trend, interval). */
  description: string;
  /** When the limit is likely reached, and the interval (epoch ms) at `coverage`. */
  crossing: { likely: number; low: number; high: number; coverage: number };
  /** The figures behind it, kept in the order's history. */
  evidence: Record<string, unknown>;
  /** A predictive order of this fault cancelled since then is somebody's decision not to act on it: none is opened. */
  cancelledSince: number;
}

/** Default priority of an order opened by a person, by category (DOMAIN.md's table). */
const defaultPriority: Record<string, Priority> = { repair: 'P3', complaint: 'P3', inspection: 'P3', suggestion: 'P4', preventive: 'P4' };

/** What one order may hold unless configured otherwise: photos of a repair, a report or two, not an archive. */
const defaultAttachmentQuota = { count: 50, totalBytes: 200 * 1024 * 1024 };

/** How long a technician's start of work keeps the asset in maintenance mode at most (renewed by resume). */
const MAINTENANCE_FOR = 8 * 3_600_000;

export type WorkOrderService = ReturnType<typeof createWorkOrderService>;

/** What the work-order service tells its listeners (the announcer, the alarms of an order). */
export interface WorkOrderEvents {
  /**
   * An order was opened or changed: `event` names what happened (`opened`, `assigned`, an action such
   * as `acknowledge` or `verify`, `verified` by the sensors, `escalated`, `rework`, `occurrence`, …);
   * `extra` carries its details (the history events written, an escalation's recipients).
   */
  changed: { event: string; order: WorkOrder; extra: Record<string, unknown> };
}

/**
 * The work-order process (DOMAIN.md's closed loop): intake, dispatch, actions checked by the state
 * machine, SLA escalation, sensor-verified acceptance, feedback. Time-driven steps run from `sweep`,
 * which reads what is due from the database, so a restart loses none of them.
 */
export function createWorkOrderService(deps: WorkOrderServiceDeps) {
  const { store, log, metrics } = deps;
  const quota = deps.attachmentQuota ?? defaultAttachmentQuota;
  const yearOf = new Intl.DateTimeFormat('en', { timeZone: deps.timeZone, year: 'numeric' });
  const settings: ProcessSettings = {
    sensorWindowMs: deps.process.sensorWindow,
    closeAfterMs: deps.process.closeAfter,
    followUpVisitMs: deps.process.followUpVisit,
  };

  const events = createEvents<WorkOrderEvents>((name, err) => {
    metrics.errors.labels('work-orders').inc();
    log.error({ err, event: name }, 'a listener of work-order events failed');
  });

  /** Tells the listeners (the announcer, the alarms of the order) what happened to an order. */
  async function announce(order: WorkOrder, event: string, extra: Record<string, unknown> = {}): Promise<void> {
    await events.emit('changed', { event, order, extra });
  }

  function context(now: number, attachmentIds: ReadonlySet<string> = new Set()): DecideContext {
    return {
      now,
      settings,
      attachmentIds,
      isTechnician: (id) => {
        const p = deps.directory().people.get(id);
        return p?.role === 'technician' && p.enabled;
      },
      servesSite: (id, site) => {
        const { teams } = deps.directory();
        return teams.length === 0 || teams.some((t) => t.members.includes(id) && (site === null || t.sites.length === 0 || t.sites.includes(site)));
      },
      restartClocks: (order, at) => {
        const { limits, calendar } = deps.sla.limitsFor(order.site, order.priority, order.category);
        return startClocks(at, limits, calendar, deps.sla.escalateAt, order.dueAt && order.dueAt > at ? order.dueAt : null);
      },
      resumeClocks: (order, at) => resume(order.sla, at, deps.sla.calendarOf(order.site, order.sla.calendar)),
    };
  }

  function actorOf(by: string, internal: boolean): Actor {
    if (by === 'system') {
      if (!internal) throw new FmsError('FMS_ERR_PERSON_UNKNOWN', '"system" acts only inside FMS; give your person id as by');
      return { id: 'system', role: 'system' };
    }
    if (by === 'requester') return { id: 'requester', role: 'requester' };
    const { people } = deps.directory();
    const p = people.get(by);
    if (!p)
      throw new FmsError(
        'FMS_ERR_PERSON_UNKNOWN',
        `"${by}" is not listed under people (expected a person id${people.size ? ` such as ${[...people.keys()].slice(0, 3).join(', ')}` : ''}, or "requester")`,
      );
    if (!p.enabled)
      throw new FmsError('FMS_ERR_PERSON_DISABLED', `${p.id} is disabled and acts on no order; enable them first (POST /api/people/${p.id}/enable)`);
    return { id: p.id, role: p.role };
  }

  function acceptanceFor(
    d: Pick<WorkOrderDraft, 'source' | 'faultKey' | 'requester' | 'category' | 'priority'>,
    sensorWindowMs: number,
  ): WorkOrder['acceptance'] {
    const required: AcceptanceCheck[] = [];
    // The sensors confirm a repair of a fault they watch: its alarms stay away, the device still reports.
    if ((d.source === 'alarm' || d.source === 'predictive') && d.faultKey) required.push('sensor');
    if (d.source === 'request' && d.requester && deps.process.requesterConfirmation) required.push('requester');
    if (deps.process.qc.categories.includes(d.category as never) || deps.process.qc.priorities.includes(d.priority)) required.push('qc');
    return { required, passed: [], sensorWindowMs, sensorCheckAt: null };
  }

  function draft(base: WorkOrderIntake, sensorWindowMs: number): WorkOrderDraft {
    const { limits, calendar } = deps.sla.limitsFor(base.site, base.priority, base.category);
    const d = newOrder(base, startClocks(base.createdAt, limits, calendar, deps.sla.escalateAt, base.dueAt), acceptanceFor(base, sensorWindowMs));
    return { ...d, wakeAt: wakeAt({ ...d, id: '', version: 0 }, settings) };
  }

  /** Stores a decision and carries out its effects; undefined when the order changed meanwhile. */
  async function commit(decision: Decision, event: string): Promise<WorkOrder | undefined> {
    const saved = await store.update(decision.order, decision.events);
    if (!saved) return undefined;
    for (const e of decision.effects) await carryOut(saved, e);
    await announce(saved, event, { events: decision.events });
    return saved;
  }

  async function carryOut(order: WorkOrder, effect: Effect): Promise<void> {
    try {
      switch (effect.kind) {
        case 'maintenance': {
          if (!order.assetId || !deps.assets.get(order.assetId)) return;
          const current = deps.assets.get(order.assetId)!.maintenance;
          const now = deps.now();
          // Someone else's maintenance mode in force (a supervisor's, another order's) stays theirs: taken
          // over, this order's end would end it, however long they meant it to last.
          const othersInForce = current !== null && current.by !== order.id && current.until > now;
          if (effect.on && !othersInForce) await deps.assets.setMaintenance(order.assetId, { until: now + MAINTENANCE_FOR, by: order.id });
          else if (!effect.on && current?.by === order.id) await deps.assets.setMaintenance(order.assetId, null);
          return;
        }
        case 'follow-up': {
          const at = deps.now();
          await open(
            {
              source: 'inspection',
              channel: 'inspection',
              category: effect.category,
              priority: effect.dueInMs ? 'P4' : 'P3',
              title: effect.title,
              description: effect.description,
              assetId: order.assetId ?? undefined,
              site: order.site ?? undefined,
              location: order.location ?? undefined,
              requester: order.requester ?? undefined,
              dueAt: effect.dueInMs ? at + effect.dueInMs : undefined,
              parentId: order.id,
              by: 'system',
            },
            true,
            at,
          );
          return;
        }
        case 'notify':
          metrics.workOrderEscalations.labels(effect.level, effect.clock).inc();
          log.warn({ workOrderId: order.id, clock: effect.clock, level: effect.level, recipients: effect.recipients }, 'work order escalated');
          await announce(order, 'escalated', {
            escalation: { level: effect.level, clock: effect.clock, recipients: effect.recipients.map((id) => contactOf(id)) },
          });
          return;
        case 'rectification':
          if (order.state === 'new') await dispatch(order);
          return;
      }
    } catch (err) {
      metrics.errors.labels('work-orders').inc();
      log.error({ err, workOrderId: order.id, effect: effect.kind }, 'work-order effect failed');
    }
  }

  function isEventAlarm(ruleId: string): boolean {
    const rule = deps.ruleById?.(ruleId);
    return !!rule && isEventRule(rule);
  }

  function contactOf(id: string) {
    const p = deps.directory().people.get(id);
    return p ? { id, name: p.name, role: p.role, phone: p.phone, email: p.email } : { id };
  }

  /** Assigns a new order to the least-loaded eligible technician (when auto dispatch is on). */
  async function dispatch(order: WorkOrder, teamId?: string): Promise<WorkOrder> {
    // Without teams there is nobody to dispatch to: orders wait in `new` for a supervisor's tool.
    const directory = deps.directory();
    if (!directory.dispatch.auto || directory.teams.length === 0 || order.state !== 'new') return order;
    const eligible = eligibleTechnicians({ ...order, teamId }, directory, deps.now(), deps.siteTimeZone);
    const load = await store.openLoad(eligible.candidates.map((c) => c.person.id));
    const choice = chooseAssignee(eligible, (id) => load.get(id) ?? 0);
    if (!choice.assignee) {
      // Nobody to send: the order waits in `new` and its acknowledge clock escalates to the supervisor.
      log.warn({ workOrderId: order.id, reason: choice.reason }, 'work order not dispatched');
      const saved = await store.update({ ...order, team: choice.team, updatedAt: deps.now() }, [
        {
          at: deps.now(),
          type: 'comment',
          action: 'dispatch',
          from: order.state,
          to: order.state,
          actor: 'system',
          note: `not dispatched: ${choice.reason}`,
          data: { team: choice.team },
        },
      ]);
      if (saved) await announce(saved, 'not-dispatched', { reason: choice.reason });
      return saved ?? order;
    }
    const decision = decide(
      order,
      { action: 'assign', by: 'system', assignee: choice.assignee, reason: choice.reason },
      { id: 'system', role: 'system' },
      context(deps.now()),
    );
    decision.order = { ...decision.order, team: choice.team };
    const saved = await commit(decision, 'assigned');
    if (saved) log.info({ workOrderId: order.id, assignee: choice.assignee, team: choice.team }, 'work order dispatched');
    return saved ?? order;
  }

  async function open(intake: Intake, internal = false, at = deps.now()): Promise<WorkOrder> {
    const actor = actorOf(intake.by, internal);
    const asset = intake.assetId ? deps.assets.get(intake.assetId) : undefined;
    if (intake.assetId && !asset) throw new FmsError('FMS_ERR_ASSET_NOT_FOUND', `no asset "${intake.assetId}"`);
    if (asset && intake.site !== undefined && intake.site !== asset.site) {
      throw new FmsError(
        'FMS_ERR_WORK_ORDER_INVALID',
        `asset "${asset.id}" is at site "${asset.site}", not "${intake.site}": give the asset alone, or its own site`,
      );
    }
    const site = asset?.site ?? intake.site;
    if (!site) throw new FmsError('FMS_ERR_WORK_ORDER_INVALID', 'expected an assetId or a site: where is the work?');
    if (intake.source === 'request' && !intake.requester)
      throw new FmsError('FMS_ERR_WORK_ORDER_INVALID', 'a request needs its requester (name and a contact) so they can be told and asked to confirm');
    if (intake.parentId) {
      const parent = await store.get(intake.parentId);
      if (!parent) throw new FmsError('FMS_ERR_WORK_ORDER_NOT_FOUND', `no work order "${intake.parentId}" to follow up`);
      if (parent.order.site && parent.order.site !== site) {
        throw new FmsError(
          'FMS_ERR_WORK_ORDER_INVALID',
          `a follow-up is at the site of the order it follows: ${intake.parentId} is at "${parent.order.site}", not "${site}"`,
        );
      }
    }
    const priority = intake.priority ?? defaultPriority[intake.category] ?? 'P3';
    const d = draft(
      {
        source: intake.source,
        channel: intake.channel,
        category: intake.category,
        priority,
        title: intake.title,
        description: intake.description ?? '',
        assetId: asset?.id ?? null,
        assetType: asset?.type ?? null,
        site,
        location: intake.location ?? asset?.location ?? null,
        requester: intake.requester ?? null,
        ruleId: null,
        alarmId: null,
        faultKey: null,
        parentId: intake.parentId ?? null,
        pmPlanId: intake.pm?.planId ?? null,
        pmKey: intake.pm?.key ?? null,
        dueAt: intake.dueAt ?? null,
        checklist: intake.checklist ?? deps.process.checklists[intake.category as keyof ProcessConfig['checklists']] ?? [],
        createdAt: at,
      },
      settings.sensorWindowMs,
    );
    const { order, opened } = await store.openOrAttach(d, Number(yearOf.format(at)), {
      at,
      actor: actor.id,
      note: intake.description ?? null,
      data: {
        source: intake.source,
        channel: intake.channel,
        parentId: intake.parentId ?? null,
        pmKey: intake.pm?.key ?? null,
        ...(intake.key ? { key: intake.key } : {}),
      },
    });
    if (!opened) return order; // a plan occurrence another instance opened first
    metrics.workOrdersOpened.labels(priority, intake.source).inc();
    log.info({ workOrderId: order.id, source: intake.source, channel: intake.channel, priority, site }, 'work order opened');
    // The requester is told the order was received (DOMAIN.md step 4) through this event.
    await announce(order, 'opened');
    if (intake.pm?.assignee) return assignTo(order, intake.pm.assignee, `plan ${intake.pm.planId} names ${intake.pm.assignee}`);
    return dispatch(order, intake.pm?.team);
  }

  async function assignTo(order: WorkOrder, assignee: string, reason: string): Promise<WorkOrder> {
    try {
      const saved = await commit(
        decide(order, { action: 'assign', by: 'system', assignee, reason }, { id: 'system', role: 'system' }, context(deps.now())),
        'assigned',
      );
      return saved ?? order;
    } catch (err) {
      log.warn({ err, workOrderId: order.id, assignee }, 'work order not assigned as planned: dispatching');
      return dispatch(order);
    }
  }

  async function act(id: string, request: ActionRequest, internal = false, read?: StoredOrder): Promise<WorkOrder> {
    const parsed = actionSchema.safeParse(request);
    if (!parsed.success)
      throw new FmsError('FMS_ERR_WORK_ORDER_INVALID', formatZodIssues(parsed.error.issues, (p) => p.join('.') || 'action', request).join('; '));
    const input = parsed.data;
    for (let attempt = 0; ; attempt++) {
      // The caller may have read the order already (the API's access checks): act on that first.
      const found = attempt === 0 && read?.order.id === id ? read : await store.get(id);
      if (!found) throw new FmsError('FMS_ERR_WORK_ORDER_NOT_FOUND', `no work order "${id}"`);
      const { order, attachments } = found;
      if (input.version !== undefined && input.version !== order.version) {
        throw new FmsError(
          'FMS_ERR_WORK_ORDER_CONFLICT',
          `${id} is at version ${order.version}, not ${input.version}: someone changed it (last at ${new Date(order.updatedAt).toISOString()}); read it again`,
          { version: order.version },
        );
      }
      const actor = actorOf(input.by, internal);
      if (input.action === 'assign' && deps.directory().people.get(input.assignee)?.enabled === false)
        throw new FmsError('FMS_ERR_PERSON_DISABLED', `${input.assignee} is disabled and takes no orders; assign ${id} to someone else`);
      let decision: Decision;
      try {
        decision = decide(order, input, actor, context(deps.now(), new Set(attachments.map((a) => a.id))));
      } catch (err) {
        throw toFmsError(err);
      }
      if (input.action === 'attach') {
        await attach(order, input, actor, attachments);
        return (await store.get(id))!.order;
      }
      const saved = await commit(decision, input.action);
      if (saved) {
        metrics.workOrderActions.labels(input.action).inc();
        log.info({ workOrderId: id, action: input.action, by: actor.id, from: order.state, to: saved.state }, 'work order action applied');
        return saved;
      }
      // Someone acted between our read and our write: with a version the client insisted on what it
      // saw, so tell it; without one, decide again on the fresh state (which may now refuse).
      if (input.version !== undefined || attempt >= 4) {
        throw new FmsError('FMS_ERR_WORK_ORDER_CONFLICT', `${id} was changed by someone else at the same moment; read it again`, {});
      }
    }
  }

  async function attach(
    order: WorkOrder,
    input: Extract<ActionInput, { action: 'attach' }>,
    actor: Actor,
    existing: readonly { sha256: string; size: number }[],
  ): Promise<void> {
    const bytes = Buffer.from(input.data, 'base64');
    if (bytes.length === 0) throw new FmsError('FMS_ERR_WORK_ORDER_INVALID', 'the attachment is empty');
    if (bytes.length > deps.attachmentMaxBytes)
      throw new FmsError(
        'FMS_ERR_ATTACHMENT_TOO_LARGE',
        `the attachment has ${bytes.length} bytes; at most ${deps.attachmentMaxBytes} are accepted (FMS_ATTACHMENT_MAX_MB)`,
      );
    // The same file again is the attachment already there (the store records nothing new): no quota spent.
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (existing.some((a) => a.sha256 === digest)) return;
    // Refused before the file is written when the order, as read, is full; the store checks again.
    const held = { count: existing.length, bytes: existing.reduce((n, a) => n + a.size, 0) };
    if (held.count >= quota.count || held.bytes + bytes.length > quota.totalBytes) throw quotaExceeded(order.id, held, bytes.length);
    const kind = sniffType(bytes);
    if (!kind)
      throw new FmsError(
        'FMS_ERR_ATTACHMENT_TYPE',
        `"${input.filename}" is not a JPEG, PNG, WebP or HEIC image or a PDF (judged by its content, not its name)`,
      );
    const { path, sha256 } = await deps.files.save(order.id, bytes, kind.ext);
    const at = deps.now();
    // The id names this file on this order: the same photo may document several orders.
    const attachmentId = createHash('sha256').update(`${order.id}\n${sha256}`).digest('hex').slice(0, 16);
    const attachment = {
      id: attachmentId,
      workOrderId: order.id,
      filename: input.filename,
      contentType: kind.type,
      size: bytes.length,
      sha256,
      by: actor.id,
      at,
      path,
    };
    const event: WorkOrderEvent = {
      at,
      type: 'attachment',
      action: 'attach',
      from: order.state,
      to: order.state,
      actor: actor.id,
      note: input.note ?? null,
      data: { attachmentId: attachment.id, filename: input.filename, contentType: kind.type, size: bytes.length, sha256 },
    };
    // The same file again (also sent twice at the same moment) is the attachment already there.
    const added = await store.addAttachment(attachment, event, quota);
    if (added.outcome === 'full') {
      // Others filled the order meanwhile: this file is nobody's (its name is this order's and its checksum, which no attachment has).
      await deps.files.remove(path);
      throw quotaExceeded(order.id, added, bytes.length);
    }
    if (added.outcome === 'added') metrics.workOrderActions.labels('attach').inc();
  }

  /** The order holds as many attachments, or bytes of them, as it may. */
  function quotaExceeded(id: string, held: { count: number; bytes: number }, size: number): FmsError {
    return held.count >= quota.count
      ? new FmsError('FMS_ERR_ATTACHMENT_QUOTA', `${id} has ${held.count} attachments, the most one order may hold (FMS_ATTACHMENTS_PER_ORDER)`)
      : new FmsError(
          'FMS_ERR_ATTACHMENT_QUOTA',
          `${id} holds ${held.bytes} bytes of attachments; with these ${size} it would hold more than the ${quota.totalBytes} one order may (FMS_ATTACHMENTS_MB_PER_ORDER)`,
        );
  }

  /** The sensor check of a resolved alarm order: passed, back to work, or deferred when the device is silent. */
  async function sensorCheck(order: WorkOrder, now: number): Promise<void> {
    const resolvedAt = order.resolvedAt ?? now;
    const fault = order.faultKey!.slice(order.faultKey!.indexOf('/') + 1);
    const alarms = await deps.faultAlarms(order.assetId!, fault, resolvedAt);
    const returned = alarms.find((a) => a.lastRaisedAt > resolvedAt);
    // An event alarm (entrapment, forced gate) clears itself a while after its last event: only a new
    // event counts against the repair. A condition alarm must have cleared.
    const stillActive = alarms.find((a) => a.state !== 'cleared' && !isEventAlarm(a.ruleId));
    const back = returned ?? stillActive;
    if (back) {
      await reworkWithEvidence(
        order,
        now,
        back,
        back === returned
          ? 'sensor check failed: the fault came back during the verification window'
          : 'sensor check failed: the alarm is still active at the end of the verification window',
      );
      return;
    }
    const lastSeen = deps.assets.status(order.assetId!).lastSeen;
    if (lastSeen === null || lastSeen < resolvedAt) {
      // No reading since the repair: the sensors cannot vouch for it yet. Wait another window.
      const next = { ...order, acceptance: { ...order.acceptance, sensorCheckAt: now + order.acceptance.sensorWindowMs }, updatedAt: now };
      next.wakeAt = wakeAt(next, settings);
      const saved = await store.update(next, [
        {
          at: now,
          type: 'acceptance',
          action: 'sensor-check',
          from: order.state,
          to: order.state,
          actor: 'system',
          note: `sensor check deferred: no data from ${order.assetId} since the resolution`,
          data: { check: 'sensor', deferred: true },
        },
      ]);
      if (saved) metrics.sensorChecks.labels('deferred').inc();
      return;
    }
    const saved = await commit(
      decide(
        order,
        {
          action: 'verify',
          by: 'system',
          check: 'sensor',
          note: `no alarm of ${fault} for ${Math.round(order.acceptance.sensorWindowMs / 60_000)} min after the repair`,
        },
        { id: 'system', role: 'system' },
        context(now),
      ),
      'verified',
    );
    if (saved) {
      metrics.sensorChecks.labels('passed').inc();
      log.info({ workOrderId: order.id, state: saved.state }, 'sensor check passed');
    }
  }

  async function reworkWithEvidence(order: WorkOrder, now: number, alarm: Alarm, note: string): Promise<WorkOrder | undefined> {
    const evidence = {
      alarmId: alarm.id,
      ruleId: alarm.ruleId,
      severity: alarm.severity,
      state: alarm.state,
      value: alarm.value,
      message: alarm.message,
      raisedAt: alarm.lastRaisedAt,
    };
    const saved = await commit(reworkForFault(order, now, note, evidence, settings), 'rework');
    if (saved) {
      metrics.sensorChecks.labels('rework').inc();
      log.warn({ workOrderId: order.id, alarmId: alarm.id }, 'repair not confirmed by the sensors: back to work');
    }
    return saved;
  }

  return {
    /** Listens to what happens to work orders. */
    on: events.on,
    open: (intake: Intake) => open(intake),
    /** Opens a preventive-maintenance order (by the scheduler); an occurrence already opened is returned, not doubled. */
    openPlanned: (intake: Omit<Intake, 'by'>, at?: number) => open({ ...intake, by: 'system' }, true, at),
    /** Acts on an order; `read` is the order as the caller last read it (its version guards the write). */
    act: (id: string, input: ActionRequest, read?: StoredOrder) => act(id, input, false, read),

    /**
     * Opens the work order an alarm's rule asks for; attaches the alarm to the order already open for
     * the same fault (one fault, one work order); sends an order awaiting acceptance back to work when
     * its fault returns; reopens an order closed within the repeat window.
     */
    async openFromAlarm(alarm: Alarm, rule: Rule): Promise<{ order: WorkOrder; opened: boolean } | undefined> {
      const wo = rule.workOrder;
      if (!wo) return undefined;
      const at = deps.now();
      const faultKey = `${alarm.assetId}/${rule.failureMode ?? rule.id}`;
      const event = { at, actor: 'system', note: alarm.message, data: { alarmId: alarm.id, ruleId: rule.id, value: alarm.value } };

      if (!(await store.findOpenByFault(faultKey))) {
        const closed = await store.lastClosedByFault(faultKey, at - deps.process.repeatWindow);
        if (closed) {
          const decision = reopenForRepeat(closed, at, { alarmId: alarm.id, ruleId: rule.id, value: alarm.value, message: alarm.message }, context(at));
          const saved = await store.update(decision.order, decision.events);
          if (saved) {
            log.warn({ workOrderId: saved.id, assetId: alarm.assetId, ruleId: rule.id, repeat: saved.repeatCount }, 'repeat fault: work order reopened');
            await announce(saved, 'reopened');
            return { order: await dispatchReopened(saved), opened: false };
          }
        }
      }

      const asset = deps.assets.get(alarm.assetId);
      const d = draft(
        {
          source: 'alarm',
          channel: 'sensor',
          category: wo.category,
          priority: wo.priority,
          title: wo.title,
          description: wo.description ?? alarm.message,
          assetId: alarm.assetId,
          assetType: asset?.type ?? rule.assetType,
          site: alarm.site,
          location: asset?.location ?? null,
          requester: null,
          ruleId: rule.id,
          alarmId: alarm.id,
          // One fault, one work order: rules of one failure mode share it.
          faultKey,
          parentId: null,
          pmPlanId: null,
          pmKey: null,
          dueAt: null,
          checklist: wo.checklist,
          createdAt: at,
        },
        wo.verifyFor ?? settings.sensorWindowMs,
      );
      const result = await store.openOrAttach(d, Number(yearOf.format(at)), event);
      if (result.opened) {
        metrics.workOrdersOpened.labels(wo.priority, 'alarm').inc();
        log.info({ workOrderId: result.order.id, assetId: alarm.assetId, ruleId: rule.id, priority: wo.priority }, 'work order opened');
        await announce(result.order, 'opened');
        return { order: await dispatch(result.order), opened: true };
      }
      metrics.workOrderOccurrences.inc();
      log.info(
        { workOrderId: result.order.id, assetId: alarm.assetId, ruleId: rule.id, occurrences: result.order.occurrences },
        'fault attached to open work order',
      );
      if (result.order.state === 'resolved' || result.order.state === 'verified') {
        const reworked = await reworkWithEvidence(result.order, at, alarm, `the fault came back after the repair: ${alarm.message}`);
        if (reworked) return { order: reworked, opened: false };
      }
      await announce(result.order, 'occurrence');
      return result;
    },

    /**
     * Acts on a prediction: opens one predictive order per asset and failure mode, due by the earliest
     * likely crossing. When an order is already open for the fault (its alarm fired first) or a repair
     * of the asset is open, the prediction is attached to that order instead, once. Undefined when a
     * predictive order of the fault was cancelled since `cancelledSince`.
     */
    async openPredictive(p: Prediction): Promise<{ order: WorkOrder; outcome: 'opened' | 'attached' | 'known' } | undefined> {
      const at = deps.now();
      const asset = deps.assets.get(p.assetId);
      if (!asset) throw new FmsError('FMS_ERR_ASSET_NOT_FOUND', `no asset "${p.assetId}"`);
      const faultKey = `${p.assetId}/${p.failureMode}`;
      const data = { failureMode: p.failureMode, crossing: p.crossing, ...p.evidence };
      const open =
        (await store.findOpenByFault(faultKey)) ??
        (await store.list({ assetId: p.assetId, category: 'repair', state: [...openStates], limit: 1, offset: 0 })).items[0];
      if (open) {
        // Our own order of this fault, opened by an earlier check: nothing to add.
        if (open.source === 'predictive' && open.faultKey === faultKey) return { order: open, outcome: 'known' };
        const stored = await store.get(open.id);
        if (stored?.history.some((e) => e.action === 'predict' && (e.data as { failureMode?: string } | null)?.failureMode === p.failureMode))
          return { order: open, outcome: 'known' };
        const saved = await store.update({ ...open, updatedAt: at }, [
          { at, type: 'comment', action: 'predict', from: open.state, to: open.state, actor: 'system', note: p.description, data },
        ]);
        if (!saved) return { order: open, outcome: 'known' }; // changed meanwhile: the next check attaches it
        log.info({ workOrderId: saved.id, assetId: p.assetId, failureMode: p.failureMode }, 'prediction attached to the open order');
        await announce(saved, 'predicted', { prediction: data });
        return { order: saved, outcome: 'attached' };
      }
      const cancelled = await store.list({ assetId: p.assetId, source: 'predictive', state: ['cancelled'], limit: 50, offset: 0 });
      if (cancelled.items.some((o) => o.faultKey === faultKey && (o.closedAt ?? 0) >= p.cancelledSince)) return undefined;
      const d = draft(
        {
          source: 'predictive',
          channel: 'sensor',
          category: 'repair',
          priority: p.priority,
          title: p.title,
          description: p.description,
          assetId: asset.id,
          assetType: asset.type,
          site: asset.site,
          location: asset.location ?? null,
          requester: null,
          ruleId: null,
          alarmId: null,
          // The alarm at the crossing attaches to this order: one fault, one work order.
          faultKey,
          parentId: null,
          pmPlanId: null,
          pmKey: null,
          // Due before the limit is likely reached at the earliest.
          dueAt: Math.max(at, p.crossing.low),
          checklist: deps.process.checklists.repair ?? [],
          createdAt: at,
        },
        settings.sensorWindowMs,
      );
      const result = await store.openOrAttach(d, Number(yearOf.format(at)), {
        at,
        actor: 'system',
        note: p.description,
        data: { source: 'predictive', ...data },
      });
      if (!result.opened) return { order: result.order, outcome: 'known' };
      metrics.workOrdersOpened.labels(p.priority, 'predictive').inc();
      log.info({ workOrderId: result.order.id, assetId: p.assetId, failureMode: p.failureMode, priority: p.priority }, 'predictive work order opened');
      await announce(result.order, 'opened', { prediction: data });
      return { order: await dispatch(result.order), outcome: 'opened' };
    },

    /**
     * Runs what has fallen due: escalations, sensor checks, closing verified orders. Driven by the
     * orders' wake times in the database, so it catches up after a restart.
     */
    async sweep(): Promise<number> {
      const now = deps.now();
      const due = await store.due(now, 500);
      for (const order of due) {
        try {
          if (order.state === 'resolved' && order.acceptance.sensorCheckAt !== null && order.acceptance.sensorCheckAt <= now) {
            await sensorCheck(order, now);
            continue;
          }
          if (order.state === 'verified' && order.verifiedAt !== null && order.verifiedAt + settings.closeAfterMs <= now) {
            await commit(
              decide(order, { action: 'close', by: 'system', note: 'closed automatically after verification' }, { id: 'system', role: 'system' }, context(now)),
              'closed',
            );
            continue;
          }
          const decision = escalate(order, now, (level) => escalationRecipients(level, order, deps.directory()), settings);
          if (decision) await commit(decision, 'escalation');
          else await store.update({ ...order, wakeAt: wakeAt(order, settings) }, []);
        } catch (err) {
          metrics.errors.labels('work-orders').inc();
          log.error({ err, workOrderId: order.id }, 'work-order sweep step failed');
        }
      }
      return due.length;
    },

    async get(id: string) {
      return store.get(id);
    },
    list: (filter: WorkOrderFilter) => store.list(filter),
    countOpen: () => store.countOpen(),
    /** Open orders per assignee (dispatch load). */
    openLoad: () => store.openLoad(),
    async attachment(workOrderId: string, attachmentId: string) {
      const a = await store.getAttachment(workOrderId, attachmentId);
      if (!a) throw new FmsError('FMS_ERR_ATTACHMENT_NOT_FOUND', `${workOrderId} has no attachment "${attachmentId}"`);
      return { ...a, bytes: await deps.files.read(a.path) };
    },
    /**
     * People with their open orders (dispatch load). With `sites` (a key limited to them): the people
     * of the teams serving those sites, with their open orders on those sites only.
     */
    async people(sites: readonly string[] | null = null) {
      const load = await store.openLoad(undefined, sites ?? undefined);
      const directory = deps.directory();
      const teams = teamsServing(sites);
      const seen = (id: string) => teams.some((t) => t.members.includes(id) || t.supervisor === id || t.manager === id);
      return [...directory.people.values()]
        .filter((p) => !sites || directory.teams.length === 0 || seen(p.id))
        .map((p) => ({
          ...p,
          openOrders: load.get(p.id) ?? 0,
          teams: teams.filter((t) => t.members.includes(p.id) || t.supervisor === p.id || t.manager === p.id).map((t) => t.id),
        }));
    },
    /** One person of the directory (without their load), or undefined. */
    person: (id: string): Person | undefined => deps.directory().people.get(id),
    /** The teams; with `sites`, those serving one of them (a team without sites serves every site). */
    teams: (sites: readonly string[] | null = null) => teamsServing(sites),
  };

  function teamsServing(sites: readonly string[] | null) {
    const { teams } = deps.directory();
    return sites ? teams.filter((t) => t.sites.length === 0 || t.sites.some((s) => sites.includes(s))) : teams;
  }

  async function dispatchReopened(order: WorkOrder): Promise<WorkOrder> {
    return order.state === 'new' ? dispatch(order) : order;
  }
}

function toFmsError(err: unknown): unknown {
  if (!(err instanceof ProcessError)) return err;
  const code = (
    {
      transition: 'FMS_ERR_WORK_ORDER_TRANSITION',
      forbidden: 'FMS_ERR_WORK_ORDER_FORBIDDEN',
      invalid: 'FMS_ERR_WORK_ORDER_INVALID',
      site: 'FMS_ERR_WORK_ORDER_ASSIGNEE_SITE',
    } as const
  )[err.kind];
  return new FmsError(code, err.message, err.allowed.length ? { allowed: err.allowed } : undefined);
}
