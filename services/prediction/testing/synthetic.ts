import { HOUR } from '../hours.ts';
import type { Random } from '../random.ts';
import type { HourBucket } from '../types.ts';

/** Synthetic indicators with known answers, for the unit tests. */

export const T0 = Date.UTC(2026, 0, 5);

/**
 * Hourly buckets of `level(i)` (i = hour index) plus normal noise of `noise`; the bucket of hour i
 * starts at T0 + i hours.
 */
export function series(n: number, level: (i: number) => number, noise: number, rnd: Random): HourBucket[] {
  const out: HourBucket[] = [];
  for (let i = 0; i < n; i++) {
    const mean = level(i) + rnd.gauss(0, noise);
    out.push({ t: T0 + i * HOUR, mean, max: mean + 2 * noise, count: 6 });
  }
  return out;
}

/**
 * A flat healthy level `phi`, then from hour `onset` an exponential rise `phi + e^(a + β·(i − onset))`
 * whose growth rate wanders by `drift`·√h per hour (the model's own assumption).
 */
export function degradingPath(o: { phi: number; onset: number; a: number; beta: number; drift: number; hours: number; rnd: Random }): number[] {
  const out: number[] = [];
  let mu = o.a;
  let beta = o.beta;
  for (let i = 0; i < o.hours; i++) {
    if (i < o.onset) out.push(o.phi);
    else {
      out.push(o.phi + Math.exp(mu));
      mu += beta;
      beta += o.rnd.gauss(0, o.drift);
    }
  }
  return out;
}
