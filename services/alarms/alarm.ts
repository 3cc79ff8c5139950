import type { Severity } from '../shared/vocabulary.ts';

export const alarmStates = ['active', 'acknowledged', 'cleared'] as const;

export type AlarmState = (typeof alarmStates)[number];

export interface Alarm {
  id: number;
  assetId: string;
  site: string;
  /** The rule that raised it; after an escalation, the strongest rule of its failure mode. */
  ruleId: string;
  /** The failure mode it stands for: the rule's `failureMode`, or the rule id. */
  fault: string;
  ruleVersion: number;
  severity: Severity;
  state: AlarmState;
  message: string;
  value: number | null;
  /** Raise and repeats while it was open (1 at raise). */
  occurrences: number;
  raisedAt: number;
  /** When the message that raised it reached FMS. */
  receivedAt: number;
  lastRaisedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  ackNote: string | null;
  clearedAt: number | null;
  workOrderId: string | null;
  /** Raised and cleared too often in a short time: held as one alarm instead of many. */
  flapping: boolean;
  /** For a flapping alarm: since when its condition has been clear. */
  clearPendingSince: number | null;
}

export interface NewAlarm {
  assetId: string;
  site: string;
  ruleId: string;
  fault: string;
  ruleVersion: number;
  severity: Severity;
  message: string;
  value: number | null;
  raisedAt: number;
  receivedAt: number;
}

/** One transition of an alarm: raised, repeat, acknowledged, cleared. */
export interface AlarmEvent {
  alarmId: number;
  assetId: string;
  ruleId: string;
  at: number;
  type: string;
  from: AlarmState | null;
  to: AlarmState;
  actor: string;
  note: string | null;
}
