import { normalCdf } from './robust.ts';
import type { FilterState } from './degradation-filter.ts';

/**
 * When the tracked path reaches a limit: the distribution of the first-passage time, from the filter's
 * current state projected forward. The log excess at horizon h is normal with
 * mean μ + β·h and variance Pμμ + 2h·Pμβ + h²·Pββ + drift²·h³/3 (the last term: the growth rate's own
 * random walk). P(T ≤ h) is taken as the running maximum over h of P(μ(h) ≥ log(limit − φ)), the
 * usual approximation of first passage (Gebraeel et al. 2005 use the same "reached by h" form);
 * quantiles of T follow by interpolation on a grid.
 */

export interface CrossingDistribution {
  /** Hours after the state's time by which the limit is reached with probability p; null if not within the horizon. */
  quantile(p: number): number | null;
  /** P(reached within h hours). */
  cdf(h: number): number;
}

/** Longest horizon looked at: one year, beyond which no maintenance plan reaches. */
export const MAX_HORIZON_HOURS = 365 * 24;

export function crossingDistribution(st: FilterState, phi: number, drift: number, limit: number, maxHours = MAX_HORIZON_HOURS): CrossingDistribution | null {
  if (limit <= phi) return null;
  const D = Math.log(limit - phi);
  const [pmm, pmb, pbb] = st.P;
  const q2 = drift * drift;
  const raw = (h: number) => {
    const v = Math.max(1e-12, pmm + 2 * h * pmb + h * h * pbb + (q2 * h * h * h) / 3);
    return normalCdf((st.mu + st.beta * h - D) / Math.sqrt(v));
  };
  // Grid: every hour for three days, then 3 % steps out to the horizon.
  const hs: number[] = [0];
  for (let h = 1; h <= maxHours; h = h < 72 ? h + 1 : Math.ceil(h * 1.03)) hs.push(h);
  const ps: number[] = [];
  let best = 0;
  for (const h of hs) ps.push((best = Math.max(best, raw(h))));
  return {
    cdf(h) {
      if (h <= 0) return ps[0]!;
      let i = 1;
      while (i < hs.length && hs[i]! < h) i++;
      return i < hs.length ? ps[i]! : ps[ps.length - 1]!;
    },
    quantile(p) {
      if (ps[0]! >= p) return 0;
      for (let i = 1; i < hs.length; i++) {
        if (ps[i]! >= p) {
          const f = (p - ps[i - 1]!) / Math.max(1e-12, ps[i]! - ps[i - 1]!);
          return hs[i - 1]! + f * (hs[i]! - hs[i - 1]!);
        }
      }
      return null;
    },
  };
}
