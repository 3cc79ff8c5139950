import { assessIndicator, moreUrgent } from '../assess.ts';
import { buildFleetPrior } from '../fleet-prior.ts';
import { HOUR, LEVEL_HOURS } from '../hours.ts';
import { median } from '../robust.ts';
import type { Assessment, FleetPrior, HourBucket, Recommendation } from '../types.ts';
import { hourlyBuckets, type ImsTest } from './ims-data.ts';

/**
 * Replays an IMS test through `assessIndicator` as the product would run it: each bearing is a pump,
 * each accelerometer channel a `vibration_mms` indicator, assessed at report times through the whole
 * life; then scores what a maintenance manager would have been told against what happened.
 */

/** The pump model's nominal vibration: the simulator runs at 1.6 + 0.8·load mm/s, 2.2 at its typical load of 0.75. */
export const NOMINAL_MMS = 2.2;
/** FMS pump limits (devices/pump/rules.yaml): warning 4.5 mm/s for 5 min, critical 7.1 mm/s (ISO 10816). */
export const WARNING_MMS = 4.5;
export const LIMIT_MMS = 7.1;
export const NORMAL_MMS = 2.8;

/** Which bearings failed (README of the datasets), 1-based. */
export const FAILED: Record<ImsTest['name'], number[]> = { test1: [3, 4], test3: [3] };

export interface Bearing {
  bearing: number;
  failed: boolean;
  /** Channel names and their readings in mm/s on the operating-time axis. */
  channels: { name: string; readings: { t: number; v: number }[]; hours: HourBucket[] }[];
}

export interface PreparedTest {
  name: ImsTest['name'];
  /** mm/s per g. */
  factor: number;
  /** Healthy median in g the factor maps to `NOMINAL_MMS`. */
  healthyMedianG: number;
  /** Start and end of life (last valid snapshot), on the operating-time axis (epoch ms). */
  start: number;
  end: number;
  bearings: Bearing[];
}

/**
 * One factor per test: the median of every snapshot of the bearings without a reported defect, mapped
 * to the pump's nominal 2.2 mm/s. Channels are grouped per bearing ("Bearing 3 C1" and "C2" are x and y).
 */
export function prepareTest(test: ImsTest): PreparedTest {
  const bearingOf = (c: string) => Number(/Bearing (\d)/.exec(c)![1]);
  const failed = FAILED[test.name];
  const healthyIdx = test.channels.map((c, i) => (failed.includes(bearingOf(c)) ? -1 : i)).filter((i) => i >= 0);
  const healthyMedianG = median(test.snapshots.flatMap((s) => healthyIdx.map((i) => s.values[i]!)));
  const factor = NOMINAL_MMS / healthyMedianG;
  const bearings = new Map<number, Bearing>();
  test.channels.forEach((name, i) => {
    const b = bearingOf(name);
    if (!bearings.has(b)) bearings.set(b, { bearing: b, failed: failed.includes(b), channels: [] });
    const readings = test.snapshots.map((s) => ({ t: s.op, v: s.values[i]! * factor }));
    bearings.get(b)!.channels.push({ name, readings, hours: hourlyBuckets(readings) });
  });
  return { name: test.name, factor, healthyMedianG, start: test.snapshots[0]!.op, end: test.snapshots.at(-1)!.op, bearings: [...bearings.values()] };
}

/**
 * When the level (median of the last 3 hourly means, as `recentLevel`) first reaches `limit`: the end
 * of the hour that made it so. Null if it never does before the end of life.
 */
export function levelCrossing(hours: readonly HourBucket[], limit: number): number | null {
  for (let i = 0; i < hours.length; i++) {
    if (median(hours.slice(Math.max(0, i - LEVEL_HOURS + 1), i + 1).map((h) => h.mean)) >= limit) return hours[i]!.t + HOUR;
  }
  return null;
}

/**
 * When a threshold rule `> value for duration` would first fire on the raw readings: a reading above,
 * confirmed by a later one still above at least `duration` after the first (services/rules/rule-engine.ts).
 */
export function ruleFires(readings: readonly { t: number; v: number }[], value: number, durationMs: number): number | null {
  let since: number | null = null;
  for (const r of readings) {
    if (r.v > value) {
      since ??= r.t;
      if (r.t - since >= durationMs) return r.t;
    } else since = null;
  }
  return null;
}

export interface ReportPoint {
  at: number;
  recommendation: Recommendation;
  /** Per channel. */
  assessments: Assessment[];
}

export interface BearingReplay {
  bearing: number;
  failed: boolean;
  reports: ReportPoint[];
  /** Per channel: actual crossing of the limit by the level, and when the warning and critical rules fire. */
  crossing: (number | null)[];
  warningRule: (number | null)[];
  criticalRule: (number | null)[];
}

export interface ReplayOptions {
  /** Hours between report times. */
  everyHours: number;
  prior: FleetPrior;
}

/** Report times from one day after the start (the baseline needs it) to the end of life, plus the end itself. */
export function reportTimes(start: number, end: number, everyHours: number): number[] {
  const out: number[] = [];
  const first = Math.ceil((start + 24 * HOUR) / HOUR) * HOUR;
  for (let t = first; t < end; t += everyHours * HOUR) out.push(t);
  out.push(end);
  return out;
}

export function replayTest(p: PreparedTest, o: ReplayOptions): BearingReplay[] {
  const times = reportTimes(p.start, p.end, o.everyHours);
  return p.bearings.map((b) => {
    const reports = times.map((at) => {
      const assessments = b.channels.map((c) => assessIndicator(c.hours, { at, limit: LIMIT_MMS, warning: WARNING_MMS, normal: NORMAL_MMS, prior: o.prior }));
      return { at, assessments, recommendation: assessments.map((a) => a.recommendation).reduce(moreUrgent) };
    });
    return {
      bearing: b.bearing,
      failed: b.failed,
      reports,
      // The last hour of a life is partial: a crossing in it is dated no later than the end.
      crossing: b.channels.map((c) => {
        const x = levelCrossing(c.hours, LIMIT_MMS);
        return x === null ? null : Math.min(x, p.end);
      }),
      warningRule: b.channels.map((c) => ruleFires(c.readings, WARNING_MMS, 5 * 60_000)),
      criticalRule: b.channels.map((c) => ruleFires(c.readings, LIMIT_MMS, 60_000)),
    };
  });
}

/** A fleet prior from the failed bearings of other tests (leave-one-test-out): every channel's history up to its end of life. */
export function priorFrom(others: readonly PreparedTest[]): FleetPrior {
  return buildFleetPrior(others.flatMap((p) => p.bearings.filter((b) => b.failed).flatMap((b) => b.channels.map((c) => c.hours))));
}
