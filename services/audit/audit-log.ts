import type { Logger } from 'pino';
import type { AuditEvent, AuditQuery, AuditRecord, AuditStore } from './audit-store.ts';

export type { AuditEvent, AuditOutcome, AuditQuery, AuditRecord } from './audit-store.ts';

/**
 * The audit log, in the database. A flood (a password guesser, a device retrying a refused topic)
 * must not flood it: the first of a series is written at once; its repeats within `windowMs` are
 * written once at the end of the window with their count. Each record also goes to the log.
 */
export function createAuditLog(opts: { store: AuditStore; now: () => number; log: Logger; windowMs?: number }) {
  const { store, now, log } = opts;
  const windowMs = opts.windowMs ?? 60_000;
  const open = new Map<string, { repeats: number; last: AuditEvent; timer: NodeJS.Timeout }>();
  // Records are written one after another, so that their ids keep the order they happened in.
  let writing: Promise<void> = Promise.resolve();

  function write(ev: AuditEvent, count: number, at: number): void {
    const row: Omit<AuditRecord, 'id'> = {
      at,
      action: ev.action,
      outcome: ev.outcome,
      actor: ev.actor,
      actorName: ev.actorName ?? null,
      actorRole: ev.actorRole ?? null,
      address: ev.address ?? null,
      target: ev.target ? ev.target.slice(0, 500) : null,
      detail: ev.detail ? ev.detail.slice(0, 1000) : null,
      count,
    };
    // The log line keeps the field names it has always had (the table's), for whoever ships and parses it.
    const logged = {
      at,
      action: row.action,
      outcome: row.outcome,
      actor: row.actor,
      actor_name: row.actorName,
      actor_role: row.actorRole,
      address: row.address,
      target: row.target,
      detail: row.detail,
      count,
    };
    log.info(
      { audit: logged },
      `audit: ${ev.action} ${ev.outcome} by ${ev.actorName ?? ev.actor}${ev.target ? ` on ${ev.target}` : ''}${count > 1 ? ` (×${count})` : ''}`,
    );
    writing = writing.then(() =>
      store.append(row).then(
        () => undefined,
        // The record is in the log line above; the database is down or refused it.
        (err) => log.error({ err: (err as Error).message, audit: logged }, 'audit record not stored'),
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
      return store.list(q);
    },

    /** Removes records older than `before`; returns how many. */
    async prune(before: number): Promise<number> {
      return store.prune(before);
    },

    /** Writes the repeats still being counted and waits for every write (at stop). */
    async flush(): Promise<void> {
      for (const key of [...open.keys()]) closeWindow(key);
      await writing;
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
