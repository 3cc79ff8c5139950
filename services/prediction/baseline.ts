import { madSigma, median } from './robust.ts';

/** A healthy level and its spread (robust standard deviation of hourly means). */
export interface Baseline {
  level: number;
  /** Robust standard deviation with the `SPREAD_FLOOR`: the unit of change for detection and ranking. */
  spread: number;
  /** Robust standard deviation as measured (floored at 0.1 % only to stay positive): the filter's noise. */
  noise: number;
}

/**
 * Hours that make a baseline: two days, so a daily load cycle (a booster pump's morning and evening
 * peaks) is inside it twice; at least one day before anything is said.
 */
export const BASELINE_HOURS = 48;
export const MIN_BASELINE_HOURS = 24;

/**
 * Smallest spread, as a share of the level. On a constant-load test rig the hourly means scatter by
 * well under 1 %, so a baseline learnt there would call a 1 % drift "many sigmas". 2 % is the scale of
 * the slow wander of a healthy machine's vibration with temperature and lubrication (in the IMS tests
 * the healthy bearings drift 1–3 % over days); changes below it are not worth a verdict.
 */
export const SPREAD_FLOOR = 0.02;

/**
 * The healthy level of an indicator from a run of its hourly means (its first hours after
 * installation or repair): the median, and the spread as 1.4826·MAD with a floor of
 * `SPREAD_FLOOR × level`. Null with fewer than `MIN_BASELINE_HOURS` values.
 */
export function learnBaseline(means: readonly number[]): Baseline | null {
  if (means.length < MIN_BASELINE_HOURS) return null;
  const level = median(means);
  const noise = Math.max(madSigma(means, level), 0.001 * Math.abs(level), 1e-9);
  return { level, spread: Math.max(noise, SPREAD_FLOOR * Math.abs(level)), noise };
}
