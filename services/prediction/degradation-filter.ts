/**
 * The degradation path `level(t) = φ + exp(μ(t))`, tracked by an extended Kalman filter.
 *
 * The state is the log excess μ over the healthy level φ and its growth rate β per hour
 * (a local linear trend, Harvey 1989): μ(t+dt) = μ(t) + β·dt, and β itself follows a random walk of
 * standard deviation `drift`·√dt. With `drift` = 0 this is exactly the exponential model
 * `y = φ + θ·e^(βt)` of Gebraeel et al. (2005) with Bayesian updating of (log θ, β); a non-zero drift
 * lets the growth rate change, which real bearings do (they degrade in bursts, sometimes "heal" for a
 * while), and it is what makes the prediction interval widen with the horizon as it should.
 *
 * Observations are hourly means y = φ + e^μ + ε with var(ε) = noise² + (rho·e^μ)²: the healthy
 * hour-to-hour noise plus a scatter that grows with the damage. Innovations are clipped at 3 standard
 * deviations (a Huber-type guard) so one wild hour cannot swing the growth rate.
 */

export interface FilterSettings {
  /** Healthy level φ (the asymptote of the path). */
  phi: number;
  /** Standard deviation of healthy hourly means. */
  noise: number;
  /** Scatter of a degraded level, as a share of the excess. */
  rho: number;
  /** Random-walk standard deviation of β per √hour. */
  drift: number;
  /** Prior of β at the onset. */
  beta: { mean: number; sd: number };
}

export interface FilterState {
  /** Time of the last update, hours (same origin as the input). */
  t: number;
  mu: number;
  beta: number;
  /** Covariance [var μ, cov μβ, var β]. */
  P: [number, number, number];
  /** Log-likelihood of the innovations (to fit settings from past failures). */
  logLik: number;
  /** Values used. */
  n: number;
}

const CLIP = 3;

/** Runs the filter over `values` at `times` (hours, ascending). At least one value. */
export function runFilter(times: readonly number[], values: readonly number[], s: FilterSettings): FilterState {
  const y0 = values[0]!;
  // Start from the first excess (at least one noise unit, so the log exists), uncertain by a factor e.
  let mu = Math.log(Math.max(y0 - s.phi, s.noise));
  let beta = s.beta.mean;
  let pmm = 1;
  let pmb = 0;
  let pbb = s.beta.sd * s.beta.sd;
  let t = times[0]!;
  let logLik = 0;
  const q2 = s.drift * s.drift;
  for (let i = 1; i < values.length; i++) {
    const dt = times[i]! - t;
    t = times[i]!;
    // Predict: μ += β·dt; covariance F·P·Fᵀ + Q for the integrated random walk.
    mu += beta * dt;
    const nmm = pmm + 2 * dt * pmb + dt * dt * pbb + (q2 * dt * dt * dt) / 3;
    const nmb = pmb + dt * pbb + (q2 * dt * dt) / 2;
    const nbb = pbb + q2 * dt;
    pmm = nmm;
    pmb = nmb;
    pbb = nbb;
    // Update with y = φ + e^μ + ε, linearised at the prediction (H = [e^μ, 0]).
    const e = Math.exp(Math.min(mu, 50));
    const r = s.noise * s.noise + (s.rho * e) ** 2;
    const S = e * e * pmm + r;
    let nu = values[i]! - (s.phi + e);
    logLik += -0.5 * (Math.log(2 * Math.PI * S) + Math.min((nu * nu) / S, 25));
    const lim = CLIP * Math.sqrt(S);
    nu = Math.max(-lim, Math.min(lim, nu));
    const km = (pmm * e) / S;
    const kb = (pmb * e) / S;
    mu += km * nu;
    beta += kb * nu;
    // P ← (I − K·H)·P
    const a = pmm;
    const b = pmb;
    pmm = a - km * e * a;
    pmb = b - km * e * b;
    pbb = pbb - kb * e * b;
  }
  return { t, mu, beta, P: [pmm, pmb, pbb], logLik, n: values.length };
}
