/**
 * The durable outbox's port: every notification and webhook delivery is a row before it is sent
 * (docs/notifications.md). A sender claims what is due under a lease, so two instances never send the
 * same row at once and a row claimed by an instance that died is taken again when its lease ends.
 */

/** `cancelled`: no longer needed when it fell due (a P1's manager step after the order was acknowledged). */
export const outboxStates = ['pending', 'sending', 'sent', 'dead', 'cancelled'] as const;
export type OutboxState = (typeof outboxStates)[number];

export interface OutboxEntry {
  id: string;
  /** What makes two deliveries the same one: enqueued twice, it is one row. */
  dedupeKey: string;
  channel: string;
  recipient: string;
  event: string;
  /** The order, alarm or report it is about. */
  subjectId: string | null;
  payload: unknown;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
  /** In-app: when the recipient saw it. */
  readAt: number | null;
}

export type NewOutboxEntry = Pick<OutboxEntry, 'id' | 'dedupeKey' | 'channel' | 'recipient' | 'event' | 'subjectId' | 'payload' | 'createdAt'> & {
  /** Not sent before this moment (quiet hours, an escalation's next step); at once when absent. */
  notBefore?: number | undefined;
};

export interface OutboxQuery {
  state?: OutboxState | undefined;
  channel?: string | undefined;
  recipient?: string | undefined;
  subjectId?: string | undefined;
  event?: string | undefined;
  limit: number;
  offset: number;
}

export interface OutboxStore {
  /** Adds a delivery, due at once; false when one with its dedupe key exists already (nothing changes). */
  enqueue(e: NewOutboxEntry): Promise<boolean>;
  /**
   * Takes up to `limit` due deliveries (pending and due, or sending with a lapsed lease), oldest due
   * first, and leases them to the caller until `leaseUntil`.
   */
  claim(now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]>;
  /** Delivered: it is never sent again. */
  markSent(id: string, at: number): Promise<void>;
  /** Failed: tried again at `nextAttemptAt`, or given up (`dead`) when that is null. */
  markFailed(id: string, error: string, nextAttemptAt: number | null): Promise<void>;
  /** Not sent now, and no attempt spent: taken again at `at` (a recipient's rate limit). */
  postpone(id: string, at: number): Promise<void>;
  /** A pending delivery's payload replaced (a digest taking more); false when it is no longer pending. */
  amend(id: string, payload: unknown): Promise<boolean>;
  /** No longer needed: never sent (`cancelled`, with the reason). */
  cancel(id: string, reason: string, at: number): Promise<void>;
  /** A recipient saw their in-app notifications up to `at`; how many were newly seen. */
  markRead(recipient: string, at: number): Promise<number>;
  /** In-app notifications the recipient has not seen. */
  unread(recipient: string): Promise<number>;
  list(q: OutboxQuery): Promise<{ items: OutboxEntry[]; total: number }>;
  /** How many deliveries are in each state (for /metrics and the health report). */
  counts(): Promise<Record<OutboxState, number>>;
}
