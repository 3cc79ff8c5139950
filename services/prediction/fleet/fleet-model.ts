import { quantileSorted } from '../robust.ts';
import { ridge } from './linear.ts';

/**
 * Remaining useful life from the fleet's own failures: a health index plus similarity-based matching
 * (Wang, Yu, Siegel & Lee, "A similarity-based prognostics approach for remaining useful life
 * estimation of engineered systems", PHM 2008 — the approach that won the PHM08 challenge).
 *
 * 1. Health index: a linear map of the standardized sensors fitted to the capped, scaled remaining life
 *    `min(RUL, cap) / cap` of every row of the training histories — so 1 is healthy, 0 is failed, and
 *    each sensor is weighted by how much it says about wear.
 * 2. Library: each training unit's health index, smoothed, with its known life.
 * 3. Prediction: the unit's recent health index is slid along every library curve; the best alignment
 *    of each says how many cycles that unit had left from there. The `k` closest units vote (median),
 *    capped at `cap`; their 10th–90th percentiles give the range.
 */

/** A run-to-failure (or running) history: one row of sensor readings per cycle, oldest first. */
export interface RunHistory {
  id: string;
  rows: number[][];
}

export interface FleetModelOptions {
  /** Columns of the rows to use (default: all). */
  sensors?: number[];
  /** Cap of the remaining life (cycles): the literature's piecewise-linear target, 125 (Heimes 2008). */
  cap?: number;
  /** Nearest units that vote. */
  k?: number;
  /** Most recent cycles compared. */
  window?: number;
  /** Half-width of the moving average that smooths library curves. */
  smooth?: number;
}

export interface FleetModel {
  sensors: number[];
  mean: number[];
  sd: number[];
  w: number[];
  w0: number;
  cap: number;
  k: number;
  window: number;
  smooth: number;
  library: { id: string; hi: Float64Array }[];
}

export interface RulPrediction {
  /** Cycles (or hours) left, capped at the model's cap. */
  rul: number;
  low: number;
  high: number;
  /** The library units that voted, with their distance and the life they suggest. */
  neighbours: { id: string; distance: number; rul: number }[];
}

/** Trains the model on run-to-failure histories (each ends at its failure). */
export function trainFleetModel(histories: readonly RunHistory[], o: FleetModelOptions = {}): FleetModel {
  const sensors = o.sensors ?? histories[0]!.rows[0]!.map((_, i) => i);
  const cap = o.cap ?? 125;
  const all = histories.flatMap((h) => h.rows);
  const mean = sensors.map((s) => all.reduce((a, r) => a + r[s]!, 0) / all.length);
  const sd = sensors.map((s, j) => Math.sqrt(all.reduce((a, r) => a + (r[s]! - mean[j]!) ** 2, 0) / all.length) || 1);
  const X: number[][] = [];
  const y: number[] = [];
  for (const h of histories) {
    h.rows.forEach((r, i) => {
      X.push(sensors.map((s, j) => (r[s]! - mean[j]!) / sd[j]!));
      y.push(Math.min(h.rows.length - 1 - i, cap) / cap);
    });
  }
  const { w, w0 } = ridge(X, y);
  const model: FleetModel = { sensors, mean, sd, w, w0, cap, k: o.k ?? 10, window: o.window ?? 50, smooth: o.smooth ?? 4, library: [] };
  model.library = histories.map((h) => ({ id: h.id, hi: movingAverage(healthIndex(model, h.rows), model.smooth) }));
  return model;
}

/** The health index of each row (≈ 1 healthy, ≈ 0 at failure). */
export function healthIndex(m: FleetModel, rows: readonly number[][]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    let v = m.w0;
    for (let j = 0; j < m.sensors.length; j++) v += m.w[j]! * ((r[m.sensors[j]!]! - m.mean[j]!) / m.sd[j]!);
    out[i] = v;
  });
  return out;
}

/** Centered moving average of half-width `h` (shorter at the ends). */
export function movingAverage(xs: Float64Array, h: number): Float64Array {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    let s = 0;
    let n = 0;
    for (let j = Math.max(0, i - h); j <= Math.min(xs.length - 1, i + h); j++) {
      s += xs[j]!;
      n++;
    }
    out[i] = s / n;
  }
  return out;
}

/** Predicts the remaining life of a unit from its history so far (at least one row). */
export function predictRul(m: FleetModel, rows: readonly number[][]): RulPrediction {
  const hi = healthIndex(m, rows);
  const n = hi.length;
  const len = Math.min(n, m.window);
  const recent = hi.subarray(n - len);
  const votes: RulPrediction['neighbours'] = [];
  for (const unit of m.library) {
    const L = unit.hi.length;
    if (L < len) continue;
    let best = Infinity;
    let bestEnd = L - 1;
    // The unit's last row aligned with library row `end`: the library unit had L − 1 − end cycles left.
    // The alignment is free (the unit's age is not used): engines start with different initial wear
    // (the C-MAPSS readme), so the same health is reached at very different ages.
    for (let end = len - 1; end < L; end++) {
      let d = 0;
      const off = end - len + 1;
      for (let j = 0; j < len; j++) {
        const e = recent[j]! - unit.hi[off + j]!;
        d += e * e;
      }
      if (d < best) [best, bestEnd] = [d, end];
    }
    if (best === Infinity) continue;
    votes.push({ id: unit.id, distance: best / len, rul: Math.min(m.cap, L - 1 - bestEnd) });
  }
  votes.sort((a, b) => a.distance - b.distance);
  const near = votes.slice(0, m.k);
  const ruls = Float64Array.from(near.map((v) => v.rul)).sort();
  return { rul: quantileSorted(ruls, 0.5), low: quantileSorted(ruls, 0.1), high: quantileSorted(ruls, 0.9), neighbours: near };
}
