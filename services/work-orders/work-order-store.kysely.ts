import { PostgresAdapter, type Insertable, type Selectable, type Transaction } from 'kysely';
import { isUniqueViolation, type Db } from '../db/database.ts';
import type { DatabaseSchema, WorkOrderAttachmentsTable, WorkOrderEventsTable, WorkOrdersTable } from '../db/schema.ts';
import { formatWorkOrderId, openStates, type Attachment, type WorkOrder, type WorkOrderEvent } from './work-order.ts';
import type { WorkOrderStore } from './work-order-store.ts';

/** The work-order store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyWorkOrderStore(db: Db): WorkOrderStore {
  const open = openStates as string[];
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    async openOrAttach(draft, year, event) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction().execute(async (trx) => {
            if (draft.faultKey) {
              const row = await trx.selectFrom('work_orders').selectAll().where('fault_key', '=', draft.faultKey).where('state', 'in', open).executeTakeFirst();
              if (row) {
                // Counted in the database: concurrent occurrences on PostgreSQL all add up.
                const counted = await trx
                  .updateTable('work_orders')
                  .set((eb) => ({ occurrences: eb('occurrences', '+', 1), version: eb('version', '+', 1), updated_at: event.at }))
                  .where('id', '=', row.id)
                  .returningAll()
                  .executeTakeFirstOrThrow();
                const order = fromRow(counted);
                const updated = { ...order, updatedAt: event.at };
                await addEvents(trx, order.id, [
                  { ...event, type: 'occurrence', from: order.state, to: order.state, data: { ...event.data, occurrence: updated.occurrences } },
                ]);
                return { order: updated, opened: false };
              }
            }
            const seq = await nextSeq(trx, `work-order-${year}`);
            const order: WorkOrder = { ...draft, id: formatWorkOrderId(year, seq), version: 1 };
            await trx
              .insertInto('work_orders')
              .values({ ...toRow(order), seq })
              .execute();
            await addEvents(trx, order.id, [{ ...event, type: 'opened', from: null, to: order.state }]);
            return { order, opened: true };
          });
        } catch (err) {
          if (isUniqueViolation(err) && draft.pmKey) {
            // Another instance opened this plan occurrence first: theirs is the one.
            const row = await db.selectFrom('work_orders').selectAll().where('pm_key', '=', draft.pmKey).executeTakeFirst();
            if (row) return { order: fromRow(row), opened: false };
          }
          // Another process opened the order for this fault between our read and our insert: the
          // unique index refused ours, so attach to theirs on the next pass.
          if (attempt < 3 && isUniqueViolation(err)) continue;
          throw err;
        }
      }
    },

    async findOpenByFault(faultKey) {
      const row = await db.selectFrom('work_orders').selectAll().where('fault_key', '=', faultKey).where('state', 'in', open).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async lastClosedByFault(faultKey, since) {
      const row = await db
        .selectFrom('work_orders')
        .selectAll()
        .where('fault_key', '=', faultKey)
        .where('state', '=', 'closed')
        .where('closed_at', '>=', since)
        .orderBy('closed_at', 'desc')
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async update(order, events) {
      try {
        return await db.transaction().execute(async (trx) => {
          const { seq: _seq, id, ...row } = { ...toRow(order), seq: 0 };
          const result = await trx
            .updateTable('work_orders')
            .set({ ...row, version: order.version + 1 })
            .where('id', '=', id)
            .where('version', '=', order.version)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) === 0) return undefined;
          await addEvents(trx, id, events);
          return { ...order, version: order.version + 1 };
        });
      } catch (err) {
        if (isUniqueViolation(err)) return undefined;
        throw err;
      }
    },

    async get(id) {
      const row = await db.selectFrom('work_orders').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const events = await db.selectFrom('work_order_events').selectAll().where('work_order_id', '=', id).orderBy('id').execute();
      const files = await db.selectFrom('work_order_attachments').selectAll().where('work_order_id', '=', id).orderBy('uploaded_at').execute();
      return { order: fromRow(row), history: events.map(eventFromRow), attachments: files.map((f) => attachmentFromRow(f)) };
    },

    async list(f) {
      let q = db.selectFrom('work_orders');
      if (f.state?.length) q = q.where('state', 'in', f.state);
      if (f.assetId) q = q.where('asset_id', '=', f.assetId);
      if (f.priority) q = q.where('priority', '=', f.priority);
      if (f.source) q = q.where('source', '=', f.source);
      if (f.category) q = q.where('category', '=', f.category);
      if (f.channel) q = q.where('channel', '=', f.channel);
      if (f.site) q = q.where('site', '=', f.site);
      if (f.assignee) q = q.where('assignee', '=', f.assignee);
      if (f.team) q = q.where('team', '=', f.team);
      if (f.breached !== undefined) q = q.where('breached', '=', f.breached ? 1 : 0);
      if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
      if (f.to !== undefined) q = q.where('created_at', '<', f.to);
      const [{ total }] = (await q.select((eb) => eb.fn.countAll<number>().as('total')).execute()) as [{ total: number }];
      const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('seq', 'desc').limit(f.limit).offset(f.offset).execute();
      return { items: rows.map(fromRow), total: Number(total) };
    },

    async due(now, limit) {
      const rows = await db
        .selectFrom('work_orders')
        .selectAll()
        .where('wake_at', '<=', now)
        .where('state', 'in', open)
        .orderBy('wake_at')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },

    async openLoad(assignees, sites) {
      if (assignees?.length === 0 || sites?.length === 0) return new Map();
      let q = db
        .selectFrom('work_orders')
        .select(['assignee', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', 'in', ['assigned', 'acknowledged', 'in_progress', 'on_hold'])
        .where('assignee', 'is not', null);
      if (assignees) q = q.where('assignee', 'in', assignees);
      if (sites) q = q.where('site', 'in', sites);
      const rows = await q.groupBy('assignee').execute();
      return new Map(rows.map((r) => [r.assignee!, Number(r.n)]));
    },

    async countOpen() {
      const rows = await db
        .selectFrom('work_orders')
        .select(['site', 'priority', 'breached', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', 'in', open)
        .groupBy(['site', 'priority', 'breached'])
        .execute();
      return rows.map((r) => ({ site: r.site, priority: r.priority, breached: r.breached === 1, n: Number(r.n) }));
    },

    async addAttachment(a, event, quota) {
      return db.transaction().execute(async (trx) => {
        // One attachment of an order at a time, so that requests at the same moment cannot all pass the
        // quota: PostgreSQL locks the order's row; SQLite runs one transaction at a time anyway.
        if (postgres) await trx.selectFrom('work_orders').select('id').where('id', '=', a.workOrderId).forUpdate().execute();
        // The attachment's id is its order and checksum: the same file, stored by a request just before.
        const same = await trx.selectFrom('work_order_attachments').select('id').where('id', '=', a.id).executeTakeFirst();
        if (same) return { outcome: 'exists' as const };
        const held = await trx
          .selectFrom('work_order_attachments')
          .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string | null>('size').as('bytes')])
          .where('work_order_id', '=', a.workOrderId)
          .executeTakeFirstOrThrow();
        const count = Number(held.n);
        const bytes = Number(held.bytes ?? 0);
        if (count >= quota.count || bytes + a.size > quota.totalBytes) return { outcome: 'full' as const, count, bytes };
        await trx
          .insertInto('work_order_attachments')
          .values({
            id: a.id,
            work_order_id: a.workOrderId,
            filename: a.filename,
            content_type: a.contentType,
            size: a.size,
            sha256: a.sha256,
            path: a.path,
            uploaded_by: a.by,
            uploaded_at: a.at,
          })
          .execute();
        await addEvents(trx, a.workOrderId, [event]);
        return { outcome: 'added' as const };
      });
    },

    async getAttachment(workOrderId, id) {
      const row = await db.selectFrom('work_order_attachments').selectAll().where('work_order_id', '=', workOrderId).where('id', '=', id).executeTakeFirst();
      return row ? { ...attachmentFromRow(row), path: row.path } : undefined;
    },
  };
}

async function nextSeq(trx: Transaction<DatabaseSchema>, name: string): Promise<number> {
  const row = await trx
    .insertInto('counters')
    .values({ name, value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', 1) })))
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

async function addEvents(trx: Transaction<DatabaseSchema>, workOrderId: string, events: readonly WorkOrderEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('work_order_events')
    .values(
      events.map((e) => ({
        work_order_id: workOrderId,
        at: e.at,
        type: e.type,
        action: e.action ?? null,
        from_state: e.from,
        to_state: e.to,
        actor: e.actor,
        note: e.note,
        data: JSON.stringify(e.data),
      })),
    )
    .execute();
}

type Row = Selectable<WorkOrdersTable>;

/** Columns that filters and reports query; the rest of the process state is JSON in `process`. */
function toRow(o: WorkOrder): Insertable<WorkOrdersTable> & { seq: number } {
  return {
    id: o.id,
    seq: 0,
    source: o.source,
    channel: o.channel,
    category: o.category,
    priority: o.priority,
    title: o.title,
    description: o.description,
    asset_id: o.assetId,
    asset_type: o.assetType,
    site: o.site,
    location: o.location,
    requester: o.requester ? JSON.stringify(o.requester) : null,
    rule_id: o.ruleId,
    fault_key: o.faultKey,
    alarm_id: o.alarmId,
    parent_id: o.parentId,
    pm_plan: o.pmPlanId,
    pm_key: o.pmKey,
    due_at: o.dueAt,
    state: o.state,
    occurrences: o.occurrences,
    assignee: o.assignee,
    team: o.team,
    breached: o.breached ? 1 : 0,
    wake_at: o.wakeAt,
    resolved_at: o.resolvedAt,
    closed_at: o.closedAt,
    rating: o.rating?.score ?? null,
    rework_count: o.reworkCount,
    repeat_count: o.repeatCount,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    version: o.version,
    checklist: JSON.stringify(o.checklist),
    process: JSON.stringify({
      hold: o.hold,
      sla: o.sla,
      acceptance: o.acceptance,
      checklistResults: o.checklistResults,
      rating: o.rating,
      acknowledgedAt: o.acknowledgedAt,
      startedAt: o.startedAt,
      verifiedAt: o.verifiedAt,
    }),
  };
}

