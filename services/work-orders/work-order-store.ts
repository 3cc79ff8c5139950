import type { Attachment, WorkOrder, WorkOrderDraft, WorkOrderEvent, WorkOrderState } from './work-order.ts';

export interface WorkOrderFilter {
  state?: WorkOrderState[];
  assetId?: string;
  priority?: string;
  source?: string;
  category?: string;
  channel?: string;
  site?: string;
  assignee?: string;
  team?: string;
  /** Orders that missed an SLA deadline. */
  breached?: boolean;
  /** Opened at or after / before (epoch ms). */
  from?: number;
  to?: number;
  limit: number;
  offset: number;
}

/** What one order may hold: attachments, and their bytes in all. */
export interface AttachmentQuota {
  count: number;
  totalBytes: number;
}

/** What became of an attachment: stored, the same file stored before, or refused because the order is full. */
export type AddedAttachment = { outcome: 'added' } | { outcome: 'exists' } | { outcome: 'full'; count: number; bytes: number };

/** The work-order store port. */
/** An order with its history and attachments, as read. */
export interface StoredOrder {
  order: WorkOrder;
  history: WorkOrderEvent[];
  attachments: Attachment[];
}

export interface WorkOrderStore {
  /**
   * Opens an order, or, when an open order with the same fault key exists, counts one more
   * occurrence on it. Atomic: concurrent calls for one fault never open two orders.
   */
  openOrAttach(draft: WorkOrderDraft, year: number, event: Omit<WorkOrderEvent, 'type' | 'from' | 'to'>): Promise<{ order: WorkOrder; opened: boolean }>;
  /** The open order of a fault, if any. */
  findOpenByFault(faultKey: string): Promise<WorkOrder | undefined>;
  /** The most recently closed order of a fault, closed at or after `since`. */
  lastClosedByFault(faultKey: string, since: number): Promise<WorkOrder | undefined>;
  /**
   * Stores a changed order and its events if the stored version is still `order.version`
   * (optimistic concurrency); the stored version becomes `order.version + 1`. Undefined when
   * someone else changed it first, or got there first (a reopened fault whose new order another
   * instance has opened meanwhile: the one-open-order-per-fault index refuses it).
   */
  update(order: WorkOrder, events: readonly WorkOrderEvent[]): Promise<WorkOrder | undefined>;
  /** One order with its history (oldest event first) and its attachments. */
  get(id: string): Promise<StoredOrder | undefined>;
  /** Orders matching a filter, newest first, with the total count for paging. */
  list(filter: WorkOrderFilter): Promise<{ items: WorkOrder[]; total: number }>;
  /** Open orders whose wake time has come (escalations, sensor checks, closing), oldest first. */
  due(now: number, limit: number): Promise<WorkOrder[]>;
  /** Open orders per assignee, of these people or of everybody (dispatch picks the least loaded); on these sites only, when given. */
  openLoad(assignees?: readonly string[], sites?: readonly string[]): Promise<Map<string, number>>;
  /** Open orders per site, priority and whether they missed a deadline, for /metrics and boards. */
  countOpen(): Promise<{ site: string | null; priority: string; breached: boolean; n: number }[]>;
  /**
   * Records an attachment (the file is already stored) with its history event, unless the order has
   * that attachment already (`exists`: the same file sent twice, even at once) or holds as much as
   * `quota` allows (`full`, with what it holds). Atomic: concurrent attachments never pass the quota.
   */
  addAttachment(attachment: Attachment & { path: string }, event: WorkOrderEvent, quota: AttachmentQuota): Promise<AddedAttachment>;
  /** An attachment's record and where its file is. */
  getAttachment(workOrderId: string, id: string): Promise<(Attachment & { path: string }) | undefined>;
}
