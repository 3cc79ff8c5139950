import { describe, expect, it } from 'vitest';
import { createRandom } from '../../simulators/random.ts';
import { estimateTrend, type Point } from './trend.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/** A reading every 6 hours for `days`, from a function of the day, with Gaussian noise. */
function series(days: number, f: (day: number) => number, noise = 0.1, seed = 1): Point[] {
  const rnd = createRandom(seed);
  const out: Point[] = [];
  for (let d = 0; d <= days; d += 0.25) out.push({ t: T0 + d * DAY, value: f(d) + rnd.gauss(0, noise) });
  return out;
}
const dayOf = (t: number) => (t - T0) / DAY;

describe('degradation trend and remaining useful life', () => {
  it('finds a linear degradation: the crossing within 10 % of the truth, inside the range', () => {
    // 2 mm/s rising 0.05 a day reaches 7.1 on day 102; estimated on day 60.
    const truth = (7.1 - 2) / 0.05;
    for (const seed of [1, 2, 3]) {
      const e = estimateTrend(
        series(60, (d) => 2 + 0.05 * d, 0.15, seed),
        { limit: 7.1, now: T0 + 60 * DAY },
      );
      expect(e.status).toBe('trend');
      expect(e.model).toBe('linear');
      expect(Math.abs(dayOf(e.crossing!.likely) - truth) / truth).toBeLessThan(0.1);
      expect(dayOf(e.crossing!.earliest)).toBeLessThanOrEqual(truth);
      expect(dayOf(e.crossing!.latest)).toBeGreaterThanOrEqual(truth);
      expect(e.slopePerDay).toBeCloseTo(0.05, 2);
    }
  });

  it('finds an accelerating degradation and says so: exponential, the crossing within 10 %', () => {
    // 2·e^(0.02·d) reaches 7.1 on day ln(3.55)/0.02 ≈ 63.4; estimated on day 45.
    const truth = Math.log(7.1 / 2) / 0.02;
    const e = estimateTrend(
      series(45, (d) => 2 * Math.exp(0.02 * d), 0.08),
      { limit: 7.1, now: T0 + 45 * DAY },
    );
    expect(e).toMatchObject({ status: 'trend', model: 'exponential' });
    expect(Math.abs(dayOf(e.crossing!.likely) - truth) / truth).toBeLessThan(0.1);
    expect(dayOf(e.crossing!.earliest)).toBeLessThanOrEqual(truth);
    expect(dayOf(e.crossing!.latest)).toBeGreaterThanOrEqual(truth);
    expect(e.summary).toMatch(/faster and faster/);
  });

  it('says "no trend" for noise around a constant instead of inventing one', () => {
    for (const seed of [1, 2, 3, 4]) {
      const e = estimateTrend(
        series(60, () => 3, 0.4, seed),
        { limit: 7.1, now: T0 + 60 * DAY },
      );
      expect(e.status, `seed ${seed}`).toBe('no_trend');
      expect(e.crossing).toBeNull();
    }
  });

  it('is not thrown by outliers (spikes in a tenth of the readings)', () => {
    const rnd = createRandom(9);
    const spiky = series(60, (d) => 2 + 0.05 * d, 0.15).map((p) => (rnd.chance(0.1) ? { ...p, value: p.value * 3 } : p));
    const e = estimateTrend(spiky, { limit: 7.1, now: T0 + 60 * DAY });
    expect(Math.abs(dayOf(e.crossing!.likely) - 102) / 102).toBeLessThan(0.1);
  });

  it('starts again after a repair: a recorded one, or a level drop in the data', () => {
    // Worn to 6.5 by day 45, repaired (back to 2), wearing again at 0.08 a day: 7.1 on day 45 + 63.75.
    const f = (d: number) => (d < 45 ? 2 + 0.1 * d : 2 + 0.08 * (d - 45));
    const truth = 45 + (7.1 - 2) / 0.08;
    const data = series(80, f, 0.12);
    for (const repairs of [[T0 + 45 * DAY], []]) {
      const e = estimateTrend(data, { limit: 7.1, now: T0 + 80 * DAY, repairs });
      expect(e.status).toBe('trend');
      expect(dayOf(e.from!)).toBeGreaterThanOrEqual(45);
      expect(Math.abs(dayOf(e.crossing!.likely) - truth) / truth).toBeLessThan(0.1);
    }
  });

  it('copes with gaps: a third of the readings missing in blocks', () => {
    const gappy = series(60, (d) => 2 + 0.05 * d, 0.15).filter((p) => Math.floor(dayOf(p.t) / 5) % 3 !== 1);
    const e = estimateTrend(gappy, { limit: 7.1, now: T0 + 60 * DAY });
    expect(Math.abs(dayOf(e.crossing!.likely) - 102) / 102).toBeLessThan(0.1);
  });

  it('says when it cannot say, and when the limit is already passed', () => {
    expect(
      estimateTrend(
        series(1, (d) => 2 + d),
        { limit: 7.1, now: T0 + DAY, minPoints: 10 },
      ).status,
    ).toBe('insufficient_data');
    const beyond = estimateTrend(
      series(30, (d) => 5 + 0.2 * d, 0.1),
      { limit: 7.1, now: T0 + 30 * DAY },
    );
    expect(beyond.status).toBe('beyond_limit');
    expect(beyond.summary).toMatch(/beyond the limit of 7.1/);
  });

  it('records when the estimate was made and on which readings', () => {
    const e = estimateTrend(
      series(60, (d) => 2 + 0.05 * d),
      { limit: 7.1, now: T0 + 60 * DAY },
    );
    expect(e).toMatchObject({ estimatedAt: T0 + 60 * DAY, from: T0, points: 241, confidence: 0.8 });
  });
});
