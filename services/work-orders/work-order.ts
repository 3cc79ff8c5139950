import type { ChecklistStep, Priority } from '../rules/rule-schema.ts';

/** Work-order states of CONTRACT.md. */
export const workOrderStates = ['new', 'assigned', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'verified', 'closed', 'cancelled'] as const;
export type WorkOrderState = (typeof workOrderStates)[number];
/** States in which an order still counts as open: a repeat of its fault attaches to it. */
export const openStates: readonly WorkOrderState[] = ['new', 'assigned', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'verified'];

export const sources = ['alarm', 'pm', 'request', 'inspection'] as const;
export const channels = ['sensor', 'hotline', 'wechat', 'app', 'front_desk', 'inspection'] as const;

export interface WorkOrder {
  /** Human-readable id, e.g. WO-2026-000123. */
  id: string;
  source: (typeof sources)[number];
  channel: (typeof channels)[number];
  category: string;
  priority: Priority;
  title: string;
  description: string;
  assetId: string | null;
  site: string | null;
  ruleId: string | null;
  alarmId: number | null;
  state: WorkOrderState;
  /** How many times its fault has occurred while it was open (1 at opening). */
  occurrences: number;
  createdAt: number;
  updatedAt: number;
  version: number;
  /** The procedure to follow on site, from the rule (later also from PM plans and categories). */
  checklist: ChecklistStep[];
}

export interface WorkOrderEvent {
  at: number;
  type: 'opened' | 'occurrence' | 'transition' | 'comment';
  from: WorkOrderState | null;
  to: WorkOrderState | null;
  actor: string;
  note: string | null;
  data: Record<string, unknown>;
}

export type NewWorkOrder = Pick<WorkOrder, 'source' | 'channel' | 'category' | 'priority' | 'title' | 'description' | 'assetId' | 'site' | 'ruleId' | 'alarmId' | 'checklist'> & {
  /** `asset/rule` for faults: at most one open order per fault key. */
  faultKey: string | null;
  actor: string;
};

/** WO-2026-000123: the year the order opened and a sequence that restarts each year. */
export function formatWorkOrderId(year: number, seq: number): string {
  return `WO-${year}-${String(seq).padStart(6, '0')}`;
}
