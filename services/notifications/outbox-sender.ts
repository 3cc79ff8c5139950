import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { NewOutboxEntry, OutboxEntry, OutboxStore } from './outbox-store.ts';

/** What a channel answers for one delivery: sent, or failed and whether trying again may help. */
export type ChannelResult = { ok: true } | { ok: false; error: string; retry: boolean };

/** A way to reach people (email, a group robot, SMS, a webhook): sends one delivery's payload. */
export type Channel = (entry: OutboxEntry) => Promise<ChannelResult>;

export interface OutboxSenderOptions {
  store: OutboxStore;
  channels: Readonly<Record<string, Channel>>;
  log: Logger;
  now: () => number;
  random?: () => number;
  /** First wait after a failure; doubles with each further one (with ±20 % jitter). */
  baseDelayMs?: number;
  /** The longest wait between attempts. */
  maxDelayMs?: number;
  /** Attempts before a delivery is given up (`dead`). */
  maxAttempts?: number;
  /** How long a claimed delivery is this sender's before another may take it (a sender that died). */
  leaseMs?: number;
  /** Deliveries taken per round. */
  batch?: number;
  /** At most this many sent to one recipient in a minute by one channel; the rest wait their turn, no attempt spent. */
  perRecipientPerMinute?: number;
  /** The channels the rate holds (default all): a console notification costs nobody anything. */
  limitedChannels?: readonly string[];
  /** Asked before sending: why the delivery is no longer needed (it is cancelled), or null to send it. */
  obsolete?: (entry: OutboxEntry) => Promise<string | null>;
  /**
   * Folds what waits for a recipient over their rate into one message (a digest): given the deliveries
   * (oldest first; the digest already waiting comes first when there is one), the digest's payload.
   * Without it, each waits its turn.
   */
  fold?: (entries: readonly OutboxEntry[]) => Pick<NewOutboxEntry, 'payload'>;
  /** Told what became of each delivery taken (metrics, the audit log, the console's live updates). */
  onOutcome?: (entry: OutboxEntry, outcome: Outcome, error?: string) => void;
}

export type Outcome = 'sent' | 'retry' | 'dead' | 'cancelled' | 'postponed' | 'folded';

/** The event of a digest: what waited for one recipient over their rate, in one message. */
export const DIGEST = 'digest';

/**
 * Sends what the outbox holds: takes due deliveries under a lease, hands each to its channel, marks it
 * sent, or schedules the next attempt with exponential backoff and jitter, or gives it up after
 * `maxAttempts` or when the channel says retrying cannot help (a 4xx, an unknown mailbox). Because every
 * delivery is a row before it is tried, a SIGKILL loses nothing: the next start (or another instance,
 * once the lease lapses) sends what was left.
 */
