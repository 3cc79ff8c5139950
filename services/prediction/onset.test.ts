import { describe, expect, it } from 'vitest';
import { detectOnset } from './onset.ts';
import { seededRandom } from './random.ts';

const noisy = (n: number, f: (i: number) => number, sd: number, seed: number) => {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => f(i) + rnd.gauss(0, sd));
};

describe('onset of degradation (CUSUM with re-baselining)', () => {
  it('a flat healthy week then a rising month: onset found within a day of the truth', () => {
    for (const seed of [1, 2, 3]) {
      const truth = 7 * 24;
      // 2.2 mm/s, then a rise of 0.1 mm/s in the first day that speeds up (to 7 mm/s after a month).
      const values = noisy(truth + 30 * 24, (i) => 2.2 + (i < truth ? 0 : 0.004 * (i - truth) * Math.exp((i - truth) / 400)), 0.03, seed);
      const r = detectOnset(values)!;
      expect(r.onset).not.toBeNull();
      expect(Math.abs(r.onset! - truth)).toBeLessThanOrEqual(24);
      expect(r.alarm!).toBeGreaterThanOrEqual(r.onset!);
    }
  });

  it('a healthy series with hourly noise has no onset in three months', () => {
    const r = detectOnset(noisy(90 * 24, () => 2.2, 0.04, 4))!;
    expect(r.onset).toBeNull();
    expect(r.baseline.level).toBeCloseTo(2.2, 1);
  });

  it('a step that then stays flat (a restart, a new load) becomes the new baseline, not an onset', () => {
    const r = detectOnset(noisy(20 * 24, (i) => (i < 100 ? 2.0 : 2.4), 0.01, 5))!;
    expect(r.onset).toBeNull();
    expect(r.shifts).toHaveLength(1);
    expect(Math.abs(r.shifts[0]!.at - 100)).toBeLessThanOrEqual(3);
    expect(r.baseline.level).toBeCloseTo(2.4, 1);
  });

  it('a step too recent to tell whether it keeps growing is an onset', () => {
    const r = detectOnset(noisy(10 * 24, (i) => (i < 10 * 24 - 20 ? 2.0 : 2.4), 0.01, 6))!;
    expect(r.onset).not.toBeNull();
    expect(Math.abs(r.onset! - (10 * 24 - 20))).toBeLessThanOrEqual(2);
  });

  it('a run-in that settles lower re-learns the baseline downwards and never counts as onset', () => {
    const r = detectOnset(noisy(15 * 24, (i) => (i < 72 ? 2.8 : 2.3), 0.02, 7))!;
    expect(r.onset).toBeNull();
    expect(r.baseline.level).toBeCloseTo(2.3, 1);
  });

  it('says nothing before a day of data', () => {
    expect(detectOnset(noisy(20, () => 2, 0.01, 8))).toBeNull();
  });
});
