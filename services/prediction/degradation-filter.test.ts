import { describe, expect, it } from 'vitest';
import { crossingDistribution } from './crossing.ts';
import { runFilter, type FilterSettings } from './degradation-filter.ts';
import { seededRandom } from './random.ts';
import { degradingPath } from './testing/synthetic.ts';

const settings: FilterSettings = { phi: 2, noise: 0.02, rho: 0.05, drift: 1e-5, beta: { mean: 0.02, sd: 0.02 } };
const hours = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('degradation path filter and crossing time', () => {
  // y = 2 + e^(−2 + 0.02·t) reaches 7.1 at t = (ln 5.1 + 2) / 0.02 ≈ 181.5 h.
  const truth = (Math.log(5.1) + 2) / 0.02;
  const rnd = seededRandom(11);
  const ys = hours(260).map((t) => 2 + Math.exp(-2 + 0.02 * t) * (1 + rnd.gauss(0, 0.05)) + rnd.gauss(0, 0.02));

  it('an exponential path with a known crossing: the growth rate is recovered and the likely crossing is within 10 % of the truth', () => {
    const st = runFilter(hours(100), ys.slice(0, 100), settings);
    expect(st.beta).toBeCloseTo(0.02, 2);
    const d = crossingDistribution(st, 2, settings.drift, 7.1)!;
    const likely = st.t + d.quantile(0.5)!;
    expect(Math.abs(likely - truth) / truth).toBeLessThan(0.1);
    expect(st.t + d.quantile(0.1)!).toBeLessThan(truth);
    expect(st.t + d.quantile(0.9)!).toBeGreaterThan(truth);
  });

  it('the interval narrows as data arrives', () => {
    const width = (n: number) => {
      const st = runFilter(hours(n), ys.slice(0, n), settings);
      const d = crossingDistribution(st, 2, settings.drift, 7.1)!;
      return d.quantile(0.9)! - d.quantile(0.1)!;
    };
    const w = [40, 80, 120, 160].map(width);
    for (let i = 1; i < w.length; i++) expect(w[i]!).toBeLessThan(w[i - 1]!);
  });

  it('a flat level gives no growth and no crossing within the year', () => {
    const flat = hours(200).map(() => 2.1 + rnd.gauss(0, 0.02));
    const st = runFilter(hours(200), flat, { ...settings, beta: { mean: 0, sd: 0.02 } });
    expect(Math.abs(st.beta)).toBeLessThan(0.005);
    expect(crossingDistribution(st, 2, settings.drift, 7.1)!.quantile(0.5)).toBeNull();
  });

  it('on paths drawn from the model itself, the 80 % interval holds the crossing about 80 % of the time', () => {
    const r = seededRandom(12);
    const drift = 3e-4;
    let inside = 0;
    let n = 0;
    for (let k = 0; k < 300; k++) {
      const beta = Math.max(0.002, 0.02 + r.gauss(0, 0.01));
      const path = degradingPath({ phi: 2, onset: 0, a: -2, beta, drift, hours: 2000, rnd: r });
      const actual = path.findIndex((y) => y >= 7.1);
      if (actual < 30) continue;
      const at = 10 + r.int(actual - 10);
      const ysim = path.slice(0, at).map((y) => y + (y - 2) * r.gauss(0, 0.05) + r.gauss(0, 0.02));
      const st = runFilter(hours(at), ysim, { phi: 2, noise: 0.02, rho: 0.05, drift, beta: { mean: 0.02, sd: 0.01 } });
      const d = crossingDistribution(st, 2, drift, 7.1)!;
      const lo = d.quantile(0.1) ?? Infinity;
      const hi = d.quantile(0.9) ?? Infinity;
      n++;
      if (st.t + lo <= actual && actual <= st.t + hi + 1) inside++;
    }
    expect(n).toBeGreaterThan(200);
    expect(inside / n).toBeGreaterThan(0.7);
    expect(inside / n).toBeLessThan(0.92);
  });
});
