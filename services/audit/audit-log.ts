import type { Logger } from 'pino';
import type { AuditEvent, AuditQuery, AuditRecord, AuditStore } from './audit-store.ts';

export type { AuditEvent, AuditOutcome, AuditQuery, AuditRecord } from './audit-store.ts';

/** Targets kept as a sample of a coalesced flood of refusals. */
const SAMPLE_TARGETS = 5;

/**
 * The audit log, in the database. A flood (a password guesser, a device retrying a refused topic, a
 * scan of paths) must not flood it: the first of a series is written at once; its repeats within
 * `windowMs` are written once at the end of the window with their count. Refusals (`failed`,
 * `denied`) of one actor from one address are one series whatever they aimed at — varying the target
 * must not defeat the coalescing — and the record keeps a sample of the targets; what succeeded is
 * coalesced only when it is the very same action on the same target. Each record also goes to the log.
 */
export function createAuditLog(opts: { store: AuditStore; now: () => number; log: Logger; windowMs?: number }) {
  const { store, now, log } = opts;
  const windowMs = opts.windowMs ?? 60_000;
  /**
   * Series still counting repeats, oldest first: every window is as long, so they close in the order
   * they opened, and one timer (for the oldest) serves them all — a restart's 20,000 device sign-ins
   * are 20,000 windows, not 20,000 timers.
   */
  const open = new Map<string, { repeats: number; last: AuditEvent; targets: Set<string> | undefined; others: number; closesAt: number }>();
  let sweeper: NodeJS.Timeout | undefined;
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
    open.delete(key);
    if (w.repeats === 0) return;
    // A series that aimed at several targets says so, with a sample of them.
    if (w.targets && w.targets.size > 1) {
      const sample = [...w.targets].join(', ') + (w.others > 0 ? ` and ${w.others} more` : '');
      write({ ...w.last, target: [...w.targets][0] ?? null, detail: `${w.last.detail ?? ''}${w.last.detail ? '; ' : ''}targets: ${sample}` }, w.repeats, now());
    } else write(w.last, w.repeats, now());
  }

  /** Closes the windows whose time is up, then waits for the next one's. */
  function sweep(): void {
    sweeper = undefined;
    const t = performance.now();
    for (const [key, w] of open) {
      if (w.closesAt > t) break;
      closeWindow(key);
    }
    scheduleSweep();
  }

  function scheduleSweep(): void {
    if (sweeper) return;
    const oldest = open.values().next();
    if (oldest.done) return;
    sweeper = setTimeout(sweep, Math.max(0, oldest.value.closesAt - performance.now()));
    sweeper.unref();
  }

  return {
    record(ev: AuditEvent): void {
      const refusal = ev.outcome === 'failed' || ev.outcome === 'denied';
      const key = JSON.stringify([ev.action, ev.outcome, ev.actor, ev.address ?? null, refusal ? null : (ev.target ?? null)]);
      const target = ev.target ? ev.target.slice(0, 200) : null;
      const w = open.get(key);
      if (w) {
        w.repeats++;
        w.last = ev;
        if (target !== null && !w.targets?.has(target)) {
          if ((w.targets ??= new Set()).size < SAMPLE_TARGETS) w.targets.add(target);
          else w.others++;
        }
        return;
      }
      write(ev, 1, now());
      open.set(key, { repeats: 0, last: ev, targets: target === null ? undefined : new Set([target]), others: 0, closesAt: performance.now() + windowMs });
      scheduleSweep();
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
      clearTimeout(sweeper);
      sweeper = undefined;
      for (const key of [...open.keys()]) closeWindow(key);
      await writing;
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
