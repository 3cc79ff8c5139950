import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

/** One security-relevant action: who did what to what, from where, and whether it was allowed. */
export interface AuditEvent {
  /** e.g. `api.login`, `key.issued`, `rule.updated`, `work_order.verified`, `access.denied`, `mqtt.login` */
  action: string;
  outcome: AuditOutcome;
  /** `key:<id>`, `device:<asset id>`, `anonymous`, `system` */
  actor: string;
  actorName?: string | null;
  actorRole?: string | null;
  /** The client's address (HTTP or MQTT). */
  address?: string | null;
  /** What it was done to: a route, a key, an asset, an order, a rule, a topic. */
  target?: string | null;
  detail?: string | null;
}

export interface AuditRecord extends Required<AuditEvent> {
  id: number;
  at: number;
  /** How many times it happened: repeats of the same action by the same actor from the same address to the same target within a minute are one record. */
  count: number;
}

export interface AuditQuery {
  from?: number;
  to?: number;
  /** An action, or its prefix ending in `.` (e.g. `key.`). */
  action?: string;
  actor?: string;
  outcome?: AuditOutcome;
  limit: number;
  offset: number;
}

/**
 * The audit log, in the database. A flood (a password guesser, a device retrying a refused topic)
 * must not flood it: the first of a series is written at once; its repeats within `windowMs` are
 * written once at the end of the window with their count. Each record also goes to the log.
 */
export function createAuditLog(opts: { db: Db; now: () => number; log: Logger; windowMs?: number }) {
  const { db, now, log } = opts;
  const windowMs = opts.windowMs ?? 60_000;
  const open = new Map<string, { repeats: number; last: AuditEvent; timer: NodeJS.Timeout }>();
  // Records are written one after another, so that their ids keep the order they happened in.
  let writing: Promise<void> = Promise.resolve();

  function write(ev: AuditEvent, count: number, at: number): void {
    const row = {
      at,
      action: ev.action,
      outcome: ev.outcome,
      actor: ev.actor,
      actor_name: ev.actorName ?? null,
      actor_role: ev.actorRole ?? null,
      address: ev.address ?? null,
      target: ev.target ? ev.target.slice(0, 500) : null,
      detail: ev.detail ? ev.detail.slice(0, 1000) : null,
      count,
    };
    log.info(
      { audit: row },
      `audit: ${ev.action} ${ev.outcome} by ${ev.actorName ?? ev.actor}${ev.target ? ` on ${ev.target}` : ''}${count > 1 ? ` (×${count})` : ''}`,
    );
    writing = writing.then(() =>
      db
        .insertInto('audit_log')
        .values(row)
        .execute()
        .then(
          () => undefined,
          // The record is in the log line above; the database is down or refused it.
          (err) => log.error({ err: (err as Error).message, audit: row }, 'audit record not stored'),
        ),
    );
  }

  function closeWindow(key: string): void {
    const w = open.get(key);
    if (!w) return;
    clearTimeout(w.timer);
    open.delete(key);
    if (w.repeats > 0) write(w.last, w.repeats, now());
  }

  return {
    record(ev: AuditEvent): void {
      const key = JSON.stringify([ev.action, ev.outcome, ev.actor, ev.address ?? null, ev.target ?? null]);
      const w = open.get(key);
      if (w) {
        w.repeats++;
        w.last = ev;
        return;
      }
      write(ev, 1, now());
      const timer = setTimeout(() => closeWindow(key), windowMs);
      timer.unref();
      open.set(key, { repeats: 0, last: ev, timer });
    },

    async list(q: AuditQuery): Promise<{ items: AuditRecord[]; total: number }> {
      // What was recorded before the question is in the answer.
      await writing;
      let query = db.selectFrom('audit_log');
      if (q.from !== undefined) query = query.where('at', '>=', q.from);
      if (q.to !== undefined) query = query.where('at', '<', q.to);
      // A prefix (`work_order.`): LIKE with its own wildcards escaped, the same in SQLite and PostgreSQL.
      if (q.action)
        query = q.action.endsWith('.')
          ? query.where(sql<boolean>`action LIKE ${q.action.replace(/[%_!]/g, '!$&') + '%'} ESCAPE '!'`)
          : query.where('action', '=', q.action);
      if (q.actor) query = query.where('actor', '=', q.actor);
      if (q.outcome) query = query.where('outcome', '=', q.outcome);
      const [rows, total] = await Promise.all([
        query.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
        query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        items: rows.map((r) => ({
          id: Number(r.id),
          at: Number(r.at),
          action: r.action,
          outcome: r.outcome,
          actor: r.actor,
          actorName: r.actor_name,
          actorRole: r.actor_role,
          address: r.address,
          target: r.target,
          detail: r.detail,
          count: Number(r.count),
        })),
        total: Number(total.n),
      };
    },

    /** Removes records older than `before`; returns how many. */
    async prune(before: number): Promise<number> {
      const r = await db.deleteFrom('audit_log').where('at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    /** Writes the repeats still being counted and waits for every write (at stop). */
    async flush(): Promise<void> {
      for (const key of [...open.keys()]) closeWindow(key);
      await writing;
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
