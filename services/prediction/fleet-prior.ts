import type { Baseline } from './baseline.ts';
import { MAX_HORIZON_HOURS } from './crossing.ts';
import { forecastCrossing } from './forecast.ts';
import { HOUR, LEVEL_HOURS } from './hours.ts';
import { detectOnset } from './onset.ts';
import { median } from './robust.ts';
import type { FleetPrior, HourBucket } from './types.ts';

/**
 * The prior of the degradation path for one asset type, learnt from that type's past failures.
 *
 * Without failures, `DEFAULT_PRIOR` centres the growth rate on what maintenance practice says about
 * rolling-element bearings — vibration monitoring sees a defect weeks to months before functional
 * failure (the P-F interval; Moubray, "Reliability-Centred Maintenance", 2nd ed., 1997): an excess over
 * the healthy level that grows ~50-fold (0.1 → 5 mm/s) in about two months means β ≈ ln 50 / 1440 h ≈
 * 0.003 per hour — but with a standard deviation ten times that, so that a bearing dying within days
 * (β ≈ 0.05–0.1 per hour, as in the IMS tests) is not held back by the prior: without failures of its
 * own the fleet knows little, and the data must speak. The drift lets β change by 0.003 within about
 * four days; a degraded level scatters ~10 % hour to hour.
 */
export const DEFAULT_PRIOR: FleetPrior = { beta: { mean: 0.003, sd: 0.03 }, betaDrift: 3e-4, rho: 0.1, errors: [], failures: 0 };

/**
 * Candidate drifts (per √hour, log-spaced from "β never changes" to "β changes by 0.1 within 10 hours")
 * and scatters for the calibration.
 */
export const DRIFTS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2];
export const RHOS = [0.05, 0.1, 0.2, 0.3];

/** One past failure, as the product would have seen it. */
export interface FailureHistory {
  baseline: Baseline;
  /** Hours from the onset to the failure. */
  seg: HourBucket[];
  /** Average growth of the log excess from onset to failure, per hour. */
  beta: number;
  /** Level whose crossing the calibration predicts, and when it was crossed (index into `seg`). */
  target: number;
  crossedAt: number;
}

/**
 * Reads one run-to-failure history (hourly buckets of one indicator, ending at the failure): onset as
 * the product finds it, average growth rate, and a level to predict the crossing of — `limit` if the
 * history reached it, otherwise 80 % of the way from the baseline to its final level (many failures end
 * below the alarm limit; the shape of the path is what the prior learns). Null without an onset or
 * with fewer than 6 hours after it.
 */
export function readFailure(history: readonly HourBucket[], limit = Infinity): FailureHistory | null {
  const hours = history.filter((h) => h.count > 0 && Number.isFinite(h.mean)).sort((a, b) => a.t - b.t);
  const found = detectOnset(hours.map((h) => h.mean));
  if (!found || found.onset === null) return null;
  const seg = hours.slice(found.onset);
  if (seg.length < 6) return null;
  const phi = found.baseline.level;
  const values = seg.map((h) => h.mean);
  const level = (i: number) => median(values.slice(Math.max(0, i - LEVEL_HOURS + 1), i + 1));
  const final = level(values.length - 1);
  const target = final >= limit ? limit : phi + 0.8 * (final - phi);
  let crossedAt = values.length - 1;
  for (let i = 0; i < values.length; i++)
    if (level(i) >= target) {
      crossedAt = i;
      break;
    }
  const start = Math.max(median(values.slice(0, 3)) - phi, found.baseline.noise);
  const end = Math.max(final - phi, found.baseline.noise);
  const beta = Math.log(end / start) / Math.max(1, (seg.at(-1)!.t - seg[0]!.t) / HOUR);
  return { baseline: found.baseline, seg, beta, target, crossedAt };
}

/**
 * The forecast errors on one past failure: from every hour between three hours after the onset and
 * the crossing, log((actual + 1) / (likely + 1)) of the hours left. A forecast that claims no crossing
 * within the horizon counts as the horizon (a large error), so settings cannot win by staying silent.
 */
export function forecastErrors(f: FailureHistory, prior: FleetPrior): number[] {
  const out: number[] = [];
  const actual = f.seg[f.crossedAt]!.t + HOUR;
  for (let i = 3; i < f.crossedAt; i++) {
    const fc = forecastCrossing(f.seg.slice(0, i), f.baseline, prior, f.target);
    const left = (actual - fc.tState) / HOUR;
    const likely = fc.dist?.quantile(0.5) ?? MAX_HORIZON_HOURS;
    out.push(Math.log((left + 1) / (likely + 1)));
  }
  return out;
}

/**
 * Builds a fleet prior from past failure histories of one asset type (each the hourly buckets of the
 * indicator up to the failure). β's mean is the average of the histories' growth rates, its standard
 * deviation never below that mean (a handful of failures does not pin a rate down better than ±100 %).
 * The drift and scatter are the candidates whose likely crossings are closest to the actual ones
 * (least mean absolute log error); the errors of those forecasts are kept, sorted, and the assessment
 * reads its interval off their quantiles (split-conformal prediction, Vovk et al. 2005; Lei et al. 2018).
 * Falls back on `DEFAULT_PRIOR` when no history shows a rising onset.
 */
export function buildFleetPrior(histories: readonly (readonly HourBucket[])[], o: { limit?: number } = {}): FleetPrior {
  const fits = histories.map((h) => readFailure(h, o.limit)).filter((f): f is FailureHistory => f !== null && f.beta > 0);
  if (fits.length === 0) return DEFAULT_PRIOR;
  const betas = fits.map((f) => f.beta);
  const m = betas.reduce((s, b) => s + b, 0) / betas.length;
  const sd = Math.sqrt(betas.reduce((s, b) => s + (b - m) ** 2, 0) / Math.max(1, betas.length - 1));
  const beta = { mean: m, sd: Math.max(sd, Math.abs(m)) };
  let best: FleetPrior = { ...DEFAULT_PRIOR, beta, failures: fits.length };
  let bestLoss = Infinity;
  for (const betaDrift of DRIFTS) {
    for (const rho of RHOS) {
      const candidate: FleetPrior = { beta, betaDrift, rho, errors: [], failures: fits.length };
      const errors = fits.flatMap((f) => forecastErrors(f, candidate));
      const loss = errors.reduce((s, e) => s + Math.abs(e), 0) / Math.max(1, errors.length);
      if (errors.length && loss < bestLoss) [best, bestLoss] = [{ ...candidate, errors: errors.sort((a, b) => a - b) }, loss];
    }
  }
  return best;
}
