import type { PlanAssetState } from './pm-schedule.ts';

export interface ClaimedOccurrence {
  planId: string;
  assetId: string;
  key: string;
  seq: number;
  dueAt: number;
  tier: string | null;
}

export interface OccurrenceRecord extends ClaimedOccurrence {
  workOrderId: string | null;
  combinedInto: string | null;
  /** The order's state and when it was completed (resolved). */
  state: string | null;
  doneAt: number | null;
}

export interface PmPlanRecord {
  id: string;
  origin: 'api';
  definition: unknown;
  deleted: boolean;
  updatedAt: number;
}

/** The preventive-maintenance store port: plans changed over the API, tracking, and the occurrence register. */
export interface PmStore {
  /** When FMS began following the plan for the asset: the first call records `at`, later calls return it. */
  track(planId: string, assetId: string, at: number): Promise<number>;
  /** What has happened so far for the plan on the asset (except `trackedSince`). */
  state(planId: string, assetId: string): Promise<Omit<PlanAssetState, 'trackedSince'>>;
  /**
   * Registers an occurrence (and the ones folded into it) if nobody has: true when this call did,
   * false when it existed already. Atomic across instances (the primary key decides).
   */
  claim(occurrence: ClaimedOccurrence, folded: readonly { key: string; dueAt: number; seq: number }[], at: number): Promise<boolean>;
  /** Claimed occurrences whose order is not opened yet (an instance stopped in between). */
  unopened(limit: number): Promise<ClaimedOccurrence[]>;
  linkOrder(planId: string, assetId: string, key: string, workOrderId: string): Promise<void>;
  /** Occurrences of a plan (on one asset or all), newest due first, with their orders' outcome. */
  history(planId: string, assetId?: string, limit?: number): Promise<OccurrenceRecord[]>;
  /** Occurrences due in [from, to) with their outcome, of every asset or of one (reports, an asset's health). */
  dueBetween(from: number, to: number, assetId?: string): Promise<OccurrenceRecord[]>;
  /** The visits of a period: occurrences due in [from, to), or whose order was done in it (a visit done early counts in the week it was done). */
  visitsBetween(from: number, to: number): Promise<OccurrenceRecord[]>;
  /** Plans created, replaced or deleted over the API. */
  plans(): Promise<PmPlanRecord[]>;
  savePlan(record: PmPlanRecord): Promise<void>;
}