const num = (v: number | null) => (v === null ? null : Number(v));

function fromRow(r: Row): WorkOrder {
  const p = JSON.parse(r.process) as Partial<
    Pick<WorkOrder, 'hold' | 'sla' | 'acceptance' | 'checklistResults' | 'rating' | 'acknowledgedAt' | 'startedAt' | 'verifiedAt'>
  >;
  const checklist = JSON.parse(r.checklist) as WorkOrder['checklist'];
  return {
    id: r.id,
    source: r.source as WorkOrder['source'],
    channel: r.channel as WorkOrder['channel'],
    category: r.category,
    priority: r.priority as WorkOrder['priority'],
    title: r.title,
    description: r.description,
    assetId: r.asset_id,
    assetType: r.asset_type,
    site: r.site,
    location: r.location,
    requester: r.requester ? (JSON.parse(r.requester) as WorkOrder['requester']) : null,
    ruleId: r.rule_id,
    alarmId: r.alarm_id,
    faultKey: r.fault_key,
    parentId: r.parent_id,
    pmPlanId: r.pm_plan,
    pmKey: r.pm_key,
    dueAt: num(r.due_at),
    state: r.state as WorkOrder['state'],
    occurrences: r.occurrences,
    assignee: r.assignee,
    team: r.team,
    hold: p.hold ?? null,
    // Orders opened before the process existed (0.1) have no clocks.
    sla: p.sla ?? { calendar: 'always', clocks: {}, pausedSince: null },
    breached: r.breached === 1,
    acceptance: p.acceptance ?? { required: [], passed: [], sensorWindowMs: 0, sensorCheckAt: null },
    checklist,
    checklistResults: p.checklistResults ?? checklist.map(() => null),
    reworkCount: r.rework_count,
    repeatCount: r.repeat_count,
    rating: p.rating ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    acknowledgedAt: p.acknowledgedAt ?? null,
    startedAt: p.startedAt ?? null,
    resolvedAt: num(r.resolved_at),
    verifiedAt: p.verifiedAt ?? null,
    closedAt: num(r.closed_at),
    wakeAt: num(r.wake_at),
    version: r.version,
  };
}

function eventFromRow(r: Selectable<WorkOrderEventsTable>): WorkOrderEvent {
  return {
    at: Number(r.at),
    type: r.type as WorkOrderEvent['type'],
    action: r.action ?? undefined,
    from: r.from_state as WorkOrderEvent['from'],
    to: r.to_state as WorkOrderEvent['to'],
    actor: r.actor,
    note: r.note,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

function attachmentFromRow(r: Selectable<WorkOrderAttachmentsTable>): Attachment {
  return {
    id: r.id,
    workOrderId: r.work_order_id,
    filename: r.filename,
    contentType: r.content_type,
    size: r.size,
    sha256: r.sha256,
    by: r.uploaded_by,
    at: Number(r.uploaded_at),
  };
}
