import type { ChecklistStep, Priority } from '../shared/vocabulary.ts';
import type { OrderSla } from './sla.ts';

/** Work-order states of CONTRACT.md. */
export const workOrderStates = ['new', 'assigned', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'verified', 'closed', 'cancelled'] as const;
export type WorkOrderState = (typeof workOrderStates)[number];
/** States in which an order still counts as open: a repeat of its fault attaches to it. */
export const openStates: readonly WorkOrderState[] = ['new', 'assigned', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'verified'];

/** `predictive`: opened because a condition indicator is likely to reach its limit soon (services/condition). */
export const sources = ['alarm', 'pm', 'request', 'inspection', 'predictive'] as const;
/** `schedule`: opened by a preventive-maintenance plan. */
export const channels = ['sensor', 'hotline', 'wechat', 'app', 'front_desk', 'inspection', 'schedule'] as const;

/** Why work stops for a while; the first three stop the SLA clocks (nobody can do anything about them). */
export const holdReasons = ['waiting_parts', 'owner_not_home', 'no_access', 'waiting_approval', 'other'] as const;
export type HoldReason = (typeof holdReasons)[number];
export const pausingHoldReasons: readonly HoldReason[] = ['waiting_parts', 'owner_not_home', 'no_access'];

/** What acceptance (验收) needs before an order is verified. */
export const acceptanceChecks = ['sensor', 'requester', 'qc'] as const;
export type AcceptanceCheck = (typeof acceptanceChecks)[number];

export interface Requester {
  name: string;
  phone?: string | undefined;
  email?: string | undefined;
  wechat?: string | undefined;
  /** Flat or unit, e.g. "3-1702". */
  unit?: string | undefined;
}

/** What the technician recorded for one checklist step. */
export interface ChecklistResult {
  done: boolean;
  /** Measurement steps: the reading, in the step's unit. */
  value?: number | undefined;
  /** Pass/fail steps. */
  passed?: boolean | undefined;
  /** Photo steps: the id of the attachment. */
  photo?: string | undefined;
  note?: string | undefined;
  /** Out of limits or failed. */
  failed: boolean;
  by: string;
  at: number;
}

export interface Acceptance {
  required: AcceptanceCheck[];
  passed: { check: AcceptanceCheck; by: string; at: number; note: string | null }[];
  /** How long the fault must stay away after the resolution (sensor check). */
  sensorWindowMs: number;
  /** When the sensor check is decided; set at resolution. */
  sensorCheckAt: number | null;
}

export interface Rating {
  score: number;
  comment: string | null;
  by: string;
  at: number;
}

export interface Hold {
  reason: HoldReason;
  /** The state to go back to on resume. */
  from: WorkOrderState;
  since: number;
  pausesSla: boolean;
}

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
  assetType: string | null;
  site: string | null;
  location: string | null;
  /** Who asked (requests from the hotline, WeChat, the app, the front desk). */
  requester: Requester | null;
  ruleId: string | null;
  alarmId: number | null;
  /** `asset/failure-mode` for alarm and predictive orders: at most one open order per fault. */
  faultKey: string | null;
  /** The order this one follows up (a failed check, a complaint's follow-up visit). */
  parentId: string | null;
  /** Preventive maintenance: the plan, and the occurrence's stable key (`plan/asset/key`), unique. */
  pmPlanId: string | null;
  pmKey: string | null;
  /** Planned work: the date it is due by. */
  dueAt: number | null;
  state: WorkOrderState;
  /** How many times its fault has occurred while it was open (1 at opening). */
  occurrences: number;
  assignee: string | null;
  team: string | null;
  hold: Hold | null;
  sla: OrderSla;
  /** Any SLA clock missed its deadline. */
  breached: boolean;
  acceptance: Acceptance;
  /** The procedure to follow on site (from the rule, the PM plan or the category). */
  checklist: ChecklistStep[];
  /** Results by step index (null: not done yet). */
  checklistResults: (ChecklistResult | null)[];
  /** Times verification failed or the requester was unhappy: the work went back. */
  reworkCount: number;
  /** Times the same fault came back after the order closed and reopened it. */
  repeatCount: number;
  rating: Rating | null;
  createdAt: number;
  updatedAt: number;
  acknowledgedAt: number | null;
  startedAt: number | null;
  resolvedAt: number | null;
  verifiedAt: number | null;
  /** When it was closed or cancelled. */
  closedAt: number | null;
  /** The next moment something is due for this order (an escalation, a sensor check, closing). */
  wakeAt: number | null;
  version: number;
}

export type WorkOrderEventType =
  | 'opened'
  | 'occurrence'
  | 'transition'
  | 'assignment'
  | 'checklist'
  | 'acceptance'
  | 'rework'
  | 'reopened'
  | 'escalation'
  | 'comment'
  | 'rating'
  | 'attachment'
  | 'follow-up';

export interface WorkOrderEvent {
  at: number;
  type: WorkOrderEventType;
  /** The action that caused it (`assign`, `resolve`, …) or a system cause (`sensor-check`, `repeat-fault`). */
  action?: string | undefined;
  from: WorkOrderState | null;
  to: WorkOrderState | null;
  actor: string;
  note: string | null;
  data: Record<string, unknown>;
}

export interface Attachment {
  id: string;
  workOrderId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  by: string;
  at: number;
}

/** An order before the store gives it an id and a version. */
export type WorkOrderDraft = Omit<WorkOrder, 'id' | 'version'>;

/** What intake decides about an order; the rest of it is the process, which starts blank. */
export type WorkOrderIntake = Omit<WorkOrderDraft, ProcessField>;
type ProcessField =
  | 'state'
  | 'occurrences'
  | 'assignee'
  | 'team'
  | 'hold'
  | 'breached'
  | 'checklistResults'
  | 'reworkCount'
  | 'repeatCount'
  | 'rating'
  | 'updatedAt'
  | 'acknowledgedAt'
  | 'startedAt'
  | 'resolvedAt'
  | 'verifiedAt'
  | 'closedAt'
  | 'wakeAt'
  | 'sla'
  | 'acceptance';

/** A new order: `new`, unassigned, nothing done yet; clocks and acceptance as given. */
export function newOrder(intake: WorkOrderIntake, sla: WorkOrder['sla'], acceptance: WorkOrder['acceptance']): WorkOrderDraft {
  return {
    ...intake,
    state: 'new',
    occurrences: 1,
    assignee: null,
    team: null,
    hold: null,
    sla,
    breached: false,
    acceptance,
    checklistResults: intake.checklist.map(() => null),
    reworkCount: 0,
    repeatCount: 0,
    rating: null,
    updatedAt: intake.createdAt,
    acknowledgedAt: null,
    startedAt: null,
    resolvedAt: null,
    verifiedAt: null,
    closedAt: null,
    wakeAt: null,
  };
}

/** WO-2026-000123: the year the order opened and a sequence that restarts each year. */
export function formatWorkOrderId(year: number, seq: number): string {
  return `WO-${year}-${String(seq).padStart(6, '0')}`;
}

export function isOpen(state: WorkOrderState): boolean {
  return openStates.includes(state);
}
