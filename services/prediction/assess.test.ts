import { describe, expect, it } from 'vitest';
import { assessIndicator, moreUrgent } from './assess.ts';
import { buildFleetPrior } from './fleet-prior.ts';
import { HOUR } from './hours.ts';
import { seededRandom } from './random.ts';
import { degradingPath, series, T0 } from './testing/synthetic.ts';
import type { HourBucket } from './types.ts';

const pump = { limit: 7.1, warning: 4.5, normal: 2.8 };
const flat = (n: number, seed: number, level = 2.2) => series(n, () => level, 0.04, seededRandom(seed));
/** A month flat at 2.2 mm/s, then an excess growing 4 % per hour from 0.05 mm/s: crosses 7.1 about 115 h after the onset. */
const failing = (n: number, seed: number) => series(n, (i) => (i < 720 ? 2.2 : 2.2 + 0.05 * Math.exp(0.04 * (i - 720))), 0.03, seededRandom(seed));

describe('assessing one indicator', () => {
  it('a healthy pump: normal, nothing to do, no crossing claimed', () => {
    const a = assessIndicator(flat(90 * 24, 1), { at: T0 + 90 * 24 * HOUR, ...pump });
    expect(a).toMatchObject({ state: 'normal', recommendation: 'none', crossing: null, rulHours: null, onset: null });
    expect(a.level!).toBeCloseTo(2.2, 1);
    expect(a.baseline!.level).toBeCloseTo(2.2, 1);
  });

  it('the verdict does not depend on the minute of the hour it is made', () => {
    const hours = failing(720 + 60, 2);
    const at = (min: number) => assessIndicator(hours, { at: T0 + (720 + 55) * HOUR + min * 60_000, ...pump });
    const a = at(0);
    for (const min of [1, 17, 30, 59]) {
      const b = at(min);
      expect(b.state).toBe(a.state);
      expect(b.recommendation).toBe(a.recommendation);
      expect(b.crossing).toEqual(a.crossing);
      expect(b.level).toBe(a.level);
    }
  });

  it('an hour still in progress is not used', () => {
    const hours = flat(100, 3);
    hours.push({ t: T0 + 100 * HOUR, mean: 50, max: 50, count: 1 });
    expect(assessIndicator(hours, { at: T0 + 100 * HOUR + 30 * 60_000, ...pump }).state).toBe('normal');
  });

  it('at or above the warning level is at limit (schedule a repair); at or above the limit is beyond it (repair now)', () => {
    const at = T0 + 200 * HOUR;
    const level = (v: number) => series(200, (i) => (i < 150 ? 2.2 : v), 0.01, seededRandom(4));
    expect(assessIndicator(level(5), { at, ...pump })).toMatchObject({ state: 'at_limit', recommendation: 'schedule_repair' });
    expect(assessIndicator(level(7.5), { at, ...pump })).toMatchObject({ state: 'beyond_limit', recommendation: 'repair_now', crossing: null });
  });

  it('a bearing going bad: onset near the truth, a crossing interval that holds the truth, a repair scheduled before the limit', () => {
    const truth = T0 + (720 + Math.log(4.9 / 0.05) / 0.04) * HOUR;
    // 85 h after the onset the level is ~3.5 mm/s: a rise of more than 25 % of the warning level.
    const a = assessIndicator(failing(720 + 85, 5), { at: T0 + (720 + 85) * HOUR, ...pump });
    expect(a.state).toBe('degrading');
    expect(Math.abs(a.onset! - (T0 + 720 * HOUR)) / HOUR).toBeLessThan(48);
    expect(a.crossing).not.toBeNull();
    expect(a.crossing!.low).toBeLessThanOrEqual(truth);
    expect(a.crossing!.high).toBeGreaterThanOrEqual(truth);
    expect(a.rulHours!.likely).toBeGreaterThan(0);
    expect(['schedule_repair', 'repair_now']).toContain(a.recommendation);
    expect(a.change).toBeGreaterThan(10);
  });

  it('history before the last repair is ignored', () => {
    const before = series(300, (i) => 2.2 + i * 0.01, 0.02, seededRandom(6));
    const after = flat(200, 7).map((h) => ({ ...h, t: h.t + 300 * HOUR }));
    const a = assessIndicator([...before, ...after], { at: T0 + 500 * HOUR, ...pump, repairs: [T0 + 300 * HOUR] });
    expect(a).toMatchObject({ state: 'normal', recommendation: 'none', onset: null });
    expect(a.baseline!.level).toBeCloseTo(2.2, 1);
  });

  it('no data: normal and nothing to do; less than a day: level only', () => {
    expect(assessIndicator([], { at: T0, ...pump })).toMatchObject({ state: 'normal', level: null, recommendation: 'none' });
    expect(assessIndicator(flat(10, 8), { at: T0 + 10 * HOUR, ...pump })).toMatchObject({ state: 'normal', baseline: null });
  });

  it('the most urgent recommendation of several indicators wins', () => {
    expect(moreUrgent('watch', 'schedule_repair')).toBe('schedule_repair');
    expect(moreUrgent('repair_now', 'none')).toBe('repair_now');
  });

  it('90 days of hourly buckets are assessed in well under 50 ms', () => {
    const hours = failing(90 * 24, 9).map((h) => ({ ...h, mean: Math.min(h.mean, 6) }));
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) assessIndicator(hours, { at: T0 + 90 * 24 * HOUR, ...pump });
    expect((performance.now() - t0) / 20).toBeLessThan(50);
  });
});

describe('intervals calibrated on the fleet’s past failures', () => {
  /** Failures of one "type": onset after two weeks, growth rates scattered around 3 % per hour, wandering. */
  const fleet = (count: number, seed: number): { hours: HourBucket[]; cross: number }[] => {
    const rnd = seededRandom(seed);
    return Array.from({ length: count }, () => {
      const beta = 0.03 * Math.exp(rnd.gauss(0, 0.4));
      const path = degradingPath({ phi: 2.2, onset: 336, a: Math.log(0.1), beta, drift: 1e-3, hours: 336 + 600, rnd });
      const end = path.findIndex((y) => y >= 7.5);
      const hours = series(end < 0 ? path.length : end + 1, (i) => path[i]!, 0.03, rnd).map((h, i) => ({
        ...h,
        mean: h.mean + (path[i]! - 2.2) * rnd.gauss(0, 0.08),
      }));
      return { hours, cross: path.findIndex((y) => y >= 7.1) };
    });
  };

  it('an 80 % interval learnt from 20 past failures holds about 80 % of new failures’ crossings', () => {
    const prior = buildFleetPrior(
      fleet(20, 21).map((f) => f.hours),
      { limit: 7.1 },
    );
    expect(prior.failures).toBeGreaterThanOrEqual(15);
    let inside = 0;
    let n = 0;
    for (const f of fleet(40, 22)) {
      if (f.cross < 0) continue;
      for (let h = 336 + 24; h < f.cross; h += 12) {
        const a = assessIndicator(f.hours, { at: T0 + h * HOUR, ...pump, prior });
        if (!a.crossing) continue;
        const truth = T0 + f.cross * HOUR;
        n++;
        if (a.crossing.low <= truth + HOUR && truth <= a.crossing.high + HOUR) inside++;
      }
    }
    expect(n).toBeGreaterThan(100);
    expect(inside / n).toBeGreaterThan(0.65);
    expect(inside / n).toBeLessThan(0.95);
  });
});
