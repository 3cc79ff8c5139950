import type { Db } from '../db/database.ts';
import type { OutboxTable } from '../db/schema.ts';
import { outboxStates, type OutboxEntry, type OutboxState, type OutboxStore } from './outbox-store.ts';

const entryOf = (r: OutboxTable): OutboxEntry => ({
  id: r.id,
  dedupeKey: r.dedupe_key,
  channel: r.channel,
  recipient: r.recipient,
  event: r.event,
  subjectId: r.subject_id,
  payload: JSON.parse(r.payload) as unknown,
  state: r.state as OutboxState,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  sentAt: r.sent_at === null ? null : Number(r.sent_at),
  readAt: r.read_at === null ? null : Number(r.read_at),
});

/** The outbox on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyOutboxStore(db: Db): OutboxStore {
  return {
    async enqueue(e) {
      const r = await db
        .insertInto('outbox')
        .values({
          id: e.id,
          dedupe_key: e.dedupeKey,
          channel: e.channel,
          recipient: e.recipient,
          event: e.event,
          subject_id: e.subjectId,
          payload: JSON.stringify(e.payload),
          state: 'pending',
          attempts: 0,
          next_attempt_at: e.notBefore ?? e.createdAt,
          lease_until: null,
          last_error: null,
          created_at: e.createdAt,
          sent_at: null,
          read_at: null,
        })
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async claim(now, leaseUntil, limit) {
      return db.transaction().execute(async (tx) => {
        const due = await tx
          .selectFrom('outbox')
          .selectAll()
          .where((eb) =>
            eb.or([
              eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
              eb.and([eb('state', '=', 'sending'), eb('lease_until', '<', now)]),
            ]),
          )
          .orderBy('next_attempt_at')
          .limit(limit)
          .execute();
        const taken: OutboxEntry[] = [];
        for (const r of due) {
          // Taken only if nobody took it since it was read (another instance, in PostgreSQL's read committed).
          const u = await tx
            .updateTable('outbox')
            .set({ state: 'sending', lease_until: leaseUntil, attempts: Number(r.attempts) + 1 })
            .where('id', '=', r.id)
            .where('attempts', '=', r.attempts)
            .where('state', 'in', ['pending', 'sending'])
            .executeTakeFirst();
          if (Number(u.numUpdatedRows) === 1) taken.push(entryOf({ ...r, state: 'sending', lease_until: leaseUntil, attempts: Number(r.attempts) + 1 }));
        }
        return taken;
      });
    },

    async markSent(id, at) {
      await db.updateTable('outbox').set({ state: 'sent', sent_at: at, lease_until: null, last_error: null }).where('id', '=', id).execute();
    },

    async markFailed(id, error, nextAttemptAt) {
      await db
        .updateTable('outbox')
        .set(
          nextAttemptAt === null
            ? { state: 'dead', lease_until: null, last_error: error.slice(0, 500) }
            : { state: 'pending', lease_until: null, last_error: error.slice(0, 500), next_attempt_at: nextAttemptAt },
        )
        .where('id', '=', id)
        .execute();
    },

    async postpone(id, at) {
      await db
        .updateTable('outbox')
        .set((eb) => ({ state: 'pending', lease_until: null, next_attempt_at: at, attempts: eb('attempts', '-', 1) }))
        .where('id', '=', id)
        .execute();
    },

    async amend(id, payload) {
      const r = await db
        .updateTable('outbox')
        .set({ payload: JSON.stringify(payload) })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async cancel(id, reason, at) {
      await db
        .updateTable('outbox')
        .set({ state: 'cancelled', lease_until: null, last_error: reason.slice(0, 500), sent_at: at })
        .where('id', '=', id)
        .execute();
    },

    async markRead(recipient, at) {
      const r = await db
        .updateTable('outbox')
        .set({ read_at: at })
        .where('recipient', '=', recipient)
        .where('channel', '=', 'inapp')
        .where('state', '=', 'sent')
        .where('read_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async unread(recipient) {
      const r = await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('recipient', '=', recipient)
        .where('channel', '=', 'inapp')
        .where('state', '=', 'sent')
        .where('read_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async list(q) {
      let base = db.selectFrom('outbox');
      if (q.state) base = base.where('state', '=', q.state);
      if (q.channel) base = base.where('channel', '=', q.channel);
      if (q.recipient) base = base.where('recipient', '=', q.recipient);
      if (q.subjectId) base = base.where('subject_id', '=', q.subjectId);
      if (q.event) base = base.where('event', '=', q.event);
      const [rows, total] = await Promise.all([
        base.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(q.limit).offset(q.offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(entryOf), total: Number(total.n) };
    },

    async counts() {
      const out = Object.fromEntries(outboxStates.map((s) => [s, 0])) as Record<OutboxState, number>;
      for (const r of await db
        .selectFrom('outbox')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('state')
        .execute())
        out[r.state as OutboxState] = Number(r.n);
      return out;
    },
  };
}
