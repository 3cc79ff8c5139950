import type { Alarm, AlarmEvent, AlarmState, NewAlarm } from './alarm.ts';

/** The alarm store port: alarm state and every transition, so a restart neither loses nor re-raises alarms. */
export interface AlarmStore {
  /**
   * Raises an alarm, or counts a repeat on the one already open for this asset and failure mode —
   * escalating its severity (and rule) in place when the new rule is stronger.
   */
  raise(input: NewAlarm): Promise<{ alarm: Alarm; created: boolean; escalated: boolean }>;
  /** Clears the open alarm of an asset and failure mode (by `actor`, the system by default); undefined when none is open. */
  clear(assetId: string, fault: string, at: number, note: string, actor?: string): Promise<Alarm | undefined>;
  /** Holds the open alarm of an asset and rule as flapping, its condition clear since `since`. */
  holdFlapping(assetId: string, fault: string, since: number, note: string): Promise<{ alarm: Alarm; newlyFlapping: boolean } | undefined>;
  /** Flapping alarms whose condition is clear, waiting to clear for good. */
  listClearPending(): Promise<Alarm[]>;
  /** Records the work order an alarm opened or attached to. */
  linkWorkOrder(alarmId: number, workOrderId: string): Promise<void>;
  /** A person acknowledges an alarm. */
  acknowledge(id: number, by: string, note: string | null, at: number): Promise<Alarm | undefined>;
  get(id: number): Promise<Alarm | undefined>;
  list(filter: { state?: AlarmState[]; assetId?: string; site?: string; limit: number; offset: number }): Promise<{ items: Alarm[]; total: number }>;
  /** Every alarm not yet cleared. */
  listOpen(): Promise<Alarm[]>;
  /** The alarms linked to a work order that are not cleared. */
  openOfWorkOrder(workOrderId: string): Promise<Alarm[]>;
  /** Alarms raised in [from, to) per asset (reports). */
  countRaised(from: number, to: number): Promise<Map<string, number>>;
  /**
   * Alarms open at some time in [from, to) — raised before `to`, not cleared before `from` — with when
   * they were raised and cleared, of every asset or of one (reports, an asset's health).
   */
  openBetween(from: number, to: number, assetId?: string): Promise<Pick<Alarm, 'id' | 'assetId' | 'severity' | 'raisedAt' | 'clearedAt'>[]>;
  /** Alarms of one asset and failure mode that are open, or were raised or repeated at or after `since`. */
  ofFault(assetId: string, fault: string, since: number): Promise<Alarm[]>;
  /** Transitions of alarms, oldest first: of one alarm, or of every alarm of one asset (newest `limit`). */
  history(filter: { alarmId?: number; assetId?: string; limit: number }): Promise<AlarmEvent[]>;
}
