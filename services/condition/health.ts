import type { Assessment, Recommendation as Advice } from '../prediction/types.ts';
import type { Severity } from '../shared/vocabulary.ts';

/**
 * The health index of an asset (0–100) and what drove it, as a pure function of its indicators'
 * assessments (services/prediction), its alarms, open repairs, age and overdue maintenance. 100 is as
 * good as new; each input takes off a capped number of points, and every deduction is listed, with
 * its figures, so that a manager sees why.
 */

export interface IndicatorInput {
  /** e.g. `vibration_mms`. */
  metric: string;
  /** Up to here the asset runs as it should (nothing is deducted), e.g. 2.8 mm/s for a pump's vibration. */
  normal: number;
  limit: number;
  /** The indicator's assessment: level, state, predicted crossing. */
  assessment: Assessment;
}

/** An alarm of the period, for its weight: how bad, and how long it was open within the period. */
export interface AlarmInput {
  severity: Severity;
  /** Hours it was active or acknowledged within the period. */
  hours: number;
}

export interface HealthInputs {
  indicators: IndicatorInput[];
  alarms: AlarmInput[];
  /** Corrective work orders open now. */
  openRepairs: number;
  /** Years in service and the expected life, when known. */
  ageYears?: number | undefined;
  expectedLifeYears?: number | undefined;
  /** PM occurrences past due and not done. */
  overduePm: number;
}

export interface Deduction {
  input: 'condition' | 'trend' | 'alarms' | 'open_repairs' | 'age' | 'overdue_pm';
  points: number;
  /** The numbers behind the deduction (the report words them in its language). */
  facts: Record<string, number | string>;
}

export interface Health {
  score: number;
  deductions: Deduction[];
}

/** Points off at most, per input (they add up to more than 100 on purpose: a wreck scores 0). */
export const CAPS = { condition: 40, trend: 15, alarms: 15, open_repairs: 15, age: 10, overdue_pm: 10 } as const;

/**
 * An alarm's weight: by severity (an information alarm is a note, a critical one a near miss), and by
 * how long it stayed open — one more weight for each full day, at most four: a critical alarm left open
 * for days says more than one that cleared within minutes.
 */
export const SEVERITY_POINTS: Record<Severity, number> = { info: 0.5, warning: 1, major: 3, critical: 5 };
export function alarmPoints(a: AlarmInput): number {
  return SEVERITY_POINTS[a.severity] * (1 + Math.min(3, Math.floor(a.hours / 24)));
}

export function healthIndex(i: HealthInputs): Health {
  const deductions: Deduction[] = [];
  const off = (input: Deduction['input'], points: number, facts: Deduction['facts']) => {
    const p = Math.round(Math.min(CAPS[input], points) * 10) / 10;
    if (p > 0) deductions.push({ input, points: p, facts });
  };

  // Condition: nothing up to the normal level, then linearly up to the cap at the limit; the worst indicator counts.
  const wear = (x: IndicatorInput) => (x.assessment.level === null ? 0 : Math.max(0, (x.assessment.level - x.normal) / (x.limit - x.normal)));
  const worst = [...i.indicators].sort((a, b) => wear(b) - wear(a))[0];
  if (worst && worst.assessment.level !== null) {
    const level = worst.assessment.level;
    off('condition', wear(worst) * CAPS.condition, {
      metric: worst.metric,
      level: round(level),
      limit: worst.limit,
      pct: Math.round((level / worst.limit) * 100),
      state: worst.assessment.state,
    });
  }
  // Trend: the soonest likely crossing of any indicator (an indicator beyond its limit counts in condition).
  const soonest = i.indicators
    .filter((x) => x.assessment.rulHours !== null && x.assessment.state !== 'beyond_limit')
    .sort((a, b) => a.assessment.rulHours!.likely - b.assessment.rulHours!.likely)[0];
  if (soonest) {
    const r = soonest.assessment.rulHours!;
    const days = r.likely / 24;
    off('trend', days <= 14 ? CAPS.trend : days <= 30 ? 10 : days <= 90 ? 5 : 2, {
      metric: soonest.metric,
      limit: soonest.limit,
      days: round(days, 1),
      low: round(r.low / 24, 1),
      high: Number.isFinite(r.high) ? round(r.high / 24, 1) : 'open',
    });
  } else {
    // A degradation has started but its path does not yet say when: worth a few points, and a watch.
    const started = i.indicators.find((x) => x.assessment.onset !== null && x.assessment.state === 'degrading');
    if (started) off('trend', 3, { metric: started.metric, limit: started.limit, days: 'unknown', since: started.assessment.onset! });
  }
  if (i.alarms.length > 0) {
    const bySeverity = (s: Severity) => i.alarms.filter((a) => a.severity === s).length;
    off(
      'alarms',
      i.alarms.map(alarmPoints).reduce((a, b) => a + b, 0),
      {
        count: i.alarms.length,
        critical: bySeverity('critical'),
        major: bySeverity('major'),
        warning: bySeverity('warning'),
        hours: round(
          i.alarms.reduce((a, b) => a + b.hours, 0),
          1,
        ),
      },
    );
  }
  off('open_repairs', 5 * i.openRepairs, { count: i.openRepairs });
  if (i.ageYears !== undefined && i.expectedLifeYears) {
    const share = i.ageYears / i.expectedLifeYears;
    off('age', share <= 0.8 ? 0 : ((share - 0.8) / 0.4) * CAPS.age, { years: round(i.ageYears), expected: i.expectedLifeYears });
  }
  off('overdue_pm', 5 * i.overduePm, { count: i.overduePm });

  const total = deductions.reduce((s, d) => s + d.points, 0);
  return { score: Math.max(0, Math.round(100 - total)), deductions: deductions.sort((a, b) => b.points - a.points) };
}

