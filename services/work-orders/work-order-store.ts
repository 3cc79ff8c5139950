import type { NewWorkOrder, WorkOrder, WorkOrderEvent, WorkOrderState } from './work-order.ts';

export interface WorkOrderFilter {
  state?: WorkOrderState[];
  assetId?: string;
  priority?: string;
  source?: string;
  limit: number;
  offset: number;
}

/** The work-order store port. */
export interface WorkOrderStore {
  /**
   * Opens an order, or, when an open order with the same fault key exists, counts one more
   * occurrence on it. Atomic: concurrent calls for one fault never open two orders.
   */
  openOrAttach(input: NewWorkOrder, at: number, year: number, note: string): Promise<{ order: WorkOrder; opened: boolean }>;
  /** One order with its history, oldest event first. */
  get(id: string): Promise<{ order: WorkOrder; history: WorkOrderEvent[] } | undefined>;
  /** Orders matching a filter, newest first, with the total count for paging. */
  list(filter: WorkOrderFilter): Promise<{ items: WorkOrder[]; total: number }>;
  /** Open orders per priority, for /metrics and the health of the process. */
  countOpenByPriority(): Promise<Record<string, number>>;
}
