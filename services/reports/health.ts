import type { TrendEstimate } from './trend.ts';

/**
 * The health index of an asset (0–100) and what drove it, as a pure function of its condition
 * indicators, alarms, open repairs, age and overdue maintenance. 100 is as good as new; each input
 * takes off a capped number of points, and every deduction is listed so a manager sees why.
 */

export interface Indicator {
  /** e.g. `vibration_mms`. */
  metric: string;
  /** A high percentile (95th) of the recent readings: the level the asset runs at, spikes aside. */
  level: number;
  /** Up to here the asset runs as it should (nothing is deducted), e.g. 2.8 mm/s for a pump's vibration. */
  normal: number;
  limit: number;
  trend?: TrendEstimate | undefined;
}

export interface HealthInputs {
  indicators: Indicator[];
  /** Alarms raised in the period. */
  alarms: number;
  /** Corrective work orders open now. */
  openRepairs: number;
  /** Years in service and the expected life, when known. */
  ageYears?: number | undefined;
  expectedLifeYears?: number | undefined;
  /** PM occurrences past due and not done. */
  overduePm: number;
  /** When the report is made (trend crossings are measured from here). */
  now: number;
}

export interface Deduction {
  input: 'condition' | 'trend' | 'alarms' | 'open_repairs' | 'age' | 'overdue_pm';
  points: number;
  because: string;
  /** The numbers behind `because`, for reports in other languages (keys depend on the input). */
  facts: Record<string, number | string>;
}

export interface Health {
  score: number;
  deductions: Deduction[];
}

const DAY = 86_400_000;

/** Points off at most, per input (they add up to more than 100 on purpose: a wreck scores 0). */
export const CAPS = { condition: 40, trend: 15, alarms: 15, open_repairs: 15, age: 10, overdue_pm: 10 } as const;

export function healthIndex(i: HealthInputs): Health {
  const deductions: Deduction[] = [];
  const off = (input: Deduction['input'], points: number, because: string, facts: Deduction['facts']) => {
    const p = Math.round(Math.min(CAPS[input], points) * 10) / 10;
    if (p > 0) deductions.push({ input, points: p, because, facts });
  };

  // Condition: nothing up to the normal level, then linearly up to the cap at the limit; the worst indicator counts.
  const wear = (x: Indicator) => Math.max(0, (x.level - x.normal) / (x.limit - x.normal));
  const worst = [...i.indicators].sort((a, b) => wear(b) - wear(a))[0];
  if (worst) {
    const pct = Math.round((worst.level / worst.limit) * 100);
    off('condition', wear(worst) * CAPS.condition, `${worst.metric} runs at ${round(worst.level)}, ${pct} % of its limit ${worst.limit}`, {
      metric: worst.metric,
      level: round(worst.level),
      limit: worst.limit,
      pct,
    });
  }
  // Trend: the soonest crossing of any indicator.
  const soonest = i.indicators
    .map((x) => ({
      metric: x.metric,
      limit: x.limit,
      t: x.trend?.status === 'trend' ? x.trend.crossing!.likely : x.trend?.status === 'beyond_limit' ? i.now : undefined,
    }))
    .filter((x): x is { metric: string; limit: number; t: number } => x.t !== undefined)
    .sort((a, b) => a.t - b.t)[0];
  if (soonest) {
    const days = Math.max(0, Math.round((soonest.t - i.now) / DAY));
    off('trend', days <= 30 ? CAPS.trend : days <= 90 ? 8 : days <= 180 ? 3 : 0, `${soonest.metric} reaches ${soonest.limit} in about ${days} days`, {
      metric: soonest.metric,
      limit: soonest.limit,
      days,
    });
  }
  off('alarms', 3 * i.alarms, `${i.alarms} alarm${i.alarms === 1 ? '' : 's'} in the period`, { count: i.alarms });
  off('open_repairs', 5 * i.openRepairs, `${i.openRepairs} repair${i.openRepairs === 1 ? '' : 's'} open`, { count: i.openRepairs });
  if (i.ageYears !== undefined && i.expectedLifeYears) {
    const share = i.ageYears / i.expectedLifeYears;
    off('age', share <= 0.8 ? 0 : ((share - 0.8) / 0.4) * CAPS.age, `${round(i.ageYears)} of ${i.expectedLifeYears} expected years`, {
      years: round(i.ageYears),
      expected: i.expectedLifeYears,
    });
  }
  off('overdue_pm', 5 * i.overduePm, `${i.overduePm} preventive visit${i.overduePm === 1 ? '' : 's'} overdue`, { count: i.overduePm });

  const score = Math.max(0, Math.round(100 - deductions.reduce((s, d) => s + d.points, 0)));
  return { score, deductions: deductions.sort((a, b) => b.points - a.points) };
}

export type Action = 'replace' | 'schedule_repair' | 'inspect' | 'none';

/**
 * What to do about it: repair soon when an indicator is at or will cross its limit within two weeks;
 * replace when it is past its expected life and in poor health; inspect when health is middling.
 */
export function recommend(health: Health, i: HealthInputs): Recommendation {
  const trend = health.deductions.find((d) => d.input === 'trend');
  const atLimit = i.indicators.find((x) => x.level >= x.limit || x.trend?.status === 'beyond_limit');
  const old = i.ageYears !== undefined && !!i.expectedLifeYears && i.ageYears >= i.expectedLifeYears;
  if (old && health.score < 50)
    return { action: 'replace', reason: 'past_life', because: `past its expected life and health ${health.score}`, facts: { score: health.score } };
  if (atLimit)
    return {
      action: 'schedule_repair',
      reason: 'at_limit',
      because: `${atLimit.metric} is at its limit of ${atLimit.limit}`,
      facts: { metric: atLimit.metric, limit: atLimit.limit },
    };
  if (trend && Number(trend.facts.days) <= 14) return { action: 'schedule_repair', reason: 'crossing_soon', because: trend.because, facts: trend.facts };
  const top = health.deductions[0];
  if (health.score < 70 && top) return { action: 'inspect', reason: top.input, because: top.because, facts: top.facts };
  return { action: 'none', reason: 'healthy', because: `health ${health.score}`, facts: { score: health.score } };
}

export interface Recommendation {
  action: Action;
  /** What decided it: a rule of its own, or the input of the largest deduction (for `inspect`). */
  reason: 'past_life' | 'at_limit' | 'crossing_soon' | 'healthy' | Deduction['input'];
  because: string;
  facts: Record<string, number | string>;
}

/** Risk = health lost × criticality (1–5): what to act on first. */
export function risk(health: Health, criticality: number): number {
  return (100 - health.score) * criticality;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