export function createOutboxSender(o: OutboxSenderOptions) {
  const random = o.random ?? Math.random;
  const base = o.baseDelayMs ?? 5_000;
  const max = o.maxDelayMs ?? 30 * 60_000;
  const maxAttempts = o.maxAttempts ?? 10;
  const lease = o.leaseMs ?? 60_000;
  const batch = o.batch ?? 50;

  /** When the attempt after `attempts` failed ones is due. */
  const nextAt = (attempts: number, now: number) => now + Math.round(Math.min(max, base * 2 ** (attempts - 1)) * (0.8 + 0.4 * random()));

  const perMinute = o.perRecipientPerMinute ?? Infinity;
  /** When each recipient's recent deliveries were sent (the last minute's). */
  const recent = new Map<string, number[]>();

  /** Whether the recipient's minute still has room; if not, when it will. */
  function room(recipient: string, now: number): number | null {
    const times = (recent.get(recipient) ?? []).filter((t) => t > now - 60_000);
    if (times.length === 0) recent.delete(recipient);
    else recent.set(recipient, times);
    return times.length < perMinute ? null : times[0]! + 60_000;
  }

  /**
   * A recipient over their rate: what waits for them on this channel (this delivery, this round's next
   * ones, the pending ones due now) goes into their digest — the one already waiting, or a new one sent
   * when their minute has room; each folded delivery is `cancelled` ("folded into digest …"). A digest
   * over the rate waits its turn; what is held for later (quiet hours, an escalation step) keeps its time.
   */
  async function overRate(e: OutboxEntry, wait: number, mates: OutboxEntry[]): Promise<Outcome> {
    if (!o.fold || e.event === DIGEST) {
      await o.store.postpone(e.id, wait);
      return 'postponed';
    }
    const pending = (await o.store.list({ recipient: e.recipient, channel: e.channel, state: 'pending', limit: 200, offset: 0 })).items;
    const digest = pending.find((x) => x.event === DIGEST);
    const waiting = pending.filter((x) => x.event !== DIGEST && x.nextAttemptAt <= o.now());
    const own = mates.filter((x) => x.channel === e.channel && x.event !== DIGEST);
    const entries = [e, ...own, ...waiting].sort((a, b) => a.createdAt - b.createdAt);
    let id = digest?.id;
    if (!digest || !(await o.store.amend(digest.id, o.fold([digest, ...entries]).payload))) {
      id = randomUUID();
      await o.store.enqueue({
        id,
        dedupeKey: `${DIGEST}|${e.channel}|${e.recipient}|${id}`,
        channel: e.channel,
        recipient: e.recipient,
        event: DIGEST,
        subjectId: null,
        createdAt: o.now(),
        notBefore: wait,
        ...o.fold(entries),
      });
    }
    for (const x of entries) {
      await o.store.cancel(x.id, `folded into digest ${id}`, o.now());
      o.onOutcome?.(x, 'folded');
    }
    for (const x of own) mates.splice(mates.indexOf(x), 1);
    return 'folded';
  }

  async function deliver(e: OutboxEntry, mates: OutboxEntry[] = []): Promise<Outcome> {
    const reason = o.obsolete ? await o.obsolete(e) : null;
    if (reason !== null) {
      await o.store.cancel(e.id, reason, o.now());
      return 'cancelled';
    }
    const limited = !o.limitedChannels || o.limitedChannels.includes(e.channel);
    const who = `${e.channel}|${e.recipient}`;
    const wait = limited ? room(who, o.now()) : null;
    if (wait !== null) return overRate(e, wait, mates);
    if (limited) recent.set(who, [...(recent.get(who) ?? []), o.now()]);
    const channel = o.channels[e.channel];
    let result: ChannelResult;
    try {
      result = channel ? await channel(e) : { ok: false, error: `no channel "${e.channel}" is configured`, retry: false };
    } catch (err) {
      result = { ok: false, error: (err as Error).message, retry: true };
    }
    const now = o.now();
    if (result.ok) {
      await o.store.markSent(e.id, now);
      o.onOutcome?.(e, 'sent');
      return 'sent';
    }
    const giveUp = !result.retry || e.attempts >= maxAttempts;
    await o.store.markFailed(e.id, result.error, giveUp ? null : nextAt(e.attempts, now));
    if (giveUp) o.log.warn({ id: e.id, channel: e.channel, event: e.event, attempts: e.attempts, reason: result.error }, 'notification given up');
    else o.log.debug({ id: e.id, channel: e.channel, event: e.event, attempt: e.attempts, reason: result.error }, 'notification failed: trying again later');
    o.onOutcome?.(e, giveUp ? 'dead' : 'retry', result.error);
    return giveUp ? 'dead' : 'retry';
  }

  return {
    nextAt,
    /** One round: sends every delivery due now (up to `batch`), one at a time per recipient. Returns what became of them. */
    async runOnce(): Promise<Record<Outcome, number>> {
      const now = o.now();
      const taken = await o.store.claim(now, now + lease, batch);
      const out: Record<Outcome, number> = { sent: 0, retry: 0, dead: 0, cancelled: 0, postponed: 0, folded: 0 };
      const byRecipient = new Map<string, OutboxEntry[]>();
      for (const e of taken) byRecipient.set(e.recipient, [...(byRecipient.get(e.recipient) ?? []), e]);
      await Promise.all(
        [...byRecipient.values()].map(async (list) => {
          // `list` shrinks as a digest takes the deliveries after the one over the rate.
          while (list.length > 0) {
            const e = list.shift()!;
            out[await deliver(e, list)]++;
          }
        }),
      );
      return out;
    },
  };
}
