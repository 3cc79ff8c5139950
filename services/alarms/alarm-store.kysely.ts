import type { Selectable, Transaction } from 'kysely';
import { isUniqueViolation, type Db } from '../db/database.ts';
import type { AlarmsTable, DatabaseSchema } from '../db/schema.ts';
import { type Alarm, type AlarmEvent } from './alarm.ts';
import { severityRank } from '../shared/vocabulary.ts';
import type { AlarmStore } from './alarm-store.ts';

/** The alarm store on SQL through kysely. */
export function createKyselyAlarmStore(db: Db): AlarmStore {
  type RaiseInput = Parameters<AlarmStore['raise']>[0];
  function raiseOnce(input: RaiseInput) {
    return db.transaction().execute(async (trx) => {
      const open = await trx
        .selectFrom('alarms')
        .selectAll()
        .where('asset_id', '=', input.assetId)
        .where('fault', '=', input.fault)
        .where('state', '!=', 'cleared')
        .executeTakeFirst();
      if (open) {
        const escalated = (severityRank[input.severity] ?? 0) > (severityRank[open.severity] ?? 0);
        const next = {
          last_raised_at: input.raisedAt,
          value: input.value,
          message: input.message,
          clear_pending_since: null,
          ...(escalated ? { severity: input.severity, rule_id: input.ruleId, rule_version: input.ruleVersion } : {}),
        };
        // Counted in the database: repeats arriving at once on PostgreSQL all add up.
        const updated = await trx
          .updateTable('alarms')
          .set((eb) => ({ ...next, occurrences: eb('occurrences', '+', 1) }))
          .where('id', '=', open.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        const note = escalated ? `escalated from ${open.severity} (${open.rule_id}) to ${input.severity} (${input.ruleId}): ${input.message}` : input.message;
        await addEvent(trx, open.id, input.raisedAt, escalated ? 'escalated' : 'repeat', open.state, open.state, 'system', note);
        return { alarm: fromRow(updated), created: false, escalated };
      }
      const row = await trx
        .insertInto('alarms')
        .values({
          asset_id: input.assetId,
          site: input.site,
          rule_id: input.ruleId,
          fault: input.fault,
          rule_version: input.ruleVersion,
          severity: input.severity,
          state: 'active',
          message: input.message,
          value: input.value,
          occurrences: 1,
          raised_at: input.raisedAt,
          received_at: input.receivedAt,
          last_raised_at: input.raisedAt,
          acknowledged_at: null,
          acknowledged_by: null,
          ack_note: null,
          cleared_at: null,
          work_order_id: null,
          clear_pending_since: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await addEvent(trx, row.id, input.raisedAt, 'raised', null, 'active', 'system', input.message);
      return { alarm: fromRow(row), created: true, escalated: false };
    });
  }

  return {
    async raise(input) {
      // The unique index keeps one open alarm per asset and fault: a raise that loses the race to
      // open it counts as a repeat of the winner's on the next pass.
      for (let attempt = 0; ; attempt++) {
        try {
          return await raiseOnce(input);
        } catch (err) {
          if (attempt < 3 && isUniqueViolation(err)) continue;
          throw err;
        }
      }
    },

    async clear(assetId, fault, at, note, actor = 'system') {
      return db.transaction().execute(async (trx) => {
        const open = await trx
          .selectFrom('alarms')
          .selectAll()
          .where('asset_id', '=', assetId)
          .where('fault', '=', fault)
          .where('state', '!=', 'cleared')
          .executeTakeFirst();
        if (!open) return undefined;
        await trx.updateTable('alarms').set({ state: 'cleared', cleared_at: at, clear_pending_since: null }).where('id', '=', open.id).execute();
        await addEvent(trx, open.id, at, 'cleared', open.state, 'cleared', actor, note);
        return fromRow({ ...open, state: 'cleared', cleared_at: at, clear_pending_since: null });
      });
    },

    async holdFlapping(assetId, fault, since, note) {
      return db.transaction().execute(async (trx) => {
        const open = await trx
          .selectFrom('alarms')
          .selectAll()
          .where('asset_id', '=', assetId)
          .where('fault', '=', fault)
          .where('state', '!=', 'cleared')
          .executeTakeFirst();
        if (!open) return undefined;
        const newlyFlapping = open.flapping === 0;
        await trx.updateTable('alarms').set({ flapping: 1, clear_pending_since: since }).where('id', '=', open.id).execute();
        if (newlyFlapping) await addEvent(trx, open.id, since, 'flapping', open.state, open.state, 'system', note);
        return { alarm: fromRow({ ...open, flapping: 1, clear_pending_since: since }), newlyFlapping };
      });
    },

    async listClearPending() {
      const rows = await db.selectFrom('alarms').selectAll().where('state', '!=', 'cleared').where('clear_pending_since', 'is not', null).execute();
      return rows.map(fromRow);
    },

    async linkWorkOrder(alarmId, workOrderId) {
      await db.updateTable('alarms').set({ work_order_id: workOrderId }).where('id', '=', alarmId).execute();
    },

    async acknowledge(id, by, note, at) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('alarms').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return undefined;
        if (row.state !== 'active') return fromRow(row);
        await trx.updateTable('alarms').set({ state: 'acknowledged', acknowledged_at: at, acknowledged_by: by, ack_note: note }).where('id', '=', id).execute();
        await addEvent(trx, id, at, 'acknowledged', 'active', 'acknowledged', by, note);
        return fromRow({ ...row, state: 'acknowledged', acknowledged_at: at, acknowledged_by: by, ack_note: note });
      });
    },

    async get(id) {
      const row = await db.selectFrom('alarms').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async list(f) {
      let q = db.selectFrom('alarms');
      if (f.state?.length) q = q.where('state', 'in', f.state);
      if (f.assetId) q = q.where('asset_id', '=', f.assetId);
      if (f.site) q = q.where('site', '=', f.site);
      const [{ total }] = (await q.select((eb) => eb.fn.countAll<number>().as('total')).execute()) as [{ total: number }];
      const rows = await q.selectAll().orderBy('raised_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
      return { items: rows.map(fromRow), total: Number(total) };
    },

    async history(f) {
      let q = db
        .selectFrom('alarm_events')
        .innerJoin('alarms', 'alarms.id', 'alarm_events.alarm_id')
        .select([
          'alarm_events.alarm_id',
          'alarms.asset_id',
          'alarms.rule_id',
          'alarm_events.at',
          'alarm_events.type',
          'alarm_events.from_state',
          'alarm_events.to_state',
          'alarm_events.actor',
          'alarm_events.note',
        ]);
      if (f.alarmId !== undefined) q = q.where('alarm_events.alarm_id', '=', f.alarmId);
      if (f.assetId !== undefined) q = q.where('alarms.asset_id', '=', f.assetId);
      const rows = await q.orderBy('alarm_events.id', 'desc').limit(f.limit).execute();
      return rows.reverse().map((r) => ({
        alarmId: r.alarm_id,
        assetId: r.asset_id,
        ruleId: r.rule_id,
        at: Number(r.at),
        type: r.type,
        from: r.from_state as AlarmEvent['from'],
        to: r.to_state as AlarmEvent['to'],
        actor: r.actor,
        note: r.note,
      }));
    },

    async listOpen() {
      const rows = await db.selectFrom('alarms').selectAll().where('state', '!=', 'cleared').execute();
      return rows.map(fromRow);
    },

    async openOfWorkOrder(workOrderId) {
      const rows = await db.selectFrom('alarms').selectAll().where('work_order_id', '=', workOrderId).where('state', '!=', 'cleared').orderBy('id').execute();
      return rows.map(fromRow);
    },

    async openBetween(from, to, assetId) {
      let q = db
        .selectFrom('alarms')
        .select(['id', 'asset_id', 'severity', 'raised_at', 'cleared_at'])
        .where('raised_at', '<', to)
        .where((eb) => eb.or([eb('cleared_at', 'is', null), eb('cleared_at', '>=', from)]));
      if (assetId !== undefined) q = q.where('asset_id', '=', assetId);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        assetId: r.asset_id,
        severity: r.severity as Alarm['severity'],
        raisedAt: Number(r.raised_at),
        clearedAt: r.cleared_at === null ? null : Number(r.cleared_at),
      }));
    },

    async countRaised(from, to) {
      const rows = await db
        .selectFrom('alarms')
        .select(['asset_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('raised_at', '>=', from)
        .where('raised_at', '<', to)
        .groupBy('asset_id')
        .execute();
      return new Map(rows.map((r) => [r.asset_id, Number(r.n)]));
    },

    async ofFault(assetId, fault, since) {
      const rows = await db
        .selectFrom('alarms')
        .selectAll()
        .where('asset_id', '=', assetId)
        .where('fault', '=', fault)
        .where((eb) => eb.or([eb('state', '!=', 'cleared'), eb('last_raised_at', '>=', since)]))
        .orderBy('id')
        .execute();
      return rows.map(fromRow);
    },
  };
}

async function addEvent(
  trx: Transaction<DatabaseSchema>,
  alarmId: number,
  at: number,
  type: string,
  from: string | null,
  to: string,
  actor: string,
  note: string | null,
): Promise<void> {
  await trx.insertInto('alarm_events').values({ alarm_id: alarmId, at, type, from_state: from, to_state: to, actor, note }).execute();
}

function fromRow(r: Selectable<AlarmsTable>): Alarm {
  return {
    id: r.id,
    assetId: r.asset_id,
    site: r.site,
    ruleId: r.rule_id,
    fault: r.fault,
    ruleVersion: r.rule_version,
    severity: r.severity as Alarm['severity'],
    state: r.state as Alarm['state'],
    message: r.message,
    value: r.value,
    occurrences: r.occurrences,
    raisedAt: Number(r.raised_at),
    receivedAt: Number(r.received_at),
    lastRaisedAt: Number(r.last_raised_at),
    acknowledgedAt: r.acknowledged_at === null ? null : Number(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    ackNote: r.ack_note,
    clearedAt: r.cleared_at === null ? null : Number(r.cleared_at),
    workOrderId: r.work_order_id,
    flapping: r.flapping === 1,
    clearPendingSince: r.clear_pending_since === null ? null : Number(r.clear_pending_since),
  };
}
