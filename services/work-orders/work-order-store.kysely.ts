import type { Selectable, Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { DatabaseSchema, WorkOrderEventsTable, WorkOrdersTable } from '../db/schema.ts';
import { formatWorkOrderId, openStates, type WorkOrder, type WorkOrderEvent } from './work-order.ts';
import type { WorkOrderStore } from './work-order-store.ts';

/** The work-order store on SQL through kysely (SQLite now; the same queries run on PostgreSQL). */
export function createKyselyWorkOrderStore(db: Db): WorkOrderStore {
  return {
    async openOrAttach(input, at, year, note) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction().execute(async (trx) => {
            if (input.faultKey) {
              const open = await trx
                .selectFrom('work_orders')
                .selectAll()
                .where('fault_key', '=', input.faultKey)
                .where('state', 'in', openStates as string[])
                .executeTakeFirst();
              if (open) {
                await trx
                  .updateTable('work_orders')
                  .set({ occurrences: open.occurrences + 1, updated_at: at, version: open.version + 1 })
                  .where('id', '=', open.id)
                  .execute();
                await addEvent(trx, open.id, at, 'occurrence', null, null, input.actor, note, { occurrence: open.occurrences + 1, alarmId: input.alarmId });
                return { order: fromRow({ ...open, occurrences: open.occurrences + 1, updated_at: at, version: open.version + 1 }), opened: false };
              }
            }
            const seq = await nextSeq(trx, `work-order-${year}`);
            const row: Omit<WorkOrdersTable, 'checklist'> & { checklist: string } = {
              id: formatWorkOrderId(year, seq),
              seq,
              source: input.source,
              channel: input.channel,
              category: input.category,
              priority: input.priority,
              title: input.title,
              description: input.description,
              asset_id: input.assetId,
              site: input.site,
              rule_id: input.ruleId,
              fault_key: input.faultKey,
              alarm_id: input.alarmId,
              state: 'new',
              occurrences: 1,
              created_at: at,
              updated_at: at,
              version: 1,
              checklist: JSON.stringify(input.checklist),
            };
            await trx.insertInto('work_orders').values(row).execute();
            await addEvent(trx, row.id, at, 'opened', null, 'new', input.actor, note, { source: input.source, channel: input.channel, alarmId: input.alarmId });
            return { order: fromRow(row), opened: true };
          });
        } catch (err) {
          // Another process opened the order for this fault between our read and our insert: the
          // unique index refused ours, so attach to theirs on the next pass.
          if (attempt < 3 && isUniqueViolation(err)) continue;
          throw err;
        }
      }
    },

    async get(id) {
      const row = await db.selectFrom('work_orders').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const events = await db.selectFrom('work_order_events').selectAll().where('work_order_id', '=', id).orderBy('id').execute();
      return { order: fromRow(row), history: events.map(eventFromRow) };
    },

    async list(f) {
      let q = db.selectFrom('work_orders');
      if (f.state?.length) q = q.where('state', 'in', f.state);
      if (f.assetId) q = q.where('asset_id', '=', f.assetId);
      if (f.priority) q = q.where('priority', '=', f.priority);
      if (f.source) q = q.where('source', '=', f.source);
      const [{ total }] = (await q.select((eb) => eb.fn.countAll<number>().as('total')).execute()) as [{ total: number }];
      const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('seq', 'desc').limit(f.limit).offset(f.offset).execute();
      return { items: rows.map(fromRow), total: Number(total) };
    },

    async countOpenByPriority() {
      const rows = await db
        .selectFrom('work_orders')
        .select(['priority', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', 'in', openStates as string[])
        .groupBy('priority')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.priority, Number(r.n)]));
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

async function addEvent(
  trx: Transaction<DatabaseSchema>,
  workOrderId: string,
  at: number,
  type: WorkOrderEvent['type'],
  from: string | null,
  to: string | null,
  actor: string,
  note: string | null,
  data: Record<string, unknown>,
): Promise<void> {
  await trx.insertInto('work_order_events').values({ work_order_id: workOrderId, at, type, from_state: from, to_state: to, actor, note, data: JSON.stringify(data) }).execute();
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

function fromRow(r: Selectable<WorkOrdersTable>): WorkOrder {
  return {
    id: r.id,
    source: r.source as WorkOrder['source'],
    channel: r.channel as WorkOrder['channel'],
    category: r.category,
    priority: r.priority as WorkOrder['priority'],
    title: r.title,
    description: r.description,
    assetId: r.asset_id,
    site: r.site,
    ruleId: r.rule_id,
    alarmId: r.alarm_id,
    state: r.state as WorkOrder['state'],
    occurrences: r.occurrences,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: r.version,
    checklist: JSON.parse(r.checklist) as WorkOrder['checklist'],
  };
}

function eventFromRow(r: Selectable<WorkOrderEventsTable>): WorkOrderEvent {
  return {
    at: Number(r.at),
    type: r.type as WorkOrderEvent['type'],
    from: r.from_state as WorkOrderEvent['from'],
    to: r.to_state as WorkOrderEvent['to'],
    actor: r.actor,
    note: r.note,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}
