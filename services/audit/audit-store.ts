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

/** The audit store port: the audit trail, kept for the retention period. */
export interface AuditStore {
  /** Appends a record; records appended one after another keep that order among those of the same time. */
  append(record: Omit<AuditRecord, 'id'>): Promise<void>;
  /** Records matching a query, newest first, with the total count for paging. */
  list(query: AuditQuery): Promise<{ items: AuditRecord[]; total: number }>;
  /** Removes the records from before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