/** What to do about an asset, most urgent first. */
export type Action = 'replace' | 'repair_now' | 'schedule_repair' | 'repair_under_way' | 'inspect' | 'watch' | 'none';

export interface Recommendation {
  action: Action;
  /** What decided it, with its figures (the report words them). */
  reason: 'past_life' | 'beyond_limit' | 'at_limit' | 'crossing_soon' | 'open_order' | 'degrading' | 'healthy' | Deduction['input'];
  facts: Record<string, number | string>;
}

/** The repair already open for the asset, when there is one: a report names it instead of asking for another. */
export interface OpenRepair {
  id: string;
  state: string;
}

/**
 * One recommendation from the assessments and the health index: replace what is past its life and
 * worn out; repair what is beyond its limit, or will likely reach it within 14 days (the assessment's
 * `repair_now` / `schedule_repair`); when a repair is already open, say so and name it; inspect what
 * scores below 70 for another reason; watch a degradation that has started.
 */
export function recommend(health: Health, i: HealthInputs, open?: OpenRepair): Recommendation {
  const old = i.ageYears !== undefined && !!i.expectedLifeYears && i.ageYears >= i.expectedLifeYears;
  if (old && health.score < 50) return { action: 'replace', reason: 'past_life', facts: { score: health.score, years: round(i.ageYears!) } };
  let advice: Advice = 'none';
  let decisive: IndicatorInput | undefined;
  const rank: Advice[] = ['none', 'watch', 'schedule_repair', 'repair_now'];
  for (const x of i.indicators) {
    if (rank.indexOf(x.assessment.recommendation) > rank.indexOf(advice)) {
      advice = x.assessment.recommendation;
      decisive = x;
    }
  }
  if (decisive && (advice === 'repair_now' || advice === 'schedule_repair')) {
    const a = decisive.assessment;
    const facts: Record<string, number | string> = { metric: decisive.metric, limit: decisive.limit, level: round(a.level ?? 0) };
    if (a.rulHours)
      Object.assign(facts, {
        days: round(a.rulHours.likely / 24, 1),
        low: round(a.rulHours.low / 24, 1),
        high: Number.isFinite(a.rulHours.high) ? round(a.rulHours.high / 24, 1) : 'open',
      });
    const reason = a.state === 'beyond_limit' ? 'beyond_limit' : a.state === 'at_limit' ? 'at_limit' : 'crossing_soon';
    if (open) return { action: 'repair_under_way', reason: 'open_order', facts: { ...facts, order: open.id, state: open.state, because: reason } };
    return { action: advice === 'repair_now' ? 'repair_now' : 'schedule_repair', reason, facts };
  }
  const top = health.deductions[0];
  if (health.score < 70 && top)
    return {
      action: open ? 'repair_under_way' : 'inspect',
      reason: open ? 'open_order' : top.input,
      facts: open ? { order: open.id, state: open.state } : top.facts,
    };
  if (advice === 'watch' && decisive) {
    return { action: 'watch', reason: 'degrading', facts: { metric: decisive.metric, level: round(decisive.assessment.level ?? 0), limit: decisive.limit } };
  }
  return { action: 'none', reason: 'healthy', facts: { score: health.score } };
}

/**
 * Risk = health lost × criticality (1–5): what to act on first, from 0 (as new, or nothing depends on
 * it) to 500 (worn out and life-safety critical).
 */
export const MAX_RISK = 500;
export function risk(health: Health, criticality: number): number {
  return (100 - health.score) * criticality;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
