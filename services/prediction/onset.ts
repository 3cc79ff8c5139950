import { BASELINE_HOURS, learnBaseline, type Baseline } from './baseline.ts';
import { median } from './robust.ts';

/**
 * Onset of degradation by CUSUM (Page 1954) on standardized hourly means, with re-baselining.
 *
 * Why CUSUM: it is the quickest detector of a persistent shift for a given false-alarm rate (Lorden
 * 1971; Moustakides 1986), it needs two numbers that have textbook meanings, and its statistic
 * restarts at zero so the start of the current run is a natural estimate of when the change began.
 * Page–Hinkley is the same test under another name; Bayesian online change-point detection would
 * need a hazard rate and a predictive model per segment for no gain on a single rising mean.
 *
 * Not every shift is wear: a machine restarted after a pause, re-mounted sensor or a new load point
 * moves the level once and then stays flat. A change followed by `BASELINE_HOURS` hours without growth
 * is therefore taken as a new normal (the baseline is re-learnt there and monitoring goes on); a change
 * that keeps growing, or is too recent to tell, is the onset — and so is a step up to the warning level
 * or beyond (`ceiling`): a machine that jumped into the danger zone and stays there is not healthy. Downward shifts (run-in, a lighter
 * load) re-learn the baseline and never count as onset.
 */

/** CUSUM reference value k: half the smallest shift worth detecting, here 1 spread (Montgomery, Introduction to Statistical Quality Control, §9.1). */
export const CUSUM_K = 0.5;
/** Decision interval h: with k = 0.5, h = 5 gives an in-control run length of ~930 samples (≈ 39 days of hours) and detects a 1-spread shift in ~10 hours (Montgomery, table 9.3). */
export const CUSUM_H = 5;
/**
 * A window is "without growth" when the median of its last third exceeds the median of its first
 * third by less than one baseline spread (≥ 2 % of the level): wear keeps climbing, a step does not.
 */
export const STABLE_GROWTH = 1;

export interface OnsetResult {
  /** The healthy reference now in force (the first one, or the last re-learnt one). */
  baseline: Baseline;
  /** Index of the first value of that reference's window. */
  baselineFrom: number;
  /** Index of the first value of the current, unresolved rise; null when there is none. */
  onset: number | null;
  /** Index at which the CUSUM confirmed that rise (onset ≤ alarm). */
  alarm: number | null;
  /** Shifts resolved into a new baseline: index where each began, and the level before and after. */
  shifts: { at: number; from: number; to: number }[];
}

/** Median of the last third minus median of the first third, in spreads. */
function growth(window: readonly number[], spread: number): number {
  const third = Math.max(1, Math.floor(window.length / 3));
  return (median(window.slice(-third)) - median(window.slice(0, third))) / spread;
}

/**
 * Finds the current onset in a run of hourly means (oldest first). Null when there are fewer values
 * than a baseline needs.
 */
export function detectOnset(values: readonly number[], o: { window?: number; k?: number; h?: number; ceiling?: number } = {}): OnsetResult | null {
  const W = o.window ?? BASELINE_HOURS;
  const ceiling = o.ceiling ?? Infinity;
  const k = o.k ?? CUSUM_K;
  const h = o.h ?? CUSUM_H;
  const n = values.length;
  let baseline = learnBaseline(values.slice(0, Math.min(W, n)));
  if (!baseline) return null;
  let baselineFrom = 0;
  const shifts: OnsetResult['shifts'] = [];
  let up = 0;
  let down = 0;
  let j = Math.min(W, n);
  let upStart = j;
  let downStart = j;

  /** The first stable window starting at or after `from`, or -1. */
  const stableFrom = (from: number, spread: number): number => {
    for (let s = from; s + W <= n; s++) {
      if (Math.abs(growth(values.slice(s, s + W), spread)) < STABLE_GROWTH) return s;
    }
    return -1;
  };
  const rebase = (s: number, changeAt: number) => {
    const next = learnBaseline(values.slice(s, s + W))!;
    shifts.push({ at: changeAt, from: baseline!.level, to: next.level });
    baseline = next;
    baselineFrom = s;
    up = down = 0;
    j = s + W;
    upStart = downStart = j;
  };

  while (j < n) {
    const z = (values[j]! - baseline.level) / baseline.spread;
    up = Math.max(0, up + z - k);
    down = Math.max(0, down - z - k);
    if (up === 0) upStart = j + 1;
    if (down === 0) downStart = j + 1;
    if (up > h) {
      const s = stableFrom(upStart, baseline.spread);
      // A step up to the warning level or beyond is a fault that stopped growing, never a new normal.
      if (s < 0 || median(values.slice(s, s + W)) >= ceiling) return { baseline, baselineFrom, onset: upStart, alarm: j, shifts };
      rebase(s, upStart);
      continue;
    }
    if (down > h) {
      const s = stableFrom(downStart, baseline.spread);
      if (s >= 0) {
        rebase(s, downStart);
        continue;
      }
      // Falling and not settled yet (or too recent): keep watching against the old reference.
      down = 0;
      downStart = j + 1;
    }
    j++;
  }
  return { baseline, baselineFrom, onset: null, alarm: null, shifts };
}
