import type { OutboxEntry } from '../notifications/outbox-store.ts';

/** An outbox row as the sender hands it to a channel: claimed, on its first attempt. */
export function outboxEntry(id: string, channel: string, payload: unknown): OutboxEntry {
  return {
    id,
    dedupeKey: id,
    channel,
    recipient: 'r',
    event: 'order.dispatched',
    subjectId: 'WO-1',
    payload,
    state: 'sending',
    attempts: 1,
    nextAttemptAt: 0,
    leaseUntil: null,
    lastError: null,
    createdAt: 0,
    sentAt: null,
    readAt: null,
  };
}
