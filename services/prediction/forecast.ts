import type { Baseline } from './baseline.ts';
import { crossingDistribution, type CrossingDistribution } from './crossing.ts';
import { runFilter, type FilterState } from './degradation-filter.ts';
import { HOUR } from './hours.ts';
import type { FleetPrior, HourBucket } from './types.ts';

export interface Forecast {
  state: FilterState;
  /** Epoch ms the filter's last state stands for (middle of its last hour). */
  tState: number;
  /** Distribution of the crossing time, in hours after `tState`. */
  dist: CrossingDistribution | null;
}

/**
 * Tracks the degradation path over the hours since the onset (oldest first, at least one) and
 * projects it to `limit`. Shared by the assessment and by the calibration of fleet priors, so that
 * what is calibrated is exactly what is used.
 */
export function forecastCrossing(seg: readonly HourBucket[], base: Baseline, prior: FleetPrior, limit: number): Forecast {
  const t0 = seg[0]!.t;
  const state = runFilter(
    seg.map((h) => (h.t - t0) / HOUR),
    seg.map((h) => h.mean),
    { phi: base.level, noise: base.noise, rho: prior.rho, drift: prior.betaDrift, beta: prior.beta },
  );
  return { state, tState: t0 + state.t * HOUR + HOUR / 2, dist: crossingDistribution(state, base.level, prior.betaDrift, limit) };
}
